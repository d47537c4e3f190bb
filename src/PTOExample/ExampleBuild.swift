/// Asks Make to build whatever one run of an example needs (runtime
/// binaries, orchestration, kernels) and returns its artifacts manifest path.
public struct ExampleBuild: Sendable {
    public var layout: ProjectLayout
    public var platform: String
    /// RUNTIME for Make; nil builds the runtime the example declares.
    public var runtime: String?
    public var verbose: Bool
    /// KERNEL_SOURCE for Make (auto, source, sim_source); nil leaves Make's.
    public var kernelSource: String?

    public init(layout: ProjectLayout, platform: String, runtime: String?, verbose: Bool, kernelSource: String? = nil) {
        self.layout = layout
        self.platform = platform
        self.runtime = runtime
        self.verbose = verbose
        self.kernelSource = kernelSource
    }

    public func build(example folder: String) throws(RunnerError) -> String {
        guard let make = ChildProcess.find("make") else {
            throw .toolNotFound(name: "make", hint: "install it with apt-get install make")
        }
        // -S: a caller's -k (make check's, in MAKEFLAGS) must not carry the
        // build past a failed config step into rules it never described.
        var arguments = [
            "--no-print-directory", "-S", "-C", layout.root, "example",
            "EXAMPLE=\(folder)", "PLATFORM=\(platform)", "PRINT_ARTIFACTS=1",
        ]
        if let runtime { arguments.append("RUNTIME=\(runtime)") }
        if verbose { arguments.append("V=1") }
        if let choice = kernelSource { arguments.append("KERNEL_SOURCE=\(choice)") }
        let child = ChildProcess(executable: make, arguments: arguments)
        // The same lock `make run` takes: concurrent runs build one at a time.
        let lock = try BuildLock(path: layout.root + "/build/.build.lock")
        let result = try child.run(captureOutput: true)
        lock.release()
        let marker = "PTO_ARTIFACTS="
        var manifest: String?
        for line in result.standardOutput.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix(marker) {
                manifest = String(line.dropFirst(marker.count))
            } else if !line.isEmpty {
                Console.error(String(line))
            }
        }
        guard result.exitCode == 0 else {
            throw .build(command: child.commandLine, exitCode: result.exitCode)
        }
        guard let path = manifest else { throw .buildOutputMissing(command: child.commandLine) }
        return path
    }
}
