import Foundation
import XCTest

/// Paths of the project under test and helpers to run its built tools.
enum Project {
    static let root: String = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().path

    static var ptoRun: String { root + "/build/swift/debug/pto-run" }
    static var runtimeDir: String { root + "/build/a2a3sim/host_build_graph" }

    /// A scratch example folder under build/tests/examples, made from a copy
    /// of an example in kernels/. Lives in the build tree, so its build
    /// outputs have a stable home and `make clean` removes both.
    static func copyExample(_ name: String, as copy: String) throws -> String {
        let dest = root + "/build/tests/examples/" + copy
        let fm = FileManager.default
        try? fm.removeItem(atPath: dest)
        try fm.createDirectory(atPath: root + "/build/tests/examples", withIntermediateDirectories: true)
        try fm.copyItem(atPath: root + "/kernels/" + name, toPath: dest)
        return dest
    }
}

struct CommandResult {
    var status: Int32
    var stdout: String
    var stderr: String
    var combined: String { stdout + stderr }
}

/// Runs a program to completion with its output captured. A program still
/// running after `bound` seconds (generous: builds share the machine with
/// other suites) is killed, and the test fails saying so.
func runCommand(
    _ executable: String, _ arguments: [String],
    environment extra: [String: String] = [:], bound: TimeInterval = 600
) throws -> CommandResult {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    if !extra.isEmpty {
        process.environment = ProcessInfo.processInfo.environment.merging(extra) { $1 }
    }
    let out = Pipe()
    let err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    let watchdog = DispatchWorkItem { [process] in
        if process.isRunning {
            XCTFail("\(executable) \(arguments.joined(separator: " ")) still ran after \(Int(bound)) s: killed")
            kill(process.processIdentifier, SIGKILL)
        }
    }
    DispatchQueue.global().asyncAfter(deadline: .now() + bound, execute: watchdog)
    defer { watchdog.cancel() }
    // Read both pipes concurrently so neither fills and blocks the child.
    let errData = LockedData()
    let group = DispatchGroup()
    group.enter()
    DispatchQueue.global().async {
        errData.set(err.fileHandleForReading.readDataToEndOfFile())
        group.leave()
    }
    let outData = out.fileHandleForReading.readDataToEndOfFile()
    group.wait()
    process.waitUntilExit()
    return CommandResult(
        status: process.terminationStatus,
        stdout: String(decoding: outData, as: UTF8.self),
        stderr: String(decoding: errData.get(), as: UTF8.self))
}

final class LockedData: @unchecked Sendable {
    private var data = Data()
    private let lock = NSLock()
    func set(_ d: Data) {
        lock.lock()
        data = d
        lock.unlock()
    }
    func get() -> Data {
        lock.lock()
        defer { lock.unlock() }
        return data
    }
}

func replaceInFile(_ path: String, _ old: String, _ new: String) throws {
    let text = try String(contentsOfFile: path, encoding: .utf8)
    XCTAssertTrue(text.contains(old), "\(path) does not contain \(old)")
    try text.replacingOccurrences(of: old, with: new).write(toFile: path, atomically: true, encoding: .utf8)
}

/// `make run ...` in the project, as a user types it.
func makeRun(_ arguments: [String]) throws -> CommandResult {
    try runCommand("/usr/bin/env", ["make", "-C", Project.root, "--no-print-directory", "run"] + arguments)
}
