/// One task as the runtime saw it (PtoTaskRecord in pto_runtime_c_api.h,
/// 64 bytes, layout pinned by static_asserts there).
public struct TaskRecord: Sendable, Equatable {
    public enum Core: Int32, Sendable {
        case aic = 0
        case aiv = 1
    }

    public var taskId: Int32
    public var funcId: Int32
    public var coreType: Int32
    public var workerId: Int32
    public var fanin: Int32
    public var fanout: Int32
    public var schedulerThread: Int32
    public var state: Int32
    public var readyNs: UInt64
    public var dispatchNs: UInt64
    public var startNs: UInt64
    public var endNs: UInt64

    public var core: Core { coreType == 0 ? .aic : .aiv }
    public var ran: Bool { workerId >= 0 && endNs >= startNs && startNs > 0 }

    public init(
        taskId: Int32, funcId: Int32, coreType: Int32, workerId: Int32, fanin: Int32, fanout: Int32,
        schedulerThread: Int32, state: Int32, readyNs: UInt64, dispatchNs: UInt64, startNs: UInt64,
        endNs: UInt64
    ) {
        (self.taskId, self.funcId, self.coreType, self.workerId) = (taskId, funcId, coreType, workerId)
        (self.fanin, self.fanout, self.schedulerThread, self.state) = (fanin, fanout, schedulerThread, state)
        (self.readyNs, self.dispatchNs, self.startNs, self.endNs) = (readyNs, dispatchNs, startNs, endNs)
    }

    static let cLayoutSize = 64

    init(cLayout bytes: UnsafeRawBufferPointer) {
        func int32(_ i: Int) -> Int32 { bytes.loadUnaligned(fromByteOffset: i * 4, as: Int32.self) }
        func uint64(_ i: Int) -> UInt64 { bytes.loadUnaligned(fromByteOffset: 32 + i * 8, as: UInt64.self) }
        self.init(
            taskId: int32(0), funcId: int32(1), coreType: int32(2), workerId: int32(3), fanin: int32(4),
            fanout: int32(5), schedulerThread: int32(6), state: int32(7), readyNs: uint64(0),
            dispatchNs: uint64(1), startNs: uint64(2), endNs: uint64(3))
    }
}

/// The task graph of an initialised Runtime, with times once it has run.
public struct TaskGraph: Sendable, Equatable {
    public struct Edge: Sendable, Equatable, Hashable {
        public var from: Int32
        public var to: Int32
        public init(from: Int32, to: Int32) { (self.from, self.to) = (from, to) }
    }

    public var tasks: [TaskRecord]
    public var edges: [Edge]

    public init(tasks: [TaskRecord], edges: [Edge]) {
        self.tasks = tasks
        self.edges = edges
    }

    /// Successor ids per task, in edge order.
    public var successors: [[Int32]] {
        var result = [[Int32]](repeating: [], count: tasks.count)
        for e in edges where Int(e.from) < tasks.count { result[Int(e.from)].append(e.to) }
        return result
    }
}
