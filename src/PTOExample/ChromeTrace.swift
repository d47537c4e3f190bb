import Foundation
import PTORuntime

/// A run as a Chrome trace-event file (opens in Perfetto and chrome://tracing):
/// one process per case, one track per AICore worker (AIC n / AIV n) and per
/// scheduler thread (AICPU n), a span per task named by its kernel (for a
/// task with blocks or several kernels, a span per kernel of each block on
/// its core, the kernels of one MIX block linked by arrows), flow arrows
/// from each task to its successors, and dispatch instants on the scheduler
/// tracks. Times come from the workers' own stamps.
public struct ChromeTrace {
    public struct Case {
        public var index: Int
        public var label: String
        public var graph: TaskGraph
        public init(index: Int, label: String, graph: TaskGraph) {
            (self.index, self.label, self.graph) = (index, label, graph)
        }
    }

    public var example: String
    public var blockDim: Int
    public var aicpuThreads: Int
    public var kernelNames: [Int32: String]
    public var cases: [Case] = []

    public init(example: String, blockDim: Int, aicpuThreads: Int, kernelNames: [Int32: String]) {
        self.example = example
        self.blockDim = blockDim
        self.aicpuThreads = aicpuThreads
        self.kernelNames = kernelNames
    }

    static let schedulerTrackBase = 1000

    public func json() throws -> Data {
        var events: [[String: Any]] = []
        var flowId = 0
        for c in cases {
            let pid = c.index + 1
            events += trackNames(c, pid: pid)
            let ran = c.graph.tasks.filter(\.ran)
            let base = (ran.map(\.readyNs).filter { $0 > 0 } + ran.map(\.startNs)).min() ?? 0
            events += taskSpans(c, pid: pid, base: base)
            events += blockSpans(c, pid: pid, base: base, flowId: &flowId)
            events += dependencyArrows(c, pid: pid, base: base, flowId: &flowId)
        }
        let document: [String: Any] = [
            "traceEvents": events, "displayTimeUnit": "ns",
            "otherData": [
                "example": example, "block_dim": blockDim,
                "aicpu_threads": aicpuThreads,
            ],
        ]
        return try JSONSerialization.data(withJSONObject: document, options: [.sortedKeys])
    }

    /// One process per case, one track per worker and per scheduler thread.
    private func trackNames(_ c: Case, pid: Int) -> [[String: Any]] {
        var events: [[String: Any]] = [
            ["ph": "M", "name": "process_name", "pid": pid, "args": ["name": "\(example) case \(c.index) \(c.label)"]],
            ["ph": "M", "name": "process_sort_index", "pid": pid, "args": ["sort_index": c.index]],
        ]
        for w in 0..<(blockDim * 3) {
            events.append([
                "ph": "M", "name": "thread_name", "pid": pid, "tid": w + 1,
                "args": ["name": RunSummary.workerName(w, blockDim: blockDim)],
            ])
            events.append([
                "ph": "M", "name": "thread_sort_index", "pid": pid, "tid": w + 1,
                "args": ["sort_index": w + 1],
            ])
        }
        for t in 0..<aicpuThreads {
            let tid = ChromeTrace.schedulerTrackBase + t
            events.append([
                "ph": "M", "name": "thread_name", "pid": pid, "tid": tid, "args": ["name": "AICPU \(t)"],
            ])
            events.append([
                "ph": "M", "name": "thread_sort_index", "pid": pid, "tid": tid,
                "args": ["sort_index": tid],
            ])
        }
        return events
    }

    /// A span per task on its worker's track, and an instant per dispatch on
    /// its scheduler's.
    private func taskSpans(_ c: Case, pid: Int, base: UInt64) -> [[String: Any]] {
        func us(_ ns: UInt64) -> Double { Double(ns &- base) / 1000 }
        var events: [[String: Any]] = []
        let successors = c.graph.successors
        let withBlocks = Set(drawnAsBlocks(c).keys)
        for t in c.graph.tasks where t.ran && !withBlocks.contains(t.taskId) {
            let name = kernelNames[t.funcId] ?? "func_\(t.funcId)"
            events.append([
                "ph": "X", "cat": "task", "name": name, "pid": pid, "tid": Int(t.workerId) + 1,
                "ts": us(t.startNs), "dur": Double(t.endNs - t.startNs) / 1000,
                "args": [
                    "task": Int(t.taskId), "func_id": Int(t.funcId),
                    "core": t.slotNames,
                    "fanin": Int(t.fanin), "fanout": Int(t.fanout), "case": c.index,
                    "successors": successors[Int(t.taskId)].map(Int.init),
                    "ready_us": us(t.readyNs), "dispatch_us": us(t.dispatchNs),
                ],
            ])
            if t.schedulerThread >= 0, t.dispatchNs > 0 {
                events.append([
                    "ph": "i", "s": "t", "cat": "dispatch", "name": "dispatch \(name) #\(t.taskId)",
                    "pid": pid, "tid": ChromeTrace.schedulerTrackBase + Int(t.schedulerThread),
                    "ts": us(t.dispatchNs), "args": ["task": Int(t.taskId), "worker": Int(t.workerId)],
                ])
            }
        }
        return events
    }

    /// The block kernels of each task drawn block by block: tasks of several
    /// blocks or several kernels (a one-block task of one kernel is drawn as
    /// a task).
    private func drawnAsBlocks(_ c: Case) -> [Int32: [BlockRecord]] {
        c.graph.blocksByTask.filter { id, _ in
            Int(id) < c.graph.tasks.count && c.graph.tasks[Int(id)].hasBlocks
        }
    }

    /// A span per kernel of each block, a dispatch instant per kernel, and
    /// arrows from the first kernel of a MIX block to start to its others.
    private func blockSpans(_ c: Case, pid: Int, base: UInt64, flowId: inout Int) -> [[String: Any]] {
        func us(_ ns: UInt64) -> Double { Double(ns &- base) / 1000 }
        var events: [[String: Any]] = []
        let successors = c.graph.successors
        for (taskId, kernels) in drawnAsBlocks(c).sorted(by: { $0.key < $1.key }) {
            let task = c.graph.tasks[Int(taskId)]
            for k in kernels where k.startNs > 0 {
                let name = kernelNames[k.funcId] ?? "func_\(k.funcId)"
                events.append([
                    "ph": "X", "cat": "block", "name": "\(name) [\(k.blockIdx)/\(k.blockNum)]",
                    "pid": pid, "tid": Int(k.workerId) + 1, "ts": us(k.startNs),
                    "dur": Double(k.endNs &- k.startNs) / 1000,
                    "args": [
                        "task": Int(taskId), "func_id": Int(k.funcId), "block": Int(k.blockIdx),
                        "block_num": Int(k.blockNum), "slot": k.slotName, "case": c.index,
                        "dispatch_us": us(k.dispatchNs), "shape": task.slotNames,
                        "fanin": Int(task.fanin), "fanout": Int(task.fanout),
                        "successors": successors[Int(taskId)].map(Int.init),
                    ],
                ])
                if k.schedulerThread >= 0, k.dispatchNs > 0 {
                    events.append([
                        "ph": "i", "s": "t", "cat": "dispatch",
                        "name": "dispatch \(name) #\(taskId) [\(k.blockIdx)]", "pid": pid,
                        "tid": ChromeTrace.schedulerTrackBase + Int(k.schedulerThread),
                        "ts": us(k.dispatchNs), "args": ["task": Int(taskId), "worker": Int(k.workerId)],
                    ])
                }
            }
            for (_, block) in Dictionary(grouping: kernels, by: \.blockIdx) where block.count > 1 {
                let ordered = block.sorted { $0.startNs < $1.startNs }
                for other in ordered.dropFirst() {
                    flowId += 1
                    events.append([
                        "ph": "s", "cat": "block", "name": "same block", "id": flowId, "pid": pid,
                        "tid": Int(ordered[0].workerId) + 1, "ts": us(ordered[0].startNs),
                    ])
                    events.append([
                        "ph": "f", "bp": "e", "cat": "block", "name": "same block", "id": flowId, "pid": pid,
                        "tid": Int(other.workerId) + 1, "ts": us(other.startNs),
                    ])
                }
            }
        }
        return events
    }

    /// A flow arrow from each task to each successor that ran: from where
    /// the task ended (its last kernel to finish) to where the successor
    /// began (its first kernel to start).
    private func dependencyArrows(_ c: Case, pid: Int, base: UInt64, flowId: inout Int) -> [[String: Any]] {
        func us(_ ns: UInt64) -> Double { Double(ns &- base) / 1000 }
        var events: [[String: Any]] = []
        let blocks = drawnAsBlocks(c)
        func exit(_ t: TaskRecord) -> (Int32, UInt64) {
            guard let last = blocks[t.taskId]?.filter({ $0.startNs > 0 }).max(by: { $0.endNs < $1.endNs })
            else { return (t.workerId, t.endNs) }
            return (last.workerId, last.endNs)
        }
        func entry(_ t: TaskRecord) -> (Int32, UInt64) {
            guard let first = blocks[t.taskId]?.filter({ $0.startNs > 0 }).min(by: { $0.startNs < $1.startNs })
            else { return (t.workerId, t.startNs) }
            return (first.workerId, first.startNs)
        }
        for e in c.graph.edges {
            guard Int(e.from) < c.graph.tasks.count, Int(e.to) < c.graph.tasks.count else { continue }
            let from = c.graph.tasks[Int(e.from)]
            let to = c.graph.tasks[Int(e.to)]
            guard from.ran, to.ran else { continue }
            let (fromWorker, fromEnd) = exit(from)
            let (toWorker, toStart) = entry(to)
            flowId += 1
            events.append([
                "ph": "s", "cat": "dependency", "name": "dependency", "id": flowId, "pid": pid,
                "tid": Int(fromWorker) + 1, "ts": us(fromEnd) - 0.001,
            ])
            events.append([
                "ph": "f", "bp": "e", "cat": "dependency", "name": "dependency", "id": flowId,
                "pid": pid, "tid": Int(toWorker) + 1, "ts": us(toStart),
            ])
        }
        return events
    }
}
