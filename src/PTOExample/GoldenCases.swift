import Foundation
import PTORuntime

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
    public var isOutput: Bool { golden != nil || comparedByTest }
    /// An output a scene test compares itself (compare_outputs): no golden here.
    public var comparedByTest = false
}

/// One argument of the orchestration in the list form of generate_inputs.
public enum CaseArgument: Sendable, Equatable {
    case tensor(Int)  // an index into `tensors`: its host pointer
    case scalar(UInt64)  // passed by value
}

public struct GoldenCase: Sendable {
    /// A scene test's own settings for this case (nil: the run's).
    public struct Overrides: Sendable {
        public var tolerance: Tolerance?
        public var aicpuThreads: Int32?
        public var ringSizes: RingSizes?
    }
    public var index: Int
    /// The case's name in ALL_CASES, if golden.py names its cases.
    public var name: String?
    public var parameters: String
    public var tensors: [CaseTensor]
    /// nil for the dict form (pointers, byte sizes, element count); the
    /// list form's arguments, one per item, in order.
    public var listArguments: [CaseArgument]?
    public var overrides = Overrides()
    /// A scene test that compares this case itself: the saved arguments
    /// its compare_outputs gets after the run.
    public var compareState: [UInt8]?
    /// The case failed before it could run (its golden step), and why.
    public var preparationError: String?

    /// How the case is called in output: its name, else its index.
    public var label: String { name ?? String(index) }
}

public struct GoldenCases: Sendable {
    /// How the compare step of a scene test that compares itself is run.
    public struct PythonCompare: Sendable {
        public var interpreter: String
        public var helper: String
        public var folder: String
    }
    public var goldenFile: String
    public var pythonCompare: PythonCompare?
    public var tolerance: Tolerance
    public var caseCount: Int
    public var cases: [GoldenCase]

    /// Runs tools/example_golden.py on the example and reads everything it
    /// wrote into memory. Its scratch folder is removed before returning,
    /// whatever happens, so nothing is left behind even if a kernel later
    /// takes the process down.
    public static func prepare(
        example folder: String, layout: ProjectLayout, caseChoices: [String], allCases: Bool = false,
        python: String?, timeoutSeconds: Int = 600, platform: String = "a2a3sim", manual: String = "exclude"
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
        for choice in caseChoices { arguments += ["--case", choice] }
        if allCases { arguments.append("--all-cases") }
        arguments += ["--platform", platform, "--manual", manual]
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
        let cases = try readCases(manifest, scratch: scratch)
        return GoldenCases(
            goldenFile: manifest.golden,
            pythonCompare: PythonCompare(
                interpreter: interpreter, helper: layout.toolsDirectory + "/example_golden.py", folder: folder),
            tolerance: Tolerance(rtol: manifest.rtol, atol: manifest.atol, equalNaN: manifest.equalNaN ?? false),
            caseCount: manifest.caseCount, cases: cases)
    }

    /// The cases the helper wrote: tensors read into memory, a scene test's
    /// own settings and compare state kept.
    private static func readCases(_ manifest: GoldenManifest, scratch: String) throws(RunnerError) -> [GoldenCase] {
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
                var input = try NpyArray(contentsOf: scratch + "/" + file)
                var golden = try t.golden.map { (file) throws(RunnerError) in
                    try NpyArray(contentsOf: scratch + "/" + file)
                }
                if let element = t.element {
                    guard element == "bfloat16", input.elementType == .uint16 else {
                        throw .manifest(path: manifest.golden, reason: "tensor '\(t.name)' is \(element), which the runner does not know")
                    }
                    input.elementType = .bfloat16
                    golden?.elementType = .bfloat16
                }
                listArguments.append(.tensor(tensors.count))
                var tensor = CaseTensor(name: t.name, input: input, golden: golden)
                tensor.comparedByTest = c.compareState != nil && t.output
                tensors.append(tensor)
            }
            var one = GoldenCase(
                index: c.index, name: c.name, parameters: c.params, tensors: tensors,
                listArguments: c.form == "list" ? listArguments : nil)
            one.overrides = overrides(of: c, equalNaN: manifest.equalNaN ?? false)
            one.preparationError = c.error
            if let state = c.compareState {
                guard let bytes = FileManager.default.contents(atPath: scratch + "/" + state) else {
                    throw .manifest(path: manifest.golden, reason: "case \(c.index)'s compare state is missing")
                }
                one.compareState = [UInt8](bytes)
            }
            cases.append(one)
        }
        return cases
    }
}

/// A scene test case's own tolerances, AICPU threads and ring sizes.
private func overrides(of c: GoldenManifest.Case, equalNaN: Bool) -> GoldenCase.Overrides {
    var o = GoldenCase.Overrides()
    if let rtol = c.rtol, let atol = c.atol { o.tolerance = Tolerance(rtol: rtol, atol: atol, equalNaN: equalNaN) }
    o.aicpuThreads = c.aicpuThreads
    if let rings = c.ringSizes {
        var sizes = RingSizes()
        if let v = rings.taskWindow, v.count == 4 { sizes.taskWindow = v }
        if let v = rings.heapBytes, v.count == 4 { sizes.heapBytes = v }
        if let v = rings.depPool, v.count == 4 { sizes.depPool = v }
        o.ringSizes = sizes
    }
    return o
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
