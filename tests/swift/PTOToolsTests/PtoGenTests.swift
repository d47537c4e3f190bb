import Foundation
import XCTest

/// pto-gen: workloads generated into example trees and run as a user would.
final class PtoGenTests: XCTestCase {
    static let work = Project.root + "/build/tests/gen"
    var ptoGen: String { Project.root + "/build/swift/debug/pto-gen" }

    override func setUpWithError() throws {
        guard FileManager.default.isExecutableFile(atPath: ptoGen) else {
            throw XCTSkip("build pto-gen first (make build)")
        }
        try FileManager.default.createDirectory(atPath: Self.work, withIntermediateDirectories: true)
    }

    func tensor(_ name: String, _ shape: [Int], _ dtype: String, _ role: String) -> String {
        "{\"name\": \"\(name)\", \"shape\": \(shape), \"dtype\": \"\(dtype)\", \"role\": \"\(role)\"}"
    }

    func call(_ kernel: String, _ inputs: [String], _ output: String) -> String {
        "{\"form\": \"call\", \"kernel\": \"\(kernel)\", \"inputs\": ["
            + inputs.map { "\"\($0)\"" }.joined(separator: ", ")
            + "], \"output\": \"\(output)\"}"
    }

    func workload(_ name: String, tensors: [String], kernels: String, program: String) throws -> String {
        let path = "\(Self.work)/\(name).json"
        try
            "{\"version\": 1, \"name\": \"\(name)\", \"tensors\": [\(tensors.joined(separator: ", "))], \"kernels\": \(kernels), \"program\": \(program)}"
            .write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// Generates into a fresh folder and runs the example; returns the folder.
    @discardableResult
    func generateAndRun(_ path: String, skeleton: Bool = false) throws -> String {
        let dir = path.replacingOccurrences(of: ".json", with: skeleton ? "-skeleton" : "")
        try? FileManager.default.removeItem(atPath: dir)
        let gen = try runCommand(ptoGen, [path, "-o", dir] + (skeleton ? ["--skeleton"] : []))
        XCTAssertEqual(gen.status, 0, gen.combined)
        if !skeleton {
            let run = try runCommand(Project.ptoRun, [dir, "--quiet"])
            XCTAssertEqual(run.status, 0, run.combined)
            XCTAssertTrue(run.stdout.contains("2 passed, 0 failed"), run.stdout)
        }
        return dir
    }

    /// Edges of the generated graph, from `pto-run graph`.
    func edges(_ dir: String) throws -> [(Int, Int)] {
        let r = try runCommand(Project.ptoRun, ["graph", dir])
        XCTAssertEqual(r.status, 0, r.combined)
        return r.stdout.split(separator: "\n").compactMap { line in
            let parts = line.replacingOccurrences(of: ";", with: "").split(separator: " ")
            guard parts.count == 3, parts[1] == "->",
                let a = Int(parts[0].dropFirst().trimmingCharacters(in: .whitespaces)),
                let b = Int(parts[2].dropFirst())
            else { return nil }
            return (a, b)
        }
    }

    let elementwise = """
        [{"name": "add", "op": "add"}, {"name": "mul", "op": "mul"}, {"name": "scale", "op": "mul", "scalar": 0.5},
         {"name": "e", "op": "exp"}, {"name": "r", "op": "rsqrt"}, {"name": "n", "op": "neg"}, {"name": "a", "op": "abs"},
         {"name": "mx", "op": "max"}, {"name": "mn", "op": "min"}, {"name": "sub", "op": "sub"}, {"name": "dv", "op": "div"}]
        """

    func testSingleOp() throws {
        let path = try workload(
            "single_op",
            tensors: [
                tensor("a", [32, 32], "float32", "input"), tensor("b", [32, 32], "float32", "input"),
                tensor("c", [32, 32], "float32", "output"),
            ],
            kernels: elementwise, program: call("add", ["a", "b"], "c"))
        let dir = try generateAndRun(path)
        for file in [
            "kernels/kernel_config.py", "kernels/orchestration/single_op_orch.cpp",
            "kernels/aiv/add_f32_f32_to_f32.cpp",
            "golden.py", "metadata.json",
        ] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: "\(dir)/\(file)"), file)
        }
        let orch = try String(
            contentsOfFile: "\(dir)/kernels/orchestration/single_op_orch.cpp", encoding: .utf8)
        XCTAssertTrue(orch.contains("TODO_PTO_RUNTIME_MULTI_AICPU_DISPATCH"))
        let metadata =
            try JSONSerialization.jsonObject(
                with: try XCTUnwrap(FileManager.default.contents(atPath: "\(dir)/metadata.json")))
            as? [String: Any]
        XCTAssertEqual(metadata?["workload"] as? String, path)
        XCTAssertEqual(metadata?["tasks"] as? Int, 1)
    }

    func testSequentialChainUsesEveryOp() throws {
        let steps = [
            call("add", ["a", "b"], "t1"), call("mul", ["t1", "b"], "t2"), call("scale", ["t2"], "t1"),
            call("e", ["t1"], "t2"), call("r", ["t2"], "t1"), call("n", ["t1"], "t2"),
            call("a", ["t2"], "t1"),
            call("mx", ["t1", "a"], "t2"), call("mn", ["t2", "b"], "t1"), call("sub", ["t1", "a"], "t2"),
            call("dv", ["t2", "b"], "c"),
        ]
        let path = try workload(
            "chain_all_ops",
            tensors: [
                tensor("a", [16, 40], "float32", "input"), tensor("b", [16, 40], "float32", "input"),
                tensor("t1", [16, 40], "float32", "temporary"),
                tensor("t2", [16, 40], "float32", "temporary"), tensor("c", [16, 40], "float32", "output"),
            ],
            kernels: elementwise,
            program: "{\"form\": \"sequential\", \"steps\": [\(steps.joined(separator: ", "))]}")
        let dir = try generateAndRun(path)
        let e = try edges(dir)
        // Each step depends on the step before it (RAW), and WAR/WAW on reused temporaries.
        for i in 1..<steps.count {
            XCTAssertTrue(e.contains { $0 == (i - 1, i) }, "step \(i) after step \(i - 1)")
        }
    }

    func testCombineOfIndependentParts() throws {
        let path = try workload(
            "combined",
            tensors: [
                tensor("a", [64, 8], "float32", "input"), tensor("b", [64, 8], "float16", "input"),
                tensor("c", [64, 8], "float32", "output"), tensor("d", [64, 8], "float16", "output"),
            ],
            kernels: elementwise,
            program:
                "{\"form\": \"combine\", \"parts\": [\(call("e", ["a"], "c")), \(call("n", ["b"], "d"))]}")
        let dir = try generateAndRun(path)
        XCTAssertEqual(try edges(dir).count, 0, "independent parts have no edges")
    }

    /// `tiles` tiles of 4 rows, each scale -> add -> exp through a float32
    /// temporary, float16 in and out.
    func tiledWorkload(_ name: String, tiles: Int) throws -> String {
        let body =
            "{\"form\": \"sequential\", \"steps\": [\(call("scale", ["x"], "t")), \(call("add", ["t", "y"], "t")), \(call("e", ["t"], "out"))]}"
        let rows = 4 * tiles
        return try workload(
            name,
            tensors: [
                tensor("x", [rows, 32], "float16", "input"), tensor("y", [rows, 32], "float32", "input"),
                tensor("t", [rows, 32], "float32", "temporary"),
                tensor("out", [rows, 32], "float16", "output"),
            ],
            kernels: elementwise,
            program: "{\"form\": \"parallel_for\", \"dim\": 0, \"tiles\": \(tiles), \"body\": \(body)}")
    }

    func testParallelForOf64IndependentTilesWithMixedPrecision() throws {
        let path = try tiledWorkload("tiles64", tiles: 64)
        let dir = try generateAndRun(path)
        let e = try edges(dir)
        // 3 tasks per tile in program order: edges only inside a tile.
        XCTAssertEqual(e.count, 64 * 2)
        for (a, b) in e { XCTAssertEqual(a / 3, b / 3, "edge \(a) -> \(b) crosses tiles") }
    }

    /// For tensormap_and_ringbuffer the orchestration states no edge: the
    /// runtime discovers the same ones host_build_graph's orchestration
    /// computes (exported with --graph from the run).
    func testTensormapRuntimeDiscoversTheEdgesTheHostGraphStates() throws {
        let path = try tiledWorkload("tiles_tm", tiles: 32)
        let host = try generateAndRun(path)
        let dir = "\(Self.work)/tiles_tm-discovered"
        try? FileManager.default.removeItem(atPath: dir)
        let gen = try runCommand(ptoGen, [path, "-o", dir, "--runtime", "tensormap_and_ringbuffer"])
        XCTAssertEqual(gen.status, 0, gen.combined)
        let orch = try String(contentsOfFile: "\(dir)/kernels/orchestration/tiles_tm_orch.cpp", encoding: .utf8)
        XCTAssertTrue(orch.contains("rt_submit_aiv_task"), orch)
        XCTAssertFalse(orch.contains("add_successor") || orch.contains("set_dependencies"), "no stated edges")
        let config = try String(contentsOfFile: "\(dir)/kernels/kernel_config.py", encoding: .utf8)
        XCTAssertTrue(config.contains("\"runtime\": \"tensormap_and_ringbuffer\""), config)
        let dot = "\(Self.work)/tiles_tm.dot"
        let run = try runCommand(Project.ptoRun, [dir, "--case", "0", "--graph", dot, "--quiet"])
        XCTAssertEqual(run.status, 0, run.combined)
        XCTAssertTrue(run.stdout.contains("1 passed, 0 failed"), run.stdout)
        let discovered = try String(contentsOfFile: dot, encoding: .utf8).split(separator: "\n").compactMap {
            line -> String? in
            let text = line.trimmingCharacters(in: .whitespaces)
            return text.contains("->") ? text.replacingOccurrences(of: ";", with: "") : nil
        }
        let stated = try edges(host).map { "t\($0.0) -> t\($0.1)" }
        XCTAssertEqual(stated.count, 32 * 2)
        XCTAssertEqual(Set(discovered), Set(stated))
        let wrong = try runCommand(ptoGen, [path, "-o", "\(Self.work)/tiles_tm-x", "--runtime", "nope"])
        XCTAssertEqual(wrong.status, 2)
        XCTAssertTrue(
            wrong.stderr.contains("--runtime nope is not one pto-gen writes for; use host_build_graph or tensormap_and_ringbuffer"),
            wrong.stderr)
    }

    func testSkeletonCompletedByHandRuns() throws {
        let body =
            "{\"form\": \"sequential\", \"steps\": [\(call("add", ["a", "b"], "t")), \(call("e", ["t"], "c"))]}"
        let path = try workload(
            "skeleton_demo",
            tensors: [
                tensor("a", [128, 16], "float32", "input"), tensor("b", [128, 16], "float32", "input"),
                tensor("t", [128, 16], "float32", "temporary"), tensor("c", [128, 16], "float32", "output"),
            ],
            kernels: elementwise,
            program: "{\"form\": \"parallel_for\", \"dim\": 0, \"tiles\": 4, \"body\": \(body)}")
        let skeleton = try generateAndRun(path, skeleton: true)
        let full = try generateAndRun(path)
        let orch = "kernels/orchestration/skeleton_demo_orch.cpp"
        let skeletonSource = try String(contentsOfFile: "\(skeleton)/\(orch)", encoding: .utf8)
        XCTAssertTrue(skeletonSource.contains("TODO_PTO_SKELETON"))
        XCTAssertTrue(
            skeletonSource.contains("args[0]: a, float32 [128, 16], input -> dev[T_a]"), skeletonSource)
        XCTAssertTrue(
            skeletonSource.contains("0: add_f32_f32_to_f32 (AIV) args = {in0, in1, out, element count}"),
            skeletonSource)
        XCTAssertTrue(skeletonSource.contains("rt->add_task(task_args, 4, 0, CoreType::AIV)"), skeletonSource)
        let warned = try runCommand(Project.ptoRun, [skeleton, "--quiet"])
        XCTAssertTrue(warned.stderr.contains("still contains TODO_PTO_SKELETON"), warned.stderr)
        XCTAssertNotEqual(warned.status, 0, "an unwritten skeleton adds no tasks, so outputs stay zero")

        // The scripted edit: the full generation's task table and task-creation
        // section in place of the TODO block.
        let fullSource = try String(contentsOfFile: "\(full)/\(orch)", encoding: .utf8)
        func section(_ text: String, from start: String, to end: String) throws -> Range<String.Index> {
            let a = try XCTUnwrap(text.range(of: start))
            let b = try XCTUnwrap(text.range(of: end, range: a.upperBound..<text.endIndex))
            return a.lowerBound..<b.upperBound
        }
        var edited = skeletonSource
        let begin = "// ---- task creation: begin ----"
        let end = "// ---- task creation: end ----"
        edited.replaceSubrange(
            try section(edited, from: begin, to: end),
            with: String(fullSource[try section(fullSource, from: begin, to: end)]))
        let table = try section(
            fullSource, from: "// One task: kernel", to: "a.begin < end && begin < a.end; }")
        edited = edited.replacingOccurrences(
            of: "}  // namespace", with: String(fullSource[table]) + "\n\n}  // namespace")
        try edited.write(toFile: "\(skeleton)/\(orch)", atomically: true, encoding: .utf8)
        let run = try runCommand(Project.ptoRun, [skeleton, "--quiet"])
        XCTAssertEqual(run.status, 0, run.combined)
        XCTAssertFalse(run.stderr.contains("TODO_PTO_SKELETON"), run.stderr)
        XCTAssertTrue(run.stdout.contains("2 passed, 0 failed"), run.stdout)
    }

    func testRejectionsNameTheFeatureAndItsLocation() throws {
        let a = tensor("a", [100, 8], "float32", "input")
        let c = tensor("c", [100, 8], "float32", "output")
        let cases: [(String, String, String, String)] = [
            (
                "nested", "[{\"name\": \"e\", \"op\": \"exp\"}]",
                "{\"form\": \"parallel_for\", \"dim\": 0, \"tiles\": 2, \"body\": {\"form\": \"parallel_for\", \"dim\": 0, \"tiles\": 2, \"body\": \(call("e", ["a"], "c"))}}",
                "$.program.body: parallel_for inside parallel_for is not supported"
            ),
            (
                "unknown_op", "[{\"name\": \"g\", \"op\": \"gelu\"}]", call("g", ["a"], "c"),
                "$.kernels[0].op: unknown op 'gelu'"
            ),
            (
                "no_tiling", "[{\"name\": \"e\", \"op\": \"exp\"}]",
                "{\"form\": \"parallel_for\", \"dim\": 0, \"tiles\": 64, \"body\": \(call("e", ["a"], "c"))}",
                "$.program: parallel_for splits dimension 0 of 'a' (100) into 64 tiles, which does not divide it"
            ),
            (
                "other_dim", "[{\"name\": \"e\", \"op\": \"exp\"}]",
                "{\"form\": \"parallel_for\", \"dim\": 1, \"tiles\": 2, \"body\": \(call("e", ["a"], "c"))}",
                "$.program.dim: parallel_for over dimension 1 is not supported"
            ),
            (
                "unknown_tensor", "[{\"name\": \"e\", \"op\": \"exp\"}]", call("e", ["nope"], "c"),
                "$.program.inputs[0]: no tensor named 'nope'"
            ),
        ]
        for (name, kernels, program, expected) in cases {
            let path = try workload(name, tensors: [a, c], kernels: kernels, program: program)
            let r = try runCommand(ptoGen, [path, "-o", "\(Self.work)/\(name)-out"])
            XCTAssertEqual(r.status, 2, "\(name): \(r.combined)")
            XCTAssertTrue(r.stderr.contains("\(path): \(expected)"), "\(name): \(r.stderr)")
            XCTAssertFalse(
                FileManager.default.fileExists(atPath: "\(Self.work)/\(name)-out"), "\(name): nothing written"
            )
        }
        let bad = "\(Self.work)/broken.json"
        try "{ not json".write(toFile: bad, atomically: true, encoding: .utf8)
        let r = try runCommand(ptoGen, [bad, "-o", "\(Self.work)/broken-out"])
        XCTAssertEqual(r.status, 2)
        XCTAssertTrue(r.stderr.contains("\(bad): line 1, column 3: not valid JSON: expected a member name"), r.stderr)
        // What JSON rejects is rejected, with its line and column.
        for (text, expected) in [
            ("{\n  \"name\": \"x\",\n}\n", "line 3, column 1: not valid JSON: a trailing comma before '}' is not JSON"),
            ("{\"a\": [1, 2,]}", "line 1, column 13: not valid JSON: a trailing comma before ']' is not JSON"),
            ("{\n\"a\": 01}", "line 2, column 7: not valid JSON: a number cannot start with 0 followed by digits"),
            ("{\"a\": 'x'}", "line 1, column 7: not valid JSON: expected a value"),
        ] {
            try text.write(toFile: bad, atomically: true, encoding: .utf8)
            let strict = try runCommand(ptoGen, [bad, "-o", "\(Self.work)/broken-out"])
            XCTAssertEqual(strict.status, 2, strict.combined)
            XCTAssertTrue(strict.stderr.contains("\(bad): \(expected)"), strict.stderr)
        }
    }

    /// The printed command runs the example from any folder.
    func testRunCommandWorksFromWhereTheUserIs() throws {
        let path = try workload(
            "run_anywhere",
            tensors: [
                tensor("a", [32, 32], "float32", "input"), tensor("b", [32, 32], "float32", "input"),
                tensor("c", [32, 32], "float32", "output"),
            ],
            kernels: elementwise, program: call("add", ["a", "b"], "c"))
        // Started from another folder than the project root.
        let r = try runCommand("/bin/sh", ["-c", "cd / && exec \"$0\" \"$1\" -o \"$2\"", ptoGen, path, "\(Self.work)/where"])
        XCTAssertEqual(r.status, 0, r.combined)
        let line = try XCTUnwrap(r.stdout.split(separator: "\n").last.map(String.init))
        XCTAssertEqual(line, "pto-gen: run it with: make -C \(Project.root) run EXAMPLE=\(Self.work)/where")
    }
}
