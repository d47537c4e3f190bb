import Foundation
import XCTest

/// Traces, DOT graphs and run summaries, checked as a tool reading them would.
final class TraceAndGraphTests: XCTestCase {
    static let out = Project.root + "/build/tests/traces"

    override func setUpWithError() throws {
        guard FileManager.default.isExecutableFile(atPath: Project.ptoRun) else {
            throw XCTSkip("build pto-run first (make build)")
        }
        try FileManager.default.createDirectory(atPath: Self.out, withIntermediateDirectories: true)
    }

    static var examples: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: Project.root + "/kernels")) ?? [])
            .filter {
                FileManager.default.fileExists(
                    atPath: Project.root + "/kernels/\($0)/kernels/kernel_config.py")
            }
            // host_build_graph examples: their graph exists before a launch
            // (the tensormap runtime's examples have a suite of their own).
            .filter {
                let config = (try? String(
                    contentsOfFile: Project.root + "/kernels/\($0)/kernels/kernel_config.py", encoding: .utf8)) ?? ""
                return !config.contains("tensormap_and_ringbuffer")
            }
            .sorted()
    }

    struct Span {
        var task: Int
        var caseIndex: Int
        var core: String
        var track: String
        var start: Double
        var end: Double
        var successors: [Int]
    }

    /// Reads a trace with a standard JSON parser and returns its task spans.
    func spans(in path: String) throws -> [Span] {
        let data = try XCTUnwrap(FileManager.default.contents(atPath: path))
        let root = try XCTUnwrap(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let events = try XCTUnwrap(root["traceEvents"] as? [[String: Any]])
        var tracks: [String: String] = [:]  // "pid/tid" -> name
        for e in events where e["ph"] as? String == "M" && e["name"] as? String == "thread_name" {
            let args = e["args"] as? [String: Any]
            tracks["\(e["pid"] ?? "")/\(e["tid"] ?? "")"] = args?["name"] as? String
        }
        return events.filter { $0["ph"] as? String == "X" }.compactMap { e in
            guard let args = e["args"] as? [String: Any], let ts = e["ts"] as? Double,
                let dur = e["dur"] as? Double
            else { return nil }
            return Span(
                task: args["task"] as? Int ?? -1, caseIndex: args["case"] as? Int ?? -1,
                core: args["core"] as? String ?? "",
                track: tracks["\(e["pid"] ?? "")/\(e["tid"] ?? "")"] ?? "",
                start: ts, end: ts + dur, successors: args["successors"] as? [Int] ?? [])
        }
    }

    func testTraceOfEveryExampleIsConsistent() throws {
        for example in Self.examples {
            for (threads, blocks) in [("1", "1"), ("3", "3")] {
                let path = "\(Self.out)/\(example)-\(threads)x\(blocks).json"
                let r = try runCommand(
                    Project.ptoRun,
                    [
                        example, "--aicpu-threads", threads, "--block-dim", blocks,
                        "--trace", path, "--quiet",
                    ])
                XCTAssertEqual(r.status, 0, r.combined)
                let all = try spans(in: path)
                XCTAssertFalse(all.isEmpty, example)
                for caseIndex in Set(all.map(\.caseIndex)) {
                    let spans = all.filter { $0.caseIndex == caseIndex }
                    let label = "\(example) case \(caseIndex) (\(threads) threads, block_dim \(blocks))"
                    // Every task once, ids 0..n-1.
                    XCTAssertEqual(spans.map(\.task).sorted(), Array(0..<spans.count), label)
                    var byTask: [Int: Span] = [:]
                    for s in spans { byTask[s.task] = s }
                    for s in spans {
                        XCTAssertTrue(
                            s.track.hasPrefix(s.core + " "),
                            "\(label): task \(s.task) (\(s.core)) on \(s.track)")
                        XCTAssertLessThan(s.start, s.end, "\(label): task \(s.task)")
                        for next in s.successors {
                            let successor = try XCTUnwrap(byTask[next], label)
                            XCTAssertGreaterThanOrEqual(
                                successor.start, s.end, "\(label): \(s.task) -> \(next)")
                        }
                    }
                    for (track, onTrack) in Dictionary(grouping: spans, by: \.track) {
                        let ordered = onTrack.sorted { $0.start < $1.start }
                        for (a, b) in zip(ordered, ordered.dropFirst()) {
                            XCTAssertLessThanOrEqual(
                                a.end, b.start, "\(label): tasks \(a.task) and \(b.task) overlap on \(track)")
                        }
                    }
                }
            }
        }
    }

    /// Nodes and edges of a DOT file written by GraphDot (one statement a line).
    func parseDot(_ text: String) -> (nodes: Set<Int>, edges: [String]) {
        var nodes = Set<Int>()
        var edges: [String] = []
        for line in text.split(separator: "\n").map({ $0.trimmingCharacters(in: .whitespaces) }) {
            if line.contains("->") {
                edges.append(line.replacingOccurrences(of: ";", with: ""))
            } else if line.hasPrefix("t"), let id = Int(line.dropFirst().prefix { $0.isNumber }) {
                nodes.insert(id)
            }
        }
        return (nodes, edges)
    }

    func testGraphExportMatchesTheGraphThatRan() throws {
        for example in Self.examples {
            let dotPath = "\(Self.out)/\(example).dot"
            let exported = try runCommand(Project.ptoRun, ["graph", example, "-o", dotPath])
            XCTAssertEqual(exported.status, 0, exported.combined)
            let text = try String(contentsOfFile: dotPath, encoding: .utf8)
            XCTAssertTrue(text.hasPrefix("digraph"), text)
            if let dot = ChildTool.find("dot") {
                let svg = try runCommand(dot, ["-Tsvg", dotPath, "-o", dotPath + ".svg"])
                XCTAssertEqual(svg.status, 0, "dot rejected \(dotPath): \(svg.stderr)")
            }
            // The same graph, from a run's trace (case 0).
            let tracePath = "\(Self.out)/\(example)-graph.json"
            let ran = try runCommand(
                Project.ptoRun, [example, "--case", "0", "--trace", tracePath, "--quiet"])
            XCTAssertEqual(ran.status, 0, ran.combined)
            let spans = try spans(in: tracePath)
            let expectedEdges = spans.flatMap { s in s.successors.map { "t\(s.task) -> t\($0)" } }
            let parsed = parseDot(text)
            XCTAssertEqual(parsed.nodes, Set(spans.map(\.task)), example)
            XCTAssertEqual(parsed.edges.sorted(), expectedEdges.sorted(), example)
        }
        let vector = parseDot(try String(contentsOfFile: "\(Self.out)/vector_example.dot", encoding: .utf8))
        XCTAssertEqual(vector.nodes, [0, 1, 2, 3])
        XCTAssertEqual(vector.edges.sorted(), ["t0 -> t1", "t0 -> t2", "t1 -> t3", "t2 -> t3"])
    }

    func testCriticalPathOfKnownDurations() throws {
        let path = "\(Self.out)/timed.json"
        let r = try runCommand(
            Project.ptoRun,
            [
                Project.root + "/tests/fixtures/timed_diamond", "--json-summary", path,
                "--aicpu-threads", "1", "--block-dim", "1",
            ])
        XCTAssertEqual(r.status, 0, r.combined)
        XCTAssertTrue(r.stdout.contains("summary: 4 tasks"), r.stdout)
        let data = try XCTUnwrap(FileManager.default.contents(atPath: path))
        let summaries = try XCTUnwrap(try JSONSerialization.jsonObject(with: data) as? [[String: Any]])
        let summary = try XCTUnwrap(summaries.first)
        XCTAssertEqual(summary["criticalPath"] as? [Int], [0, 1, 3])
        let critical = try XCTUnwrap(summary["criticalPathUs"] as? Double)
        // A sleep never ends early; on a loaded machine it ends late, so the
        // upper bound is generous (the path's tasks, above, are the point).
        XCTAssertGreaterThanOrEqual(critical / 1000, 149, "40 + 80 + 30 ms")
        XCTAssertLessThan(critical / 1000, 150 + 250, "40 + 80 + 30 ms, on a machine too loaded to tell")
        let makespan = try XCTUnwrap(summary["makespanUs"] as? Double)
        XCTAssertGreaterThanOrEqual(makespan, critical)
        let cores = try XCTUnwrap(summary["cores"] as? [[String: Any]])
        XCTAssertEqual(cores.count, 3)
        let busy = cores.map { $0["busyUs"] as? Double ?? 0 }.reduce(0, +) / 1000
        XCTAssertGreaterThanOrEqual(busy, 159, "40 + 80 + 10 + 30 ms of work")
        XCTAssertLessThan(busy, 160 + 250, "40 + 80 + 10 + 30 ms of work, loaded")
        // The longest task is on the path and the shortest is not.
        XCTAssertGreaterThan(critical, busy - critical)
    }

    func testQuietSuppressesTheSummary() throws {
        let quiet = try runCommand(Project.ptoRun, ["vector_example", "--case", "0", "--quiet"])
        XCTAssertEqual(quiet.status, 0)
        XCTAssertFalse(quiet.stdout.contains("summary:"), quiet.stdout)
        let loud = try runCommand(Project.ptoRun, ["vector_example", "--case", "0"])
        XCTAssertTrue(loud.stdout.contains("summary: 4 tasks"), loud.stdout)
        // An AIV-only example: the busy line lists the AIV workers that ran,
        // no AIC worker at 0%, and counts the idle ones.
        XCTAssertTrue(loud.stdout.contains("busy: AIV "), loud.stdout)
        XCTAssertFalse(loud.stdout.contains("AIC 0"), loud.stdout)
        XCTAssertTrue(loud.stdout.contains("workers ran nothing"), loud.stdout)
    }

    func testProgressLineForLongRunsWhenNotATerminal() throws {
        let dir = try Project.copyExample("vector_example", as: "slow_progress")
        try replaceInFile(
            dir + "/kernels/aiv/kernel_mul.cpp", "#include <cstdint>", "#include <cstdint>\n#include <thread>"
        )
        try replaceInFile(
            dir + "/kernels/aiv/kernel_mul.cpp", "int64_t n = args[3];",
            "int64_t n = args[3];\n    std::this_thread::sleep_for(std::chrono::milliseconds(1500));")
        let r = try runCommand(Project.ptoRun, [dir, "--case", "0"])
        XCTAssertEqual(r.status, 0, r.combined)
        XCTAssertTrue(r.stderr.contains("pto-run: case 0: 3/4 tasks"), r.stderr)
        let quiet = try runCommand(Project.ptoRun, [dir, "--case", "0", "--quiet"])
        XCTAssertFalse(quiet.stderr.contains("tasks,"), quiet.stderr)
    }
}
