import Foundation
import XCTest

/// `--kernel-load text`: kernels loaded the device's way on the simulator.
final class KernelLoadTextTests: XCTestCase {
    override func setUpWithError() throws {
        guard FileManager.default.isExecutableFile(atPath: Project.ptoRun) else {
            throw XCTSkip("build pto-run first (make build)")
        }
    }

    func testVectorExamplePassesWithRawText() throws {
        for (threads, blocks) in [("1", "1"), ("3", "3"), ("2", "4")] {
            let r = try runCommand(
                Project.ptoRun,
                [
                    "vector_example", "--kernel-load", "text", "--quiet",
                    "--aicpu-threads", threads, "--block-dim", blocks,
                ])
            XCTAssertEqual(r.status, 0, r.combined)
            XCTAssertTrue(r.stdout.contains("3 passed, 0 failed"), r.stdout)
        }
    }

    /// float16 kernels (bgemm's tile GEMM reads _Float16) load as raw .text:
    /// on an x86 CPU with F16C their conversions are its instructions, not
    /// libgcc calls through the PLT.
    func testFloat16KernelsPassWithRawText() throws {
        let cpu = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        #if arch(x86_64)
            guard cpu.contains(" f16c") else { throw XCTSkip("this x86 CPU has no F16C") }
        #endif
        let r = try runCommand(Project.ptoRun, ["bgemm", "--kernel-load", "text", "--quiet", "--case", "2"])
        XCTAssertEqual(r.status, 0, r.combined)
        XCTAssertTrue(r.stdout.hasSuffix("1 passed, 0 failed\n"), r.stdout)
    }

    func testKernelThatIsNotSelfContainedIsRefusedWithItsRelocation() throws {
        let r = try runCommand(Project.ptoRun, ["matmul_example", "--kernel-load", "text"])
        XCTAssertEqual(r.status, 2, r.combined)
        XCTAssertTrue(r.stderr.contains("kernel_log_sqrt.cpp cannot be loaded as raw .text"), r.stderr)
        XCTAssertTrue(r.stderr.contains("relocation R_X86_64_PLT32 at .text+0x"), r.stderr)
        XCTAssertTrue(r.stderr.contains("undefined symbol `logf`"), r.stderr)
        XCTAssertFalse(r.stdout.contains("PASS"), "nothing ran")
    }

    func testFaultInARawTextKernelMapsToItsLine() throws {
        let dir = try Project.copyExample("vector_example", as: "segv_text_kernel")
        let source = dir + "/kernels/aiv/kernel_mul.cpp"
        let statement = "volatile int* nowhere = nullptr; *nowhere = 7;"
        try replaceInFile(source, "int64_t n = args[3];", "int64_t n = args[3];\n    \(statement)")
        let line =
            (try String(contentsOfFile: source, encoding: .utf8).components(separatedBy: "\n")
                .firstIndex { $0.contains(statement) } ?? -1) + 1
        let r = try runCommand(Project.ptoRun, [dir, "--case", "0", "--kernel-load", "text"])
        XCTAssertEqual(r.status, 1, r.combined)
        XCTAssertTrue(r.stdout.contains("SIGSEGV"), r.stdout)
        XCTAssertTrue(r.stdout.contains("faulting instruction: \(source):\(line) in kernel_entry"), r.stdout)
    }

    func testUnknownLoadingModeIsRejected() throws {
        let r = try runCommand(Project.ptoRun, ["vector_example", "--kernel-load", "elf"])
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.stderr.contains("--kernel-load elf is not a loading mode; use so or text"), r.stderr)
    }
}
