import ArgumentParser
import Foundation
import PTOExample

struct ExportGraph: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "graph",
        abstract: "Print the task graph of an example as Graphviz DOT, without running it.",
        discussion: """
            Runs only the orchestration (the graph is known once it has built it) for one case \
            (--case, default 0). Render with: dot -Tsvg graph.dot -o graph.svg
            """)

    @OptionGroup var example: ExampleOptions

    @Option(name: .shortAndLong, help: "Write the DOT here instead of standard output.")
    var output: String?

    func run() throws {
        try reportingRunnerErrors {
            var options = example
            // One case: the first (a scene test: the first its selection keeps).
            if options.case.isEmpty, !ProjectLayout.isSceneTest(options.exampleDir) { options.case = ["0"] }
            let (folder, manifest, golden) = try options.prepare()
            guard let c = golden.cases.first else { return }
            var settings = RunSettings()
            settings.graphLimits = options.graphLimits
            let runner = ExampleRunner(
                settings: settings, artifacts: manifest, golden: golden, log: { _ in })
            let graph = try runner.graph(of: c)
            let title = "\(URL(fileURLWithPath: folder).lastPathComponent) case \(c.index)"
            let dot = GraphDot.render(graph, title: title, kernelNames: ExampleRunner.kernelNames(manifest))
            if let path = output {
                try write(Data(dot.utf8), to: outputPath(path), what: "graph")
            } else {
                FileHandle.standardOutput.write(Data(dot.utf8))
            }
        }
    }
}
