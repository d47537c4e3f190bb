import ArgumentParser
import Foundation
import PTOGen

@main
struct PtoGen: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pto-gen",
        abstract: "Generate a runnable PTO example tree from a workload description (JSON).",
        discussion: """
            Writes kernels/kernel_config.py, kernels/orchestration/<name>_orch.cpp, one kernel \
            per op and dtype combination, golden.py and metadata.json into OUTPUT; run it with \
            `make run EXAMPLE=OUTPUT`. The workload format is described by \
            src/PTOGen/workload.schema.json and docs/guide/pto-gen.md. A workload outside the supported \
            subset is rejected naming the first unsupported feature and where it is (exit 2).
            """)

    @Argument(help: "The workload description (JSON, format version 1).")
    var workload: String

    @Option(name: .shortAndLong, help: "Folder to write the example into (created if missing).")
    var output: String

    @Flag(
        help: "Leave the orchestration's task-creation section for a person to write (a marked TODO block).")
    var skeleton = false

    @Option(
        help: ArgumentHelp(
            "The runtime to write for: host_build_graph (the orchestration states every edge) or tensormap_and_ringbuffer (it names each task's tensor accesses and the runtime finds the edges).",
            valueName: "name"))
    var runtime = "host_build_graph"

    func run() throws {
        guard let target = TargetRuntime(rawValue: runtime) else {
            FileHandle.standardError.write(
                Data(
                    "pto-gen: error: --runtime \(runtime) is not one pto-gen writes for; use \(TargetRuntime.allCases.map(\.rawValue).joined(separator: " or "))\n"
                        .utf8))
            throw ExitCode(2)
        }
        let parsed: Workload
        do {
            parsed = try WorkloadParser.parse(file: workload)
        } catch {
            FileHandle.standardError.write(Data("pto-gen: error: \(error)\n".utf8))
            throw ExitCode(2)
        }
        let generator = Generator(workload: parsed, sourcePath: workload, skeleton: skeleton, runtime: target)
        do {
            let files = try generator.write(to: output)
            print(
                "pto-gen: wrote \(files.count) files for '\(parsed.name)' into \(output)\(skeleton ? " (skeleton)" : "")"
            )
            let run = runCommand(for: output)
            if skeleton {
                print(
                    "pto-gen: complete the \(Generator.skeletonMarker) block in kernels/orchestration/\(parsed.name)_orch.cpp, then: \(run)"
                )
            } else {
                print("pto-gen: run it with: \(run)")
            }
        } catch {
            FileHandle.standardError.write(
                Data("pto-gen: error: cannot write into \(output): \(error.localizedDescription)\n".utf8))
            throw ExitCode(2)
        }
    }

    /// A command that runs the example from wherever the user is: the
    /// example by absolute path, make told where the project is.
    func runCommand(for output: String) -> String {
        let example = URL(fileURLWithPath: output).standardizedFileURL.path
        guard let root = Self.projectRoot() else { return "make run EXAMPLE=\(example) (from the project root)" }
        if FileManager.default.currentDirectoryPath == root { return "make run EXAMPLE=\(example)" }
        return "make -C \(root) run EXAMPLE=\(example)"
    }

    /// The project this pto-gen was built in: the folder above its
    /// executable that holds the Makefile and runtime/.
    static func projectRoot() -> String? {
        var url = URL(fileURLWithPath: CommandLine.arguments[0]).standardizedFileURL.resolvingSymlinksInPath()
        if !CommandLine.arguments[0].contains("/"), let found = ProcessInfo.processInfo.environment["PATH"]?
            .split(separator: ":").map({ "\($0)/\(CommandLine.arguments[0])" })
            .first(where: { FileManager.default.isExecutableFile(atPath: $0) })
        {
            url = URL(fileURLWithPath: found).resolvingSymlinksInPath()
        }
        while url.path != "/" {
            url.deleteLastPathComponent()
            let fm = FileManager.default
            if fm.fileExists(atPath: url.path + "/Makefile") && fm.fileExists(atPath: url.path + "/runtime") {
                return url.path
            }
        }
        return nil
    }
}
