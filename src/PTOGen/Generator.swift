import Foundation

/// The runtime a generated example is written for.
public enum TargetRuntime: String, CaseIterable, Sendable {
    /// The orchestration states every edge (computed here from the accesses).
    case hostBuildGraph = "host_build_graph"
    /// The orchestration names each task's tensor accesses; the runtime finds the edges.
    case tensormapAndRingbuffer = "tensormap_and_ringbuffer"
}

/// Writes the standard example tree for a workload: kernels/kernel_config.py,
/// kernels/orchestration/<name>_orch.cpp, one kernel source per op and dtype
/// combination, golden.py and metadata.json.
public struct Generator {
    public static let skeletonMarker = "TODO_PTO_SKELETON"
    public static let dispatchMarker = "TODO_PTO_RUNTIME_MULTI_AICPU_DISPATCH"
    static let taskSectionBegin = "// ---- task creation: begin ----"
    static let taskSectionEnd = "// ---- task creation: end ----"

    public var workload: Workload
    public var sourcePath: String
    public var skeleton: Bool
    public var runtime: TargetRuntime
    let expansion: Expansion

    public init(
        workload: Workload, sourcePath: String, skeleton: Bool, runtime: TargetRuntime = .hostBuildGraph
    ) {
        self.workload = workload
        self.sourcePath = sourcePath
        self.skeleton = skeleton
        self.runtime = runtime
        expansion = Expansion(workload)
    }

    var discovers: Bool { runtime == .tensormapAndRingbuffer }

    /// Relative path -> contents.
    public func files() -> [(String, String)] {
        var out: [(String, String)] = []
        for (id, v) in expansion.variants.enumerated() {
            out.append((kernelPath(id, v), kernelSource(v)))
        }
        out.append(
            (
                "kernels/orchestration/\(workload.name)_orch.cpp",
                discovers ? tensormapOrchestration() : orchestration()
            ))
        out.append(("kernels/kernel_config.py", kernelConfig()))
        out.append(("golden.py", golden()))
        return out
    }

    /// Writes every file under `directory`, then metadata.json.
    public func write(to directory: String) throws -> [String] {
        var written: [String] = []
        for (path, text) in files() {
            let full = directory + "/" + path
            try FileManager.default.createDirectory(
                atPath: (full as NSString).deletingLastPathComponent,
                withIntermediateDirectories: true)
            try text.write(toFile: full, atomically: true, encoding: .utf8)
            written.append(path)
        }
        let source = FileManager.default.contents(atPath: sourcePath) ?? Data()
        let metadata: [String: Any] = [
            "generator": "pto-gen", "workload_format_version": Workload.version,
            "workload": URL(fileURLWithPath: sourcePath).standardizedFileURL.path,
            "workload_bytes": source.count, "workload_fnv1a64": fnv1a(source),
            "skeleton": skeleton, "runtime": runtime.rawValue, "tasks": expansion.tasks.count,
            "files": written,
            "kernels": expansion.variants.enumerated().map { id, v in
                ["func_id": id, "name": variantName(v), "op": workload.kernels[v.kernel].op.rawValue]
            },
        ]
        let data = try JSONSerialization.data(
            withJSONObject: metadata, options: [.prettyPrinted, .sortedKeys])
        try data.write(to: URL(fileURLWithPath: directory + "/metadata.json"))
        return written + ["metadata.json"]
    }

    func fnv1a(_ data: Data) -> String {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in data {
            h ^= UInt64(b)
            h = h &* 0x100_0000_01b3
        }
        return String(h, radix: 16)
    }

    // MARK: kernels

    func variantName(_ v: KernelVariant) -> String {
        let k = workload.kernels[v.kernel]
        return "\(k.name)_" + v.inputTypes.map(\.short).joined(separator: "_") + "_to_\(v.outputType.short)"
    }

    func kernelPath(_ id: Int, _ v: KernelVariant) -> String {
        "kernels/\(workload.kernels[v.kernel].coreType)/\(variantName(v)).cpp"
    }

    func expression(_ op: Workload.Op, _ x: String, _ y: String) -> String {
        switch op {
        case .add: return "\(x) + \(y)"
        case .sub: return "\(x) - \(y)"
        case .mul: return "\(x) * \(y)"
        case .div: return "\(x) / \(y)"
        case .max: return "std::fmax(\(x), \(y))"
        case .min: return "std::fmin(\(x), \(y))"
        case .exp: return "std::exp(\(x))"
        case .rsqrt: return "1.0f / std::sqrt(\(x))"
        case .neg: return "-\(x)"
        case .abs: return "std::fabs(\(x))"
        }
    }

    /// The argument layout every generated kernel documents and the
    /// orchestration fills.
    func argumentLayout(_ v: KernelVariant) -> String {
        let k = workload.kernels[v.kernel]
        if discovers {
            if k.op.isUnary { return "descriptors {in, out}" }
            if k.scalar != nil { return "descriptors {in, out}, then the scalar (float bits)" }
            return "descriptors {in0, in1, out}"
        }
        if k.op.isUnary { return "{in, out, element count}" }
        if k.scalar != nil { return "{in, out, element count, scalar (float bits)}" }
        return "{in0, in1, out, element count}"
    }

    /// A kernel: the generic header, the operands (raw pointers and a count
    /// for host_build_graph, tensor descriptors for tensormap_and_ringbuffer),
    /// then the same elementwise loop.
    func kernelSource(_ v: KernelVariant) -> String {
        let k = workload.kernels[v.kernel]
        let out = v.outputType.cType
        var lines = [
            "// Generated by pto-gen from \(URL(fileURLWithPath: sourcePath).lastPathComponent)"
                + (discovers ? " for \(runtime.rawValue)" : "") + ": kernel '\(k.name)'.",
            "// out[i] = \(k.op.rawValue)(\(k.op.isUnary ? "x" : k.scalar.map { "x, \($0)" } ?? "x, y")), "
                + v.inputTypes.map(\.rawValue).joined(separator: ", ") + " -> \(v.outputType.rawValue),",
            "// computed in float32. args: \(argumentLayout(v)).",
            "#include <cmath>", "#include <cstdint>", "#include <cstring>", "",
        ]
        if discovers { lines += ["#include \"tensor.h\"", ""] }
        lines.append("extern \"C\" __aicore__ void kernel_entry(__gm__ int64_t* args) {")
        let outIndex = k.inputCount
        for i in 0..<k.inputCount {
            let t = v.inputTypes[i].cType
            lines.append(
                discovers
                    ? "    const ChipTensor* in\(i)_desc = reinterpret_cast<const ChipTensor*>(args[\(i)]);\n"
                        + "    const \(t)* in\(i) = in\(i)_desc->data_as<const \(t)>() + in\(i)_desc->start_offset;"
                    : "    const \(t)* in\(i) = reinterpret_cast<const \(t)*>(args[\(i)]);")
        }
        if discovers {
            lines += [
                "    const ChipTensor* out_desc = reinterpret_cast<const ChipTensor*>(args[\(outIndex)]);",
                "    \(out)* out = out_desc->data_as<\(out)>() + out_desc->start_offset;",
                "    const int64_t n = static_cast<int64_t>(out_desc->numel());",
            ]
        } else {
            lines += [
                "    \(out)* out = reinterpret_cast<\(out)*>(args[\(outIndex)]);",
                "    int64_t n = args[\(outIndex + 1)];",
            ]
        }
        // The scalar follows the descriptors (tensormap) or the count.
        let scalarIndex = discovers ? outIndex + 1 : outIndex + 2
        let x = "static_cast<float>(in0[i])"
        var y = ""
        if k.scalar != nil {
            lines += [
                "    uint32_t bits = static_cast<uint32_t>(args[\(scalarIndex)]);", "    float scalar;",
                "    std::memcpy(&scalar, &bits, sizeof scalar);",
            ]
            y = "scalar"
        } else if !k.op.isUnary {
            y = "static_cast<float>(in1[i])"
        }
        lines += [
            "    for (int64_t i = 0; i < n; ++i) out[i] = static_cast<\(out)>(\(expression(k.op, x, y)));",
            "}", "",
        ]
        return lines.joined(separator: "\n")
    }

    // MARK: kernel_config.py

    func kernelConfig() -> String {
        var lines = [
            "\"\"\"Generated by pto-gen from \(URL(fileURLWithPath: sourcePath).lastPathComponent).\"\"\"",
            "",
            "from pathlib import Path", "", "_ROOT = Path(__file__).parent", "",
        ]
        if discovers {
            lines += [
                "RUNTIME_CONFIG = {\"runtime\": \"\(runtime.rawValue)\", \"aicpu_thread_num\": 3, \"block_dim\": 2}",
                "",
            ]
        }
        lines += [
            "ORCHESTRATION = {",
            "    \"source\": str(_ROOT / \"orchestration\" / \"\(workload.name)_orch.cpp\"),",
            "    \"function_name\": \"\(discovers ? "aicpu_orchestration_entry" : "build_\(workload.name)_graph")\",",
            "}", "", "KERNELS = [",
        ]
        for (id, v) in expansion.variants.enumerated() {
            let core = workload.kernels[v.kernel].coreType
            lines.append(
                "    {\"func_id\": \(id), \"source\": str(_ROOT / \"\(core)\" / \"\(variantName(v)).cpp\"), \"core_type\": \"\(core)\"},"
            )
        }
        lines += ["]", ""]
        return lines.joined(separator: "\n")
    }

    // MARK: golden.py

    /// Tensors the runner passes: inputs, then outputs (temporaries live on
    /// the device only).
    var argumentTensors: [Int] {
        let order = workload.tensors.indices
        return order.filter { workload.tensors[$0].role == .input }
            + order.filter { workload.tensors[$0].role == .output }
    }

    func numpyExpression(_ op: Workload.Op, _ x: String, _ y: String) -> String {
        switch op {
        case .add: return "\(x) + \(y)"
        case .sub: return "\(x) - \(y)"
        case .mul: return "\(x) * \(y)"
        case .div: return "\(x) / \(y)"
        case .max: return "np.maximum(\(x), \(y))"
        case .min: return "np.minimum(\(x), \(y))"
        case .exp: return "np.exp(\(x))"
        case .rsqrt: return "1.0 / np.sqrt(\(x))"
        case .neg: return "-\(x)"
        case .abs: return "np.abs(\(x))"
        }
    }

    func golden() -> String {
        let w = workload
        let usesHalf = w.tensors.contains { $0.dtype == .float16 }
        var lines = [
            "\"\"\"Generated by pto-gen from \(URL(fileURLWithPath: sourcePath).lastPathComponent): the workload in numpy.",
            "", "Each call computes in float32 and stores in its output's dtype, as the kernels do.",
            "\"\"\"", "",
            "import numpy as np", "",
            "RTOL = \(usesHalf ? "5e-3" : "1e-5")", "ATOL = \(usesHalf ? "5e-3" : "1e-5")",
            "PARAMS_LIST = [{\"seed\": 0}, {\"seed\": 1}]",
        ]
        // The list form for a runtime taking typed arguments: the tensors in
        // the orchestration's order.
        if !discovers {
            lines.append(
                "TENSOR_ORDER = [" + argumentTensors.map { "\"\(w.tensors[$0].name)\"" }.joined(separator: ", ")
                    + "]")
        }
        lines += [
            "__outputs__ = ["
                + w.tensors.filter { $0.role == .output }.map { "\"\($0.name)\"" }.joined(separator: ", ")
                + "]",
            "", "", "def generate_inputs(params):", "    rng = np.random.default_rng(params[\"seed\"])",
            discovers ? "    return [" : "    return {",
        ]
        for t in argumentTensors.map({ w.tensors[$0] }) {
            let shape =
                "(" + t.shape.map(String.init).joined(separator: ", ") + (t.shape.count == 1 ? ",)" : ")")
            let value =
                t.role == .input
                ? "rng.uniform(0.5, 2.0, \(shape)).astype(\(t.dtype.numpy))"
                : "np.zeros(\(shape), dtype=\(t.dtype.numpy))"
            lines.append(discovers ? "        (\"\(t.name)\", \(value))," : "        \"\(t.name)\": \(value),")
        }
        lines += [
            discovers ? "    ]" : "    }", "", "", "def compute_golden(tensors, params):", "    v = dict(tensors)",
        ]
        for t in w.tensors where t.role == .temporary {
            lines.append(
                "    v[\"\(t.name)\"] = np.zeros((" + t.shape.map(String.init).joined(separator: ", ")
                    + (t.shape.count == 1 ? ",)" : ")") + ", dtype=\(t.dtype.numpy))")
        }
        // Elementwise calls over tiles of dimension 0 give the same result as
        // the whole call, so the golden runs the program without tiling.
        for c in calls(in: w.program) {
            let k = w.kernels[c.kernel]
            let x = "v[\"\(w.tensors[c.inputs[0]].name)\"].astype(np.float32)"
            let y =
                k.op.isUnary
                ? ""
                : k.scalar.map { "np.float32(\($0))" }
                    ?? "v[\"\(w.tensors[c.inputs[1]].name)\"].astype(np.float32)"
            let out = w.tensors[c.output]
            lines.append(
                "    v[\"\(out.name)\"][...] = (\(numpyExpression(k.op, x, y))).astype(\(out.dtype.numpy))  # \(k.name)"
            )
        }
        lines.append("")
        return lines.joined(separator: "\n")
    }
}
