import ArgumentParser
import PTORuntime

/// pto-run's --ring-* options: one value for every ring, or four
/// comma-separated (one per ring), sizes with K/M/G suffixes. Read here for
/// their form; the runtime checks their ranges (pto_set_ring_sizes) and
/// names the field it refuses.
struct RingSizeOptions {
    var taskWindow: String?
    var heap: String?
    var depPool: String?

    /// The sizes to set, or nil when no option was given.
    func sizes() throws(ValidationError) -> RingSizes? {
        if taskWindow == nil && heap == nil && depPool == nil { return nil }
        var sizes = RingSizes()
        if let taskWindow {
            sizes.taskWindow = try Self.fourValues(taskWindow, option: "--ring-task-window", suffixes: false)
                .map { UInt32(clamping: $0) }
        }
        if let depPool {
            sizes.depPool = try Self.fourValues(depPool, option: "--ring-dep-pool", suffixes: false)
                .map { UInt32(clamping: $0) }
        }
        if let heap {
            sizes.heapBytes = try Self.fourValues(heap, option: "--ring-heap", suffixes: true)
        }
        return sizes
    }

    /// "N" (every ring) or "N,N,N,N", each a whole number greater than 0,
    /// with K, M or G after it when `suffixes`.
    static func fourValues(_ text: String, option: String, suffixes: Bool) throws(ValidationError) -> [UInt64] {
        let parts = text.split(separator: ",", omittingEmptySubsequences: false)
        guard parts.count == 1 || parts.count == 4 else {
            throw ValidationError("\(option) \(text): give one value, or four separated by commas (one per ring)")
        }
        var values: [UInt64] = []
        for part in parts {
            var digits = Substring(part)
            var shift: UInt64 = 0
            if suffixes, let last = digits.last, let s = ["K": 10, "M": 20, "G": 30][last.uppercased()] {
                shift = UInt64(s)
                digits = digits.dropLast()
            }
            guard !digits.isEmpty, digits.allSatisfy(\.isASCII), digits.allSatisfy(\.isNumber),
                let value = UInt64(digits), value > 0, value <= (UInt64.max >> shift)
            else {
                throw ValidationError(
                    "\(option) \(text): '\(part)' is not a whole number above 0\(suffixes ? " (K, M, G allowed)" : "")")
            }
            values.append(value << shift)
        }
        return values.count == 1 ? Array(repeating: values[0], count: 4) : values
    }
}
