import Dispatch
import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// What the runner must undo however it ends: helper programs still running
/// (make, Python: each in a process group of its own, so a Ctrl-C at the
/// terminal does not reach them) and its scratch folders. On SIGINT, SIGTERM
/// or SIGHUP the helpers' process groups are ended and the folders removed,
/// then the runner ends by the same signal, as it would have without this.
public enum RunnerCleanup {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var children: Set<pid_t> = []
    nonisolated(unsafe) private static var folders: Set<String> = []
    nonisolated(unsafe) private static var sources: [DispatchSourceSignal] = []
    nonisolated(unsafe) private static var ending = false
    private static let queue = DispatchQueue(label: "pto-run.signals")

    /// Once per process, before any helper starts.
    public static func installSignalHandlers() {
        lock.lock()
        defer { lock.unlock() }
        guard sources.isEmpty else { return }
        for number in [SIGINT, SIGTERM, SIGHUP] {
            signal(number, SIG_IGN)  // the dispatch source receives it instead
            let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
            source.setEventHandler { endBySignal(number) }
            source.resume()
            sources.append(source)
        }
    }

    /// A helper the signal handler ended must not look, to the thread that
    /// waited for it, like a helper that failed: that thread waits here
    /// (bounded) for the handler to end the process by the signal.
    static func holdIfEnding() {
        let until = Date().addingTimeInterval(30)
        while Date() < until {
            lock.lock()
            let now = ending
            lock.unlock()
            if !now { return }
            usleep(50_000)
        }
    }

    static func started(child pid: pid_t) { update { children.insert(pid) } }
    static func ended(child pid: pid_t) { update { children.remove(pid) } }
    static func made(folder: String) { update { folders.insert(folder) } }
    static func removed(folder: String) { update { folders.remove(folder) } }

    private static func update(_ change: () -> Void) {
        lock.lock()
        change()
        lock.unlock()
    }

    private static func endBySignal(_ number: Int32) {
        lock.lock()
        ending = true
        let helpers = children
        let scratch = folders
        lock.unlock()
        for pid in helpers {
            kill(-pid, SIGTERM)  // the helper's whole group: make's compilers too
            kill(pid, SIGTERM)
        }
        // A helper that ignores SIGTERM gets a second (bounded) and then SIGKILL.
        let deadline = Date().addingTimeInterval(1)
        while Date() < deadline, helpers.contains(where: { kill($0, 0) == 0 }) { usleep(20_000) }
        for pid in helpers {
            kill(-pid, SIGKILL)
            kill(pid, SIGKILL)
        }
        for folder in scratch { try? FileManager.default.removeItem(atPath: folder) }
        signal(number, SIG_DFL)
        kill(getpid(), number)
    }
}
