import ArgumentParser
import Foundation
import PTOExample

@main
struct PtoRun: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pto-run",
        abstract: "Build and run a PTO example end to end, checking its outputs against golden.py.",
        discussion: """
            EXAMPLE_DIR is an example folder (golden.py, kernels/kernel_config.py) or the name \
            of one under kernels/. Every case of PARAMS_LIST runs in this one process; each \
            prints a PASS or FAIL line.

            Exit status: 0 every case passed; 1 a case failed (mismatch or runtime error); \
            2 bad input (missing files, build failure, invalid options).
            """)

    @Argument(help: "Example folder, or the name of one under kernels/.")
    var exampleDir: String

    @Option(help: "Platform whose binaries run the example.")
    var platform = "a2a3sim"

    @Option(help: "Runtime implementation under runtime/.")
    var runtime = "host_build_graph"

    @Option(help: "Device id passed to set_device and launch_runtime.")
    var device: Int32 = 0

    @Option(help: "AICPU scheduler threads (1..4); must divide block_dim.")
    var aicpuThreads: Int32 = 3

    @Option(help: "Blocks of 1 AIC + 2 AIV workers (1..24).")
    var blockDim: Int32 = 3

    @Option(help: "Run only this index of PARAMS_LIST.")
    var `case`: Int?

    @Option(help: "Seconds a run may go without any task completing before it is stopped.")
    var timeout: Double?

    @Option(help: "Artifacts manifest written by `make example`; skips asking Make to build.")
    var artifacts: String?

    @Option(help: "Project root (default: found above this executable).")
    var projectRoot: String?

    @Option(help: "Python interpreter with numpy that runs golden.py (default: python3 on PATH).")
    var python: String?

    @Flag(help: "Print what the runner does (build commands, registrations, timings).")
    var verbose = false

    func validate() throws {
        guard (1...4).contains(aicpuThreads) else {
            throw ValidationError("--aicpu-threads \(aicpuThreads) is out of range; use 1..4")
        }
        guard (1...24).contains(blockDim) else {
            throw ValidationError("--block-dim \(blockDim) is out of range; use 1..24")
        }
        guard blockDim % aicpuThreads == 0 else {
            throw ValidationError(
                "--block-dim \(blockDim) does not split over --aicpu-threads \(aicpuThreads): "
                    + "\(blockDim) AIC and \(2 * blockDim) AIV workers must divide evenly over the "
                    + "scheduler threads; use a block_dim that is a multiple of \(aicpuThreads)")
        }
        if let c = `case`, c < 0 { throw ValidationError("--case \(c) must be 0 or more") }
        if let t = timeout, !(t > 0) { throw ValidationError("--timeout \(t) must be a positive number of seconds") }
        guard device >= 0 else { throw ValidationError("--device \(device) must be 0 or more") }
    }

    func run() throws {
        do {
            let passed = try runExample()
            if !passed { throw ExitCode(1) }
        } catch let error as RunnerError {
            printError("pto-run: error: \(error)")
            throw ExitCode(2)
        }
    }

    private func runExample() throws(RunnerError) -> Bool {
        let layout: ProjectLayout
        if let root = projectRoot {
            layout = ProjectLayout(root: root)
        } else {
            layout = try ProjectLayout.locate()
        }
        let folder = try layout.exampleFolder(exampleDir)
        let name = URL(fileURLWithPath: folder).lastPathComponent
        let log: (String) -> Void = { message in if verbose { printError("pto-run: \(message)") } }

        let manifestPath: String
        if let given = artifacts {
            manifestPath = given
        } else {
            manifestPath = try ExampleBuild(layout: layout, platform: platform, runtime: runtime,
                                            verbose: verbose).build(example: folder)
        }
        let manifest = try ArtifactsManifest.load(from: manifestPath)
        let golden = try GoldenCases.prepare(example: folder, layout: layout, caseIndex: `case`,
                                             python: python)
        log("\(golden.cases.count) case(s) from \(golden.goldenFile), rtol \(golden.rtol), atol \(golden.atol)")

        var settings = RunSettings()
        settings.platform = platform
        settings.runtime = runtime
        settings.device = device
        settings.aicpuThreads = aicpuThreads
        settings.blockDim = blockDim
        settings.caseIndex = `case`
        settings.timeoutSeconds = timeout
        settings.verbose = verbose
        settings.python = python

        let runner = ExampleRunner(settings: settings, artifacts: manifest, golden: golden, log: log)
        let results = try runner.run { result in printCase(result, example: name) }
        let failed = results.filter { !$0.passed }.count
        Console.out("\(results.count - failed) passed, \(failed) failed")
        return failed == 0
    }

    private func printCase(_ result: CaseResult, example: String) {
        let label = "\(example) case \(result.index) \(result.parameters)"
        if let failure = result.failure {
            Console.out("FAIL \(label): \(failure)")
        } else if result.passed {
            let tensors = result.comparisons.map { "\($0.name) (\($0.elementCount) elements)" }
            Console.out("PASS \(label): \(tensors.joined(separator: ", "))")
        } else {
            let bad = result.comparisons.filter { !$0.passed }.map(\.name)
            Console.out("FAIL \(label): mismatch in \(bad.joined(separator: ", "))")
            for comparison in result.comparisons { comparison.report.forEach { Console.out("  " + $0) } }
        }
    }
}

func printError(_ message: String) { Console.error(message) }
