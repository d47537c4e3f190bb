import Foundation

/// Unbuffered output, so the runner's lines interleave correctly with what
/// the runtime and child processes write to the same streams.
public enum Console {
    public static func out(_ line: String) {
        FileHandle.standardOutput.write(Data((line + "\n").utf8))
    }

    public static func error(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }
}
