import Foundation
import XCTest

/// golden.py's settings are checked by the golden helper before any case
/// runs: each mistake is one line naming golden.py and the setting, exit 2.
final class GoldenSettingsTests: XCTestCase {
    private static let base = """
        import numpy as np
        import os
        import sys

        def generate_inputs(params):
            return {"a": np.ones(4, dtype=np.float32), "out": np.zeros(4, dtype=np.float32)}

        def compute_golden(tensors, params):
            tensors["out"][:] = tensors["a"]

        __outputs__ = ["out"]

        """

    /// Runs the helper on a golden.py made of `base` plus `extra`.
    private func prepare(_ extra: String, base: String = GoldenSettingsTests.base) throws -> CommandResult {
        let dir = Project.root + "/build/tests/golden-settings-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try (base + extra + "\n").write(toFile: dir + "/golden.py", atomically: true, encoding: .utf8)
        return try runCommand(
            "/usr/bin/env", ["python3", Project.root + "/tools/example_golden.py", dir, "--out", dir + "/out"])
    }

    private func expectRefused(_ extra: String, _ message: String, file: StaticString = #filePath, line: UInt = #line)
        throws
    {
        let r = try prepare(extra)
        XCTAssertEqual(r.status, 2, r.combined, file: file, line: line)
        XCTAssertTrue(r.stderr.contains("golden.py: " + message), r.stderr, file: file, line: line)
        XCTAssertEqual(r.stderr.split(separator: "\n").count, 1, r.stderr, file: file, line: line)
    }

    func testTolerancesMustBeFiniteNonNegativeNumbers() throws {
        let rule = "is not a tolerance; give a finite number >= 0"
        try expectRefused("RTOL = -1e-3", "RTOL = -0.001 " + rule)
        try expectRefused("RTOL = float('nan')", "RTOL = nan " + rule)
        try expectRefused("ATOL = float('inf')", "ATOL = inf " + rule)
        try expectRefused("RTOL = 'tight'", "RTOL = 'tight' " + rule)
        try expectRefused("ATOL = True", "ATOL = True " + rule)
        try expectRefused("EQUAL_NAN = 1", "EQUAL_NAN = 1 is not True or False")
        XCTAssertEqual(try prepare("RTOL = 0\nATOL = np.float32(1e-3)\nEQUAL_NAN = True").status, 0)
    }

    func testParamsListMustBeANonEmptyListOfDicts() throws {
        try expectRefused("PARAMS_LIST = 5", "PARAMS_LIST = 5 is not a list of cases")
        try expectRefused("PARAMS_LIST = []", "PARAMS_LIST is empty, so there is no case to run")
        try expectRefused("PARAMS_LIST = [{'n': 1}, 7]", "PARAMS_LIST[1] is int, not a dict of parameters")
        try expectRefused("PARAMS_LIST = [{1: 2}]", "PARAMS_LIST[0] has key(s) [1] that are not strings")
    }

    func testBothParamsListAndAllCasesRunTheListedCasesByName() throws {
        // Upstream's older folders derive PARAMS_LIST from ALL_CASES.
        let cases = "ALL_CASES = {'small': {'n': 1}, 'big': {'n': 2}, 'odd': {'n': 3}}\n"
        let dir = Project.root + "/build/tests/golden-both-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try (Self.base + cases + "PARAMS_LIST = [ALL_CASES['odd'], ALL_CASES['small']]\n")
            .write(toFile: dir + "/golden.py", atomically: true, encoding: .utf8)
        let r = try runCommand(
            "/usr/bin/env", ["python3", Project.root + "/tools/example_golden.py", dir, "--out", dir + "/out"])
        XCTAssertEqual(r.status, 0, r.combined)
        let data = FileManager.default.contents(atPath: dir + "/out/manifest.json") ?? Data()
        let manifest = try JSONSerialization.jsonObject(with: data) as? [String: Any]
        let names = (manifest?["cases"] as? [[String: Any]])?.compactMap { $0["name"] as? String }
        XCTAssertEqual(names, ["odd", "small"])
        XCTAssertEqual(manifest?["case_count"] as? Int, 3)
        try expectRefused(
            cases + "PARAMS_LIST = [{'n': 9}]",
            "PARAMS_LIST[0] = {'n': 9} is none of ALL_CASES' cases ('small', 'big', 'odd')")
    }

    func testNameListsMustBeListsOfNames() throws {
        try expectRefused(
            "__outputs__ = 'out'", "__outputs__ = 'out' is a string, not a list of names; write a list, e.g. __outputs__ = ['out']")
        try expectRefused("__outputs__ = ['out', 'out']", "__outputs__ names ['out'] more than once")
        try expectRefused("TENSOR_ORDER = ['a', 3]", "TENSOR_ORDER = ['a', 3] is not a list of tensor names")
    }

    func testTensorOrderThatLeavesOutATensorIsAnError() throws {
        try expectRefused(
            "TENSOR_ORDER = ['a']",
            "TENSOR_ORDER leaves out ['out'], which generate_inputs returned; every tensor is an argument of the orchestration"
        )
    }

    func testTensorNamesMustBeStringsAndTypesReadable() throws {
        let intKey = GoldenSettingsTests.base.replacingOccurrences(of: "\"a\": np.ones", with: "1: np.ones")
        let r = try prepare("", base: intKey)
        XCTAssertEqual(r.status, 2, r.combined)
        XCTAssertTrue(r.stderr.contains("generate_inputs returned key(s) [1] that are not strings"), r.stderr)
        let longDouble = GoldenSettingsTests.base.replacingOccurrences(
            of: "np.ones(4, dtype=np.float32)", with: "np.ones(4, dtype=np.longdouble)")
        let l = try prepare("", base: longDouble)
        XCTAssertEqual(l.status, 2, l.combined)
        XCTAssertTrue(l.stderr.contains("tensor 'a' has dtype float128, which the runner cannot pass"), l.stderr)
    }

    func testExitingInsteadOfReturningIsNamed() throws {
        try expectRefused("sys.exit(0)", "its top-level code called sys.exit(0); golden.py must return its values")
        let exiting = GoldenSettingsTests.base.replacingOccurrences(
            of: "    return {\"a\"", with: "    sys.exit(3)\n    return {\"a\"")
        let r = try prepare("", base: exiting)
        XCTAssertEqual(r.status, 2, r.combined)
        XCTAssertTrue(r.stderr.contains("golden.py: generate_inputs for case 0 ({}) called sys.exit(3)"), r.stderr)
    }

    /// os._exit skips everything in Python, so the runner notices the missing
    /// manifest and names golden.py (not a scratch file it already removed).
    func testOsExitInGoldenIsNamedByTheRunner() throws {
        let dir = try Project.copyExample("vector_example", as: "os_exit_golden")
        try replaceInFile(dir + "/golden.py", "def generate_inputs(params):", "def generate_inputs(params):\n    os._exit(0)")
        try replaceInFile(dir + "/golden.py", "import numpy as np", "import os\nimport numpy as np")
        let r = try runCommand(Project.ptoRun, [dir])
        XCTAssertEqual(r.status, 2, r.combined)
        XCTAssertTrue(r.stderr.contains("os_exit_golden/golden.py ended the golden step early (exit 0)"), r.stderr)
        XCTAssertTrue(r.stderr.contains("does it call os._exit() or sys.exit()"), r.stderr)
        XCTAssertFalse(r.stderr.contains("manifest.json"), r.stderr)
    }
}

/// `pto-run compare`: two .npy files compared as a run compares an output.
final class CompareCommandTests: XCTestCase {
    func testCompareExitsByOutcomeAndReportsTheRule() throws {
        let dir = Project.root + "/build/tests/compare-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let script = """
            import numpy as np
            np.save("\(dir)/e.npy", np.array([1.0, 2.0, np.nan], dtype=np.float32))
            np.save("\(dir)/a.npy", np.array([1.0, 2.5, np.nan], dtype=np.float32))
            np.save("\(dir)/i.npy", np.array([2**53 + 1], dtype=np.int64))
            np.save("\(dir)/j.npy", np.array([2**53], dtype=np.int64))
            """
        XCTAssertEqual(try runCommand("/usr/bin/env", ["python3", "-c", script]).status, 0)
        let same = try runCommand(Project.ptoRun, ["compare", dir + "/e.npy", dir + "/e.npy", "--equal-nan"])
        XCTAssertEqual(same.status, 0, same.combined)
        XCTAssertTrue(same.stdout.hasPrefix("PASS \(dir)/e.npy: 3 elements match"), same.stdout)
        let differ = try runCommand(Project.ptoRun, ["compare", dir + "/a.npy", dir + "/e.npy", "--atol", "0.1"])
        XCTAssertEqual(differ.status, 1, differ.combined)
        XCTAssertTrue(
            differ.stdout.contains(
                "a.npy: 2 of 3 elements differ (rtol 1e-05, atol 0.1: |actual - expected| <= atol + rtol * |expected|)"),
            differ.stdout)
        XCTAssertTrue(differ.stdout.contains("largest absolute error 0.5 at [1], largest relative error 0.25 at [1]"))
        XCTAssertTrue(differ.stdout.contains("a.npy[2]: actual nan, expected nan"), differ.stdout)
        let ints = try runCommand(Project.ptoRun, ["compare", dir + "/i.npy", dir + "/j.npy", "--rtol", "1"])
        XCTAssertEqual(ints.status, 1, ints.combined)
        XCTAssertTrue(ints.stdout.contains("i.npy[0]: actual 9007199254740993, expected 9007199254740992"), ints.stdout)
        let bad = try runCommand(Project.ptoRun, ["compare", dir + "/a.npy", dir + "/e.npy", "--rtol=-1"])
        XCTAssertEqual(bad.status, 64, bad.combined)
        XCTAssertTrue(bad.stderr.contains("--rtol -1.0 is not a tolerance"), bad.stderr)
    }
}

/// The golden contract of later upstream example folders: the list form of
/// generate_inputs (ctypes scalars passed by value), named cases, torch.
final class GoldenFormsTests: XCTestCase {
    static let fixture = Project.root + "/tests/fixtures/list_form"

    func testListFormPassesOneArgumentPerItemAndScalarsBitExact() throws {
        // The orchestration refuses anything but exactly one argument per
        // item; the kernel echoes every scalar kind into an output compared
        // exactly (RTOL = ATOL = 0, uint64), c_float and c_double included.
        let r = try runCommand(Project.ptoRun, [Self.fixture, "--quiet"])
        XCTAssertEqual(r.status, 0, r.combined)
        XCTAssertEqual(
            r.stdout,
            "PASS list_form case small {n: 16, scale: 1.25}: out (16 elements), seen (11 elements)\n1 passed, 0 failed\n")
    }

    func testNamedCasesAreChosenByNameIndexOrAll() throws {
        let all = try runCommand(Project.ptoRun, [Self.fixture, "--quiet", "--all-cases"])
        XCTAssertEqual(all.status, 0, all.combined)
        XCTAssertTrue(all.stdout.contains("PASS list_form case small "), all.stdout)
        XCTAssertTrue(all.stdout.contains("PASS list_form case odd "), all.stdout)
        XCTAssertTrue(all.stdout.hasSuffix("2 passed, 0 failed\n"), all.stdout)
        for choice in ["odd", "1"] {
            let one = try runCommand(Project.ptoRun, [Self.fixture, "--quiet", "--case", choice])
            XCTAssertEqual(one.status, 0, one.combined)
            XCTAssertTrue(one.stdout.hasPrefix("PASS list_form case odd {n: 37, scale: -0.1}"), one.stdout)
        }
        // Not an index: digits of other scripts (int() would take them).
        let foreign = try runCommand(Project.ptoRun, [Self.fixture, "--case", "\u{0663}"])
        XCTAssertEqual(foreign.status, 2, foreign.combined)
        XCTAssertTrue(foreign.stderr.contains("is not a case"), foreign.stderr)
        let unknown = try runCommand(Project.ptoRun, [Self.fixture, "--case", "huge"])
        XCTAssertEqual(unknown.status, 2, unknown.combined)
        XCTAssertTrue(
            unknown.stderr.contains("golden.py: --case huge is not a case; its cases are 'small', 'odd' (or 0..1)"),
            unknown.stderr)
    }

    /// Where torch cannot be imported, a golden that imports it says so in
    /// one line with how to install it (a stand-in torch package that fails
    /// to import, so the test means the same with torch installed or not).
    func testMissingTorchIsOneLineWithTheInstallCommand() throws {
        let dir = Project.root + "/build/tests/no-torch-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: dir + "/shadow/torch", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try "raise ModuleNotFoundError(\"No module named 'torch'\", name=\"torch\")\n"
            .write(toFile: dir + "/shadow/torch/__init__.py", atomically: true, encoding: .utf8)
        try "import torch\n\ndef generate_inputs(params):\n    return {}\n\ndef compute_golden(tensors, params):\n    pass\n"
            .write(toFile: dir + "/golden.py", atomically: true, encoding: .utf8)
        let r = try runCommand(
            "/usr/bin/env", ["python3", Project.root + "/tools/example_golden.py", dir, "--out", dir + "/out"],
            environment: ["PYTHONPATH": dir + "/shadow"])
        XCTAssertEqual(r.status, 2, r.combined)
        XCTAssertTrue(r.stderr.contains("golden.py: imports torch, which is not installed for "), r.stderr)
        XCTAssertTrue(r.stderr.contains("pip install torch"), r.stderr)
        XCTAssertTrue(r.stderr.contains("make deps does not install it"), r.stderr)
        XCTAssertEqual(r.stderr.split(separator: "\n").count, 1, r.stderr)
    }

    /// A c_float's own bits go to the orchestration: a signalling NaN does
    /// not come back quiet through a Python float.
    func testFloatScalarsKeepTheirBitPatterns() throws {
        let script = """
            import ctypes, struct, sys
            sys.path.insert(0, "\(Project.root)/tools")
            import example_golden as g
            f = ctypes.c_float(); ctypes.memmove(ctypes.addressof(f), struct.pack("<I", 0x7f800001), 4)
            d = ctypes.c_double(); ctypes.memmove(ctypes.addressof(d), struct.pack("<Q", 0x7ff0000000000001), 8)
            print(hex(g.scalar_bits(f)), hex(g.scalar_bits(d)), hex(g.scalar_bits(ctypes.c_int8(-1))))
            """
        let r = try runCommand("/usr/bin/env", ["python3", "-c", script])
        XCTAssertEqual(r.status, 0, r.combined)
        XCTAssertEqual(r.stdout, "0x7f800001 0x7ff0000000000001 0xffffffffffffffff\n")
    }

    /// Scalars in the dict form, a malformed list: named, not guessed at.
    func testFormMistakesAreNamed() throws {
        let dir = Project.root + "/build/tests/forms-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let cases: [(String, String)] = [
            ("{\"a\": np.ones(2), \"k\": ctypes.c_int32(1), \"out_x\": np.zeros(2)}",
             "generate_inputs returned ctypes scalar(s) ['k'] in a dict; scalars need the list form"),
            ("[(\"a\", np.ones(2)), (\"a\", np.ones(2))]", "generate_inputs returned 'a' twice"),
            ("[(\"a\", 3.5)]", "generate_inputs returned float for 'a'; the list form takes numpy arrays"),
            ("[(\"a\", np.ones(2)), (\"out_k\", ctypes.c_int32(1))]",
             "['out_k'] would be outputs but are ctypes scalars, passed by value"),
        ]
        for (returned, expected) in cases {
            try "import ctypes\nimport numpy as np\n\ndef generate_inputs(params):\n    return \(returned)\n\ndef compute_golden(tensors, params):\n    pass\n"
                .write(toFile: dir + "/golden.py", atomically: true, encoding: .utf8)
            let r = try runCommand(
                "/usr/bin/env", ["python3", Project.root + "/tools/example_golden.py", dir, "--out", dir + "/out"])
            XCTAssertEqual(r.status, 2, r.combined)
            XCTAssertTrue(r.stderr.contains(expected), r.stderr)
        }
    }
}
