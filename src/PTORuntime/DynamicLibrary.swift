// Every raw dl* call of the binding lives in this file. Failures become
// typed errors carrying dlerror()'s own message.
#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// A shared library opened with dlopen; closed when the last reference goes.
final class DynamicLibrary {
    let path: String
    private let handle: UnsafeMutableRawPointer

    init(path: String) throws(HostRuntimeError) {
        _ = dlerror()
        guard let handle = dlopen(path, RTLD_NOW | RTLD_LOCAL) else {
            throw .libraryNotLoaded(path: path, reason: DynamicLibrary.lastDlError())
        }
        self.path = path
        self.handle = handle
    }

    deinit { dlclose(handle) }

    /// Resolves a symbol and reinterprets it as the given C function type.
    func function<F>(_ name: String, as type: F.Type) throws(HostRuntimeError) -> F {
        guard let address = optionalFunction(name, as: type) else {
            throw .symbolNotFound(path: path, symbol: name, reason: DynamicLibrary.lastDlError())
        }
        return address
    }

    /// Resolves a symbol that older libraries may not export.
    func optionalFunction<F>(_ name: String, as type: F.Type) -> F? {
        _ = dlerror()
        guard let address = dlsym(handle, name) else { return nil }
        return unsafeBitCast(address, to: type)
    }

    private static func lastDlError() -> String {
        guard let message = dlerror() else { return "unknown dynamic loader error" }
        return String(cString: message)
    }
}
