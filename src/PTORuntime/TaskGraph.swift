/// One task as the runtime saw it (PtoTaskRecord in pto_runtime_c_api.h,
/// 72 bytes, layout pinned by static_asserts there).
public struct TaskRecord: Sendable, Equatable {
    /// What the task occupies: one AIC or AIV core, cores of one cluster
    /// (MIX), or none (a dummy task).
    public enum Core: Int32, Sendable {
        case aic = 0
        case aiv = 1
        case mix = 2
        case none = 3
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
    /// Blocks of the task, and the cluster slots its kernels use (1 AIC,
    /// 2 AIV0, 4 AIV1; 0: one kernel of its core type).
    public var blockNum: Int32 = 1
    public var slotMask: Int32 = 0

    public var core: Core { Core(rawValue: coreType) ?? .aiv }
    /// More than one block, or kernels on several cores: its kernels have
    /// block records.
    public var hasBlocks: Bool { blockNum > 1 || core == .mix }
    /// The slots its kernels use, e.g. "AIC+AIV0+AIV1".
    public var slotNames: String {
        if slotMask == 2 { return "AIV" }  // a lone AIV kernel runs on either lane
        let names = ["AIC", "AIV0", "AIV1"].enumerated().filter { slotMask & (1 << Int32($0.offset)) != 0 }
        return names.isEmpty ? (core == .aic ? "AIC" : core == .none ? "none" : "AIV") : names.map(\.element).joined(separator: "+")
    }
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

    static let cLayoutSize = 72

    init(cLayout bytes: UnsafeRawBufferPointer) {
        func int32(_ i: Int) -> Int32 { bytes.loadUnaligned(fromByteOffset: i * 4, as: Int32.self) }
        func uint64(_ i: Int) -> UInt64 { bytes.loadUnaligned(fromByteOffset: 32 + i * 8, as: UInt64.self) }
        self.init(
            taskId: int32(0), funcId: int32(1), coreType: int32(2), workerId: int32(3), fanin: int32(4),
            fanout: int32(5), schedulerThread: int32(6), state: int32(7), readyNs: uint64(0),
            dispatchNs: uint64(1), startNs: uint64(2), endNs: uint64(3))
        blockNum = int32(16)
        slotMask = int32(17)
    }
}

/// One kernel of one block of a task with blocks or several kernels
/// (PtoBlockRecord, 56 bytes).
public struct BlockRecord: Sendable, Equatable {
    public var taskId: Int32
    public var blockIdx: Int32
    public var blockNum: Int32
    /// 0 AIC, 1 AIV0, 2 AIV1.
    public var slot: Int32
    public var workerId: Int32
    public var schedulerThread: Int32
    /// The kernel of its slot.
    public var funcId: Int32
    public var dispatchNs: UInt64
    public var startNs: UInt64
    public var endNs: UInt64

    public var slotName: String { ["AIC", "AIV0", "AIV1"][Int(max(0, min(2, slot)))] }

    static let cLayoutSize = 56

    init(cLayout bytes: UnsafeRawBufferPointer) {
        func int32(_ i: Int) -> Int32 { bytes.loadUnaligned(fromByteOffset: i * 4, as: Int32.self) }
        func uint64(_ i: Int) -> UInt64 { bytes.loadUnaligned(fromByteOffset: 32 + i * 8, as: UInt64.self) }
        (taskId, blockIdx, blockNum, slot) = (int32(0), int32(1), int32(2), int32(3))
        (workerId, schedulerThread, funcId) = (int32(4), int32(5), int32(6))
        (dispatchNs, startNs, endNs) = (uint64(0), uint64(1), uint64(2))
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
    /// The kernels of blocks, for tasks with blocks or several kernels.
    public var blocks: [BlockRecord]

    public init(tasks: [TaskRecord], edges: [Edge], blocks: [BlockRecord] = []) {
        self.tasks = tasks
        self.edges = edges
        self.blocks = blocks
    }

    /// Block records per task id.
    public var blocksByTask: [Int32: [BlockRecord]] {
        Dictionary(grouping: blocks, by: \.taskId)
    }

    /// Successor ids per task, in edge order.
    public var successors: [[Int32]] {
        var result = [[Int32]](repeating: [], count: tasks.count)
        for e in edges where Int(e.from) < tasks.count { result[Int(e.from)].append(e.to) }
        return result
    }
}
