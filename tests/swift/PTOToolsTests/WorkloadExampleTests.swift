import Foundation
import XCTest

/// The workload examples' build paths beyond plain C++: PTO-ISA kernels and
/// sim_source, and a wrong golden on a many-task example.
final class WorkloadExampleTests: XCTestCase {
    override func setUpWithError() throws {
        guard FileManager.default.isExecutableFile(atPath: Project.ptoRun) else {
            throw XCTSkip("build pto-run first (make build)")
        }
    }

    /// A stand-in PTO-ISA checkout whose header only compiles as C++23 with
    /// the simulator's defines, so a passing run proves how it was built.
    private func fakePtoIsaRoot() throws -> String {
        let root = Project.root + "/build/tests/fake-pto-isa"
        try FileManager.default.createDirectory(
            atPath: root + "/include/pto", withIntermediateDirectories: true)
        try """
        #pragma once
        #ifndef __CPU_SIM
        #error "PTO-ISA on the simulator needs __CPU_SIM"
        #endif
        #if PTO_CPU_MAX_THREADS != 1
        #error "PTO_CPU_MAX_THREADS must be 1"
        #endif
        namespace pto {
        struct Adder {
            float bias;
            float apply(this const Adder& self, float x) { return x + self.bias; }  // C++23
        };
        }  // namespace pto
        """.write(toFile: root + "/include/pto/pto-inst.hpp", atomically: true, encoding: .utf8)
        return root
    }

    private func makePtoKernel(in dir: String) throws {
        try replaceInFile(
            dir + "/kernels/aiv/kernel_add.cpp", "#include <cstdint>",
            "#include <cstdint>\n#include <pto/pto-inst.hpp>")
        try replaceInFile(
            dir + "/kernels/aiv/kernel_add.cpp", "out[i] = a[i] + b[i];",
            "out[i] = pto::Adder{b[i]}.apply(a[i]);")
    }

    func testPtoIsaKernelWithoutRootStopsNamingTheKernel() throws {
        let dir = try Project.copyExample("vector_example", as: "pto_no_root")
        try makePtoKernel(in: dir)
        let r = try runCommand(Project.ptoRun, [dir], environment: ["PTO_ISA_ROOT": ""])
        XCTAssertEqual(r.status, 2, r.combined)
        XCTAssertTrue(
            r.stderr.contains(
                "kernel \(dir)/kernels/aiv/kernel_add.cpp (func_id 0) includes PTO-ISA headers"), r.stderr)
        XCTAssertTrue(r.stderr.contains("set PTO_ISA_ROOT to a PTO-ISA checkout"), r.stderr)
        // Make stopped before compiling anything for this example.
        let examples = Project.root + "/build/a2a3sim/examples"
        let built = (try? FileManager.default.contentsOfDirectory(atPath: examples)) ?? []
        for folder in built where folder.hasPrefix("pto_no_root-") {
            let kernels =
                (try? FileManager.default.contentsOfDirectory(atPath: "\(examples)/\(folder)/kernels")) ?? []
            XCTAssertEqual(kernels.filter { $0.hasSuffix(".so") }, [], "kernels were built")
        }
    }

    func testPtoIsaKernelBuildsAsCxx23WithTheSimulatorDefines() throws {
        let dir = try Project.copyExample("vector_example", as: "pto_with_root")
        try makePtoKernel(in: dir)
        // The plain twin, made a (stand-in) PTO-ISA kernel: built by choice.
        let r = try runCommand(
            Project.ptoRun, [dir, "--case", "0", "--kernel-source", "sim_source"],
            environment: ["PTO_ISA_ROOT": try fakePtoIsaRoot()])
        XCTAssertEqual(r.status, 0, r.combined)
        XCTAssertTrue(r.stdout.contains("PASS pto_with_root case 0"), r.stdout)
        let bad = try runCommand(
            Project.ptoRun, [dir, "--case", "0"], environment: ["PTO_ISA_ROOT": "/nonexistent"])
        XCTAssertEqual(bad.status, 2)
        XCTAssertTrue(bad.stderr.contains("PTO_ISA_ROOT=/nonexistent has no include/pto folder"), bad.stderr)
    }

    func testSimSourceReplacesADeviceKernelOnTheSimulator() throws {
        let dir = try Project.copyExample("vector_example", as: "sim_source")
        // Without PTO-ISA headers, the plain C++ twins (sim_source) are built:
        // the device kernels (source) are never compiled.
        try "#include <pto/pto-inst.hpp>\nthis does not compile without PTO-ISA;\n"
            .write(toFile: dir + "/kernels/aiv_pto/kernel_add.cpp", atomically: true, encoding: .utf8)
        let r = try runCommand(Project.ptoRun, [dir], environment: ["PTO_ISA_ROOT": ""])
        XCTAssertEqual(r.status, 0, r.combined)
        XCTAssertTrue(r.stdout.contains("3 passed, 0 failed"), r.stdout)
        // Asking for the device kernels without the headers names what to set.
        let asked = try runCommand(Project.ptoRun, [dir, "--kernel-source", "source"], environment: ["PTO_ISA_ROOT": ""])
        XCTAssertEqual(asked.status, 2, asked.combined)
        XCTAssertTrue(asked.stderr.contains("set PTO_ISA_ROOT to a PTO-ISA checkout"), asked.stderr)
    }

    func testWrongGoldenOnAManyTaskExample() throws {
        let dir = try Project.copyExample("bgemm", as: "bgemm_wrong_golden")
        try replaceInFile(
            dir + "/golden.py", "tensors[\"B\"].astype(np.float32))",
            "tensors[\"B\"].astype(np.float32)) * 1.01")
        let r = try runCommand(Project.ptoRun, [dir, "--case", "0"])
        XCTAssertEqual(r.status, 1, r.combined)
        XCTAssertTrue(r.stdout.contains("FAIL bgemm_wrong_golden case 0"), r.stdout)
        XCTAssertTrue(r.stdout.contains("C: "), r.stdout)
        XCTAssertTrue(r.stdout.contains("elements differ"), r.stdout)
        XCTAssertTrue(r.stdout.contains("C[0, 0, "), r.stdout)
    }
}

/// The examples' PTO-ISA kernels against the real headers: they pass the
/// same goldens as their plain twins, and the library's headers warn nothing.
final class RealPtoIsaTests: XCTestCase {
    static let headers = Project.root + "/../shared/third_party/pto-isa"

    override func setUpWithError() throws {
        guard FileManager.default.fileExists(atPath: Self.headers + "/include/pto/pto-inst.hpp") else {
            throw XCTSkip("no PTO-ISA headers at \(Self.headers)")
        }
    }

    func testVectorExampleWithPtoIsaKernelsBuildsWithoutWarningsAndPasses() throws {
        let dir = try Project.copyExample("vector_example", as: "pto_vector_fresh")
        let r = try runCommand(
            Project.ptoRun, [dir, "--kernel-source", "source", "--quiet"],
            environment: ["PTO_ISA_ROOT": Self.headers])
        XCTAssertEqual(r.status, 0, r.combined)
        XCTAssertTrue(r.stdout.hasSuffix("3 passed, 0 failed\n"), r.stdout)
        XCTAssertFalse(r.combined.contains("warning:"), r.combined)
        XCTAssertTrue(try builtSources(dir, variant: "source-pto").contains("/kernels/aiv_pto/kernel_add.cpp"))
        // The plain twins of the same example, by choice.
        let plain = try runCommand(
            Project.ptoRun, [dir, "--kernel-source", "sim_source", "--quiet"],
            environment: ["PTO_ISA_ROOT": Self.headers])
        XCTAssertEqual(plain.status, 0, plain.combined)
        XCTAssertTrue(try builtSources(dir, variant: "sim_source-pto").contains("/kernels/aiv/kernel_add.cpp"))
    }

    /// The kernel sources the build description of `variant` names.
    private func builtSources(_ dir: String, variant: String) throws -> String {
        let examples = Project.root + "/build/a2a3sim/examples"
        let name = URL(fileURLWithPath: dir).lastPathComponent
        let folder = try XCTUnwrap(
            try FileManager.default.contentsOfDirectory(atPath: examples).first { $0.hasPrefix(name + "-") })
        return try String(
            contentsOfFile: "\(examples)/\(folder)/host_build_graph/artifacts-\(variant).json", encoding: .utf8)
    }
}
