import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// One tensor of a case: its bytes for the run and, for outputs, the
/// expected bytes.
public struct CaseTensor: Sendable {
    public var name: String
    public var input: NpyArray
    public var golden: NpyArray?
    public var isOutput: Bool { golden != nil }
}

/// One argument of the orchestration in the list form of generate_inputs.
public enum CaseArgument: Sendable, Equatable {
    case tensor(Int)  // an index into `tensors`: its host pointer
    case scalar(UInt64)  // passed by value
}

public struct GoldenCase: Sendable {
    public var index: Int
    /// The case's name in ALL_CASES, if golden.py names its cases.
    public var name: String?
    public var parameters: String
    public var tensors: [CaseTensor]
    /// nil for the dict form (pointers, byte sizes, element count); the
    /// list form's arguments, one per item, in order.
    public var listArguments: [CaseArgument]?

    /// How the case is called in output: its name, else its index.
    public var label: String { name ?? String(index) }
}

public struct GoldenCases: Sendable {
    public var goldenFile: String
    public var tolerance: Tolerance
    public var caseCount: Int
    public var cases: [GoldenCase]

    /// Runs tools/example_golden.py on the example and reads everything it
    /// wrote into memory. Its scratch folder is removed before returning,
    /// whatever happens, so nothing is left behind even if a kernel later
    /// takes the process down.
    public static func prepare(
        example folder: String, layout: ProjectLayout, caseChoice: String?, allCases: Bool = false,
        python: String?, timeoutSeconds: Int = 600
    ) throws(RunnerError) -> GoldenCases {
        guard let interpreter = python ?? ChildProcess.find("python3") else {
            throw .toolNotFound(name: "python3", hint: "install Python 3 with numpy, or pass --python")
        }
        let scratch = try makeScratchDirectory()
        RunnerCleanup.made(folder: scratch)
        defer {
            try? FileManager.default.removeItem(atPath: scratch)
            RunnerCleanup.removed(folder: scratch)
        }

        var arguments = [
            layout.toolsDirectory + "/example_golden.py", folder, "--out", scratch, "--timeout", String(timeoutSeconds),
        ]
        if let choice = caseChoice { arguments += ["--case", choice] }
        if allCases { arguments.append("--all-cases") }
        let child = ChildProcess(executable: interpreter, arguments: arguments)
        let result = try child.run(captureOutput: true)
        guard result.exitCode == 0 else {
            throw .goldenPreparation(
                command: child.commandLine, exitCode: result.exitCode,
                message:
                    "preparing the golden of \(folder) failed (exit \(result.exitCode)); "
                    + (result.exitCode == 2
                        ? "the message above says why"
                        : "golden.py ended the Python process itself (os._exit(\(result.exitCode)), a signal, or "
                            + "a Python that cannot run the helper; see above)")
            )
        }
        // The manifest is written last: without it, golden.py ended the
        // helper early (os._exit skips everything, exit code included).
        guard FileManager.default.fileExists(atPath: scratch + "/manifest.json") else {
            throw .goldenPreparation(
                command: child.commandLine, exitCode: result.exitCode,
                message:
                    "\(folder)/golden.py ended the golden step early (exit \(result.exitCode)) before any case was "
                    + "prepared: does it call os._exit() or sys.exit() at its top or in a function? golden.py "
                    + "must return its values, not end the process")
        }
        let manifest = try decodeJSON(GoldenManifest.self, at: scratch + "/manifest.json")
        var cases: [GoldenCase] = []
        for c in manifest.cases {
            var tensors: [CaseTensor] = []
            var listArguments: [CaseArgument] = []
            for t in c.tensors {
                if t.kind == "scalar" {
                    guard let text = t.bits, let bits = UInt64(text) else {
                        throw .manifest(path: manifest.golden, reason: "scalar '\(t.name)' has no value")
                    }
                    listArguments.append(.scalar(bits))
                    continue
                }
                guard let file = t.input else {
                    throw .manifest(path: manifest.golden, reason: "tensor '\(t.name)' has no input file")
                }
                let input = try NpyArray(contentsOf: scratch + "/" + file)
                let golden = try t.golden.map { (file) throws(RunnerError) in
                    try NpyArray(contentsOf: scratch + "/" + file)
                }
                listArguments.append(.tensor(tensors.count))
                tensors.append(CaseTensor(name: t.name, input: input, golden: golden))
            }
            cases.append(
                GoldenCase(
                    index: c.index, name: c.name, parameters: c.params, tensors: tensors,
                    listArguments: c.form == "list" ? listArguments : nil))
        }
        return GoldenCases(
            goldenFile: manifest.golden,
            tolerance: Tolerance(rtol: manifest.rtol, atol: manifest.atol, equalNaN: manifest.equalNaN ?? false),
            caseCount: manifest.caseCount, cases: cases)
    }
}

/// A fresh private folder under $TMPDIR (mkdtemp: unique name, mode 0700).
func makeScratchDirectory() throws(RunnerError) -> String {
    var base = ProcessInfo.processInfo.environment["TMPDIR"] ?? "/tmp"
    if base.isEmpty { base = "/tmp" }
    var template = Array((base + "/pto-run-XXXXXX").utf8CString)
    let made = template.withUnsafeMutableBufferPointer { buffer -> UnsafeMutablePointer<CChar>? in
        guard let start = buffer.baseAddress else { return nil }
        return mkdtemp(start)
    }
    guard made != nil else {
        throw .readFile(path: base, reason: "cannot create a scratch folder (errno \(errno))")
    }
    let path = template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
    return String(decoding: path, as: UTF8.self)
}
