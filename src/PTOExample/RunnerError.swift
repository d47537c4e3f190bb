import PTORuntime

/// Every way a run can fail, one case per stage. Messages quote the
/// offending value and carry the tool's or library's own message.
public enum RunnerError: Error, CustomStringConvertible {
    case projectRootNotFound(searchedFrom: String)
    case exampleNotFound(argument: String, looked: [String])
    case exampleFileMissing(path: String, purpose: String)
    case pathSyntax(path: String, character: String)
    case build(command: String, exitCode: Int32)
    case buildOutputMissing(command: String)
    case goldenPreparation(command: String, exitCode: Int32, message: String)
    case manifest(path: String, reason: String)
    case npy(path: String, reason: String)
    case readFile(path: String, reason: String)
    case writeFile(path: String, reason: String)
    case toolNotFound(name: String, hint: String)
    case runtime(stage: String, HostRuntimeError)
    case invalidOption(String)
    /// A launch configuration the runtime cannot split: a usage error (exit 64).
    case launchConfiguration(String)
    case kernelNotLoadable(source: String, object: String, reasons: [String])

    public var description: String {
        switch self {
        case .projectRootNotFound(let from):
            return "cannot find the PTO project root (a folder with Makefile and runtime/) above "
                + "\(from); pass --project-root"
        case .exampleNotFound(let argument, let looked):
            return "example folder '\(argument)' not found (looked at \(looked.joined(separator: ", ")))"
        case .exampleFileMissing(let path, let purpose):
            return "\(path) is missing: \(purpose)"
        case .pathSyntax(let path, let character):
            return "example path '\(path)' contains \(character), which make or the shell would read as syntax; "
                + "move or rename the folder"
        case .build(let command, let code):
            return
                "building the example failed (exit \(code)); the messages above say why (the config step's, the compiler's "
                + "or make's). Command: \(command)"
        case .buildOutputMissing(let command):
            return "`\(command)` succeeded but did not say where the artifacts manifest is"
        case .goldenPreparation(_, _, let message):
            return message.isEmpty ? "golden.py could not be prepared" : message
        case .manifest(let path, let reason):
            return "\(path): \(reason)"
        case .npy(let path, let reason):
            return "\(path): not a usable .npy file: \(reason)"
        case .readFile(let path, let reason):
            return "cannot read \(path): \(reason)"
        case .writeFile(let path, let reason):
            return "cannot write \(path): \(reason)"
        case .toolNotFound(let name, let hint):
            return "\(name) not found; \(hint)"
        case .runtime(let stage, let error):
            return "\(stage): \(error)"
        case .invalidOption(let message), .launchConfiguration(let message):
            return message
        case .kernelNotLoadable(let source, let object, let reasons):
            return "kernel \(source) cannot be loaded as raw .text (\(object)):\n"
                + reasons.map { "  " + $0 }.joined(separator: "\n")
        }
    }
}
