import Foundation
import XCTest

/// pto-run over kernels that misbehave in every way a kernel can (the
/// tests/fixtures/misbehaving_kernels example): each bad case fails on its
/// own line, the runner survives, and the next case runs on a working
/// (fresh, where needed) simulated device.
final class DeviceIsolationTests: XCTestCase {
    static let fixture = Project.root + "/tests/fixtures/misbehaving_kernels"

    override func setUpWithError() throws {
        guard FileManager.default.isExecutableFile(atPath: Project.ptoRun) else {
            throw XCTSkip("build pto-run first (make build): \(Project.ptoRun) is missing")
        }
    }

    /// The FAIL or PASS line of one case.
    private func line(_ output: String, case index: Int) -> String {
        output.split(separator: "\n").first {
            $0.hasPrefix("FAIL misbehaving_kernels case \(index) ")
                || $0.hasPrefix("PASS misbehaving_kernels case \(index) ")
                || $0.hasPrefix("NOT RUN misbehaving_kernels case \(index) ")
        }.map(String.init) ?? "(no line for case \(index))"
    }

    func testEveryMisbehavingKernelFailsItsCaseAndTheNextCaseRuns() throws {
        try checkEveryMisbehavingKernel(runHere: "never")
    }

    /// The same reports when the schedulers run every unit themselves (as
    /// they do on a busy host): a fault, a hang, an overflow or a refused
    /// close in a kernel on a scheduler thread reads as it does on a worker.
    func testMisbehavingKernelsRunByTheSchedulersAreReportedTheSame() throws {
        try checkEveryMisbehavingKernel(runHere: "always")
    }

    private func checkEveryMisbehavingKernel(runHere: String) throws {
        let r = try runCommand(Project.ptoRun, [Self.fixture, "--timeout", "1", "--quiet"],
                               environment: ["PTO_SIM_RUN_HERE": runHere])
        XCTAssertEqual(r.status, 1, r.combined)
        let out = r.stdout
        let expected: [(Int, [String])] = [
            (0, ["PTO_ERR_KERNEL_FAULT", "SIGSEGV (invalid memory access: a write to address 0x",
                 "0 byte(s) past the end of device buffer 'out' (device_malloc #",
                 "4096 bytes at 0x", "the kernel ran past the end of its buffer"]),
            (1, ["PTO_ERR_KERNEL_FAULT", "4 byte(s) before the start of device buffer 'out'"]),
            (2, ["PTO_ERR_KERNEL_FAULT", "SIGSEGV (invalid memory access: a read of address 0x",
                 "is not device memory: it lies in host buffer 'a' (4096 bytes at ",
                 "a host pointer reached a kernel"]),
            (3, ["PTO_ERR_DEVICE_LOST", "was killed by SIGABRT (Aborted) during the launch",
                 "tasks running then: task 0 (func_id 0, kernel_misbehave.cpp) on worker "]),
            (4, ["PTO_ERR_DEVICE_LOST", "was killed by SIGABRT (Aborted) during the launch"]),
            (5, ["PTO_ERR_DEVICE_LOST", "exited with code 3 during the launch"]),
            (6, ["PTO_ERR_KERNEL_FAULT", "SIGTRAP (trace/breakpoint trap"]),
            (7, ["PTO_ERR_TIMEOUT", "made no progress for 1.0 s",
                 "the simulated device was reset to stop it"]),
            (11, ["PTO_ERR_KERNEL_FAULT", "SIGSEGV (invalid memory access: a write to address 0x",
                  "0 byte(s) past the end of device buffer 'scratch' (device_malloc #"]),
            (12, ["PTO_ERR_KERNEL_FAULT", "lies just under the worker thread's stack: the kernel overflowed its stack"]),
            (13, ["PTO_ERR_DEVICE", "code this launch ran closed or replaced the device's own stdout stream, "
                  + "out of the descriptor guard's reach"]),
            (8, ["PTO_ERR_KERNEL_FAULT", "task 0, func_id 0 (kernel_misbehave.cpp), on worker ",
                 "SIGSYS (a call the simulated device refuses: close(1), the device's stdout) at kernel offset",
                 "a kernel may not close or replace the simulated device's own descriptors"]),
        ]
        for (index, parts) in expected {
            let text = line(out, case: index)
            XCTAssertTrue(text.hasPrefix("FAIL "), "case \(index): \(text)")
            for part in parts { XCTAssertTrue(text.contains(part), "case \(index) lacks \(part): \(text)") }
        }
        // The last lines the device wrote come with the report (the line
        // after the FAIL line), and were shown as they came.
        XCTAssertTrue(out.contains("its last lines on stderr:\n    kernel_misbehave: cannot go on, aborting"), out)
        XCTAssertTrue(out.contains("what():  kernel_misbehave gives up"), out)
        XCTAssertTrue(r.stderr.contains("kernel_misbehave: cannot go on, aborting"), r.stderr)
        // The thread that ran the kernel of the case that behaves.
        let thread = runHere == "always" ? "pto-aicpu\n" : "pto-aiv\n"
        XCTAssertTrue(r.stderr.contains("kernel_misbehave: behaved, on thread \(thread)"), r.stderr)
        // Source lines where the kernel object tells them.
        let source = Self.fixture + "/kernels/aiv/kernel_misbehave.cpp"
        XCTAssertTrue(out.contains("faulting instruction: \(source):"), out)
        XCTAssertTrue(out.contains("diagnosis: hung kernel"), out)
        // The close is named at its line.
        let closeLine = try lineNumber(of: "close(fd)", in: source)
        XCTAssertTrue(out.contains("faulting instruction: \(source):\(closeLine) in kernel_entry"), out)
        // A kernel that forks: the child that runs a command and the copy
        // that goes on leave the case passing and the device whole.
        for index in [9, 10, 14, 15] {
            XCTAssertTrue(line(out, case: index).hasPrefix("PASS misbehaving_kernels case \(index) "), out)
        }
        XCTAssertTrue(out.hasSuffix("4 passed, 12 failed\n"), out)
        // What the kernel started ended with the device (the runner is gone).
        let until = Date().addingTimeInterval(10)
        let started = ["sleep 47.25", "sleep 47.26"]
        while started.contains(where: { !processes(withCommandLine: $0).isEmpty }) && Date() < until {
            Thread.sleep(forTimeInterval: 0.05)
        }
        for line in started {
            XCTAssertEqual(processes(withCommandLine: line), [], "a kernel's \(line) outlived its device")
        }
    }

    /// When no fresh device can be brought up after one was lost, the cases
    /// left are listed as not run and counted.
    func testCasesThatCannotRunAreListedAndCounted() throws {
        let scratch = Project.root + "/build/tests/device-once-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        // A device program that starts the real one once, then refuses.
        let wrapper = scratch + "/device-once"
        try """
            #!/bin/sh
            if [ -e "\(scratch)/started" ]; then echo "device-once: refusing a second start" >&2; exit 7; fi
            touch "\(scratch)/started"
            exec "\(Project.runtimeDir)/pto_sim_device" "$@"
            """.write(toFile: wrapper, atomically: true, encoding: .utf8)
        chmod(wrapper, 0o755)
        let r = try runCommand(
            Project.ptoRun, [Self.fixture, "--quiet"], environment: ["PTO_SIM_DEVICE_PROGRAM": wrapper])
        XCTAssertEqual(r.status, 1, r.combined)
        XCTAssertTrue(line(r.stdout, case: 3).contains("PTO_ERR_DEVICE_LOST"), r.stdout)
        let notRun = line(r.stdout, case: 4)
        XCTAssertTrue(notRun.hasPrefix("NOT RUN misbehaving_kernels case 4 "), r.stdout)
        XCTAssertTrue(notRun.contains("no device after case 3"), notRun)
        XCTAssertTrue(r.stdout.contains("exited with code 7"), r.stdout)
        XCTAssertTrue(r.stdout.contains("device-once: refusing a second start"), r.stdout)
        XCTAssertTrue(r.stdout.hasSuffix("0 passed, 4 failed, 12 not run (case 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15)\n"), r.stdout)
    }

    /// A runner killed outright takes its device process along.
    func testKillingTheRunnerLeavesNoDeviceProcess() throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Project.ptoRun)
        process.arguments = [Self.fixture, "--case", "7", "--timeout", "60", "--quiet"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        // The hanging case keeps the device busy; find its process.
        var device: Int32 = 0
        let until = Date().addingTimeInterval(120)
        while device == 0 && Date() < until {
            device = childProcess(of: process.processIdentifier, named: "pto_sim_device") ?? 0
            if device == 0 { Thread.sleep(forTimeInterval: 0.05) }
        }
        XCTAssertNotEqual(device, 0, "no device process appeared under pto-run")
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        let gone = Date().addingTimeInterval(10)
        while processExists(device) && Date() < gone { Thread.sleep(forTimeInterval: 0.05) }
        XCTAssertFalse(processExists(device), "device process \(device) outlived its runner")
    }
}

/// Live processes whose command line (arguments joined by spaces) is `line`.
func processes(withCommandLine line: String) -> [Int32] {
    guard let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return [] }
    return entries.compactMap { entry -> Int32? in
        guard let pid = Int32(entry), processExists(pid),
            let data = FileManager.default.contents(atPath: "/proc/\(entry)/cmdline")
        else { return nil }
        let words = data.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
        return words.joined(separator: " ") == line ? pid : nil
    }
}

/// The 1-based line of the first line of `file` that contains `text`.
func lineNumber(of text: String, in file: String) throws -> Int {
    let lines = try String(contentsOfFile: file, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
    guard let index = lines.firstIndex(where: { $0.contains(text) }) else {
        throw NSError(domain: "lineNumber", code: 1, userInfo: [NSLocalizedDescriptionKey: "\(file) has no \(text)"])
    }
    return index + 1
}

/// A child of `parent` running `name`, by /proc.
func childProcess(of parent: Int32, named name: String) -> Int32? {
    guard let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return nil }
    for entry in entries {
        guard let pid = Int32(entry),
            let stat = try? String(contentsOfFile: "/proc/\(entry)/stat", encoding: .utf8),
            let open = stat.firstIndex(of: "("), let close = stat.lastIndex(of: ")")
        else { continue }
        let command = stat[stat.index(after: open)..<close]
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        if command == name, fields.count > 1, Int32(fields[1]) == parent { return pid }
    }
    return nil
}

/// Whether `pid` is alive (a zombie waiting for its parent counts as gone).
func processExists(_ pid: Int32) -> Bool {
    guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
        let close = stat.lastIndex(of: ")")
    else { return false }
    let fields = stat[stat.index(after: close)...].split(separator: " ")
    return fields.first != "Z"
}
