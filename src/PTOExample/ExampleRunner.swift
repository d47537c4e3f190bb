import Foundation
import PTOElf
import PTORuntime

/// Settings of one run, as given on the command line.
public struct RunSettings: Sendable {
    public var platform = "a2a3sim"
    public var runtime = "host_build_graph"
    public var device: Int32 = 0
    public var aicpuThreads: Int32 = 3
    public var blockDim: Int32 = 3
    /// The user gave --aicpu-threads / --ring-*: a scene test case's own
    /// config then does not replace them.
    public var threadsFromCommandLine = false
    public var timeoutSeconds: Double?
    public var verbose = false
    public var python: String?
    /// Show a live progress line for launches longer than a second.
    public var progress = true
    /// How kernels reach the runtime: as shared objects (simulator) or as
    /// the .text of their object files (the device's way).
    public var kernelLoad: KernelLoad = .sharedObject
    /// Graph limits, when the user raised (or lowered) them.
    public var graphLimits: GraphLimits?
    /// tensormap_and_ringbuffer's ring sizes, when the user set them
    /// (pto_set_ring_sizes on each case's handle).
    public var ringSizes: RingSizes?

    /// Tasks per graph, successors per task, arguments per task.
    public struct GraphLimits: Sendable, Equatable {
        public var tasks: Int32
        public var successors: Int32
        public var arguments: Int32
        public static let defaults = GraphLimits(tasks: 16_777_216, successors: 16_777_216, arguments: 128)
        public init(tasks: Int32, successors: Int32, arguments: Int32) {
            (self.tasks, self.successors, self.arguments) = (tasks, successors, arguments)
        }
    }

    public enum KernelLoad: String, Sendable {
        case sharedObject = "so"
        case text
    }

    public init() {}
}

/// The outcome of one case of PARAMS_LIST.
public struct CaseResult: Sendable {
    public var index: Int
    /// The case's name (ALL_CASES) or index, as output calls it.
    public var label: String = ""
    public var parameters: String
    public var comparisons: [TensorComparison]
    public var failure: String?
    /// Why the case did not run at all (no device could be brought up after
    /// an earlier case lost it).
    public var notRun: String?
    /// The case ended with the device lost, reset or failing: the next case
    /// first brings up a fresh one.
    public var deviceTrouble = false
    /// The graph with its measured times, when the library reports it.
    public var graph: TaskGraph?
    public var summary: RunSummary?

    /// A scene test's own compare_outputs passed on these outputs.
    public var comparedByTest: [String]?
    public var passed: Bool { failure == nil && notRun == nil && comparisons.allSatisfy(\.passed) }
}

/// Runs an example end to end: registers the kernels Make built, and for
/// every case builds the graph, launches it, and checks outputs against the
/// golden. Kernels are registered once and serve every case.
public struct ExampleRunner {
    /// Kernel names for traces and graphs: each kernel's source file stem.
    public static func kernelNames(_ artifacts: ArtifactsManifest) -> [Int32: String] {
        Dictionary(
            artifacts.kernels.map {
                ($0.funcId, URL(fileURLWithPath: $0.source).deletingPathExtension().lastPathComponent)
            }, uniquingKeysWith: { first, _ in first })
    }

    public var settings: RunSettings
    public var artifacts: ArtifactsManifest
    public var golden: GoldenCases
    private let log: (String) -> Void

    public init(
        settings: RunSettings, artifacts: ArtifactsManifest, golden: GoldenCases,
        log: @escaping (String) -> Void
    ) {
        self.settings = settings
        self.artifacts = artifacts
        self.golden = golden
        self.log = log
    }

    /// Runs every case; `report` is called with each result as it completes.
    /// Throws for failures that stop the whole run (loading, registration).
    public func run(report: (CaseResult) -> Void) throws(RunnerError) -> [CaseResult] {
        let library = artifacts.runtimeBinaries
        let runtime = try loadRuntime()
        let aicpu = try readBinary(library.aicpu)
        let aicore = try readBinary(library.aicore)
        let orchestration = try readBinary(artifacts.orchestration.binary)
        try configure(runtime)
        for kernel in artifacts.kernels {
            do {
                switch settings.kernelLoad {
                case .sharedObject:
                    try runtime.registerKernel(funcId: kernel.funcId, binary: try readBinary(kernel.binary))
                case .text:
                    let text = try loadableText(of: kernel)
                    try runtime.registerKernelText(
                        funcId: kernel.funcId, text: text.bytes,
                        entryOffset: text.entryOffset ?? 0)
                }
                try runtime.nameKernel(
                    funcId: kernel.funcId,
                    name: URL(fileURLWithPath: kernel.source).lastPathComponent)
                if let type = ["aic": Int32(0), "aiv": Int32(1)][kernel.coreType.lowercased()] {
                    try runtime.setKernelCoreType(funcId: kernel.funcId, coreType: type)
                }
            } catch let error as RunnerError {
                throw error
            } catch let error as HostRuntimeError {
                throw .runtime(stage: "registering \(kernel.source)", error)
            } catch {
                throw .invalidOption("registering \(kernel.source): \(error)")
            }
            log("registered func_id \(kernel.funcId) (\(kernel.coreType)) as \(settings.kernelLoad.rawValue)")
        }

        var results: [CaseResult] = []
        var noDevice: String?
        for c in golden.cases {
            // After a case that lost or reset the device, a fresh device
            // comes up first (the library starts one and registers the
            // kernels again); when none can, the rest cannot run.
            if noDevice == nil, results.last?.deviceTrouble == true {
                do {
                    try runtime.setDevice(settings.device)
                } catch {
                    noDevice = "no device after case \(results.last?.label ?? "0"): \(error)"
                }
            }
            if let reason = noDevice {
                let skipped = CaseResult(
                    index: c.index, label: c.label, parameters: c.parameters, comparisons: [], failure: nil,
                    notRun: reason)
                report(skipped)
                results.append(skipped)
                continue
            }
            let result = runCase(
                c, runtime: runtime, orchestration: orchestration, aicpu: aicpu,
                aicore: aicore)
            report(result)
            results.append(result)
        }
        return results
    }

    /// The task graph a case's orchestration builds, without running it.
    public func graph(of c: GoldenCase) throws(RunnerError) -> TaskGraph {
        let runtime = try loadRuntime()
        try configure(runtime)
        let orchestration = try readBinary(artifacts.orchestration.binary)
        let buffers = c.tensors.map { HostTensorBuffer(copying: $0.input) }
        // The orchestration and finalize (copy-back) use the buffers through
        // raw addresses: an optimised build would free them after their last
        // use in Swift, before both.
        defer { withExtendedLifetime(buffers) {} }
        if artifacts.takesTypedArguments {
            throw .invalidOption(
                "the \(artifacts.runtime) runtime builds its graph on the device during a launch, so "
                    + "there is no graph before one; run the example with --graph FILE to export what ran")
        }
        let memory: RuntimeMemory
        do {
            memory = try RuntimeMemory(for: runtime)
            try OrchestrationOutput.capturing { () throws(HostRuntimeError) in
                try runtime.initialize(
                    memory, orchestration: orchestration,
                    function: artifacts.orchestration.functionName,
                    arguments: orchestrationArguments(c, buffers))
            }
        } catch {
            throw .runtime(stage: "building the task graph", error)
        }
        defer { try? runtime.finalize(memory) }
        do {
            guard let graph = try runtime.graph(memory) else {
                throw RunnerError.invalidOption(
                    "the host runtime \(runtime.path) cannot report its task graph")
            }
            return graph
        } catch let error as HostRuntimeError {
            throw .runtime(stage: "reading the task graph", error)
        } catch let error as RunnerError {
            throw error
        } catch {
            throw .invalidOption("\(error)")
        }
    }

    /// A task added on the other core type than kernel_config.py declares
    /// for its func_id would run the kernel on the wrong unit (on the device,
    /// a cube kernel on a vector core): refused before anything runs.
    private func coreTypeMismatch(_ runtime: HostRuntime, _ memory: RuntimeMemory) -> String? {
        guard let graph = try? runtime.graph(memory) else { return nil }
        var declared: [Int32: ArtifactsManifest.Kernel] = [:]
        for kernel in artifacts.kernels { declared[kernel.funcId] = kernel }
        for task in graph.tasks where task.core == .aic || task.core == .aiv {
            guard let kernel = declared[task.funcId] else { continue }
            let added = task.core == .aic ? "aic" : "aiv"
            if kernel.coreType != added {
                let name = URL(fileURLWithPath: kernel.source).lastPathComponent
                return "task \(task.taskId) runs func_id \(task.funcId) (\(name)) as \(added.uppercased()), but "
                    + "kernel_config.py declares it \"core_type\": \"\(kernel.coreType)\"; add the task with "
                    + "CoreType::\(kernel.coreType.uppercased()) or correct core_type (nothing was run)"
            }
        }
        return nil
    }

    private func configure(_ runtime: HostRuntime) throws(RunnerError) {
        do {
            try runtime.setDevice(settings.device)
            if let seconds = settings.timeoutSeconds { try runtime.setRunTimeout(seconds: seconds) }
            if let limits = settings.graphLimits {
                try runtime.setGraphLimits(
                    tasks: limits.tasks, successors: limits.successors, arguments: limits.arguments)
            }
            // The cases initialise on this thread: their messages name the file.
            try runtime.nameOrchestration(URL(fileURLWithPath: artifacts.orchestration.source).lastPathComponent)
        } catch {
            throw .runtime(stage: "configuring the runtime", error)
        }
    }

    private func loadRuntime() throws(RunnerError) -> HostRuntime {
        do {
            return try HostRuntime(path: artifacts.runtimeBinaries.host)
        } catch {
            throw .runtime(stage: "loading the host runtime", error)
        }
    }

    /// [ptr_0 .. ptr_n-1, nbytes_0 .. nbytes_n-1, element count of the first]
    /// The dict form: every tensor's host pointer, then every byte size, then
    /// the first tensor's element count. The list form: one argument per
    /// item, in order (a tensor's host pointer, a scalar's value).
    private func orchestrationArguments(_ c: GoldenCase, _ buffers: [HostTensorBuffer]) -> [UInt64] {
        if let items = c.listArguments {
            return items.map { item in
                switch item {
                case .tensor(let index): return UInt64(UInt(bitPattern: buffers[index].pointer))
                case .scalar(let bits): return bits
                }
            }
        }
        var arguments = buffers.map { UInt64(UInt(bitPattern: $0.pointer)) }
        arguments += buffers.map { UInt64($0.byteCount) }
        arguments.append(UInt64(c.tensors.first?.input.elementCount ?? 0))
        return arguments
    }

    /// The typed form: every tensor with its kind, dtype and shape (outputs
    /// copied back by the runtime), scalars by value; nil with the reason
    /// when a tensor has no DataType there.
    private func typedArguments(_ c: GoldenCase, _ buffers: [HostTensorBuffer]) -> ([HostRuntime.TypedArgument]?, String?) {
        let order: [CaseArgument] = c.listArguments ?? c.tensors.indices.map { .tensor($0) }
        var typed: [HostRuntime.TypedArgument] = []
        for item in order {
            switch item {
            case .scalar(let bits):
                typed.append(.init(kind: .scalar, dtype: 0, shape: [], value: bits, byteCount: 0))
            case .tensor(let index):
                let tensor = c.tensors[index]
                let array = tensor.input
                guard let dtype = Self.dataType(array.elementType) else {
                    return (nil, "tensor \(tensor.name) is \(array.elementType) (numpy '\(array.elementType.rawValue)'), which "
                        + "has no DataType in \(artifacts.runtime); use float32, float16, an integer type or bool")
                }
                var shape = array.shape.map { UInt64($0) }
                if shape.isEmpty { shape = [1] }
                guard shape.count <= 5 else {
                    return (nil, "tensor \(tensor.name) has \(shape.count) dimensions; \(artifacts.runtime) takes at most 5")
                }
                guard buffers[index].byteCount > 0 else {
                    return (nil, "tensor \(tensor.name) is empty; \(artifacts.runtime) takes tensors of one element or more")
                }
                typed.append(.init(
                    kind: tensor.isOutput ? .output : .input, dtype: dtype, shape: shape,
                    value: UInt64(UInt(bitPattern: buffers[index].pointer)), byteCount: UInt64(buffers[index].byteCount)))
            }
        }
        return (typed, nil)
    }

    /// tensor.h's DataType codes.
    static func dataType(_ type: ElementType) -> Int32? {
        switch type {
        case .float32: return 0
        case .float16: return 1
        case .int8: return 3
        case .int16: return 4
        case .int32: return 5
        case .int64: return 6
        case .uint8: return 7
        case .uint16: return 8
        case .uint32: return 9
        case .uint64: return 10
        case .bool: return 11
        case .bfloat16: return 2
        case .float64: return nil
        }
    }

    private func runCase(
        _ c: GoldenCase, runtime: HostRuntime, orchestration: [UInt8],
        aicpu: [UInt8], aicore: [UInt8]
    ) -> CaseResult {
        var result = CaseResult(
            index: c.index, label: c.label, parameters: c.parameters, comparisons: [], failure: nil)
        if let problem = c.preparationError {
            result.failure = problem
            return result
        }
        let buffers = c.tensors.map { HostTensorBuffer(copying: $0.input) }
        defer { withExtendedLifetime(buffers) {} }  // used through raw addresses, as above
        // Named for the runtime's reports: a device buffer filled from a
        // tensor is called by its name, and a kernel handed the tensor's
        // host address is reported as given a host pointer.
        for (tensor, buffer) in zip(c.tensors, buffers) {
            try? runtime.nameHostBuffer(buffer.pointer, byteCount: buffer.byteCount, name: tensor.name)
        }
        defer {
            for buffer in buffers { try? runtime.nameHostBuffer(buffer.pointer, byteCount: 0, name: nil) }
        }
        let start = Date()
        let memory: RuntimeMemory
        switch initializeCase(c, buffers, runtime: runtime, orchestration: orchestration) {
        case .failure(let failure):
            result.failure = failure.text
            return result
        case .success(let initialized):
            memory = initialized
        }
        let notCopiedBack = outputsNotCopiedBack(c, buffers, runtime: runtime, memory: memory)
        if let failure = prepareLaunch(c, runtime: runtime, memory: memory) {
            result.failure = failure
            try? runtime.finalize(memory)
            return result
        }
        launchCase(c, runtime: runtime, memory: memory, aicpu: aicpu, aicore: aicore, into: &result)
        if result.failure != nil { return result }
        log(String(format: "case %d ran in %.3f s", c.index, Date().timeIntervalSince(start)))
        if let state = c.compareState {
            result.failure = compareByTest(c, state: state, buffers)
            if result.failure == nil { result.comparedByTest = c.tensors.filter(\.comparedByTest).map(\.name) }
        } else {
            result.comparisons = compareOutputs(c, buffers, notCopiedBack: notCopiedBack)
        }
        return result
    }

    /// A scene test that compares itself: its outputs written as .npy, its
    /// compare_outputs called by the golden helper; nil when it passed, else
    /// what it said.
    private func compareByTest(_ c: GoldenCase, state: [UInt8], _ buffers: [HostTensorBuffer]) -> String? {
        guard let how = golden.pythonCompare else { return "the compare step has no Python to run it" }
        let scratch: String
        do {
            scratch = try makeScratchDirectory()
        } catch {
            return "\(error)"
        }
        RunnerCleanup.made(folder: scratch)
        defer {
            try? FileManager.default.removeItem(atPath: scratch)
            RunnerCleanup.removed(folder: scratch)
        }
        var arguments = [how.helper, "compare", how.folder, "--state", scratch + "/state.pt"]
        guard FileManager.default.createFile(atPath: scratch + "/state.pt", contents: Data(state)) else {
            return "cannot write the compare state into \(scratch)"
        }
        for (position, (tensor, buffer)) in zip(c.tensors, buffers).enumerated() where tensor.comparedByTest {
            let actual = NpyArray(elementType: tensor.input.elementType, shape: tensor.input.shape, data: buffer.bytes)
            let path = scratch + "/\(position)_actual.npy"
            guard FileManager.default.createFile(atPath: path, contents: Data(actual.npyBytes)) else {
                return "cannot write \(tensor.name)'s output into \(scratch)"
            }
            arguments.append("\(tensor.name)=\(path)")
        }
        let child = ChildProcess(executable: how.interpreter, arguments: arguments)
        let result: ChildProcess.Result
        do {
            result = try child.run(captureOutput: true)
        } catch {
            return "running the test's compare_outputs: \(error)"
        }
        let said = result.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)
        switch result.exitCode {
        case 0: return nil
        case 1: return "compare_outputs: \(said)"
        default: return "running the test's compare_outputs failed (exit \(result.exitCode)); the message above says why"
        }
    }

    /// A handle for the case, its graph built (init_runtime), or why not.
    private func initializeCase(
        _ c: GoldenCase, _ buffers: [HostTensorBuffer], runtime: HostRuntime, orchestration: [UInt8]
    ) -> Result<RuntimeMemory, CaseFailure> {
        var typed: [HostRuntime.TypedArgument]?
        if artifacts.takesTypedArguments {
            let (made, problem) = typedArguments(c, buffers)
            if let problem { return .failure(CaseFailure("building the arguments: \(problem)")) }
            typed = made
        }
        let arguments = orchestrationArguments(c, buffers)
        let memory: RuntimeMemory
        do {
            memory = try RuntimeMemory(for: runtime)
        } catch {
            return .failure(CaseFailure("\(error)"))
        }
        do {
            try OrchestrationOutput.capturing { () throws(HostRuntimeError) in
                if let typed {
                    try runtime.initialize(
                        memory, orchestration: orchestration,
                        function: artifacts.orchestration.functionName, typedArguments: typed)
                } else {
                    try runtime.initialize(
                        memory, orchestration: orchestration,
                        function: artifacts.orchestration.functionName,
                        arguments: arguments)
                }
            }
        } catch {
            return .failure(CaseFailure("building the task graph: \(error)"))
        }
        return .success(memory)
    }

    /// Outputs the orchestration did not (fully) record for copy-back keep
    /// what the runner passed in; a mismatch in one says so.
    private func outputsNotCopiedBack(
        _ c: GoldenCase, _ buffers: [HostTensorBuffer], runtime: HostRuntime, memory: RuntimeMemory
    ) -> [String: Int] {
        var notCopiedBack: [String: Int] = [:]
        for (tensor, buffer) in zip(c.tensors, buffers) where tensor.isOutput {
            if let bytes = runtime.copiedBackBytes(memory, host: buffer.pointer, byteCount: buffer.byteCount),
                bytes < buffer.byteCount
            {
                notCopiedBack[tensor.name] = bytes
            }
        }
        return notCopiedBack
    }

    /// Ring sizes set and core types checked before the launch; why not.
    private func prepareLaunch(_ c: GoldenCase, runtime: HostRuntime, memory: RuntimeMemory) -> String? {
        if let sizes = settings.ringSizes ?? c.overrides.ringSizes {
            do {
                try runtime.setRingSizes(memory, sizes)
            } catch {
                return "setting the ring sizes: \(error)"
            }
        }
        return coreTypeMismatch(runtime, memory)
    }

    /// The case's own AICPU threads (a scene test's config) unless the user
    /// chose them.
    private func aicpuThreads(of c: GoldenCase) -> Int32 {
        settings.threadsFromCommandLine ? settings.aicpuThreads : c.overrides.aicpuThreads ?? settings.aicpuThreads
    }

    /// Launches the case, with a progress line for a long run, and collects
    /// its outputs (finalize_runtime); a failure goes into `result`.
    private func launchCase(
        _ c: GoldenCase, runtime: HostRuntime, memory: RuntimeMemory, aicpu: [UInt8], aicore: [UInt8],
        into result: inout CaseResult
    ) {
        let progress =
            settings.progress
            ? ProgressDisplay(
                label: "case \(c.index)",
                poll: {
                    [shared = SharedRuntime(runtime: runtime, memory: memory)] in
                    shared.runtime.progress(shared.memory)
                }) : nil
        do {
            defer { progress?.stop() }
            try runtime.launch(
                memory, aicpuThreads: aicpuThreads(of: c),
                blockDim: settings.blockDim, device: settings.device,
                aicpuBinary: aicpu, aicoreBinary: aicore)
            if let graph = try? runtime.graph(memory) {
                result.graph = graph
                result.summary = RunSummary(
                    caseIndex: c.index, graph: graph, blockDim: Int(settings.blockDim),
                    totalTasks: runtime.progress(memory)?.total)
            }
        } catch {
            var failure = "running the task graph: \(error)"
            if let fault = runtime.lastKernelFault(), let line = sourceLine(of: fault) {
                // An orchestration that ended the device: the line of the
                // instruction, or of its exit()/abort() call.
                failure += fault.taskId == -1 ? "\n  in the orchestration at: \(line)" : "\n  faulting instruction: \(line)"
            }
            result.failure = failure
            // What ran before the launch failed still belongs in a trace (a
            // hung block's finished neighbours, a race's blocks).
            result.graph = try? runtime.graph(memory)
            if case .callFailed(_, let code, _, _) = error,
                [HostRuntimeError.deviceLostCode, HostRuntimeError.deviceCode, HostRuntimeError.timeoutCode]
                    .contains(code)
            {
                result.deviceTrouble = true
            }
            // Releases the handle (outputs are not copied after a failed launch).
            try? runtime.finalize(memory)
            return
        }
        do {
            try runtime.finalize(memory)
        } catch {
            result.failure = "collecting outputs: \(error)"
        }
    }

    /// Each output against its golden, with what was not copied back named.
    private func compareOutputs(
        _ c: GoldenCase, _ buffers: [HostTensorBuffer], notCopiedBack: [String: Int]
    ) -> [TensorComparison] {
        var comparisons: [TensorComparison] = []
        for (tensor, buffer) in zip(c.tensors, buffers) {
            guard let expected = tensor.golden else { continue }
            let actual = NpyArray(
                elementType: tensor.input.elementType, shape: tensor.input.shape,
                data: buffer.bytes)
            let compared = ComparedCount()
            let total = expected.elementCount
            let display =
                settings.progress && total > TensorComparison.progressStep
                ? ProgressDisplay(
                    label: "case \(c.index): comparing \(tensor.name)", unit: "elements",
                    poll: { (compared.value, total) }) : nil
            var comparison = TensorComparison.compare(
                name: tensor.name, actual: actual, expected: expected, tolerance: c.overrides.tolerance ?? golden.tolerance,
                progress: { compared.value = $0 })
            if let bytes = notCopiedBack[tensor.name], !comparison.passed {
                comparison.copyBackNote =
                    bytes == 0
                    ? "\(tensor.name) was never recorded for copy-back (record_tensor_pair): its values are the ones "
                        + "golden.py's generate_inputs gave it (zeros, or its inputs)"
                    : "only \(bytes) of \(buffer.byteCount) bytes of \(tensor.name) were recorded for copy-back "
                        + "(record_tensor_pair): the rest keeps the values generate_inputs gave it"
            }
            display?.stop()
            comparisons.append(comparison)
        }
        return comparisons
    }

    /// The .text of a kernel's object file, after `pto-elf check` found it
    /// self-contained (the entry may sit anywhere: the loader adds its offset).
    private func loadableText(of kernel: ArtifactsManifest.Kernel) throws(RunnerError) -> TextSection {
        if kernel.ptoIsa == true && settings.platform.hasSuffix("sim") {
            throw .invalidOption(
                "kernel \(kernel.source) is a PTO-ISA kernel: on the simulator the library's CPU model calls the "
                    + "C++ runtime, which a kernel loaded as raw .text cannot reach (on a device the same source "
                    + "compiles to device instructions); run it with --kernel-load so, or its plain twin with "
                    + "--kernel-source sim_source")
        }
        guard let object = kernel.object else {
            throw .invalidOption(
                "the artifacts manifest names no object file for \(kernel.source); rebuild with make")
        }
        do {
            let file = try ElfFile(path: object)
            let check = try LoadabilityCheck(file: file, allowEntryOffset: true)
            guard check.loadable else {
                throw RunnerError.kernelNotLoadable(
                    source: kernel.source, object: object,
                    reasons: check.problems.map(\.message))
            }
            return try TextSection(of: file)
        } catch let error as RunnerError {
            throw error
        } catch {
            throw .readFile(path: object, reason: "\(error)")
        }
    }

    /// Where a kernel fault happened in the kernel's source, through the
    /// debug information of the kernel object Make built.
    private func sourceLine(of fault: KernelFault) -> String? {
        guard fault.inKernelObject else { return nil }
        let file: String
        if fault.taskId == -1 {
            // The orchestration's code, at an offset into its shared object.
            file = artifacts.orchestration.binary
        } else {
            guard let kernel = artifacts.kernels.first(where: { $0.funcId == fault.funcId }) else { return nil }
            // Offsets are into the .so for shared objects, into .text for raw .text.
            file = settings.kernelLoad == .text ? kernel.object ?? kernel.binary : kernel.binary
        }
        guard let locator = try? SourceLocator(path: file) else { return nil }
        let location = locator.locate(fault.pcOffset)
        guard let file = location.file, let line = location.line else { return nil }
        return "\(file):\(line) in \(location.function ?? "??")"
    }

    private func readBinary(_ path: String) throws(RunnerError) -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw .readFile(path: path, reason: "missing or unreadable; rebuild with make")
        }
        return [UInt8](data)
    }
}

/// The runtime and one Runtime block, read by the progress poller while the
/// launch runs (pto_get_progress reads atomics only).
struct SharedRuntime: @unchecked Sendable {
    let runtime: HostRuntime
    let memory: RuntimeMemory
}

/// Host memory for one tensor, aligned like device buffers, whose address
/// goes to the orchestration.
final class HostTensorBuffer {
    let pointer: UnsafeMutableRawPointer
    let byteCount: Int

    init(copying array: NpyArray) {
        byteCount = array.data.count
        pointer = UnsafeMutableRawPointer.allocate(byteCount: max(byteCount, 1), alignment: 64)
        array.data.withUnsafeBytes { source in
            if let base = source.baseAddress { pointer.copyMemory(from: base, byteCount: byteCount) }
        }
    }

    var bytes: [UInt8] { [UInt8](UnsafeRawBufferPointer(start: pointer, count: byteCount)) }

    deinit { pointer.deallocate() }
}

/// Elements compared so far, read by the progress display's thread.
private final class ComparedCount: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    var value: Int {
        get {
            lock.lock()
            defer { lock.unlock() }
            return count
        }
        set {
            lock.lock()
            count = newValue
            lock.unlock()
        }
    }
}

/// Why a case could not run, as its FAIL line says it.
struct CaseFailure: Error {
    let text: String
    init(_ text: String) { self.text = text }
}
