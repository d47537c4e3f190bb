import Foundation
import XCTest

/// Runs the built pto-run as a user would and checks its output and exit
/// status, for a passing example and for each kind of bad input.
final class PtoRunCommandTests: XCTestCase {
    override func setUpWithError() throws {
        guard FileManager.default.isExecutableFile(atPath: Project.ptoRun) else {
            throw XCTSkip("build pto-run first (make build): \(Project.ptoRun) is missing")
        }
    }

    private func ptoRun(_ arguments: [String], environment: [String: String] = [:]) throws -> CommandResult {
        try runCommand(Project.ptoRun, arguments, environment: environment)
    }

    func testVectorExamplePassesEveryCase() throws {
        let r = try ptoRun(["vector_example"])
        XCTAssertEqual(r.status, 0, r.combined)
        let passLines = r.stdout.split(separator: "\n").filter { $0.hasPrefix("PASS vector_example case ") }
        XCTAssertEqual(passLines.count, 3, r.stdout)
        XCTAssertTrue(
            r.stdout.contains(
                "PASS vector_example case 0 {rows: 128, cols: 128, seed: 0}: f (16384 elements)"), r.stdout)
        XCTAssertTrue(r.stdout.contains("3 passed, 0 failed"), r.stdout)
    }

    func testSingleCaseAndOtherConfigurations() throws {
        let r = try ptoRun(["vector_example", "--case", "2", "--aicpu-threads", "1", "--block-dim", "1"])
        XCTAssertEqual(r.status, 0, r.combined)
        XCTAssertTrue(r.stdout.contains("PASS vector_example case 2"), r.stdout)
        XCTAssertFalse(r.stdout.contains("case 0"), r.stdout)
        let wide = try ptoRun(["vector_example", "--aicpu-threads", "4", "--block-dim", "24"])
        XCTAssertEqual(wide.status, 0, wide.combined)
    }

    /// The graph limits reach the runtime from the command line, and a limit
    /// reached says which option raises it.
    func testGraphLimitsFromTheCommandLine() throws {
        let low = try ptoRun(["vector_example", "--case", "0", "--max-tasks", "3", "--quiet"])
        XCTAssertEqual(low.status, 1, low.combined)
        XCTAssertTrue(low.stdout.contains("FAIL vector_example case 0"), low.stdout)
        XCTAssertTrue(
            low.stdout.contains("add_task: the graph already has 3 tasks, the limit (func_id 2 not added)"),
            low.stdout)
        XCTAssertTrue(low.stdout.contains("raise it with pto-run --max-tasks N"), low.stdout)
        let enough = try ptoRun(["vector_example", "--case", "0", "--max-tasks", "4", "--max-args", "4", "--quiet"])
        XCTAssertEqual(enough.status, 0, enough.combined)
        let bad = try ptoRun(["vector_example", "--max-args", "70000"])
        XCTAssertEqual(bad.status, 64, bad.combined)
        XCTAssertTrue(bad.stderr.contains("--max-args 70000 is out of range; use 1..65535"), bad.stderr)
    }

    func testWrongGoldenFailsWithMismatchReport() throws {
        let dir = try Project.copyExample("vector_example", as: "wrong_golden")
        try replaceInFile(dir + "/golden.py", "(c + 1.0) * (c + 2.0)", "(c + 1.0) * (c + 2.5)")
        let r = try ptoRun([dir])
        XCTAssertEqual(r.status, 1, r.combined)
        XCTAssertTrue(r.stdout.contains("FAIL wrong_golden case 0"), r.stdout)
        XCTAssertTrue(r.stdout.contains("mismatch in f"), r.stdout)
        XCTAssertTrue(r.stdout.contains("f: 16384 of 16384 elements differ"), r.stdout)
        XCTAssertTrue(r.stdout.contains("f[0, 0]: actual"), r.stdout)
        XCTAssertTrue(r.stdout.contains("0 passed, 3 failed"), r.stdout)
    }

    func testMissingExampleFolder() throws {
        let r = try ptoRun(["no_such_example"])
        XCTAssertEqual(r.status, 2)
        XCTAssertTrue(r.stderr.contains("example folder 'no_such_example' not found"), r.stderr)
    }

    func testMissingKernelConfig() throws {
        let dir = try Project.copyExample("vector_example", as: "no_config")
        try FileManager.default.removeItem(atPath: dir + "/kernels/kernel_config.py")
        let r = try ptoRun([dir])
        XCTAssertEqual(r.status, 2)
        XCTAssertTrue(r.stderr.contains("kernels/kernel_config.py is missing"), r.stderr)
    }

    func testOrchestrationThatDoesNotCompileShowsTheCompiler() throws {
        let dir = try Project.copyExample("vector_example", as: "bad_orch")
        try replaceInFile(
            dir + "/kernels/orchestration/example_orch.cpp",
            "HostApi& api = rt->host_api;", "HostApi& api = rt->no_such_member;")
        let r = try ptoRun([dir])
        XCTAssertEqual(r.status, 2, r.combined)
        XCTAssertTrue(r.stderr.contains("no_such_member"), r.stderr)
        XCTAssertTrue(r.stderr.contains("building the example failed"), r.stderr)
    }

    func testKernelWithoutKernelEntry() throws {
        let dir = try Project.copyExample("vector_example", as: "no_entry")
        try replaceInFile(dir + "/kernels/aiv/kernel_mul.cpp", "void kernel_entry(", "void kernel_main(")
        let r = try ptoRun([dir])
        XCTAssertEqual(r.status, 2, r.combined)
        XCTAssertTrue(r.stderr.contains("kernel_mul.cpp"), r.stderr)
        XCTAssertTrue(r.stderr.contains("`kernel_entry` not found"), r.stderr)
    }

    func testTooFewClustersForTheThreadsAreRejected() throws {
        let named = try ptoRun(["vector_example", "--runtime", "host_build_graph", "--block-dim", "2", "--aicpu-threads", "3"])
        XCTAssertEqual(named.status, 64, named.combined)
        XCTAssertTrue(named.stderr.contains("--block-dim 2 gives 2 cluster(s), fewer than --aicpu-threads 3"), named.stderr)
        let r = try ptoRun(["vector_example", "--block-dim", "2", "--aicpu-threads", "3"])
        XCTAssertEqual(r.status, 64, r.combined)
        XCTAssertTrue(r.stderr.contains("block_dim 2 gives 2 cluster(s), fewer than the 3 scheduler thread(s)"), r.stderr)
        XCTAssertFalse(r.stdout.contains("case 0"), r.stdout)
    }

    func testTensorMapSplitCountsItsOrchestratorThreadAndDealsClustersUnevenly() throws {
        // 4 threads are one orchestrator and 3 schedulers: 2 clusters are
        // too few, refused before any case; 8 clusters deal out 2, 3 and 3.
        let bad = try ptoRun(["vector_example_tensormap", "--aicpu-threads", "4", "--block-dim", "2", "--case", "0"])
        XCTAssertEqual(bad.status, 64, bad.combined)
        XCTAssertTrue(bad.stderr.contains("block_dim 2 gives 2 cluster(s), fewer than the 3 scheduler thread(s)"), bad.stderr)
        XCTAssertFalse(bad.stdout.contains("PASS") || bad.stdout.contains("FAIL"), bad.stdout)
        let good = try ptoRun(["vector_example_tensormap", "--aicpu-threads", "4", "--block-dim", "8", "--case", "0"])
        XCTAssertEqual(good.status, 0, good.combined)
        let hbg = try ptoRun(["vector_example", "--aicpu-threads", "3", "--block-dim", "4", "--case", "0"])
        XCTAssertEqual(hbg.status, 0, hbg.combined)
    }

    func testCaseOutOfRange() throws {
        let r = try ptoRun(["vector_example", "--case", "9"])
        XCTAssertEqual(r.status, 2)
        XCTAssertTrue(r.stderr.contains("--case 9 is out of range; PARAMS_LIST has 3 case(s)"), r.stderr)
    }

    func testGoldenThatRaisesNamesTheFileAndLine() throws {
        let dir = try Project.copyExample("vector_example", as: "raising_golden")
        try replaceInFile(
            dir + "/golden.py", "c = tensors[\"a\"] + tensors[\"b\"]", "raise ValueError(\"broken golden\")")
        let r = try ptoRun([dir])
        XCTAssertEqual(r.status, 2)
        // The line that raised, in the user's file (issue: a KeyError with no line).
        XCTAssertTrue(r.stderr.contains("golden.py:30: compute_golden failed for case 0"), r.stderr)
        XCTAssertTrue(r.stderr.contains("broken golden"), r.stderr)
    }

    func testFailingOrchestrationFailsTheCase() throws {
        let dir = try Project.copyExample("vector_example", as: "extra_tensor")
        try replaceInFile(
            dir + "/golden.py", "TENSOR_ORDER = [\"a\", \"b\", \"f\"]",
            "TENSOR_ORDER = [\"a\", \"b\", \"f\", \"g\"]")
        try replaceInFile(
            dir + "/golden.py", "\"f\": np.zeros(shape, dtype=np.float32),",
            "\"f\": np.zeros(shape, dtype=np.float32), \"g\": np.zeros(shape, dtype=np.float32),")
        let r = try ptoRun([dir, "--case", "0"])
        XCTAssertEqual(r.status, 1, r.combined)
        XCTAssertTrue(r.stdout.contains("orchestration function build_example_graph (example_orch.cpp) returned -1"), r.stdout)
    }

    func testHungKernelIsStoppedWithADiagnosis() throws {
        let dir = try Project.copyExample("vector_example", as: "hung_kernel")
        try replaceInFile(
            dir + "/kernels/aiv/kernel_mul.cpp", "int64_t n = args[3];",
            "int64_t n = args[3];\n    for (volatile int spin = 1; spin;) {\n    }")
        let r = try ptoRun([dir, "--timeout", "1"])
        XCTAssertEqual(r.status, 1, r.combined)
        XCTAssertTrue(r.stdout.contains("FAIL hung_kernel case 0"), r.stdout)
        XCTAssertTrue(r.stdout.contains("made no progress for 1.0 s"), r.stdout)
        // The stall report comes with the case's FAIL line (it is the error's text).
        XCTAssertTrue(r.stdout.contains("stall report:\n  no task completed for 1.0 s"), r.stdout)
        XCTAssertTrue(r.stdout.contains("diagnosis: hung kernel"), r.stdout)
        XCTAssertTrue(r.stdout.contains("runs task 3, func_id 2 (kernel_mul.cpp), for "), r.stdout)
        XCTAssertTrue(r.stdout.contains("3 of 4 tasks done"), r.stdout)
        // Each hung case resets the device; the next case runs on a fresh one.
        XCTAssertTrue(r.stdout.contains("the simulated device was reset to stop it"), r.stdout)
        XCTAssertTrue(r.stdout.contains("FAIL hung_kernel case 2"), r.stdout)
        XCTAssertTrue(r.stdout.hasSuffix("0 passed, 3 failed\n"), r.stdout)
    }

    func testKernelFaultNamesTaskAndSourceLine() throws {
        let cases: [(String, String, String)] = [
            ("segv_kernel", "volatile float* nowhere = nullptr; *nowhere = 1.0f;", "SIGSEGV"),
            ("fpe_kernel", "volatile int zero = 0; volatile int q = 7 / zero; (void)q;", "SIGFPE"),
        ]
        for (name, statement, signal) in cases {
            let dir = try Project.copyExample("vector_example", as: name)
            let source = dir + "/kernels/aiv/kernel_mul.cpp"
            try replaceInFile(source, "int64_t n = args[3];", "int64_t n = args[3];\n    \(statement)")
            let text = try String(contentsOfFile: source, encoding: .utf8)
            let line = (text.components(separatedBy: "\n").firstIndex { $0.contains(statement) } ?? -1) + 1
            let r = try ptoRun([dir, "--case", "0"])
            XCTAssertEqual(r.status, 1, r.combined)
            XCTAssertTrue(r.stdout.contains("kernel fault: task 3, func_id 2 (kernel_mul.cpp)"), r.stdout)
            XCTAssertTrue(r.stdout.contains(signal), r.stdout)
            XCTAssertTrue(
                r.stdout.contains("faulting instruction: \(source):\(line) in kernel_entry"), r.stdout)
            XCTAssertTrue(r.stdout.contains("outputs were not copied back"), r.stdout)
        }
    }

    func testTwoRunsOfDifferentExamplesAtOnce() throws {
        // Fresh copies, so both runs have to build their example first.
        let first = try Project.copyExample("vector_example", as: "parallel_a")
        let second = try Project.copyExample("vector_example", as: "parallel_b")
        let results = LockedResults()
        let group = DispatchGroup()
        for dir in [first, second] {
            group.enter()
            DispatchQueue.global().async {
                results.append(Result { try runCommand(Project.ptoRun, [dir]) })
                group.leave()
            }
        }
        XCTAssertEqual(group.wait(timeout: .now() + 120), .success)
        for result in results.all {
            let r = try result.get()
            XCTAssertEqual(r.status, 0, r.combined)
            XCTAssertTrue(r.stdout.contains("3 passed, 0 failed"), r.stdout)
        }
        XCTAssertEqual(results.all.count, 2)
    }

    func testNoTemporaryFilesAreLeftBehind() throws {
        let tmp = Project.root + "/build/tests/tmp-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: tmp, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: tmp) }
        let ok = try ptoRun(["vector_example", "--case", "0"], environment: ["TMPDIR": tmp])
        XCTAssertEqual(ok.status, 0, ok.combined)
        let dir = try Project.copyExample("vector_example", as: "wrong_golden_tmp")
        try replaceInFile(dir + "/golden.py", "(c + 1.0) * (c + 2.0)", "(c + 1.0) * (c + 2.5)")
        let failed = try ptoRun([dir, "--case", "0"], environment: ["TMPDIR": tmp])
        XCTAssertEqual(failed.status, 1, failed.combined)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: tmp), [])
    }
}

final class LockedResults: @unchecked Sendable {
    private var results: [Result<CommandResult, Error>] = []
    private let lock = NSLock()
    func append(_ r: Result<CommandResult, Error>) {
        lock.lock()
        results.append(r)
        lock.unlock()
    }
    var all: [Result<CommandResult, Error>] {
        lock.lock()
        defer { lock.unlock() }
        return results
    }
}
