// The host runtime's C API (platform/include/host/pto_runtime_c_api.h),
// bound through dlopen so one runner drives any platform's library.

/// The C API of one loaded host runtime library.
public final class HostRuntime {
    typealias GetRuntimeSize = @convention(c) () -> Int
    typealias InitRuntime =
        @convention(c) (
            UnsafeMutableRawPointer?, UnsafePointer<UInt8>?, Int, UnsafePointer<CChar>?,
            UnsafeMutablePointer<UInt64>?, Int32
        ) -> Int32
    typealias LaunchRuntime =
        @convention(c) (
            UnsafeMutableRawPointer?, Int32, Int32, Int32, UnsafePointer<UInt8>?, Int,
            UnsafePointer<UInt8>?, Int
        ) -> Int32
    typealias InitRuntimeArgs =
        @convention(c) (
            UnsafeMutableRawPointer?, UnsafePointer<UInt8>?, Int, UnsafePointer<CChar>?,
            UnsafeRawPointer?, Int32
        ) -> Int32
    typealias FinalizeRuntime = @convention(c) (UnsafeMutableRawPointer?) -> Int32
    typealias SetDevice = @convention(c) (Int32) -> Int32
    typealias RegisterKernel = @convention(c) (Int32, UnsafePointer<UInt8>?, Int) -> Int32
    typealias LastError = @convention(c) () -> UnsafePointer<CChar>?
    typealias StatusName = @convention(c) (Int32) -> UnsafePointer<CChar>?
    typealias SetRunTimeout = @convention(c) (Double) -> Int32
    typealias SetGraphLimits = @convention(c) (Int32, Int32, Int32) -> Int32
    typealias NameKernel = @convention(c) (Int32, UnsafePointer<CChar>?) -> Int32
    typealias NameOrchestration = @convention(c) (UnsafePointer<CChar>?) -> Int32
    typealias SetKernelCoreType = @convention(c) (Int32, Int32) -> Int32
    typealias SetRingSizes = @convention(c) (UnsafeMutableRawPointer?, UnsafeRawPointer?) -> Int32
    typealias NameHostBuffer = @convention(c) (UnsafeRawPointer?, Int, UnsafePointer<CChar>?) -> Int32
    typealias DeviceProcessId = @convention(c) (Int32) -> Int32
    typealias RegisterKernelText = @convention(c) (Int32, UnsafePointer<UInt8>?, Int, UInt64) -> Int32
    typealias LastKernelFault = @convention(c) (UnsafeMutableRawPointer?) -> Int32
    typealias GraphSize =
        @convention(c) (UnsafeMutableRawPointer?, UnsafeMutablePointer<Int32>?, UnsafeMutablePointer<Int32>?)
        -> Int32
    typealias TaskRecords =
        @convention(c) (UnsafeMutableRawPointer?, UnsafeMutableRawPointer?, Int32) -> Int32
    typealias BlockRecords =
        @convention(c) (UnsafeMutableRawPointer?, UnsafeMutableRawPointer?, Int32) -> Int32
    typealias Edges =
        @convention(c) (
            UnsafeMutableRawPointer?, UnsafeMutablePointer<Int32>?, UnsafeMutablePointer<Int32>?, Int32
        ) -> Int32
    typealias CopiedBackBytes =
        @convention(c) (UnsafeMutableRawPointer?, UnsafeRawPointer?, Int, UnsafeMutablePointer<Int>?) -> Int32
    typealias Progress =
        @convention(c) (UnsafeMutableRawPointer?, UnsafeMutablePointer<Int32>?, UnsafeMutablePointer<Int32>?)
        -> Int32

    public let path: String
    private let library: DynamicLibrary
    private let getRuntimeSizeFn: GetRuntimeSize
    private let initRuntimeFn: InitRuntime
    private let launchRuntimeFn: LaunchRuntime
    private let finalizeRuntimeFn: FinalizeRuntime
    private let setDeviceFn: SetDevice
    private let registerKernelFn: RegisterKernel
    private let lastErrorFn: LastError?
    private let statusNameFn: StatusName?
    private let setRunTimeoutFn: SetRunTimeout?
    private let setGraphLimitsFn: SetGraphLimits?
    private let nameKernelFn: NameKernel?
    private let nameOrchestrationFn: NameOrchestration?
    private let setKernelCoreTypeFn: SetKernelCoreType?
    private let setRingSizesFn: SetRingSizes?
    private let nameHostBufferFn: NameHostBuffer?
    private let deviceProcessIdFn: DeviceProcessId?
    private let registerKernelTextFn: RegisterKernelText?
    private let lastKernelFaultFn: LastKernelFault?
    private let graphSizeFn: GraphSize?
    private let taskRecordsFn: TaskRecords?
    private let blockRecordsFn: BlockRecords?
    private let edgesFn: Edges?
    private let progressFn: Progress?
    private let copiedBackBytesFn: CopiedBackBytes?
    private let initRuntimeArgsFn: InitRuntimeArgs?

    /// Loads the library at `path` and resolves the C API.
    public init(path: String) throws(HostRuntimeError) {
        let library = try DynamicLibrary(path: path)
        self.path = path
        self.library = library
        getRuntimeSizeFn = try library.function("get_runtime_size", as: GetRuntimeSize.self)
        initRuntimeFn = try library.function("init_runtime", as: InitRuntime.self)
        launchRuntimeFn = try library.function("launch_runtime", as: LaunchRuntime.self)
        finalizeRuntimeFn = try library.function("finalize_runtime", as: FinalizeRuntime.self)
        setDeviceFn = try library.function("set_device", as: SetDevice.self)
        registerKernelFn = try library.function("register_kernel", as: RegisterKernel.self)
        lastErrorFn = library.optionalFunction("pto_last_error", as: LastError.self)
        statusNameFn = library.optionalFunction("pto_status_name", as: StatusName.self)
        setRunTimeoutFn = library.optionalFunction("pto_set_run_timeout", as: SetRunTimeout.self)
        setGraphLimitsFn = library.optionalFunction("pto_set_graph_limits_ex", as: SetGraphLimits.self)
        nameKernelFn = library.optionalFunction("pto_name_kernel", as: NameKernel.self)
        nameOrchestrationFn = library.optionalFunction("pto_name_orchestration", as: NameOrchestration.self)
        setKernelCoreTypeFn = library.optionalFunction(
            "pto_set_kernel_core_type", as: SetKernelCoreType.self)
        setRingSizesFn = library.optionalFunction("pto_set_ring_sizes", as: SetRingSizes.self)
        nameHostBufferFn = library.optionalFunction("pto_name_host_buffer", as: NameHostBuffer.self)
        deviceProcessIdFn = library.optionalFunction("pto_device_process_id", as: DeviceProcessId.self)
        registerKernelTextFn = library.optionalFunction(
            "pto_register_kernel_text", as: RegisterKernelText.self)
        lastKernelFaultFn = library.optionalFunction("pto_last_kernel_fault", as: LastKernelFault.self)
        graphSizeFn = library.optionalFunction("pto_graph_size", as: GraphSize.self)
        taskRecordsFn = library.optionalFunction("pto_get_task_records", as: TaskRecords.self)
        blockRecordsFn = library.optionalFunction("pto_get_block_records", as: BlockRecords.self)
        edgesFn = library.optionalFunction("pto_get_edges", as: Edges.self)
        progressFn = library.optionalFunction("pto_get_progress", as: Progress.self)
        copiedBackBytesFn = library.optionalFunction("pto_copied_back_bytes", as: CopiedBackBytes.self)
        initRuntimeArgsFn = library.optionalFunction("pto_init_runtime_args", as: InitRuntimeArgs.self)
    }

    /// The task graph (and, after a launch, its measured times); nil when the
    /// library cannot tell.
    public func graph(_ runtime: RuntimeMemory) throws(HostRuntimeError) -> TaskGraph? {
        guard let sizeFn = graphSizeFn, let recordsFn = taskRecordsFn, let edgesFn else { return nil }
        var taskCount: Int32 = 0
        var edgeCount: Int32 = 0
        try check("pto_graph_size", sizeFn(runtime.pointer, &taskCount, &edgeCount))
        let stride = TaskRecord.cLayoutSize
        let buffer = UnsafeMutableRawPointer.allocate(
            byteCount: max(1, Int(taskCount)) * stride, alignment: 8)
        defer { buffer.deallocate() }
        let copied = recordsFn(runtime.pointer, buffer, taskCount)
        guard copied >= 0 else {
            try check("pto_get_task_records", copied)
            return nil
        }
        let tasks = (0..<Int(copied)).map { i in
            TaskRecord(cLayout: UnsafeRawBufferPointer(start: buffer + i * stride, count: stride))
        }
        var from = [Int32](repeating: 0, count: Int(edgeCount))
        var to = [Int32](repeating: 0, count: Int(edgeCount))
        let edgesCopied = from.withUnsafeMutableBufferPointer { f in
            to.withUnsafeMutableBufferPointer { t in
                edgesFn(runtime.pointer, f.baseAddress, t.baseAddress, edgeCount)
            }
        }
        guard edgesCopied >= 0 else {
            try check("pto_get_edges", edgesCopied)
            return nil
        }
        let edges = (0..<Int(edgesCopied)).map { TaskGraph.Edge(from: from[$0], to: to[$0]) }
        return TaskGraph(tasks: tasks, edges: edges, blocks: try blocks(runtime))
    }

    /// The block records of the last launch (none from a library without them).
    private func blocks(_ runtime: RuntimeMemory) throws(HostRuntimeError) -> [BlockRecord] {
        guard let fn = blockRecordsFn else { return [] }
        let count = fn(runtime.pointer, nil, 0)
        guard count > 0 else {
            if count < 0 { try check("pto_get_block_records", count) }
            return []
        }
        let stride = BlockRecord.cLayoutSize
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: Int(count) * stride, alignment: 8)
        defer { buffer.deallocate() }
        let copied = fn(runtime.pointer, buffer, count)
        guard copied >= 0 else {
            try check("pto_get_block_records", copied)
            return []
        }
        return (0..<Int(copied)).map { i in
            BlockRecord(cLayout: UnsafeRawBufferPointer(start: buffer + i * stride, count: stride))
        }
    }

    /// Tasks completed so far and in all; callable while `launch` runs on
    /// another thread.
    /// How many bytes of a host buffer the orchestration recorded for
    /// copy-back (after init); nil when the library cannot tell.
    public func copiedBackBytes(_ runtime: RuntimeMemory, host: UnsafeRawPointer, byteCount: Int) -> Int? {
        guard let fn = copiedBackBytesFn else { return nil }
        var bytes = 0
        guard fn(runtime.pointer, host, byteCount, &bytes) == 0 else { return nil }
        return bytes
    }

    /// tensormap_and_ringbuffer's ring sizes for the handle's launches
    /// (pto_set_ring_sizes); four values each, 0 keeps the default.
    public func setRingSizes(_ runtime: RuntimeMemory, _ sizes: RingSizes) throws(HostRuntimeError) {
        guard let fn = setRingSizesFn else {
            throw .symbolNotFound(
                path: path, symbol: "pto_set_ring_sizes", reason: "this host runtime cannot set ring sizes")
        }
        // PtoRingSizes: task_window[4], dep_pool[4] (uint32), heap_bytes[4]
        // (uint64), tensormap_entries, reserved (uint32).
        let words32 = sizes.taskWindow + sizes.depPool
        let heap = sizes.heapBytes
        let tail: [UInt32] = [sizes.tensormapEntries, 0]
        var bytes = [UInt8]()
        words32.withUnsafeBytes { bytes.append(contentsOf: $0) }
        heap.withUnsafeBytes { bytes.append(contentsOf: $0) }
        tail.withUnsafeBytes { bytes.append(contentsOf: $0) }
        let rc = bytes.withUnsafeBytes { fn(runtime.pointer, $0.baseAddress) }
        try check("pto_set_ring_sizes", rc)
    }

    public func progress(_ runtime: RuntimeMemory) -> (done: Int, total: Int)? {
        guard let fn = progressFn else { return nil }
        var done: Int32 = 0
        var total: Int32 = 0
        guard fn(runtime.pointer, &done, &total) == 0 else { return nil }
        return (Int(done), Int(total))
    }

    /// Registers a kernel as the device loads one: its .text bytes, entered
    /// at `entryOffset`.
    public func registerKernelText(funcId: Int32, text: [UInt8], entryOffset: UInt64) throws(HostRuntimeError)
    {
        guard let fn = registerKernelTextFn else {
            throw .symbolNotFound(
                path: path, symbol: "pto_register_kernel_text",
                reason: "this host runtime cannot load kernels as raw .text")
        }
        let rc = text.withUnsafeBufferPointer { fn(funcId, $0.baseAddress, $0.count, entryOffset) }
        try check("pto_register_kernel_text(func_id \(funcId))", rc)
    }

    /// Gives a kernel a name the runtime's diagnostics use.
    /// Tells the runtime the core type a kernel is built for (0 AIC, 1 AIV),
    /// so a task on the other type is refused; a library without the call
    /// checks nothing.
    public func setKernelCoreType(funcId: Int32, coreType: Int32) throws(HostRuntimeError) {
        guard let fn = setKernelCoreTypeFn else { return }
        try check("pto_set_kernel_core_type(func_id \(funcId))", fn(funcId, coreType))
    }

    /// Names the orchestration source the following initializations on this
    /// thread load, for the runtime's diagnostics. Libraries without the
    /// call ignore it.
    public func nameOrchestration(_ source: String) throws(HostRuntimeError) {
        guard let fn = nameOrchestrationFn else { return }
        try check("pto_name_orchestration", source.withCString { fn($0) })
    }

    public func nameKernel(funcId: Int32, name: String) throws(HostRuntimeError) {
        guard let fn = nameKernelFn else { return }
        try check("pto_name_kernel", name.withCString { fn(funcId, $0) })
    }

    /// Names a host buffer handed to the orchestration (a tensor), for the
    /// runtime's diagnostics: device buffers filled from it take its name,
    /// and a kernel handed its address is reported as given a host pointer.
    /// A nil name forgets the buffer. Libraries without the extension ignore it.
    public func nameHostBuffer(_ pointer: UnsafeRawPointer, byteCount: Int, name: String?) throws(HostRuntimeError)
    {
        guard let fn = nameHostBufferFn else { return }
        let rc: Int32
        if let name {
            rc = name.withCString { fn(pointer, byteCount, $0) }
        } else {
            rc = fn(pointer, 0, nil)
        }
        try check("pto_name_host_buffer", rc)
    }

    /// The process a simulated device runs in, when the library has one.
    public func deviceProcessId(_ device: Int32) -> Int32? {
        guard let fn = deviceProcessIdFn else { return nil }
        let pid = fn(device)
        return pid > 0 ? pid : nil
    }

    /// The kernel fault that stopped the last launch on this thread, if any.
    public func lastKernelFault() -> KernelFault? {
        guard let fn = lastKernelFaultFn else { return nil }
        let size = KernelFault.cLayoutSize
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 8)
        defer { buffer.deallocate() }
        buffer.initializeMemory(as: UInt8.self, repeating: 0, count: size)
        guard fn(buffer) == 0 else { return nil }
        return KernelFault(cLayout: UnsafeRawBufferPointer(start: buffer, count: size))
    }

    /// Bytes a Runtime needs (get_runtime_size).
    public var runtimeSize: Int { getRuntimeSizeFn() }

    public func setDevice(_ id: Int32) throws(HostRuntimeError) {
        try check("set_device", setDeviceFn(id))
    }

    /// Longest stretch without any task completing before a run is stopped.
    /// Libraries without the extension keep their own bound.
    public func setRunTimeout(seconds: Double) throws(HostRuntimeError) {
        guard let fn = setRunTimeoutFn else { return }
        try check("pto_set_run_timeout", fn(seconds))
    }

    /// Graph limits for graphs built from now on (pto_set_graph_limits_ex).
    public func setGraphLimits(tasks: Int32, successors: Int32, arguments: Int32) throws(HostRuntimeError) {
        guard let fn = setGraphLimitsFn else {
            throw .symbolNotFound(
                path: path, symbol: "pto_set_graph_limits_ex",
                reason: "this host runtime cannot change its graph limits")
        }
        try check("pto_set_graph_limits_ex", fn(tasks, successors, arguments))
    }

    public func registerKernel(funcId: Int32, binary: [UInt8]) throws(HostRuntimeError) {
        let rc = binary.withUnsafeBufferPointer { registerKernelFn(funcId, $0.baseAddress, $0.count) }
        try check("register_kernel(func_id \(funcId))", rc)
    }

    /// Builds the task graph by calling `function` of the orchestration
    /// shared object with `arguments`.
    public func initialize(
        _ runtime: RuntimeMemory, orchestration: [UInt8], function: String, arguments: [UInt64]
    ) throws(HostRuntimeError) {
        var args = arguments
        let count = Int32(args.count)
        let rc = orchestration.withUnsafeBufferPointer { orch in
            function.withCString { name in
                args.withUnsafeMutableBufferPointer { argv in
                    initRuntimeFn(
                        runtime.pointer, orch.baseAddress, orch.count, name,
                        argv.baseAddress, count)
                }
            }
        }
        try check("init_runtime(\(function))", rc)
    }

    /// One typed argument of pto_init_runtime_args (PtoTaskArg).
    public struct TypedArgument: Sendable {
        public enum Kind: Int32, Sendable { case scalar = 0, input = 1, output = 2, inputOutput = 3 }
        public var kind: Kind
        public var dtype: Int32
        public var shape: [UInt64]
        public var value: UInt64
        public var byteCount: UInt64
        public init(kind: Kind, dtype: Int32, shape: [UInt64], value: UInt64, byteCount: UInt64) {
            (self.kind, self.dtype, self.shape, self.value, self.byteCount) = (kind, dtype, shape, value, byteCount)
        }
        static let cLayoutSize = 72
    }

    /// init_runtime with each argument's kind, dtype and shape.
    public func initialize(
        _ runtime: RuntimeMemory, orchestration: [UInt8], function: String, typedArguments: [TypedArgument]
    ) throws(HostRuntimeError) {
        guard let fn = initRuntimeArgsFn else {
            throw .symbolNotFound(
                path: path, symbol: "pto_init_runtime_args",
                reason: "this host runtime cannot take typed arguments; rebuild it")
        }
        let stride = TypedArgument.cLayoutSize
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: max(1, typedArguments.count) * stride, alignment: 8)
        defer { buffer.deallocate() }
        buffer.initializeMemory(as: UInt8.self, repeating: 0, count: max(1, typedArguments.count) * stride)
        for (i, a) in typedArguments.enumerated() {
            let at = buffer + i * stride
            at.storeBytes(of: a.kind.rawValue, toByteOffset: 0, as: Int32.self)
            at.storeBytes(of: a.dtype, toByteOffset: 4, as: Int32.self)
            at.storeBytes(of: Int32(a.shape.count), toByteOffset: 8, as: Int32.self)
            at.storeBytes(of: a.value, toByteOffset: 16, as: UInt64.self)
            at.storeBytes(of: a.byteCount, toByteOffset: 24, as: UInt64.self)
            for (d, extent) in a.shape.prefix(5).enumerated() {
                at.storeBytes(of: extent, toByteOffset: 32 + 8 * d, as: UInt64.self)
            }
        }
        let count = Int32(typedArguments.count)
        let rc = orchestration.withUnsafeBufferPointer { orch in
            function.withCString { name in fn(runtime.pointer, orch.baseAddress, orch.count, name, buffer, count) }
        }
        try check("pto_init_runtime_args(\(function))", rc)
    }

    public func launch(
        _ runtime: RuntimeMemory, aicpuThreads: Int32, blockDim: Int32, device: Int32,
        aicpuBinary: [UInt8], aicoreBinary: [UInt8]
    ) throws(HostRuntimeError) {
        let rc = aicpuBinary.withUnsafeBufferPointer { aicpu in
            aicoreBinary.withUnsafeBufferPointer { aicore in
                launchRuntimeFn(
                    runtime.pointer, aicpuThreads, blockDim, device, aicpu.baseAddress,
                    aicpu.count, aicore.baseAddress, aicore.count)
            }
        }
        try check("launch_runtime", rc)
    }

    /// Copies recorded outputs back and releases the Runtime's device memory.
    public func finalize(_ runtime: RuntimeMemory) throws(HostRuntimeError) {
        try check("finalize_runtime", finalizeRuntimeFn(runtime.pointer))
    }

    /// Symbolic name of a status code, when the library can tell.
    public func statusName(_ code: Int32) -> String {
        guard let fn = statusNameFn, let name = fn(code) else { return "status \(code)" }
        return String(cString: name)
    }

    private func check(_ function: String, _ code: Int32) throws(HostRuntimeError) {
        guard code != 0 else { return }
        var message = ""
        if let fn = lastErrorFn, let text = fn() { message = String(cString: text) }
        throw .callFailed(
            function: function, code: code, status: statusName(code),
            message: message)
    }
}

/// Zero-filled memory for one Runtime, sized by the library; kept for the
/// life of the process (see deinit).
public final class RuntimeMemory {
    public let pointer: UnsafeMutableRawPointer
    public let size: Int

    public init(for runtime: HostRuntime) throws(HostRuntimeError) {
        let size = runtime.runtimeSize
        guard size > 0, size < (1 << 40) else { throw .runtimeTooLarge(bytes: size) }
        self.size = size
        pointer = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 64)
        pointer.initializeMemory(as: UInt8.self, repeating: 0, count: size)
    }

    // Never freed: a thread an orchestration left running may still call
    // through the handle after finalize (the library zeroes it then, so such
    // calls return -1 instead of reaching freed memory). A few hundred bytes
    // per case.
    deinit {}
}

/// The ring sizes of pto_set_ring_sizes: four per-ring values each (0 keeps
/// the environment's or the default).
public struct RingSizes: Sendable, Equatable {
    public var taskWindow: [UInt32] = [0, 0, 0, 0]
    public var depPool: [UInt32] = [0, 0, 0, 0]
    public var heapBytes: [UInt64] = [0, 0, 0, 0]
    public var tensormapEntries: UInt32 = 0
    public init() {}
}
