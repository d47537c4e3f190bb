import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// What the orchestration prints on stdout while it runs (on the runner's
/// thread, in the runner's process), held back and then written out as whole
/// lines: a printf without a newline would otherwise run into the runner's
/// next PASS/FAIL line.
enum OrchestrationOutput {
    static func capturing<T, E: Error>(_ body: () throws(E) -> T) throws(E) -> T {
        fflush(nil)
        guard let file = tmpfile() else { return try body() }  // unlinked already
        defer { fclose(file) }
        let saved = dup(1)
        guard saved >= 0, dup2(fileno(file), 1) >= 0 else {
            if saved >= 0 { close(saved) }
            return try body()
        }
        defer {
            fflush(nil)
            dup2(saved, 1)
            close(saved)
            var text = Data()
            let size = lseek(fileno(file), 0, SEEK_END)
            if size > 0 {
                lseek(fileno(file), 0, SEEK_SET)
                text = FileHandle(fileDescriptor: fileno(file), closeOnDealloc: false).readDataToEndOfFile()
                if text.last != UInt8(ascii: "\n") { text.append(UInt8(ascii: "\n")) }
                FileHandle.standardOutput.write(text)
            }
        }
        return try body()
    }
}
