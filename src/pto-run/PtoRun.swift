import ArgumentParser
import Foundation
import PTOExample

@main
struct PtoRun: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pto-run",
        abstract: "Build and run PTO examples end to end, checking outputs against golden.py.",
        discussion: """
            `pto-run EXAMPLE_DIR` is `pto-run run EXAMPLE_DIR`. EXAMPLE_DIR is an example folder \
            (golden.py, kernels/kernel_config.py) or the name of one under kernels/.
            """,
        subcommands: [RunExample.self, ExportGraph.self, CompareTensors.self],
        defaultSubcommand: RunExample.self)
}

/// Where the example is and how to build it: shared by every subcommand.
struct ExampleOptions: ParsableArguments {
    @Argument(help: "Example folder, or the name of one under kernels/.")
    var exampleDir: String

    @Option(help: "Platform whose binaries run the example.")
    var platform = "a2a3sim"

    @Option(help: "Runtime implementation under runtime/ (default: the one the example's RUNTIME_CONFIG names, else host_build_graph).")
    var runtime: String?

    @Option(
        help:
            "Run only this case: an index of PARAMS_LIST or ALL_CASES, or a name of ALL_CASES; for a scene test (test_*.py) Foo, Cls::Foo, Cls:: or ::Foo, repeatable."
    )
    var `case`: [String] = []

    @Flag(help: "A scene test's manual cases run too (by default they are left out).")
    var manual = false

    @Flag(help: "Only a scene test's manual cases run.")
    var manualOnly = false

    /// The manual mode the golden step applies.
    var manualMode: String { manualOnly ? "only" : manual ? "include" : "exclude" }

    @Flag(help: "Run every case, also when golden.py names a DEFAULT_CASE.")
    var allCases = false

    @Option(help: "Artifacts manifest written by `make example`; skips asking Make to build.")
    var artifacts: String?

    @Option(help: "Project root (default: found above this executable).")
    var projectRoot: String?

    @Option(help: "Python interpreter with numpy that runs golden.py (default: python3 on PATH).")
    var python: String?

    @Option(
        help:
            "For kernels with a PTO-ISA source and a plain C++ sim_source: sim_source (default), source, or auto (source when its headers are there)."
    )
    var kernelSource: String?

    @Option(help: "Seconds golden.py may take to prepare every case (default 600).")
    var goldenTimeout: Int = 600

    @Flag(help: "Print what the runner does (build commands, registrations, timings).")
    var verbose = false

    @Option(help: "Most tasks a graph may have (default 16777216).")
    var maxTasks: Int32?

    @Option(help: "Most successors a task may have (default 16777216).")
    var maxSuccessors: Int32?

    @Option(help: "Most arguments a task may take (default 128, at most 65535).")
    var maxArgs: Int32?

    func validate() throws {
        for c in `case` where c.isEmpty || c.hasPrefix("-") {
            throw ValidationError("--case '\(c)' is not a case: give an index (0, 1, ...) or a name of ALL_CASES")
        }
        if allCases && !`case`.isEmpty { throw ValidationError("--case and --all-cases do not go together") }
        if manual && manualOnly { throw ValidationError("--manual and --manual-only do not go together") }
        if kernelSource != nil && artifacts != nil {
            throw ValidationError(
                "--kernel-source chooses what Make builds, but --artifacts names a build made already (make run "
                    + "passes it): with make run choose with KERNEL_SOURCE=source|sim_source|auto instead")
        }
        if let choice = kernelSource, !["auto", "source", "sim_source"].contains(choice) {
            throw ValidationError("--kernel-source \(choice) is not a choice; use auto, source or sim_source")
        }
        if !(1...86400).contains(goldenTimeout) {
            throw ValidationError("--golden-timeout \(goldenTimeout) is out of range; use 1..86400 seconds")
        }
        for (name, value, ceiling) in [
            ("--max-tasks", maxTasks, Int32(1 << 28)), ("--max-successors", maxSuccessors, Int32(1 << 28)),
            ("--max-args", maxArgs, Int32(65535)),
        ] {
            if let v = value, !(1...ceiling).contains(v) {
                throw ValidationError("\(name) \(v) is out of range; use 1..\(ceiling)")
            }
        }
    }

    /// The limits given on the command line, the defaults for the rest.
    var graphLimits: RunSettings.GraphLimits? {
        guard maxTasks != nil || maxSuccessors != nil || maxArgs != nil else { return nil }
        let d = RunSettings.GraphLimits.defaults
        return RunSettings.GraphLimits(
            tasks: maxTasks ?? d.tasks, successors: maxSuccessors ?? d.successors, arguments: maxArgs ?? d.arguments)
    }

    /// Finds the example, builds it (unless given artifacts) and prepares its cases.
    func prepare() throws(RunnerError) -> (folder: String, manifest: ArtifactsManifest, golden: GoldenCases) {
        RunnerCleanup.installSignalHandlers()
        let layout: ProjectLayout
        if let root = projectRoot {
            layout = ProjectLayout(root: root)
        } else {
            layout = try ProjectLayout.locate()
        }
        let folder = try layout.exampleFolder(exampleDir)
        let manifestPath: String
        if let given = artifacts {
            manifestPath = given
        } else {
            manifestPath = try ExampleBuild(
                layout: layout, platform: platform, runtime: runtime,
                verbose: verbose, kernelSource: kernelSource
            ).build(example: folder)
        }
        let manifest = try ArtifactsManifest.load(from: manifestPath)
        let golden = try GoldenCases.prepare(
            example: folder, layout: layout, caseChoices: `case`, allCases: allCases, python: python,
            timeoutSeconds: goldenTimeout, platform: platform, manual: manualMode)
        return (folder, manifest, golden)
    }
}

/// Bad input ends with one line and exit 2.
func reportingRunnerErrors(_ body: () throws -> Void) throws {
    do {
        try body()
    } catch let error as RunnerError {
        Console.error("pto-run: error: \(error)")
        if case .launchConfiguration = error { throw ExitCode(64) }
        throw ExitCode(2)
    }
}

func write(_ data: Data, to path: String, what: String) throws(RunnerError) {
    guard FileManager.default.createFile(atPath: path, contents: data) else {
        throw .writeFile(path: path, reason: "cannot create the \(what) file (is its folder there and writable?)")
    }
}

/// An output file named on the command line: a relative path is taken from
/// the directory the user ran the command in. `make run` runs pto-run from
/// the project root and says where the user was in PTO_RUN_CALLER_DIR.
func outputPath(_ path: String) -> String {
    guard !path.hasPrefix("/") else { return path }
    let base =
        ProcessInfo.processInfo.environment["PTO_RUN_CALLER_DIR"].flatMap { $0.isEmpty ? nil : $0 }
        ?? FileManager.default.currentDirectoryPath
    return URL(fileURLWithPath: base).appendingPathComponent(path).standardizedFileURL.path
}
