import XCTest

@testable import PTORuntime

final class HostRuntimeBindingTests: XCTestCase {
    func testMissingLibraryCarriesDlerror() {
        XCTAssertThrowsError(try HostRuntime(path: "/nonexistent/libpto_host.so")) { error in
            guard case .libraryNotLoaded(let path, let reason) = error as? HostRuntimeError else {
                return XCTFail("unexpected \(error)")
            }
            XCTAssertEqual(path, "/nonexistent/libpto_host.so")
            XCTAssertTrue(reason.contains("No such file"), reason)
        }
    }

    func testLibraryWithoutTheCApiIsRejectedBySymbol() {
        // The AICPU scheduler library is a valid shared object without the host API.
        let path = Project.runtimeDir + "/libpto_aicpu.so"
        XCTAssertThrowsError(try HostRuntime(path: path)) { error in
            guard case .symbolNotFound(_, let symbol, _) = error as? HostRuntimeError else {
                return XCTFail("unexpected \(error)")
            }
            XCTAssertEqual(symbol, "get_runtime_size")
            XCTAssertTrue("\(error)".contains("does not export get_runtime_size"))
        }
    }

    func testCallFailuresCarryCodeNameAndMessage() throws {
        let runtime = try HostRuntime(path: Project.runtimeDir + "/libpto_host.so")
        XCTAssertGreaterThan(runtime.runtimeSize, 0)
        let memory = try RuntimeMemory(for: runtime)
        XCTAssertThrowsError(
            try runtime.launch(
                memory, aicpuThreads: 1, blockDim: 1, device: 0, aicpuBinary: [1],
                aicoreBinary: [1])
        ) { error in
            XCTAssertEqual(
                error as? HostRuntimeError,
                .callFailed(
                    function: "launch_runtime", code: -11, status: "PTO_ERR_NOT_INITIALIZED",
                    message: "launch_runtime: call init_runtime first"))
        }
        XCTAssertThrowsError(
            try runtime.launch(
                memory, aicpuThreads: 3, blockDim: 2, device: 0, aicpuBinary: [1],
                aicoreBinary: [1])
        ) { error in
            XCTAssertTrue("\(error)".contains("PTO_ERR_BAD_LAUNCH_CONFIG"), "\(error)")
            XCTAssertTrue("\(error)".contains("block_dim 2 gives 2 cluster(s), fewer than the 3 scheduler threads"), "\(error)")
        }
        XCTAssertThrowsError(try runtime.finalize(memory)) { error in
            XCTAssertTrue("\(error)".contains("PTO_ERR_NOT_INITIALIZED"), "\(error)")
            XCTAssertTrue("\(error)".contains("not initialised"), "\(error)")
        }
        XCTAssertThrowsError(try runtime.registerKernel(funcId: 4, binary: [0, 1, 2])) { error in
            XCTAssertTrue("\(error)".contains("register_kernel(func_id 4)"), "\(error)")
            XCTAssertTrue("\(error)".contains("PTO_ERR_LOAD_BINARY"), "\(error)")
        }
        XCTAssertThrowsError(try runtime.setDevice(-1)) { error in
            XCTAssertTrue("\(error)".contains("device id -1"), "\(error)")
        }
        XCTAssertThrowsError(try runtime.setRunTimeout(seconds: -3)) { error in
            XCTAssertTrue("\(error)".contains("pto_set_run_timeout"), "\(error)")
        }
    }
}
