import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// What the orchestration prints on stdout and stderr while it runs (on the
/// runner's thread, in the runner's process), held back and then written out
/// as whole lines: a printf without a newline would otherwise run into the
/// runner's next PASS/FAIL line.
/// An orchestration that calls exit() ends the process inside `body`: an
/// exit handler writes out what was held (its last lines, and the runtime's
/// line naming it), which would otherwise go with the temporary files.
enum OrchestrationOutput {
    static func capturing<T, E: Error>(_ body: () throws(E) -> T) throws(E) -> T {
        fflush(nil)
        registerExitHandler
        let out = HeldStream(fd: 1)
        let err = HeldStream(fd: 2)
        held = [out, err]
        defer {
            fflush(nil)
            held = []
            out.release()
            err.release()
        }
        return try body()
    }

    /// The streams held now. Set and cleared on the runner's thread; read by
    /// the exit handler, which runs on whichever thread called exit() (the
    /// runner's, for an orchestration of host_build_graph).
    nonisolated(unsafe) private static var held: [HeldStream] = []

    /// Held streams mean the orchestration is running: an exit() from it
    /// (or from a thread of it) is not the runner's. Its status stays unless
    /// it would read as success (exit(0), exit(256)): the run did not finish,
    /// so the runner ends with 1, saying so.
    private static let registerExitHandler: Void = {
        on_exit(
            { status, _ in
                fflush(nil)
                let streams = OrchestrationOutput.held
                OrchestrationOutput.held = []
                for stream in streams { stream.release() }
                guard !streams.isEmpty, status & 0xff == 0 else { return }
                let line =
                    "pto-run: the orchestration ended the process with exit(\(status)) before its case "
                    + "finished; exiting with 1\n"
                _ = line.withCString { write(2, $0, strlen($0)) }
                _exit(1)
            }, nil)
    }()
}

/// One descriptor redirected into an unlinked temporary file, then restored
/// and what was written copied out, ending in a newline.
private final class HeldStream {
    private let fd: Int32
    private var file: UnsafeMutablePointer<FILE>?
    private var saved: Int32 = -1

    init(fd: Int32) {
        self.fd = fd
        guard let file = tmpfile() else { return }  // unlinked already
        let saved = dup(fd)
        guard saved >= 0, dup2(fileno(file), fd) >= 0 else {
            if saved >= 0 { close(saved) }
            fclose(file)
            return
        }
        self.file = file
        self.saved = saved
    }

    func release() {
        guard let file else { return }
        dup2(saved, fd)
        close(saved)
        let size = lseek(fileno(file), 0, SEEK_END)
        if size > 0 {
            lseek(fileno(file), 0, SEEK_SET)
            var text = FileHandle(fileDescriptor: fileno(file), closeOnDealloc: false).readDataToEndOfFile()
            if text.last != UInt8(ascii: "\n") { text.append(UInt8(ascii: "\n")) }
            FileHandle(fileDescriptor: fd, closeOnDealloc: false).write(text)
        }
        fclose(file)
        self.file = nil
    }
}
