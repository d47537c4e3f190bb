import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// Runs helper programs (make, python). Standard error always goes straight
/// to the user, so compiler and Python messages appear as they are written.
struct ChildProcess {
    struct Result {
        var exitCode: Int32
        var standardOutput: String
    }

    var executable: String
    var arguments: [String]
    var workingDirectory: String?

    var commandLine: String { ([executable] + arguments).joined(separator: " ") }

    /// Runs to completion. With `captureOutput` stdout is collected and
    /// returned; otherwise it is inherited.
    func run(captureOutput: Bool) throws(RunnerError) -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let dir = workingDirectory { process.currentDirectoryURL = URL(fileURLWithPath: dir) }
        // A preload (a sanitizer runtime, say) is meant for the runtime
        // libraries loaded into this process, not for make or Python.
        var environment = ProcessInfo.processInfo.environment
        environment.removeValue(forKey: "LD_PRELOAD")
        // A make started from here is a top-level make: a parent make's
        // jobserver descriptors are not inherited, so its flags must not be.
        for key in ["MAKEFLAGS", "MFLAGS", "MAKELEVEL"] { environment.removeValue(forKey: key) }
        process.environment = environment
        // Captured output goes to an unlinked temporary file, read once the
        // child has exited: no pipe, whose descriptors Foundation closes on a
        // thread of its own while this one would still be reading.
        let capture: UnsafeMutablePointer<FILE>? = captureOutput ? tmpfile() : nil
        defer { if let capture { fclose(capture) } }
        if captureOutput {
            guard let capture else {
                throw .toolNotFound(name: executable, hint: "no temporary file for its output (errno \(errno))")
            }
            process.standardOutput = FileHandle(fileDescriptor: fileno(capture), closeOnDealloc: false)
        }
        do {
            try process.run()
        } catch {
            throw .toolNotFound(name: executable, hint: "could not start it: \(error.localizedDescription)")
        }
        RunnerCleanup.started(child: process.processIdentifier)
        defer { RunnerCleanup.ended(child: process.processIdentifier) }
        process.waitUntilExit()
        RunnerCleanup.holdIfEnding()
        var output = Data()
        if let capture {
            lseek(fileno(capture), 0, SEEK_SET)
            output = FileHandle(fileDescriptor: fileno(capture), closeOnDealloc: false).readDataToEndOfFile()
        }
        return Result(
            exitCode: process.terminationStatus,
            standardOutput: String(decoding: output, as: UTF8.self))
    }

    /// Finds a program on PATH.
    static func find(_ name: String) -> String? {
        if name.contains("/") { return FileManager.default.isExecutableFile(atPath: name) ? name : nil }
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for dir in path.split(separator: ":") {
            let candidate = "\(dir)/\(name)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }
}
