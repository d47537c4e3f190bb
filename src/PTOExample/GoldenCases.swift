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

public struct GoldenCase: Sendable {
    public var index: Int
    public var parameters: String
    public var tensors: [CaseTensor]
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
        example folder: String, layout: ProjectLayout, caseIndex: Int?, python: String?,
        timeoutSeconds: Int = 600
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
        if let index = caseIndex { arguments += ["--case", String(index)] }
        let child = ChildProcess(executable: interpreter, arguments: arguments)
        let result = try child.run(captureOutput: true)
        guard result.exitCode == 0 else {
            throw .goldenPreparation(
                command: child.commandLine, exitCode: result.exitCode,
                message:
                    "preparing the golden of \(folder) failed (exit \(result.exitCode)); see the message above"
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
            for t in c.tensors {
                let input = try NpyArray(contentsOf: scratch + "/" + t.input)
                let golden = try t.golden.map { (file) throws(RunnerError) in
                    try NpyArray(contentsOf: scratch + "/" + file)
                }
                tensors.append(CaseTensor(name: t.name, input: input, golden: golden))
            }
            cases.append(GoldenCase(index: c.index, parameters: c.params, tensors: tensors))
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
