import XCTest

@testable import PTOExample

final class TensorComparisonTests: XCTestCase {
    private func floats(_ values: [Float], shape: [Int]) -> NpyArray {
        NpyArray(elementType: .float32, shape: shape, data: values.withUnsafeBytes { Array($0) })
    }

    func testEqualWithinTolerancePasses() {
        let a = floats([1, 2, 3, 4], shape: [2, 2])
        let b = floats([1, 2.000001, 3, 4], shape: [2, 2])
        let c = TensorComparison.compare(name: "f", actual: a, expected: b, rtol: 1e-5, atol: 1e-5)
        XCTAssertTrue(c.passed)
        XCTAssertEqual(c.report, [])
    }

    func testMismatchReportNamesTensorCountAndIndices() {
        let a = floats([1, 9, 3, 7, 5, 6], shape: [2, 3])
        let b = floats([1, 2, 3, 4, 5, 6], shape: [2, 3])
        let c = TensorComparison.compare(name: "out", actual: a, expected: b, rtol: 1e-5, atol: 1e-5)
        XCTAssertFalse(c.passed)
        XCTAssertEqual(c.mismatchCount, 2)
        XCTAssertEqual(c.firstMismatches.map(\.index), [[0, 1], [1, 0]])
        XCTAssertEqual(
            c.report[0],
            "out: 2 of 6 elements differ (rtol 1e-05, atol 1e-05: |actual - expected| <= atol + rtol * |expected|)")
        XCTAssertEqual(c.report[1], "  largest absolute error 7.0 at [0, 1], largest relative error 3.5 at [0, 1]")
        XCTAssertEqual(c.report[2], "  out[0, 1]: actual 9.0, expected 2.0")
    }

    func testAllcloseSemantics() {
        XCTAssertTrue(TensorComparison.close(100.0, 100.5, rtol: 0.01, atol: 0))
        XCTAssertFalse(TensorComparison.close(100.0, 102, rtol: 0.01, atol: 0))
        XCTAssertFalse(TensorComparison.close(.nan, .nan, rtol: 1, atol: 1))
        XCTAssertTrue(TensorComparison.close(.infinity, .infinity, rtol: 0, atol: 0))
        XCTAssertFalse(TensorComparison.close(.infinity, -.infinity, rtol: 1, atol: 1))
        XCTAssertFalse(TensorComparison.close(1e300, .infinity, rtol: 1, atol: 1))
    }

    func testReportIsCappedAndCountsTheRest() {
        let a = floats(Array(repeating: 1, count: 20), shape: [20])
        let b = floats(Array(repeating: 0, count: 20), shape: [20])
        let c = TensorComparison.compare(name: "x", actual: a, expected: b, rtol: 0, atol: 0)
        XCTAssertEqual(c.firstMismatches.count, TensorComparison.reportedMismatches)
        XCTAssertEqual(c.report.last, "  ... 15 more")
    }

    func testShapeAndTypeDifferencesAreReported() {
        let a = floats([1, 2], shape: [2])
        let b = floats([1, 2], shape: [1, 2])
        let c = TensorComparison.compare(name: "y", actual: a, expected: b, rtol: 0, atol: 0)
        XCTAssertFalse(c.passed)
        XCTAssertTrue(c.report[0].contains("expected"))
    }

    func testFloat16AndIntegerElements() {
        let half = NpyArray(
            elementType: .float16, shape: [2],
            data: [Float16(1.5), Float16(-2)].withUnsafeBytes { Array($0) })
        let other = NpyArray(
            elementType: .float16, shape: [2],
            data: [Float16(1.5), Float16(-2.5)].withUnsafeBytes { Array($0) })
        let c = TensorComparison.compare(name: "h", actual: half, expected: other, rtol: 0, atol: 0.1)
        XCTAssertEqual(c.mismatchCount, 1)
        XCTAssertEqual(c.firstMismatches.first?.actual, "-2.0")
        let ints = NpyArray(
            elementType: .int32, shape: [3], data: [Int32(1), 2, 3].withUnsafeBytes { Array($0) })
        XCTAssertTrue(
            TensorComparison.compare(name: "i", actual: ints, expected: ints, rtol: 0, atol: 0).passed)
    }

    private func int64s(_ values: [Int64]) -> NpyArray {
        NpyArray(elementType: .int64, shape: [values.count], data: values.withUnsafeBytes { Array($0) })
    }

    /// Through Double, 2^53 + 1 and 2^53 are the same number: integers must
    /// compare exactly, whatever the tolerances.
    func testIntegersCompareExactlyPastDoublePrecision() {
        let big: Int64 = 1 << 53
        let c = TensorComparison.compare(
            name: "n", actual: int64s([big + 1, 5]), expected: int64s([big, 5]),
            tolerance: Tolerance(rtol: 0.5, atol: 10))
        XCTAssertEqual(c.mismatchCount, 1)
        XCTAssertEqual(c.report[0], "n: 1 of 2 elements differ (int64 compares exactly)")
        XCTAssertEqual(c.report[1], "  n[0]: actual 9007199254740993, expected 9007199254740992")
        let u = NpyArray(elementType: .uint64, shape: [1], data: [UInt64.max].withUnsafeBytes { Array($0) })
        let v = NpyArray(elementType: .uint64, shape: [1], data: [UInt64.max - 1].withUnsafeBytes { Array($0) })
        XCTAssertFalse(TensorComparison.compare(name: "u", actual: u, expected: v, rtol: 1, atol: 1).passed)
        let t = NpyArray(elementType: .bool, shape: [2], data: [1, 0])
        let f = NpyArray(elementType: .bool, shape: [2], data: [2, 0])
        XCTAssertTrue(TensorComparison.compare(name: "b", actual: t, expected: f, rtol: 0, atol: 0).passed)
    }

    /// NaN follows numpy.allclose: never equal, unless golden.py sets
    /// EQUAL_NAN = True; the report says which elements were NaN on both sides.
    func testNaNMatchesNaNOnlyWithEqualNaN() {
        let a = floats([.nan, 1, .nan], shape: [3])
        let b = floats([.nan, 1, 2], shape: [3])
        let strict = TensorComparison.compare(name: "x", actual: a, expected: b, tolerance: Tolerance(rtol: 0, atol: 0))
        XCTAssertEqual(strict.mismatchCount, 2)
        // No "largest error" line: every finite element matches.
        XCTAssertEqual(strict.report[1], "  x[0]: actual nan, expected nan")
        XCTAssertEqual(
            strict.report.last,
            "  1 element(s) are NaN in both; NaN never equals NaN unless golden.py sets EQUAL_NAN = True")
        let lenient = TensorComparison.compare(
            name: "x", actual: a, expected: b, tolerance: Tolerance(rtol: 0, atol: 0, equalNaN: true))
        XCTAssertEqual(lenient.mismatchCount, 1)
        XCTAssertEqual(lenient.firstMismatches.first?.index, [2])
        XCTAssertFalse(lenient.report.contains { $0.contains("EQUAL_NAN") })
    }

    /// Progress is reported in steps while a large output is compared.
    func testLargeComparisonsReportProgress() {
        let count = TensorComparison.progressStep * 2 + 5
        let a = floats(Array(repeating: 1, count: count), shape: [count])
        var seen: [Int] = []
        let c = TensorComparison.compare(
            name: "big", actual: a, expected: a, tolerance: Tolerance(rtol: 0, atol: 0), progress: { seen.append($0) })
        XCTAssertTrue(c.passed)
        XCTAssertEqual(seen, [TensorComparison.progressStep, TensorComparison.progressStep * 2, count])
    }
}
