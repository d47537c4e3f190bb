/// numpy.allclose semantics: |actual - expected| <= atol + rtol * |expected|,
/// NaN never equal, equal infinities equal.
public struct TensorComparison: Sendable {
    public struct Mismatch: Sendable, Equatable {
        public var index: [Int]
        public var actual: Double
        public var expected: Double
    }

    public var name: String
    public var elementCount: Int
    public var mismatchCount: Int
    /// The first few mismatches, in element order.
    public var firstMismatches: [Mismatch]
    public var shapeProblem: String?

    public var passed: Bool { shapeProblem == nil && mismatchCount == 0 }

    public static let reportedMismatches = 5

    public static func compare(
        name: String, actual: NpyArray, expected: NpyArray, rtol: Double, atol: Double
    ) -> TensorComparison {
        var result = TensorComparison(
            name: name, elementCount: expected.elementCount,
            mismatchCount: 0, firstMismatches: [], shapeProblem: nil)
        guard actual.shape == expected.shape, actual.elementType == expected.elementType,
            actual.data.count == expected.data.count
        else {
            result.shapeProblem =
                "got \(actual.elementType) \(actual.shape), expected \(expected.elementType) \(expected.shape)"
            return result
        }
        let type = expected.elementType
        actual.data.withUnsafeBytes { a in
            expected.data.withUnsafeBytes { e in
                for i in 0..<expected.elementCount {
                    let x = type.value(in: a, at: i)
                    let y = type.value(in: e, at: i)
                    if close(x, y, rtol: rtol, atol: atol) { continue }
                    result.mismatchCount += 1
                    if result.firstMismatches.count < reportedMismatches {
                        result.firstMismatches.append(
                            Mismatch(index: unravel(i, shape: expected.shape), actual: x, expected: y))
                    }
                }
            }
        }
        return result
    }

    static func close(_ x: Double, _ y: Double, rtol: Double, atol: Double) -> Bool {
        if x.isNaN || y.isNaN { return false }
        if x.isInfinite || y.isInfinite { return x == y }
        return abs(x - y) <= atol + rtol * abs(y)
    }

    static func unravel(_ flat: Int, shape: [Int]) -> [Int] {
        var rest = flat
        var index = [Int](repeating: 0, count: shape.count)
        for d in stride(from: shape.count - 1, through: 0, by: -1) where shape[d] > 0 {
            index[d] = rest % shape[d]
            rest /= shape[d]
        }
        return index
    }

    /// Lines for the user: a summary, then the first mismatching elements.
    public var report: [String] {
        if let problem = shapeProblem { return ["\(name): \(problem)"] }
        if passed { return [] }
        var lines = ["\(name): \(mismatchCount) of \(elementCount) elements differ"]
        for m in firstMismatches {
            let where_ = m.index.map(String.init).joined(separator: ", ")
            lines.append("  \(name)[\(where_)]: actual \(m.actual), expected \(m.expected)")
        }
        if mismatchCount > firstMismatches.count {
            lines.append("  ... \(mismatchCount - firstMismatches.count) more")
        }
        return lines
    }
}
