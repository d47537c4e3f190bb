import Foundation

/// What Make built for one example (written by tools/example_config.py).
public struct ArtifactsManifest: Decodable, Sendable {
    public struct Orchestration: Decodable, Sendable {
        public var source: String
        public var functionName: String
        public var binary: String
        enum CodingKeys: String, CodingKey {
            case source, binary
            case functionName = "function_name"
        }
    }
    public struct Kernel: Decodable, Sendable {
        public var funcId: Int32
        public var coreType: String
        public var source: String
        public var binary: String
        /// The kernel's object file, whose .text the device loads.
        public var object: String?
        /// Written against the PTO-ISA tile library.
        public var ptoIsa: Bool?
        enum CodingKeys: String, CodingKey {
            case source, binary, object
            case funcId = "func_id"
            case ptoIsa = "pto_isa"
            case coreType = "core_type"
        }
    }
    public struct RuntimeBinaries: Decodable, Sendable {
        public var host: String
        public var aicpu: String
        public var aicore: String
    }

    public var example: String
    public var platform: String
    public var runtime: String
    public var orchestration: Orchestration
    public var kernels: [Kernel]
    public var runtimeBinaries: RuntimeBinaries
    /// RUNTIME_CONFIG's defaults for this example (AICPU threads, blocks).
    public var runtimeConfig: RuntimeConfig?
    /// How the runtime takes the orchestration's arguments (its runtime.mk's
    /// <name>_ARGUMENTS): "words" or "typed".
    public var arguments: String?
    /// AICPU threads of a launch that orchestrate instead of scheduling,
    /// when there is more than one (its runtime.mk's
    /// <name>_ORCHESTRATOR_THREADS): the schedulers share the blocks.
    public var orchestratorThreads: Int32?

    /// Scheduler threads of a launch with `threads` AICPU threads.
    public func schedulerThreads(of threads: Int32) -> Int32 {
        let orchestrators = orchestratorThreads ?? 0
        return threads > orchestrators ? threads - orchestrators : threads
    }

    public struct RuntimeConfig: Decodable, Sendable {
        public var aicpuThreadNum: Int32?
        public var blockDim: Int32?
        enum CodingKeys: String, CodingKey {
            case aicpuThreadNum = "aicpu_thread_num"
            case blockDim = "block_dim"
        }
    }

    enum CodingKeys: String, CodingKey {
        case example, platform, runtime, orchestration, kernels
        case runtimeBinaries = "runtime_binaries"
        case runtimeConfig = "runtime_config"
        case arguments
        case orchestratorThreads = "orchestrator_threads"
    }

    /// Whether the runtime takes typed arguments (tensors in device memory,
    /// handed to an orchestration running on the device).
    public var takesTypedArguments: Bool { arguments == "typed" }

    public static func load(from path: String) throws(RunnerError) -> ArtifactsManifest {
        try decodeJSON(ArtifactsManifest.self, at: path)
    }
}

/// The cases of golden.py as prepared by tools/example_golden.py.
public struct GoldenManifest: Decodable, Sendable {
    /// A tensor (input file, and golden file for outputs) or, in the list
    /// form, a ctypes scalar (its 64-bit argument, as decimal text).
    public struct Tensor: Decodable, Sendable {
        public var name: String
        public var kind: String?
        public var input: String?
        public var output: Bool
        public var golden: String?
        public var bits: String?
        public var ctype: String?
        /// What the bytes are when numpy has no type for them ("bfloat16":
        /// raw 16-bit words in a uint16 file).
        public var element: String?
    }
    /// A scene test's ring sizes for one case: four values each.
    public struct Rings: Decodable, Sendable {
        public var taskWindow: [UInt32]?
        public var heapBytes: [UInt64]?
        public var depPool: [UInt32]?
        enum CodingKeys: String, CodingKey {
            case taskWindow = "task_window"
            case heapBytes = "heap_bytes"
            case depPool = "dep_pool"
        }
    }
    public struct Case: Decodable, Sendable {
        public var index: Int
        public var name: String?
        public var params: String
        public var form: String?
        public var tensors: [Tensor]
        /// A scene test's per-case settings: its class's tolerances, its
        /// config's AICPU threads and ring sizes.
        public var rtol: Double?
        public var atol: Double?
        public var aicpuThreads: Int32?
        public var ringSizes: Rings?
        /// The test compares this case itself (compare_outputs): its saved
        /// arguments, for the compare step after the run.
        public var compareState: String?
        /// Why the case could not be prepared (a scene test's own code
        /// failed for it): the case fails with this, the others run.
        public var error: String?
        enum CodingKeys: String, CodingKey {
            case index, name, params, form, tensors, rtol, atol, error
            case aicpuThreads = "aicpu_threads"
            case ringSizes = "ring_sizes"
            case compareState = "compare_state"
        }
    }

    public var golden: String
    public var rtol: Double
    public var atol: Double
    public var equalNaN: Bool?
    public var caseCount: Int
    public var cases: [Case]

    enum CodingKeys: String, CodingKey {
        case golden, rtol, atol, cases
        case equalNaN = "equal_nan"
        case caseCount = "case_count"
    }
}

func decodeJSON<T: Decodable>(_ type: T.Type, at path: String) throws(RunnerError) -> T {
    guard let data = FileManager.default.contents(atPath: path) else {
        throw .manifest(path: path, reason: "missing or unreadable")
    }
    do {
        return try JSONDecoder().decode(type, from: data)
    } catch {
        throw .manifest(path: path, reason: "malformed: \(error)")
    }
}
