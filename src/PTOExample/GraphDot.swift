import PTORuntime

/// The task graph in Graphviz DOT: nodes labelled by task id and kernel,
/// filled by core type (AIC orange, AIV blue), one edge per dependency.
public enum GraphDot {
    public static func render(_ graph: TaskGraph, title: String, kernelNames: [Int32: String]) -> String {
        var lines = [
            "digraph \"\(escape(title))\" {",
            "  rankdir=TB;",
            "  node [shape=box, style=\"rounded,filled\", fontname=\"Helvetica\"];",
            "  legend_aic [label=\"AIC (cube)\", fillcolor=\"#fdae6b\"];",
            "  legend_aiv [label=\"AIV (vector)\", fillcolor=\"#9ecae1\"];",
            "  { rank=source; legend_aic; legend_aiv; }",
        ]
        for t in graph.tasks {
            let kernel = kernelNames[t.funcId] ?? "func_\(t.funcId)"
            let color = t.core == .aic ? "#fdae6b" : "#9ecae1"
            lines.append("  t\(t.taskId) [label=\"\(t.taskId): \(escape(kernel))\", fillcolor=\"\(color)\"];")
        }
        for e in graph.edges { lines.append("  t\(e.from) -> t\(e.to);") }
        lines.append("}")
        return lines.joined(separator: "\n") + "\n"
    }

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
    }
}
