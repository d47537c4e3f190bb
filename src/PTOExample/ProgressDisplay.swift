import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// A live "done/total" line for runs (or comparisons) longer than a second: rewritten in place
/// on a terminal, a plain line every few seconds otherwise. Polls on its own
/// thread while the launch blocks the caller.
final class ProgressDisplay: @unchecked Sendable {
    private let label: String
    private let poll: @Sendable () -> (done: Int, total: Int)?
    private let lock = NSLock()
    private var stopped = false
    private var drewLine = false
    private let finished = DispatchSemaphore(value: 0)
    private let interactive = isatty(2) != 0

    static let quietPeriod: TimeInterval = 1.0
    static let plainInterval: TimeInterval = 5.0

    private let unit: String

    init(label: String, unit: String = "tasks", poll: @escaping @Sendable () -> (done: Int, total: Int)?) {
        self.label = label
        self.unit = unit
        self.poll = poll
        let thread = Thread { [self] in self.loop() }
        thread.start()
    }

    private var isStopped: Bool {
        lock.lock()
        defer { lock.unlock() }
        return stopped
    }

    private func loop() {
        let start = Date()
        var lastPlain = start
        while !isStopped {
            Thread.sleep(forTimeInterval: 0.1)
            let elapsed = Date().timeIntervalSince(start)
            guard elapsed >= ProgressDisplay.quietPeriod, !isStopped, let p = poll() else { continue }
            let text = String(format: "%@: %d/%d %@, %.1f s", label, p.done, p.total, unit, elapsed)
            if interactive {
                FileHandle.standardError.write(Data(("\r\u{1B}[K" + text).utf8))
                lock.lock()
                drewLine = true
                lock.unlock()
            } else if Date().timeIntervalSince(lastPlain) >= ProgressDisplay.plainInterval
                || lastPlain == start
            {
                FileHandle.standardError.write(Data(("pto-run: " + text + "\n").utf8))
                lastPlain = Date()
            }
        }
        finished.signal()
    }

    /// Stops polling and clears the line it drew.
    func stop() {
        lock.lock()
        stopped = true
        lock.unlock()
        finished.wait()
        if drewLine { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
    }
}
