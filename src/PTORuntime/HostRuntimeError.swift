/// Failures of the host runtime binding. Each message quotes the library,
/// the symbol or the C API function, and the runtime's own explanation.
public enum HostRuntimeError: Error, Equatable, CustomStringConvertible {
    case libraryNotLoaded(path: String, reason: String)
    case symbolNotFound(path: String, symbol: String, reason: String)
    case callFailed(function: String, code: Int32, status: String, message: String)
    case runtimeTooLarge(bytes: Int)

    /// PtoStatus codes the runner acts on.
    public static let timeoutCode: Int32 = -9
    public static let deviceCode: Int32 = -12
    public static let busyCode: Int32 = -15
    public static let deviceLostCode: Int32 = -16

    public var description: String {
        switch self {
        case .libraryNotLoaded(let path, let reason):
            return "cannot load host runtime \(path): \(reason)"
        case .symbolNotFound(let path, let symbol, let reason):
            return "host runtime \(path) does not export \(symbol): \(reason)"
        case .callFailed(let function, let code, let status, let message):
            let detail = message.isEmpty ? "" : ": \(message)"
            return "\(function) failed with \(code) (\(status))\(detail)"
        case .runtimeTooLarge(let bytes):
            return "host runtime reports a Runtime of \(bytes) bytes, which cannot be allocated"
        }
    }
}
