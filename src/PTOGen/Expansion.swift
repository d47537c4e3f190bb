/// The workload unrolled into tasks in program order: a parallel_for becomes
/// one copy of its body per tile, each on its contiguous slice of dimension 0.
struct ExpandedTask {
    struct Operand {
        var tensor: Int
        var offset: Int  // elements
        var count: Int
    }
    var variant: Int
    var inputs: [Operand]
    var output: Operand
    var scalar: Double?
}

/// One generated kernel: an op for one combination of operand dtypes.
struct KernelVariant: Equatable {
    var kernel: Int
    var inputTypes: [Workload.DType]
    var outputType: Workload.DType
}

struct Expansion {
    var tasks: [ExpandedTask] = []
    var variants: [KernelVariant] = []

    init(_ workload: Workload) {
        expand(workload.program, workload, tile: nil)
    }

    private mutating func variant(for call: Workload.Call, _ w: Workload) -> Int {
        let v = KernelVariant(
            kernel: call.kernel, inputTypes: call.inputs.map { w.tensors[$0].dtype },
            outputType: w.tensors[call.output].dtype)
        if let i = variants.firstIndex(of: v) { return i }
        variants.append(v)
        return variants.count - 1
    }

    private mutating func expand(_ form: Workload.Form, _ w: Workload, tile: (index: Int, of: Int)?) {
        switch form {
        case .call(let c):
            func operand(_ t: Int) -> ExpandedTask.Operand {
                let count = w.tensors[t].count
                guard let tile else { return .init(tensor: t, offset: 0, count: count) }
                let per = count / tile.of
                return .init(tensor: t, offset: tile.index * per, count: per)
            }
            tasks.append(
                ExpandedTask(
                    variant: variant(for: c, w), inputs: c.inputs.map(operand),
                    output: operand(c.output), scalar: w.kernels[c.kernel].scalar))
        case .sequential(let forms), .combine(let forms):
            for f in forms { expand(f, w, tile: tile) }
        case .parallelFor(_, let tiles, let body, _):
            for i in 0..<tiles { expand(body, w, tile: (i, tiles)) }
        }
    }
}
