import ArgumentParser
import Foundation
import PTOExample

struct RunExample: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run every case of an example and compare its outputs with the golden.",
        discussion: """
            Every case of PARAMS_LIST runs in this one process; each prints a PASS or FAIL line \
            and a summary (makespan, critical path, dispatch latency, per-core busy time). A case \
            whose kernel ends or hangs the simulated device fails, and the next case runs on a \
            fresh device; cases that cannot run then are listed as NOT RUN and counted.

            Exit status: 0 every case passed; 1 a case failed (mismatch or runtime error); \
            2 bad input (missing files, build failure); 64 invalid options.
            """)

    @OptionGroup var example: ExampleOptions

    @Option(help: "Device id passed to set_device and launch_runtime.")
    var device: Int32 = 0

    @Option(help: "AICPU threads (1..4; default: the example's RUNTIME_CONFIG, else 3). host_build_graph schedules on all of them; tensormap_and_ringbuffer orchestrates on one and schedules on the rest; each scheduling thread owns at least one whole cluster.")
    var aicpuThreads: Int32?

    @Option(help: "Clusters of 1 AIC + 2 AIV workers (1..24; default: the example's RUNTIME_CONFIG, else 3).")
    var blockDim: Int32?

    @Option(help: "Seconds a run may go without any task completing before it is stopped.")
    var timeout: Double?

    @Option(help: "Write a Chrome trace-event file (Perfetto, chrome://tracing) of every case.")
    var trace: String?

    @Option(help: "Write the task graph of the first case run as Graphviz DOT.")
    var graph: String?

    @Option(help: "Write the run summaries as JSON.")
    var jsonSummary: String?

    @Option(help: "tensormap_and_ringbuffer: tasks per ring window, a power of two, or four comma-separated (pto_set_ring_sizes; over PTO2_RING_TASK_WINDOW).")
    var ringTaskWindow: String?

    @Option(help: "tensormap_and_ringbuffer: heap bytes per ring (K/M/G suffixes), or four comma-separated (pto_set_ring_sizes; over PTO2_RING_HEAP).")
    var ringHeap: String?

    @Option(help: "tensormap_and_ringbuffer: dependency entries per ring, or four comma-separated (pto_set_ring_sizes; over PTO2_RING_DEP_POOL).")
    var ringDepPool: String?

    @Flag(help: "Print only PASS/FAIL lines: no summary, no progress line.")
    var quiet = false

    @Flag(help: "tensormap_and_ringbuffer: run each task's blocks one at a time and fail naming every byte two blocks of one task both changed (on the device, a race); sets PTO2_CHECK_BLOCKS=1.")
    var checkBlocks = false

    @Option(
        help:
            "How kernels are loaded: so (shared objects, default on a2a3sim) or text (only .text of each object file; always on a2a3)."
    )
    var kernelLoad: String?

    /// The device only loads .text; the simulator defaults to shared objects.
    var resolvedKernelLoad: RunSettings.KernelLoad {
        kernelLoad.flatMap(RunSettings.KernelLoad.init(rawValue:))
            ?? (example.platform == "a2a3" ? .text : .sharedObject)
    }

    func validate() throws {
        if let aicpuThreads, !(1...4).contains(aicpuThreads) {
            throw ValidationError("--aicpu-threads \(aicpuThreads) is out of range; use 1..4")
        }
        if let blockDim, !(1...24).contains(blockDim) {
            throw ValidationError("--block-dim \(blockDim) is out of range; use 1..24")
        }
        // host_build_graph's split is checked here when the runtime is
        // named; every runtime's is checked once the example is built (its
        // runtime.mk says how many threads orchestrate).
        let runtime =
            example.runtime ?? example.artifacts.flatMap { try? ArtifactsManifest.load(from: $0).runtime }
        if let aicpuThreads, let blockDim, runtime == "host_build_graph", blockDim < aicpuThreads {
            throw ValidationError(
                "--block-dim \(blockDim) gives \(blockDim) cluster(s), fewer than --aicpu-threads \(aicpuThreads): "
                    + "each scheduler thread owns at least one whole cluster; use a block_dim of \(aicpuThreads) or more")
        }
        if let t = timeout, !(t >= 0.001 && t <= 86400) {
            throw ValidationError(
                "--timeout \(t) is out of range: give the seconds a run may go without any task completing, "
                    + "from 0.001 to 86400")
        }
        let outputs = [("--trace", trace), ("--graph", graph), ("--json-summary", jsonSummary)]
        let named = outputs.compactMap { option, path in path.map { (option, outputPath($0)) } }
        for (index, (option, path)) in named.enumerated() {
            if let other = named[..<index].first(where: { $0.1 == path }) {
                throw ValidationError("\(other.0) and \(option) name the same file \(path); give each its own")
            }
        }
        for (option, path) in outputs {
            guard let path else { continue }
            var isDirectory: ObjCBool = false
            if path.isEmpty || path.hasSuffix("/")
                || (FileManager.default.fileExists(atPath: outputPath(path), isDirectory: &isDirectory)
                    && isDirectory.boolValue)
            {
                throw ValidationError("\(option) '\(path)' is a folder, not a file; name the file to write")
            }
            let folder = URL(fileURLWithPath: outputPath(path)).deletingLastPathComponent().path
            guard FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory), isDirectory.boolValue,
                access(folder, W_OK) == 0
            else {
                throw ValidationError(
                    "\(option) \(path): cannot write there (the folder \(folder) is missing or not writable)")
            }
        }
        if let mode = kernelLoad {
            guard let load = RunSettings.KernelLoad(rawValue: mode) else {
                throw ValidationError("--kernel-load \(mode) is not a loading mode; use so or text")
            }
            if example.platform == "a2a3" && load == .sharedObject {
                throw ValidationError(
                    "--kernel-load so is not possible on a2a3: the device loads only each kernel's .text")
            }
        }
        guard device >= 0 else { throw ValidationError("--device \(device) must be 0 or more") }
        _ = try ringSizeOptions.sizes()
    }

    var ringSizeOptions: RingSizeOptions {
        RingSizeOptions(taskWindow: ringTaskWindow, heap: ringHeap, depPool: ringDepPool)
    }

    func run() throws {
        var passed = false
        try reportingRunnerErrors { passed = try runExample() }
        if !passed { throw ExitCode(1) }
    }

    private func runExample() throws(RunnerError) -> Bool {
        let (folder, manifest, golden) = try example.prepare()
        let name = ProjectLayout.exampleName(folder)
        let verbose = example.verbose
        let log: (String) -> Void = { message in if verbose { Console.error("pto-run: \(message)") } }
        log(
            "\(golden.cases.count) case(s) from \(golden.goldenFile), rtol \(golden.tolerance.rtol), atol \(golden.tolerance.atol)\(golden.tolerance.equalNaN ? ", NaN equals NaN" : "")"
        )

        var settings = RunSettings()
        settings.platform = example.platform
        settings.runtime = manifest.runtime
        settings.device = device
        settings.aicpuThreads = aicpuThreads ?? manifest.runtimeConfig?.aicpuThreadNum ?? 3
        settings.blockDim = blockDim ?? manifest.runtimeConfig?.blockDim ?? 3
        let schedulers = manifest.schedulerThreads(of: settings.aicpuThreads)
        if settings.blockDim < schedulers {
            throw .launchConfiguration(
                "block_dim \(settings.blockDim) gives \(settings.blockDim) cluster(s), fewer than the \(schedulers) scheduler thread(s) "
                    + "\(manifest.runtime) runs with \(settings.aicpuThreads) AICPU thread(s) "
                    + "(\(settings.aicpuThreads - schedulers) of them orchestrating); each scheduler thread owns at least one whole "
                    + "cluster: give a block_dim of \(schedulers) or more, or fewer --aicpu-threads")
        }
        if checkBlocks {
            guard manifest.runtime != "host_build_graph" else {
                throw .launchConfiguration(
                    "--check-blocks checks the blocks of tensormap_and_ringbuffer's tasks; host_build_graph runs one kernel per task")
            }
            // Read by the host runtime (in this process) as each launch is prepared.
            setenv("PTO2_CHECK_BLOCKS", "1", 1)
        }
        settings.threadsFromCommandLine = aicpuThreads != nil
        settings.timeoutSeconds = timeout
        // Checked in validate(): no error is left here.
        settings.ringSizes = (try? ringSizeOptions.sizes()) ?? nil
        settings.verbose = verbose
        settings.python = example.python
        settings.progress = !quiet
        settings.kernelLoad = resolvedKernelLoad
        settings.graphLimits = example.graphLimits

        let runner = ExampleRunner(settings: settings, artifacts: manifest, golden: golden, log: log)
        let results = try runner.run { result in
            printCase(result, example: name)
            if !quiet, let summary = result.summary { summary.lines.forEach(Console.out) }
        }
        let notRun = results.filter { $0.notRun != nil }
        let failed = results.filter { !$0.passed && $0.notRun == nil }.count
        var closing = "\(results.count - failed - notRun.count) passed, \(failed) failed"
        if !notRun.isEmpty {
            closing += ", \(notRun.count) not run (case \(notRun.map(\.label).joined(separator: ", ")))"
        }
        Console.out(closing)
        try writeOutputs(results, example: name, manifest: manifest)
        return failed == 0 && notRun.isEmpty
    }

    private func writeOutputs(_ results: [CaseResult], example name: String, manifest: ArtifactsManifest)
        throws(RunnerError)
    {
        let kernelNames = ExampleRunner.kernelNames(manifest)
        if let path = trace {
            var chrome = ChromeTrace(
                example: name, blockDim: Int(blockDim ?? manifest.runtimeConfig?.blockDim ?? 3),
                aicpuThreads: Int(aicpuThreads ?? manifest.runtimeConfig?.aicpuThreadNum ?? 3),
                kernelNames: kernelNames)
            chrome.cases = results.compactMap { r in
                r.graph.map { ChromeTrace.Case(index: r.index, label: r.parameters, graph: $0) }
            }
            do {
                try write(try chrome.json(), to: outputPath(path), what: "trace")
            } catch let error as RunnerError {
                throw error
            } catch {
                throw .writeFile(path: path, reason: "cannot encode the trace: \(error)")
            }
        }
        if let path = graph, let first = results.first(where: { $0.graph != nil }), let g = first.graph {
            let text = GraphDot.render(g, title: "\(name) case \(first.label)", kernelNames: kernelNames)
            try write(Data(text.utf8), to: outputPath(path), what: "graph")
        }
        if let path = jsonSummary {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            guard let data = try? encoder.encode(results.compactMap(\.summary)) else {
                throw .writeFile(path: path, reason: "cannot encode the summary")
            }
            try write(data, to: outputPath(path), what: "summary")
        }
    }

    private func printCase(_ result: CaseResult, example: String) {
        let label = "\(example) case \(result.label) \(result.parameters)"
        if let reason = result.notRun {
            Console.out("NOT RUN \(label): \(reason)")
        } else if let failure = result.failure {
            Console.out("FAIL \(label): \(failure)")
        } else if result.passed, let own = result.comparedByTest {
            Console.out("PASS \(label): the test's compare_outputs on \(own.joined(separator: ", "))")
        } else if result.passed, result.comparisons.isEmpty {
            Console.out("PASS \(label): ran; no output compared (no golden: skip_golden, or no OUT/INOUT tensor)")
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
