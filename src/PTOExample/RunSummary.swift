import Foundation
import PTORuntime

/// What one case's run looked like: makespan, the critical path by measured
/// durations, how long ready tasks waited to start, and how busy each core was.
public struct RunSummary: Sendable, Encodable {
    public struct CoreUsage: Sendable, Encodable {
        public var name: String
        public var tasks: Int
        public var busyUs: Double
        public var utilisation: Double
    }

    public var caseIndex: Int
    public var tasks: Int
    /// Tasks the run had, when more than were recorded (PTO2_RECORD_TASKS):
    /// the figures below cover the recorded ones only.
    public var totalTasks: Int?
    /// Kernels of blocks recorded (tasks with blocks or several kernels).
    public var blockKernels: Int
    public var edges: Int
    public var makespanUs: Double
    public var criticalPathUs: Double
    public var criticalPath: [Int32]
    public var meanDispatchLatencyUs: Double
    public var cores: [CoreUsage]

    /// - Parameter blockDim: to name workers (AIC n / AIV n) and count idle ones.
    public init(caseIndex: Int, graph: TaskGraph, blockDim: Int, totalTasks: Int? = nil) {
        self.caseIndex = caseIndex
        tasks = graph.tasks.count
        self.totalTasks = totalTasks.flatMap { $0 > graph.tasks.count ? $0 : nil }
        blockKernels = graph.blocks.count
        edges = graph.edges.count
        let ran = graph.tasks.filter(\.ran)
        let first = ran.map(\.startNs).min() ?? 0
        let last = ran.map(\.endNs).max() ?? 0
        makespanUs = Double(last &- first) / 1000
        (criticalPath, criticalPathUs) = RunSummary.criticalPath(graph)
        let latencies = ran.filter { $0.readyNs > 0 }.map {
            Double($0.startNs > $0.readyNs ? $0.startNs - $0.readyNs : 0) / 1000
        }
        meanDispatchLatencyUs = latencies.isEmpty ? 0 : latencies.reduce(0, +) / Double(latencies.count)

        // A task with blocks is busy on each core its kernels ran on.
        var usage: [Int: (tasks: Int, busy: UInt64)] = [:]
        func use(_ worker: Int32, _ start: UInt64, _ end: UInt64) {
            let current = usage[Int(worker)] ?? (0, 0)
            usage[Int(worker)] = (current.tasks + 1, current.busy + (end >= start ? end - start : 0))
        }
        let withBlocks = Set(graph.blocks.map(\.taskId))
        for t in ran where !withBlocks.contains(t.taskId) { use(t.workerId, t.startNs, t.endNs) }
        for b in graph.blocks where b.workerId >= 0 && b.startNs > 0 { use(b.workerId, b.startNs, b.endNs) }
        let span = max(makespanUs, 1e-9)
        cores = (0..<(blockDim * 3)).map { w in
            let u = usage[w] ?? (0, 0)
            let busy = Double(u.busy) / 1000
            return CoreUsage(
                name: RunSummary.workerName(w, blockDim: blockDim), tasks: u.tasks, busyUs: busy,
                utilisation: busy / span)
        }
    }

    public static func workerName(_ worker: Int, blockDim: Int) -> String {
        worker < blockDim ? "AIC \(worker)" : "AIV \(worker - blockDim)"
    }

    /// Longest path through the DAG, weighting each task by its measured
    /// duration (tasks that did not run weigh nothing).
    static func criticalPath(_ graph: TaskGraph) -> ([Int32], Double) {
        let n = graph.tasks.count
        guard n > 0 else { return ([], 0) }
        let successors = graph.successors
        var indegree = [Int](repeating: 0, count: n)
        for e in graph.edges where Int(e.to) < n { indegree[Int(e.to)] += 1 }
        let weight = graph.tasks.map { $0.ran ? Double($0.endNs - $0.startNs) / 1000 : 0 }
        var best = weight
        var previous = [Int](repeating: -1, count: n)
        var queue = (0..<n).filter { indegree[$0] == 0 }
        var head = 0
        while head < queue.count {
            let t = queue[head]
            head += 1
            for s32 in successors[t] {
                let s = Int(s32)
                if best[t] + weight[s] > best[s] {
                    best[s] = best[t] + weight[s]
                    previous[s] = t
                }
                indegree[s] -= 1
                if indegree[s] == 0 { queue.append(s) }
            }
        }
        guard let end = best.indices.max(by: { best[$0] < best[$1] }) else { return ([], 0) }
        var path: [Int32] = []
        var at = end
        while at >= 0 {
            path.append(Int32(at))
            at = previous[at]
        }
        return (path.reversed(), best[end])
    }

    /// Lines for the terminal.
    public var lines: [String] {
        func ms(_ us: Double) -> String { String(format: "%.3f ms", us / 1000) }
        let share = makespanUs > 0 ? criticalPathUs / makespanUs * 100 : 0
        var out = [
            String(
                format:
                    "  summary: %@%@, makespan %@, critical path %@ (%.0f%% of makespan, %d tasks), mean dispatch latency %.1f us",
                totalTasks.map { "the first \(tasks) of \($0) tasks (the ones recorded; PTO2_RECORD_TASKS)" }
                    ?? "\(tasks) tasks",
                blockKernels > 0 ? " (\(blockKernels) block kernels)" : "", ms(makespanUs), ms(criticalPathUs),
                share, criticalPath.count, meanDispatchLatencyUs)
        ]
        // Only workers that ran something: an AIV-only graph lists no AIC
        // worker at 0% (the JSON summary keeps every worker).
        let used = cores.filter { $0.tasks > 0 }
        let cells = used.map { String(format: "%@ %@ %.0f%%", $0.name, ms($0.busyUs), $0.utilisation * 100) }
        for start in stride(from: 0, to: cells.count, by: 6) {
            out.append("  busy: " + cells[start..<min(start + 6, cells.count)].joined(separator: ", "))
        }
        if used.count < cores.count {
            out.append("  idle: \(cores.count - used.count) of \(cores.count) workers ran nothing")
        }
        return out
    }
}
