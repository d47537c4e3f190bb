import PTORuntime

/// The task graph in Graphviz DOT: nodes labelled by task id and kernel
/// (with its block count and the cluster slots it uses when it has blocks
/// or several kernels), filled by what it occupies (AIC orange, AIV blue,
/// MIX purple, none grey; dashed when a false predicate retired it without
/// running), one edge per dependency.
public enum GraphDot {
    public static func render(_ graph: TaskGraph, title: String, kernelNames: [Int32: String]) -> String {
        var lines = [
            "digraph \"\(escape(title))\" {",
            "  rankdir=TB;",
            "  node [shape=box, style=\"rounded,filled\", fontname=\"Helvetica\"];",
            "  legend_aic [label=\"AIC (cube)\", fillcolor=\"#fdae6b\"];",
            "  legend_aiv [label=\"AIV (vector)\", fillcolor=\"#9ecae1\"];",
            "  legend_mix [label=\"MIX (cores of one cluster)\", fillcolor=\"#bcbddc\"];",
            "  legend_none [label=\"dummy (no kernel)\", fillcolor=\"#d9d9d9\"];",
            "  { rank=source; legend_aic; legend_aiv; legend_mix; legend_none; }",
        ]
        // A MIX task's kernel per slot, from its block records.
        var slotKernels: [Int32: [Int32: Int32]] = [:]
        for b in graph.blocks { slotKernels[b.taskId, default: [:]][b.slot] = b.funcId }
        let colors: [TaskRecord.Core: String] = [.aic: "#fdae6b", .aiv: "#9ecae1", .mix: "#bcbddc", .none: "#d9d9d9"]
        for t in graph.tasks {
            func name(_ id: Int32) -> String { kernelNames[id] ?? "func_\(id)" }
            var kernel = t.core == .none ? "dummy" : name(t.funcId)
            if t.core == .mix, let slots = slotKernels[t.taskId], slots.count > 1 {
                kernel = slots.sorted { $0.key < $1.key }.map { name($0.value) }.joined(separator: " + ")
            }
            // DOT's own line break (\n) goes after the escaping.
            var label = "\(t.taskId): \(escape(kernel))"
            if t.hasBlocks { label += "\\n\(t.blockNum) block(s), \(t.slotNames)" }
            // Done without a kernel having run: its predicate was false.
            let skipped = t.core != .none && t.state == 3 && !t.ran && t.workerId < 0
            if skipped { label += "\\n(not run: predicate false)" }
            let color = colors[t.core] ?? "#9ecae1"
            let style = skipped ? ", style=\"rounded,filled,dashed\"" : ""
            lines.append("  t\(t.taskId) [label=\"\(label)\", fillcolor=\"\(color)\"\(style)];")
        }
        for e in graph.edges { lines.append("  t\(e.from) -> t\(e.to);") }
        lines.append("}")
        return lines.joined(separator: "\n") + "\n"
    }

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
    }
}
