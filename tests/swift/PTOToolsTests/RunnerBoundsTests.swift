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

    /// SIGKILL gives the runner no chance to clean up: the golden helper
    /// still ends with it (parent-death signal), never working on alone.
    func testTheGoldenHelperDiesWithARunnerKilledOutright() throws {
        let dir = try Project.copyExample("vector_example", as: "killed_golden")
        let marker = dir + "/golden-started"
        try replaceInFile(
            dir + "/golden.py", "def generate_inputs(params):",
            "def generate_inputs(params):\n    import os, time\n    open(\"\(marker)\", \"w\").write(str(os.getpid()))\n    time.sleep(300)"
        )
        let tmp = Project.root + "/build/tests/tmp-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: tmp, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: tmp) }
        let ended = try interrupt(dir, marker: marker, with: SIGKILL, tmp: tmp)
        XCTAssertEqual(ended.status, SIGKILL)
        XCTAssertTrue(gone(ended.helper), "golden.py's Python \(ended.helper) outlived a killed runner")
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

    func testKernelConfigOutputReachesTheUserNeverTheBuildsVariables() throws {
        let dir = try Project.copyExample("vector_example", as: "printing_config")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let config = dir + "/kernels/kernel_config.py"
        let original = try String(contentsOfFile: config, encoding: .utf8)
        // From Python and from a child process writing to descriptor 1.
        try ("import os\nprint('config says hello')\nos.system('echo child says hello')\n" + original)
            .write(toFile: config, atomically: true, encoding: .utf8)
        let r = try makeRun(["EXAMPLE=" + dir, "PTO_RUN_FLAGS=--case 2 --quiet"])
        XCTAssertEqual(r.status, 0, r.combined)
        XCTAssertTrue(r.stdout.contains("PASS printing_config case 2"), r.combined)
        XCTAssertFalse(r.combined.contains("is not a runtime"), r.combined)
        XCTAssertTrue(r.stderr.contains("config says hello"), r.stderr)
        XCTAssertTrue(r.stderr.contains("child says hello"), r.stderr)
        XCTAssertFalse(r.stdout.contains("says hello"), r.stdout)
    }

    func testMakeRunsEveryPythonStepWithThePythonGiven() throws {
        let dir = Project.root + "/build/tests/python-choice-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // A Python that notes each script it runs, then runs it.
        let wrapper = dir + "/python"
        try "#!/bin/sh\necho \"$1\" >> \(dir)/ran\nexec python3 \"$@\"\n"
            .write(toFile: wrapper, atomically: true, encoding: .utf8)
        chmod(wrapper, 0o755)
        let r = try makeRun(["EXAMPLE=vector_example", "PYTHON=" + wrapper, "PTO_RUN_FLAGS=--case 2 --quiet"])
        XCTAssertEqual(r.status, 0, r.combined)
        let ran = (try? String(contentsOfFile: dir + "/ran", encoding: .utf8)) ?? ""
        XCTAssertTrue(ran.contains("example_golden.py"), "the golden step ran another Python: \(ran)")
    }

    func testAnOrchestrationForAnotherRuntimeIsNamedBeforeAnyCompile() throws {
        let dir = try Project.copyExample("vector_example", as: "other_runtime")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let r = try makeRun(["EXAMPLE=" + dir, "RUNTIME=tensormap_and_ringbuffer"])
        XCTAssertNotEqual(r.status, 0, r.combined)
        XCTAssertTrue(
            r.stderr.contains(
                "includes \"runtime.h\", host_build_graph's orchestration API: the orchestration is written for "
                    + "host_build_graph and RUNTIME=tensormap_and_ringbuffer was asked for"), r.stderr)
        XCTAssertFalse(r.combined.contains("runtime.h: No such file"), r.combined)  // no compiler ran
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

/// What the user's code prints and what the runner prints stay apart.
final class OutputOrderTests: XCTestCase {
    func testOrchestrationOutputComesBeforeItsCaseLineNeverInsideIt() throws {
        let dir = try Project.copyExample("vector_example", as: "chatty_orchestration")
        try replaceInFile(
            dir + "/kernels/orchestration/example_orch.cpp",
            "extern \"C\" int build_example_graph(Runtime* rt, uint64_t* args, int arg_count) {",
            "extern \"C\" int build_example_graph(Runtime* rt, uint64_t* args, int arg_count) {\n"
                + "    std::printf(\"orchestration says hello\");  // no newline, no flush\n")
        let r = try runCommand(Project.ptoRun, [dir, "--quiet"])
        XCTAssertEqual(r.status, 0, r.combined)
        let lines = r.stdout.split(separator: "\n").map(String.init)
        // Each case's PASS line starts a line of its own, after what the
        // orchestration printed for that case.
        for index in 0..<3 {
            let pass = try XCTUnwrap(
                lines.firstIndex { $0.hasPrefix("PASS chatty_orchestration case \(index) ") }, r.stdout)
            XCTAssertTrue(lines[pass - 1].hasSuffix("orchestration says hello"), r.stdout)
        }
        XCTAssertEqual(lines.last, "3 passed, 0 failed", r.stdout)
    }
}

/// Messages that used to mislead.
final class RunnerMessageTests: XCTestCase {
    func testOptionsAreCheckedBeforeAnythingRuns() throws {
        let unwritable = try runCommand(Project.ptoRun, ["vector_example", "--trace", "/nonexistent/t.json"])
        XCTAssertEqual(unwritable.status, 64, unwritable.combined)
        XCTAssertTrue(
            unwritable.stderr.contains(
                "--trace /nonexistent/t.json: cannot write there (the folder /nonexistent is missing or not writable)"),
            unwritable.stderr)
        let both = try runCommand(
            Project.ptoRun, ["vector_example", "--kernel-source", "source", "--artifacts", "/x/artifacts.json"])
        XCTAssertEqual(both.status, 64, both.combined)
        XCTAssertTrue(both.stderr.contains("with make run choose with KERNEL_SOURCE="), both.stderr)
        let tiny = try runCommand(Project.ptoRun, ["vector_example", "--timeout", "1e-6"])
        XCTAssertEqual(tiny.status, 64, tiny.combined)
        XCTAssertTrue(tiny.stderr.contains("--timeout 1e-06 is out of range"), tiny.stderr)
    }

    /// An orchestration that ends the process: the status is kept (exit
    /// handlers cannot change it), and the line before it names the
    /// orchestration, where the runner used to end without a word.
    func testAnOrchestrationThatCallsExitIsNamed() throws {
        let dir = try Project.copyExample("vector_example", as: "exiting_orchestration")
        try replaceInFile(
            dir + "/kernels/orchestration/example_orch.cpp",
            "extern \"C\" int build_example_graph(Runtime* rt, uint64_t* args, int arg_count) {",
            "#include <cstdlib>\nextern \"C\" int build_example_graph(Runtime* rt, uint64_t* args, int arg_count) {\n"
                + "    std::exit(3);\n")
        let r = try runCommand(Project.ptoRun, [dir])
        XCTAssertEqual(r.status, 3, r.combined)
        XCTAssertTrue(
            r.stderr.contains(
                "pto runtime: orchestration build_example_graph (example_orch.cpp) called exit(3) while init_runtime ran it "
                    + "(an orchestration fails by returning a non-zero status)"),
            r.stderr)
        // exit(0) would read as success: the runner ends with 1 instead, saying why.
        try replaceInFile(dir + "/kernels/orchestration/example_orch.cpp", "std::exit(3);", "std::exit(0);")
        let zero = try runCommand(Project.ptoRun, [dir])
        XCTAssertEqual(zero.status, 1, zero.combined)
        XCTAssertTrue(
            zero.stderr.contains(
                "pto-run: the orchestration ended the process with exit(0) before its case finished; exiting with 1"),
            zero.stderr)
    }

    func testAMissingKernelSourceIsNamedOnce() throws {
        let dir = try Project.copyExample("vector_example", as: "missing_source")
        try FileManager.default.removeItem(atPath: dir + "/kernels/aiv/kernel_add.cpp")
        let r = try runCommand(Project.ptoRun, [dir])
        XCTAssertEqual(r.status, 2, r.combined)
        XCTAssertTrue(
            r.stderr.contains("KERNELS[0] sim_source \(dir)/kernels/aiv/kernel_add.cpp does not exist"), r.stderr)
        XCTAssertFalse(r.stderr.contains("source source"), r.stderr)
    }

    func testRelativeOutputPathsAreTakenFromWhereTheUserWas() throws {
        let caller = Project.root + "/build/tests/caller-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: caller, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: caller) }
        let r = try runCommand(
            Project.ptoRun, ["vector_example", "--case", "2", "--quiet", "--json-summary", "summary.json"],
            environment: ["PTO_RUN_CALLER_DIR": caller])
        XCTAssertEqual(r.status, 0, r.combined)
        XCTAssertTrue(FileManager.default.fileExists(atPath: caller + "/summary.json"))
    }
}

/// vector_example copies broken one way each, run as a user would.
final class BrokenExampleTests: XCTestCase {
    /// Copies vector_example as `name`, replaces `old` with `new` in `file`
    /// (relative to the copy), and runs pto-run on it with `arguments`.
    private func runBroken(
        as name: String, file: String, replacing old: String, with new: String, _ arguments: [String]
    ) throws -> CommandResult {
        let dir = try Project.copyExample("vector_example", as: name)
        try replaceInFile(dir + "/" + file, old, new)
        return try runCommand(Project.ptoRun, [dir] + arguments)
    }

    /// kernel_config.py says AIC, the orchestration adds the task as AIV:
    /// refused before launch, naming task, func_id and both core types.
    func testATaskOnTheOtherCoreTypeIsRefusedBeforeLaunch() throws {
        let r = try runBroken(
            as: "wrong_core_type", file: "kernels/kernel_config.py",
            replacing: "\"kernel_add.cpp\"), \"core_type\": \"aiv\"", with: "\"kernel_add.cpp\"), \"core_type\": \"aic\"",
            ["--case", "0", "--quiet"])
        XCTAssertEqual(r.status, 1, r.combined)
        XCTAssertTrue(
            r.stdout.contains(
                "task 0 runs func_id 0 (kernel_add.cpp) as AIV, but kernel_config.py declares it \"core_type\": \"aic\"; "
                    + "add the task with CoreType::AIC or correct core_type (nothing was run)"), r.stdout)
    }

    /// An output the orchestration never recorded for copy-back is named as
    /// such, not left as a generic mismatch.
    func testAnOutputNeverRecordedForCopyBackIsNamed() throws {
        let r = try runBroken(
            as: "unrecorded_output", file: "kernels/orchestration/example_orch.cpp",
            replacing: "rt->record_tensor_pair(host_f, f, bytes);", with: "(void)host_f;  // recorded no more",
            ["--case", "0", "--quiet"])
        XCTAssertEqual(r.status, 1, r.combined)
        XCTAssertTrue(
            r.stdout.contains(
                "  f was never recorded for copy-back (record_tensor_pair): its values are the ones golden.py's "
                    + "generate_inputs gave it (zeros, or its inputs)"), r.stdout)
    }

    /// A kernel including a header from a path with ':' builds, builds again
    /// (its dependency file once broke every later build), and a change to
    /// the header rebuilds it.
    func testAHeaderUnderAPathWithAColonIsTracked() throws {
        let folder = Project.root + "/build/tests/inc:" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try "#pragma once\nconstexpr float kOffset = 0.0f;\n".write(
            toFile: folder + "/offset.h", atomically: true, encoding: .utf8)
        let dir = try Project.copyExample("vector_example", as: "colon_header")
        try replaceInFile(
            dir + "/kernels/aiv/kernel_mul.cpp", "#include <cstdint>", "#include <cstdint>\n#include \"\(folder)/offset.h\"")
        try replaceInFile(dir + "/kernels/aiv/kernel_mul.cpp", "a[i] * b[i]", "a[i] * b[i] + kOffset")
        for _ in 0..<2 {
            let r = try runCommand(Project.ptoRun, [dir, "--case", "2", "--quiet"])
            XCTAssertEqual(r.status, 0, r.combined)
        }
        try "#pragma once\nconstexpr float kOffset = 1.0f;\n".write(
            toFile: folder + "/offset.h", atomically: true, encoding: .utf8)
        let changed = try runCommand(Project.ptoRun, [dir, "--case", "2", "--quiet"])
        XCTAssertEqual(changed.status, 1, changed.combined)  // rebuilt: the output is off by one now
        XCTAssertTrue(changed.stdout.contains("FAIL colon_header case 2"), changed.stdout)
    }

    /// A kernel is compiled once (its shared object is linked from the
    /// object file), so its compile error is printed once.
    func testAKernelCompileErrorIsPrintedOnce() throws {
        let r = try runBroken(
            as: "kernel_typo", file: "kernels/aiv/kernel_mul.cpp", replacing: "int64_t n = args[3];",
            with: "int64_t n = args[3] +;", [])
        XCTAssertEqual(r.status, 2, r.combined)
        XCTAssertEqual(r.stderr.components(separatedBy: "error: expected primary-expression").count - 1, 1, r.stderr)
    }
}
