import XCTest

@testable import PTOExample

final class NpyArrayTests: XCTestCase {
    private func npy(header: String, payload: [UInt8], version: UInt8 = 1) -> [UInt8] {
        var text = header
        let fixed = version == 1 ? 10 : 12
        while (fixed + text.utf8.count + 1) % 64 != 0 { text += " " }
        text += "\n"
        var bytes: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, version, 0]
        let length = text.utf8.count
        if version == 1 {
            bytes += [UInt8(length & 0xFF), UInt8(length >> 8)]
        } else {
            bytes += [UInt8(length & 0xFF), UInt8((length >> 8) & 0xFF), 0, 0]
        }
        return bytes + Array(text.utf8) + payload
    }

    func testReadsFloat32Matrix() throws {
        let values: [Float] = [1, 2, 3, 4, 5, 6]
        let payload = values.withUnsafeBytes { Array($0) }
        let bytes = npy(
            header: "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", payload: payload)
        let array = try NpyArray(npyBytes: bytes, path: "m.npy")
        XCTAssertEqual(array.elementType, .float32)
        XCTAssertEqual(array.shape, [2, 3])
        XCTAssertEqual(array.elementCount, 6)
        XCTAssertEqual(array.data, payload)
    }

    func testReadsVersion2ScalarAndBool() throws {
        let scalar = try NpyArray(
            npyBytes: npy(
                header: "{'descr': '<f8', 'fortran_order': False, 'shape': (), }",
                payload: [0, 0, 0, 0, 0, 0, 0xF0, 0x3F], version: 2), path: "s.npy")
        XCTAssertEqual(scalar.shape, [])
        XCTAssertEqual(scalar.elementCount, 1)
        let flags = try NpyArray(
            npyBytes: npy(
                header: "{'descr': '|b1', 'fortran_order': False, 'shape': (3,), }",
                payload: [1, 0, 1]), path: "b.npy")
        XCTAssertEqual(flags.elementType, .bool)
        XCTAssertEqual(flags.shape, [3])
    }

    func testRejectsBadInput() {
        func message(_ bytes: [UInt8]) -> String {
            do {
                _ = try NpyArray(npyBytes: bytes, path: "bad.npy")
                return "accepted"
            } catch {
                return "\(error)"
            }
        }
        XCTAssertTrue(message([1, 2, 3]).contains("magic"))
        XCTAssertTrue(
            message(
                npy(
                    header: "{'descr': '<c8', 'fortran_order': False, 'shape': (1,), }",
                    payload: Array(repeating: 0, count: 8))
            ).contains("'<c8' is not supported"))
        XCTAssertTrue(
            message(
                npy(
                    header: "{'descr': '<f4', 'fortran_order': False, 'shape': (4,), }",
                    payload: [0, 0, 0, 0])
            ).contains("needs 16"))
        XCTAssertTrue(
            message(
                npy(
                    header: "{'descr': '<f4', 'fortran_order': True, 'shape': (1,), }",
                    payload: [0, 0, 0, 0])
            ).contains("Fortran"))
        XCTAssertTrue(
            message(
                npy(
                    header: "{'descr': '>f4', 'fortran_order': False, 'shape': (1,), }",
                    payload: [0, 0, 0, 0])
            ).contains("not supported"))
        var truncated = npy(header: "{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }", payload: [])
        truncated.removeLast(20)
        XCTAssertTrue(message(truncated).contains("truncated"))
    }

    func testMissingFileIsAReadError() {
        XCTAssertThrowsError(try NpyArray(contentsOf: "/nonexistent/x.npy")) { error in
            XCTAssertTrue("\(error)".contains("/nonexistent/x.npy"))
        }
    }
}
