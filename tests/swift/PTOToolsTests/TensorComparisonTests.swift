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
        XCTAssertEqual(c.report[0], "out: 2 of 6 elements differ")
        XCTAssertEqual(c.report[1], "  out[0, 1]: actual 9.0, expected 2.0")
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
        XCTAssertEqual(c.firstMismatches.first?.actual, -2)
        let ints = NpyArray(
            elementType: .int32, shape: [3], data: [Int32(1), 2, 3].withUnsafeBytes { Array($0) })
        XCTAssertTrue(
            TensorComparison.compare(name: "i", actual: ints, expected: ints, rtol: 0, atol: 0).passed)
    }
}
