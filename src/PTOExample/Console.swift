import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// Unbuffered output, so the runner's lines interleave correctly with what
/// the runtime and child processes write to the same streams. What the
/// orchestration printed (through C stdio, buffered when stdout is a pipe)
/// is flushed first, so it comes out before the line that follows it, never
/// inside or after the runner's result lines.
public enum Console {
    public static func out(_ line: String) {
        fflush(nil)
        FileHandle.standardOutput.write(Data((line + "\n").utf8))
    }

    public static func error(_ line: String) {
        fflush(nil)
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }
}
