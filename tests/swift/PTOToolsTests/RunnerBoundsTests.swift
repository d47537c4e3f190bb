import Foundation
import XCTest

/// The runner's helpers are bounded and die with it; kernel_config.py
/// either yields a complete fresh description or fails.
final class RunnerBoundsTests: XCTestCase {
    /// Starts pto-run on `example`, waits (bounded) until `marker` exists
    /// (written by a helper with its pid), sends `signal`, and returns how
    /// the runner ended and the helper's pid.
    private func interrupt(
        _ example: String, marker: String, with number: Int32, tmp: String
    ) throws -> (reason: Process.TerminationReason, status: Int32, helper: pid_t) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Project.ptoRun)
        process.arguments = [example]
        process.environment = ProcessInfo.processInfo.environment.merging(["TMPDIR": tmp]) { $1 }
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let until = Date().addingTimeInterval(300)  // a cold build of the copy comes first
        var text: String?
        while text == nil, Date() < until, process.isRunning {
            usleep(50_000)
            text = try? String(contentsOfFile: marker, encoding: .utf8)
        }
        guard let pidText = text, let helper = pid_t(pidText.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            process.terminate()
            XCTFail("the helper never started")
            return (.exit, -1, 0)
        }
        kill(process.processIdentifier, number)
        process.waitUntilExit()
        return (process.terminationReason, process.terminationStatus, helper)
    }

    private func gone(_ pid: pid_t) -> Bool {
        let until = Date().addingTimeInterval(10)
        while Date() < until {
            if kill(pid, 0) != 0 { return true }
            usleep(20_000)
        }
        return false
    }

    func testInterruptDuringTheGoldenStepEndsItsPythonAndRemovesTheScratchFolder() throws {
        let dir = try Project.copyExample("vector_example", as: "interrupted_golden")
        let marker = dir + "/golden-started"
        try replaceInFile(
            dir + "/golden.py", "def generate_inputs(params):",
            "def generate_inputs(params):\n    import os, time\n    open(\"\(marker)\", \"w\").write(str(os.getpid()))\n    time.sleep(300)"
        )
        let tmp = Project.root + "/build/tests/tmp-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: tmp, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: tmp) }
        let ended = try interrupt(dir, marker: marker, with: SIGINT, tmp: tmp)
        XCTAssertEqual(ended.reason, .uncaughtSignal)
        XCTAssertEqual(ended.status, SIGINT)
        XCTAssertTrue(gone(ended.helper), "golden.py's Python \(ended.helper) outlived the runner")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: tmp), [])
    }

    func testTerminationDuringTheBuildEndsMakeAndTheConfigStep() throws {
        let dir = try Project.copyExample("vector_example", as: "terminated_build")
        let marker = dir + "/config-started"
        let config = dir + "/kernels/kernel_config.py"
        let original = try String(contentsOfFile: config, encoding: .utf8)
        try ("import os, time\nopen(\"\(marker)\", \"w\").write(str(os.getpid()))\ntime.sleep(50)\n" + original)
            .write(toFile: config, atomically: true, encoding: .utf8)
        let tmp = Project.root + "/build/tests/tmp-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: tmp, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: tmp) }
        let ended = try interrupt(dir, marker: marker, with: SIGTERM, tmp: tmp)
        XCTAssertEqual(ended.reason, .uncaughtSignal)
        XCTAssertEqual(ended.status, SIGTERM)
        XCTAssertTrue(gone(ended.helper), "kernel_config.py's Python \(ended.helper) outlived the runner")
    }

    func testAGoldenThatNeverReturnsIsStoppedByItsBound() throws {
        let dir = try Project.copyExample("vector_example", as: "endless_golden")
        try replaceInFile(
            dir + "/golden.py", "def compute_golden(tensors, params):",
            "def compute_golden(tensors, params):\n    while True:\n        pass")
        let r = try runCommand(Project.ptoRun, [dir, "--golden-timeout", "3"])
        XCTAssertEqual(r.status, 2, r.combined)
        XCTAssertTrue(
            r.stderr.contains(
                "endless_golden/golden.py: compute_golden for case 0 ({'rows': 128, 'cols': 128, 'seed': 0}) was still running when the golden step's bound of 3 s ran out"
            ), r.stderr)
        XCTAssertTrue(r.stderr.contains("pto-run --golden-timeout SECONDS raises the bound"), r.stderr)
    }

    func testKernelConfigThatExitsNeverLeavesAStaleDescription() throws {
        let dir = try Project.copyExample("vector_example", as: "exiting_config")
        XCTAssertEqual(try runCommand(Project.ptoRun, [dir, "--case", "2", "--quiet"]).status, 0)
        let config = dir + "/kernels/kernel_config.py"
        let original = try String(contentsOfFile: config, encoding: .utf8)
        try ("import sys\nsys.exit(0)\n" + original).write(toFile: config, atomically: true, encoding: .utf8)
        let exits = try runCommand(Project.ptoRun, [dir, "--case", "2"])
        XCTAssertEqual(exits.status, 2, exits.combined)
        XCTAssertTrue(
            exits.stderr.contains("exiting_config/kernels/kernel_config.py: called sys.exit(0) while being read"),
            exits.stderr)
        XCTAssertFalse(exits.stdout.contains("PASS"), exits.stdout)
        try ("import os\nos._exit(0)\n" + original).write(toFile: config, atomically: true, encoding: .utf8)
        let quits = try runCommand(Project.ptoRun, [dir, "--case", "2"])
        XCTAssertEqual(quits.status, 2, quits.combined)
        XCTAssertTrue(quits.stderr.contains("ended the config step before it finished"), quits.stderr)
        XCTAssertFalse(quits.stdout.contains("PASS"), quits.stdout)
        try original.replacingOccurrences(of: "\"func_id\": 0,", with: "\"func_id\": 2**31,")
            .write(toFile: config, atomically: true, encoding: .utf8)
        let large = try runCommand(Project.ptoRun, [dir, "--case", "2"])
        XCTAssertEqual(large.status, 2, large.combined)
        XCTAssertTrue(
            large.stderr.contains("KERNELS[0] func_id 2147483648 must be an integer from 0 to 2147483647"),
            large.stderr)
        try ("while True:\n    pass\n" + original).write(toFile: config, atomically: true, encoding: .utf8)
        let endless = try runCommand(Project.ptoRun, [dir, "--case", "2"], environment: ["PTO_CONFIG_TIMEOUT": "2"])
        XCTAssertEqual(endless.status, 2, endless.combined)
        XCTAssertTrue(endless.stderr.contains("kernel_config.py: still running after 2 s"), endless.stderr)
    }

    func testPathsWithShellOrMakeSyntaxAreRefusedNamingTheCharacter() throws {
        for (name, what) in [("has#hash", "'#'"), ("has'quote", "a quote (')"), ("has$dollar", "'$'")] {
            let dir = try Project.copyExample("vector_example", as: name)
            defer { try? FileManager.default.removeItem(atPath: dir) }
            let r = try runCommand(Project.ptoRun, [dir])
            XCTAssertEqual(r.status, 2, r.combined)
            XCTAssertTrue(
                r.stderr.contains("example path '\(dir)' contains \(what), which make or the shell would read as syntax"),
                r.stderr)
        }
    }
}
