import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// An exclusive flock(2) on a file, held until released or deinitialised:
/// the same lock `make run` takes with flock(1) around its build step.
final class BuildLock {
    private var fd: Int32

    init(path: String) throws(RunnerError) {
        let dir = (path as NSString).deletingLastPathComponent
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw .readFile(path: path, reason: "cannot open the build lock (errno \(errno))")
        }
        while flock(fd, LOCK_EX) != 0 {
            if errno != EINTR {
                close(fd)
                throw .readFile(path: path, reason: "cannot take the build lock (errno \(errno))")
            }
        }
    }

    func release() {
        guard fd >= 0 else { return }
        flock(fd, LOCK_UN)
        close(fd)
        fd = -1
    }

    deinit { release() }
}
