import Foundation

/// Reads and checks a workload file. Rejects, with its location, the first
/// thing outside the supported subset.
public enum WorkloadParser {
    public static func parse(file: String) throws(WorkloadError) -> Workload {
        guard let data = FileManager.default.contents(atPath: file) else {
            throw WorkloadError(file: file, location: "$", message: "cannot read the file")
        }
        do {
            try StrictJSON.check([UInt8](data))
        } catch {
            throw WorkloadError(
                file: file, location: "line \(error.line), column \(error.column)",
                message: "not valid JSON: \(error.message)")
        }
        let root: Any
        do {
            root = try JSONSerialization.jsonObject(with: data)
        } catch {
            throw WorkloadError(
                file: file, location: "$", message: "not valid JSON: \(error.localizedDescription)")
        }
        return try Parser(file: file).workload(root)
    }

    struct Parser {
        let file: String

        /// JSON true/false, which Foundation may also hand out as a number.
        func isBoolean(_ value: Any) -> Bool {
            if type(of: value) == Bool.self { return true }
            if let n = value as? NSNumber { return String(cString: n.objCType) == "c" }
            return false
        }

        func fail(_ location: String, _ message: String) -> WorkloadError {
            WorkloadError(file: file, location: location, message: message)
        }

        func object(_ value: Any?, _ at: String) throws(WorkloadError) -> [String: Any] {
            guard let o = value as? [String: Any] else { throw fail(at, "must be an object") }
            return o
        }

        func string(_ value: Any?, _ at: String) throws(WorkloadError) -> String {
            guard let s = value as? String, !s.isEmpty else { throw fail(at, "must be a non-empty string") }
            return s
        }

        func int(_ value: Any?, _ at: String) throws(WorkloadError) -> Int {
            guard let value, !isBoolean(value), let n = value as? NSNumber,
                n.doubleValue == n.doubleValue.rounded()
            else { throw fail(at, "must be an integer") }
            return n.intValue
        }

        func array(_ value: Any?, _ at: String) throws(WorkloadError) -> [Any] {
            guard let a = value as? [Any] else { throw fail(at, "must be an array") }
            return a
        }

        func workload(_ root: Any) throws(WorkloadError) -> Workload {
            let o = try object(root, "$")
            let version = try int(o["version"], "$.version")
            guard version == Workload.version else {
                throw fail(
                    "$.version",
                    "version \(version) is not supported; this generator reads version \(Workload.version)")
            }
            let name = try string(o["name"], "$.name")
            guard name.range(of: "^[A-Za-z_][A-Za-z0-9_]*$", options: .regularExpression) != nil else {
                throw fail(
                    "$.name", "'\(name)' must be a C identifier (it names the example and its functions)")
            }
            var tensors: [Workload.Tensor] = []
            for (i, t) in try array(o["tensors"], "$.tensors").enumerated() {
                tensors.append(try tensor(t, "$.tensors[\(i)]", existing: tensors))
            }
            guard !tensors.isEmpty else { throw fail("$.tensors", "a workload needs at least one tensor") }
            var kernels: [Workload.Kernel] = []
            for (i, k) in try array(o["kernels"], "$.kernels").enumerated() {
                kernels.append(try kernel(k, "$.kernels[\(i)]", existing: kernels))
            }
            let program = try form(
                o["program"], "$.program", tensors: tensors, kernels: kernels, inLoop: false)
            let workload = Workload(name: name, tensors: tensors, kernels: kernels, program: program)
            try checkTiling(workload.program, tensors: tensors)
            for t in tensors
            where t.role == .output && !writes(program, t: tensors.firstIndex { $0.name == t.name } ?? -1) {
                throw fail("$.tensors", "output '\(t.name)' is never written by the program")
            }
            return workload
        }

        func tensor(_ value: Any, _ at: String, existing: [Workload.Tensor]) throws(WorkloadError)
            -> Workload.Tensor
        {
            let o = try object(value, at)
            let name = try string(o["name"], "\(at).name")
            guard name.range(of: "^[A-Za-z_][A-Za-z0-9_]*$", options: .regularExpression) != nil else {
                throw fail("\(at).name", "'\(name)' must be an identifier")
            }
            guard !existing.contains(where: { $0.name == name }) else {
                throw fail("\(at).name", "tensor '\(name)' is declared twice")
            }
            var shape: [Int] = []
            for (i, d) in try array(o["shape"], "\(at).shape").enumerated() {
                let n = try int(d, "\(at).shape[\(i)]")
                guard n > 0 else { throw fail("\(at).shape[\(i)]", "dimension \(n) must be positive") }
                shape.append(n)
            }
            guard !shape.isEmpty else { throw fail("\(at).shape", "a tensor needs at least one dimension") }
            let dtypeName = try string(o["dtype"], "\(at).dtype")
            guard let dtype = Workload.DType(rawValue: dtypeName) else {
                throw fail("\(at).dtype", "dtype '\(dtypeName)' is not supported; use float32 or float16")
            }
            let roleName = try string(o["role"], "\(at).role")
            guard let role = Workload.Role(rawValue: roleName) else {
                throw fail("\(at).role", "role '\(roleName)' is not one of input, output, temporary")
            }
            return Workload.Tensor(name: name, shape: shape, dtype: dtype, role: role)
        }

        func kernel(_ value: Any, _ at: String, existing: [Workload.Kernel]) throws(WorkloadError)
            -> Workload.Kernel
        {
            let o = try object(value, at)
            let name = try string(o["name"], "\(at).name")
            guard name.range(of: "^[A-Za-z_][A-Za-z0-9_]*$", options: .regularExpression) != nil else {
                throw fail("\(at).name", "'\(name)' must be an identifier")
            }
            guard !existing.contains(where: { $0.name == name }) else {
                throw fail("\(at).name", "kernel '\(name)' is declared twice")
            }
            let opName = try string(o["op"], "\(at).op")
            guard let op = Workload.Op(rawValue: opName) else {
                throw fail(
                    "\(at).op",
                    "unknown op '\(opName)'; supported: \(Workload.Op.allCases.map(\.rawValue).joined(separator: ", "))"
                )
            }
            var scalar: Double?
            if let s = o["scalar"] {
                guard !isBoolean(s), let n = s as? NSNumber else {
                    throw fail("\(at).scalar", "must be a number")
                }
                guard !op.isUnary else {
                    throw fail("\(at).scalar", "a scalar operand only goes with a binary op, not '\(opName)'")
                }
                scalar = n.doubleValue
            }
            let core = (o["core_type"] as? String) ?? "aiv"
            guard core == "aiv" || core == "aic" else {
                throw fail("\(at).core_type", "core_type '\(core)' must be aiv or aic")
            }
            return Workload.Kernel(name: name, op: op, scalar: scalar, coreType: core)
        }

        func form(
            _ value: Any?, _ at: String, tensors: [Workload.Tensor], kernels: [Workload.Kernel], inLoop: Bool
        )
            throws(WorkloadError) -> Workload.Form
        {
            let o = try object(value, at)
            let kind = try string(o["form"], "\(at).form")
            switch kind {
            case "call":
                return .call(try call(o, at, tensors: tensors, kernels: kernels))
            case "sequential", "combine":
                let key = kind == "sequential" ? "steps" : "parts"
                var forms: [Workload.Form] = []
                for (i, f) in try array(o[key], "\(at).\(key)").enumerated() {
                    forms.append(
                        try form(f, "\(at).\(key)[\(i)]", tensors: tensors, kernels: kernels, inLoop: inLoop))
                }
                guard !forms.isEmpty else { throw fail("\(at).\(key)", "\(kind) needs at least one entry") }
                return kind == "sequential" ? .sequential(forms) : .combine(forms)
            case "parallel_for":
                guard !inLoop else {
                    throw fail(at, "parallel_for inside parallel_for is not supported (one level only)")
                }
                let dim = try int(o["dim"], "\(at).dim")
                guard dim == 0 else {
                    throw fail(
                        "\(at).dim",
                        "parallel_for over dimension \(dim) is not supported; tile dimension 0 (the outermost, so tiles are contiguous)"
                    )
                }
                let tiles = try int(o["tiles"], "\(at).tiles")
                guard tiles >= 1 else { throw fail("\(at).tiles", "tiles must be at least 1") }
                let body = try form(o["body"], "\(at).body", tensors: tensors, kernels: kernels, inLoop: true)
                return .parallelFor(dim: dim, tiles: tiles, body: body, location: at)
            default:
                throw fail(
                    "\(at).form",
                    "form '\(kind)' is not supported; use call, sequential, combine or parallel_for")
            }
        }

        func call(_ o: [String: Any], _ at: String, tensors: [Workload.Tensor], kernels: [Workload.Kernel])
            throws(WorkloadError) -> Workload.Call
        {
            let kernelName = try string(o["kernel"], "\(at).kernel")
            guard let k = kernels.firstIndex(where: { $0.name == kernelName }) else {
                throw fail("\(at).kernel", "no kernel named '\(kernelName)' in $.kernels")
            }
            func tensorIndex(_ v: Any?, _ where_: String) throws(WorkloadError) -> Int {
                let n = try string(v, where_)
                guard let i = tensors.firstIndex(where: { $0.name == n }) else {
                    throw fail(where_, "no tensor named '\(n)'")
                }
                return i
            }
            var inputs: [Int] = []
            for (i, v) in try array(o["inputs"], "\(at).inputs").enumerated() {
                inputs.append(try tensorIndex(v, "\(at).inputs[\(i)]"))
            }
            guard inputs.count == kernels[k].inputCount else {
                throw fail(
                    "\(at).inputs",
                    "kernel '\(kernelName)' takes \(kernels[k].inputCount) input(s), got \(inputs.count)")
            }
            let output = try tensorIndex(o["output"], "\(at).output")
            guard tensors[output].role != .input else {
                throw fail(
                    "\(at).output",
                    "'\(tensors[output].name)' is an input; a call writes an output or a temporary")
            }
            for i in inputs where tensors[i].shape != tensors[output].shape {
                throw fail(
                    "\(at).inputs",
                    "'\(tensors[i].name)' has shape \(tensors[i].shape) but '\(tensors[output].name)' has \(tensors[output].shape); elementwise ops need equal shapes (no broadcasting)"
                )
            }
            return Workload.Call(kernel: k, inputs: inputs, output: output, location: at)
        }

        /// Every tensor a parallel_for touches must split into its tiles.
        func checkTiling(_ form: Workload.Form, tensors: [Workload.Tensor]) throws(WorkloadError) {
            switch form {
            case .call: return
            case .sequential(let forms), .combine(let forms):
                for f in forms { try checkTiling(f, tensors: tensors) }
            case .parallelFor(let dim, let tiles, let body, let location):
                for c in calls(in: body) {
                    for t in c.inputs + [c.output] where tensors[t].shape[dim] % tiles != 0 {
                        throw fail(
                            location,
                            "parallel_for splits dimension \(dim) of '\(tensors[t].name)' (\(tensors[t].shape[dim])) into \(tiles) tiles, which does not divide it"
                        )
                    }
                }
            }
        }

        func writes(_ form: Workload.Form, t: Int) -> Bool { calls(in: form).contains { $0.output == t } }
    }

    static func calls(in form: Workload.Form) -> [Workload.Call] {
        switch form {
        case .call(let c): return [c]
        case .sequential(let forms), .combine(let forms): return forms.flatMap(calls(in:))
        case .parallelFor(_, _, let body, _): return calls(in: body)
        }
    }
}

func calls(in form: Workload.Form) -> [Workload.Call] { WorkloadParser.calls(in: form) }
