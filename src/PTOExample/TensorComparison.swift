/// What an output is compared with, from golden.py: RTOL, ATOL, EQUAL_NAN.
public struct Tolerance: Sendable, Equatable {
    public var rtol: Double
    public var atol: Double
    /// A NaN in the output matches a NaN expected there (numpy.allclose's
    /// equal_nan); off by default, as in numpy.
    public var equalNaN: Bool

    public init(rtol: Double, atol: Double, equalNaN: Bool = false) {
        self.rtol = rtol
        self.atol = atol
        self.equalNaN = equalNaN
    }
}

/// Floating-point outputs: numpy.allclose semantics, |actual - expected| <=
/// atol + rtol * |expected|, equal infinities equal, NaN equal to NaN only
/// with EQUAL_NAN. Integer and boolean outputs: exactly equal, whatever the
/// tolerances (through Double, an off-by-one at 2^53 would pass).
public struct TensorComparison: Sendable {
    public struct Mismatch: Sendable, Equatable {
        public var index: [Int]
        /// The values as the element type prints them (integers exactly).
        public var actual: String
        public var expected: String
    }

    /// The element where the absolute or relative error is largest.
    public struct Extreme: Sendable, Equatable {
        public var error: Double
        public var index: [Int]
    }

    public var name: String
    public var elementType: ElementType
    public var shape: [Int]
    public var elementCount: Int
    public var mismatchCount: Int
    /// The first few mismatches, in element order.
    public var firstMismatches: [Mismatch]
    public var shapeProblem: String?
    public var tolerance: Tolerance
    /// Over every element with finite values on both sides (floating types).
    public var largestAbsolute: Extreme?
    public var largestRelative: Extreme?
    /// Elements where both sides are NaN: they count as mismatches unless
    /// EQUAL_NAN is set, and the report says so.
    public var bothNaNCount: Int
    /// Set by the runner when the orchestration did not record the whole
    /// output for copy-back: the likeliest cause of the mismatch, said first.
    public var copyBackNote: String? = nil
    /// How a user makes NaN match NaN where this comparison was made.
    public var equalNaNSetting = "golden.py sets EQUAL_NAN = True"

    public var passed: Bool { shapeProblem == nil && mismatchCount == 0 }

    public static let reportedMismatches = 5
    /// Elements compared between two calls of `progress`.
    public static let progressStep = 1 << 22

    public static func compare(
        name: String, actual: NpyArray, expected: NpyArray, rtol: Double, atol: Double
    ) -> TensorComparison {
        compare(
            name: name, actual: actual, expected: expected,
            tolerance: Tolerance(rtol: rtol, atol: atol))
    }

    /// `progress` is called with the number of elements compared so far,
    /// every `progressStep` elements (a 1 GiB output takes a while).
    public static func compare(
        name: String, actual: NpyArray, expected: NpyArray, tolerance: Tolerance,
        progress: ((Int) -> Void)? = nil
    ) -> TensorComparison {
        var result = TensorComparison(
            name: name, elementType: expected.elementType, shape: expected.shape,
            elementCount: expected.elementCount,
            mismatchCount: 0, firstMismatches: [], shapeProblem: nil, tolerance: tolerance,
            largestAbsolute: nil, largestRelative: nil, bothNaNCount: 0)
        guard actual.shape == expected.shape, actual.elementType == expected.elementType,
            actual.data.count == expected.data.count,
            expected.data.count == expected.elementCount * expected.elementType.byteSize
        else {
            result.shapeProblem =
                "got \(actual.elementType) \(actual.shape), expected \(expected.elementType) \(expected.shape)"
            return result
        }
        actual.data.withUnsafeBytes { a in
            expected.data.withUnsafeBytes { e in
                switch expected.elementType {
                case .float16: result.compareFloats(a, e, as: Float16.self, progress)
                case .float32: result.compareFloats(a, e, as: Float.self, progress)
                case .float64: result.compareFloats(a, e, as: Double.self, progress)
                case .int8: result.compareExactly(a, e, as: Int8.self, progress)
                case .int16: result.compareExactly(a, e, as: Int16.self, progress)
                case .int32: result.compareExactly(a, e, as: Int32.self, progress)
                case .int64: result.compareExactly(a, e, as: Int64.self, progress)
                case .uint8: result.compareExactly(a, e, as: UInt8.self, progress)
                case .uint16: result.compareExactly(a, e, as: UInt16.self, progress)
                case .uint32: result.compareExactly(a, e, as: UInt32.self, progress)
                case .uint64: result.compareExactly(a, e, as: UInt64.self, progress)
                case .bool: result.compareBooleans(a, e, progress)
                case .bfloat16:
                    // Widened to float32 (exact): the same loop, one copy each.
                    let wide = { (raw: UnsafeRawBufferPointer) in
                        (0..<expected.elementCount).map { ElementType.bfloat16Value(raw, at: $0 * 2) }
                    }
                    let (wa, we) = (wide(a), wide(e))
                    wa.withUnsafeBytes { a32 in
                        we.withUnsafeBytes { e32 in result.compareFloats(a32, e32, as: Float.self, progress) }
                    }
                }
            }
        }
        return result
    }

    /// The allclose test for one pair of values.
    static func close(_ x: Double, _ y: Double, rtol: Double, atol: Double, equalNaN: Bool = false) -> Bool {
        if x.isNaN || y.isNaN { return equalNaN && x.isNaN && y.isNaN }
        if x.isInfinite || y.isInfinite { return x == y }
        return abs(x - y) <= atol + rtol * abs(y)
    }

    // The loops below run over every element of outputs up to gigabytes:
    // typed, specialised per element type, no per-element allocation.

    private mutating func compareFloats<T: BinaryFloatingPoint>(
        _ a: UnsafeRawBufferPointer, _ e: UnsafeRawBufferPointer, as _: T.Type,
        _ progress: ((Int) -> Void)?
    ) {
        let count = elementCount
        let rtol = tolerance.rtol, atol = tolerance.atol, equalNaN = tolerance.equalNaN
        var largestAbs = -1.0, largestAbsAt = -1, largestRel = -1.0, largestRelAt = -1
        var start = 0
        while start < count {
            let end = min(count, start + Self.progressStep)
            for i in start..<end {
                let x = Double(a.loadUnaligned(fromByteOffset: i * MemoryLayout<T>.size, as: T.self))
                let y = Double(e.loadUnaligned(fromByteOffset: i * MemoryLayout<T>.size, as: T.self))
                let difference = abs(x - y)
                if difference.isFinite {
                    if difference > largestAbs {
                        largestAbs = difference
                        largestAbsAt = i
                    }
                    let relative = y == 0 ? (difference == 0 ? 0 : Double.infinity) : difference / abs(y)
                    if relative > largestRel {
                        largestRel = relative
                        largestRelAt = i
                    }
                    if difference <= atol + rtol * abs(y) { continue }
                } else if x.isNaN && y.isNaN {
                    bothNaNCount += 1
                    if equalNaN { continue }
                } else if x == y {
                    continue  // the same infinity
                }
                note(i, actual: "\(x)", expected: "\(y)")
            }
            start = end
            if count > Self.progressStep { progress?(start) }
        }
        if largestAbsAt >= 0 { largestAbsolute = Extreme(error: largestAbs, index: unravel(largestAbsAt)) }
        if largestRelAt >= 0 { largestRelative = Extreme(error: largestRel, index: unravel(largestRelAt)) }
    }

    private mutating func compareExactly<T: FixedWidthInteger>(
        _ a: UnsafeRawBufferPointer, _ e: UnsafeRawBufferPointer, as _: T.Type,
        _ progress: ((Int) -> Void)?
    ) {
        let count = elementCount
        var start = 0
        while start < count {
            let end = min(count, start + Self.progressStep)
            for i in start..<end {
                let x = a.loadUnaligned(fromByteOffset: i * MemoryLayout<T>.size, as: T.self)
                let y = e.loadUnaligned(fromByteOffset: i * MemoryLayout<T>.size, as: T.self)
                if x != y { note(i, actual: "\(x)", expected: "\(y)") }
            }
            start = end
            if count > Self.progressStep { progress?(start) }
        }
    }

    private mutating func compareBooleans(
        _ a: UnsafeRawBufferPointer, _ e: UnsafeRawBufferPointer, _ progress: ((Int) -> Void)?
    ) {
        for i in 0..<elementCount where (a[i] != 0) != (e[i] != 0) {
            note(i, actual: a[i] != 0 ? "True" : "False", expected: e[i] != 0 ? "True" : "False")
        }
        if elementCount > Self.progressStep { progress?(elementCount) }
    }

    private mutating func note(_ flat: Int, actual: String, expected: String) {
        mismatchCount += 1
        if firstMismatches.count < Self.reportedMismatches {
            firstMismatches.append(Mismatch(index: unravel(flat), actual: actual, expected: expected))
        }
    }

    private func unravel(_ flat: Int) -> [Int] { Self.unravel(flat, shape: shape) }

    static func unravel(_ flat: Int, shape: [Int]) -> [Int] {
        var rest = flat
        var index = [Int](repeating: 0, count: shape.count)
        for d in stride(from: shape.count - 1, through: 0, by: -1) where shape[d] > 0 {
            index[d] = rest % shape[d]
            rest /= shape[d]
        }
        return index
    }

    /// Lines for the user: a summary with the rule in force, the largest
    /// errors and where, then the first mismatching elements.
    public var report: [String] {
        if let problem = shapeProblem { return ["\(name): \(problem)"] }
        if passed { return [] }
        return (copyBackNote.map { [$0] } ?? []) + differences
    }

    private var differences: [String] {
        var lines: [String]
        if elementType.isFloatingPoint {
            let rule =
                "rtol \(tolerance.rtol), atol \(tolerance.atol): |actual - expected| <= atol + rtol * |expected|"
            lines = ["\(name): \(mismatchCount) of \(elementCount) elements differ (\(rule))"]
            var largest: [String] = []
            // Only where some finite element differs (NaN or infinity alone
            // would point at an element that matches).
            if let worst = largestAbsolute, worst.error > 0 {
                largest.append("absolute error \(worst.error) at \(Self.text(worst.index))")
            }
            if let worst = largestRelative, worst.error > 0 {
                largest.append("relative error \(worst.error) at \(Self.text(worst.index))")
            }
            if !largest.isEmpty { lines.append("  largest " + largest.joined(separator: ", largest ")) }
        } else {
            lines = ["\(name): \(mismatchCount) of \(elementCount) elements differ (\(elementType) compares exactly)"]
        }
        for m in firstMismatches {
            lines.append("  \(name)\(Self.text(m.index)): actual \(m.actual), expected \(m.expected)")
        }
        if mismatchCount > firstMismatches.count {
            lines.append("  ... \(mismatchCount - firstMismatches.count) more")
        }
        if bothNaNCount > 0 && !tolerance.equalNaN {
            lines.append(
                "  \(bothNaNCount) element(s) are NaN in both; NaN never equals NaN unless \(equalNaNSetting)"
            )
        }
        return lines
    }

    static func text(_ index: [Int]) -> String { "[" + index.map(String.init).joined(separator: ", ") + "]" }
}
