import Foundation
import XCTest

/// pto-elf run as a user would, on objects compiled here by gcc and clang,
/// checked against binutils (objcopy, readelf, addr2line).
final class PtoElfCommandTests: XCTestCase {
    static let work = Project.root + "/build/tests/elf"
    var ptoElf: String { Project.root + "/build/swift/debug/pto-elf" }

    override func setUpWithError() throws {
        guard FileManager.default.isExecutableFile(atPath: ptoElf) else {
            throw XCTSkip("build pto-elf first (make build): \(ptoElf) is missing")
        }
        try FileManager.default.createDirectory(atPath: Self.work, withIntermediateDirectories: true)
    }

    /// Compiles `source` (C++) with `compiler` and `flags` into build/tests/elf/`name`.
    @discardableResult
    func compile(_ name: String, _ source: String, compiler: String = "g++", flags: [String] = ["-O2", "-c"])
        throws -> String
    {
        let src = Self.work + "/" + name + ".cpp"
        let out = Self.work + "/" + name
        try source.write(toFile: src, atomically: true, encoding: .utf8)
        guard let cc = ChildTool.find(compiler) else { throw XCTSkip("\(compiler) not installed") }
        let r = try runCommand(cc, flags + [src, "-o", out])
        XCTAssertEqual(r.status, 0, "\(compiler) failed: \(r.stderr)")
        return out
    }

    func elf(_ arguments: [String]) throws -> CommandResult { try runCommand(ptoElf, arguments) }

    static let selfContained = """
        #include <cstdint>
        extern "C" void kernel_entry(int64_t* args) {
            int32_t* a = reinterpret_cast<int32_t*>(args[0]);
            for (int64_t i = 0; i < args[1]; ++i) a[i] = a[i] * 3 + 1;
        }
        """

    /// For cross targets, which have no C++ headers here.
    static let selfContainedNoHeaders = """
        extern "C" void kernel_entry(long long* args) {
            int* a = reinterpret_cast<int*>(args[0]);
            for (long long i = 0; i < args[1]; ++i) a[i] = a[i] * 3 + 1;
        }
        """

    // MARK: check

    func testCheckPassesASelfContainedKernel() throws {
        let obj = try compile("ok.o", Self.selfContained)
        let r = try elf(["check", obj])
        XCTAssertEqual(r.status, 0, r.combined)
        XCTAssertTrue(r.stdout.contains("loadable as raw .text"), r.stdout)
    }

    func testCheckFlagsALibmCall() throws {
        let obj = try compile(
            "libm.o",
            """
            #include <cmath>
            #include <cstdint>
            extern "C" void kernel_entry(int64_t* args) {
                float* a = reinterpret_cast<float*>(args[0]);
                for (int64_t i = 0; i < args[1]; ++i) a[i] = expf(a[i]);
            }
            """, flags: ["-O2", "-fno-builtin", "-c"])
        let r = try elf(["check", obj])
        XCTAssertEqual(r.status, 1, r.combined)
        XCTAssertTrue(r.stdout.contains("undefined symbol `expf`"), r.stdout)
        XCTAssertTrue(r.stdout.contains("against `expf` needs the linker"), r.stdout)
        XCTAssertTrue(r.stdout.contains("through the GOT/PLT"), r.stdout)
    }

    func testCheckFlagsAStringLiteral() throws {
        let obj = try compile(
            "string.o",
            """
            #include <cstdint>
            extern "C" void kernel_entry(int64_t* args) {
                const char* s = "a string literal in .rodata";
                char* out = reinterpret_cast<char*>(args[0]);
                for (int i = 0; s[i]; ++i) out[i] = s[i];
            }
            """, flags: ["-O0", "-c"])
        let r = try elf(["check", obj])
        XCTAssertEqual(r.status, 1, r.combined)
        XCTAssertTrue(r.stdout.contains("references .rodata"), r.stdout)
    }

    func testCheckFlagsGlobalData() throws {
        let obj = try compile(
            "bss.o",
            """
            #include <cstdint>
            static int64_t counter;
            extern "C" void kernel_entry(int64_t* args) { args[0] = ++counter; }
            """)
        let r = try elf(["check", obj])
        XCTAssertEqual(r.status, 1, r.combined)
        XCTAssertTrue(r.stdout.contains("references .bss"), r.stdout)
    }

    func testCheckFlagsEntryProblems() throws {
        let missing = try compile("noentry.o", "extern \"C\" int other(int x) { return x + 1; }\n")
        var r = try elf(["check", missing])
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stdout.contains("entry symbol `kernel_entry` is not defined"), r.stdout)

        let object = try compile(
            "dataentry.o",
            "extern \"C\" { int kernel_entry[4] = {1, 2, 3, 4}; }\nint f(int x) { return x; }\n")
        r = try elf(["check", object])
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stdout.contains("is OBJECT, not a function"), r.stdout)
        XCTAssertTrue(r.stdout.contains("is defined in .data, not in .text"), r.stdout)

        let sections = try compile(
            "funcsections.o", Self.selfContained, flags: ["-O2", "-ffunction-sections", "-c"])
        r = try elf(["check", sections])
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stdout.contains("defined in .text.kernel_entry, not in .text"), r.stdout)

        let offset = try compile(
            "offset.o",
            """
            #include <cstdint>
            extern "C" __attribute__((noinline)) int64_t helper(int64_t x) { return x * 7 + 3; }
            extern "C" void kernel_entry(int64_t* args) { args[0] = helper(args[1]); }
            """)
        r = try elf(["check", offset])
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stdout.contains("not at offset 0"), r.stdout)
        r = try elf(["check", offset, "--allow-entry-offset"])
        XCTAssertEqual(r.status, 1, "the call to helper is still a relocation")
        XCTAssertFalse(r.stdout.contains("not at offset 0"), r.stdout)
    }

    func testCheckJson() throws {
        let obj = try compile("ok_json.o", Self.selfContained)
        let r = try elf(["check", obj, "--json"])
        XCTAssertEqual(r.status, 0)
        let json = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any]
        XCTAssertEqual(json?["loadable"] as? Bool, true)
        XCTAssertEqual(json?["entryOffset"] as? Int, 0)
    }

    // MARK: text

    func testTextIsByteIdenticalToObjcopyForEveryKindOfFile() throws {
        var objects = [
            try compile("t64.o", Self.selfContained),
            try compile("tclang.o", Self.selfContained, compiler: "clang++"),
            try compile(
                "tbe64.o", Self.selfContainedNoHeaders, compiler: "clang++",
                flags: ["--target=aarch64_be-linux-gnu", "-O2", "-c"]),
            try compile(
                "tbe32.o", Self.selfContainedNoHeaders, compiler: "clang++",
                flags: ["--target=armeb-linux-gnueabi", "-O2", "-c"]),
            try compile("t.so", Self.selfContained, flags: ["-O2", "-shared", "-fPIC"]),
            try compile("texe", Self.selfContained + "\nint main() { return 0; }\n", flags: ["-O2"]),
        ]
        objects.append(try compile("t32.o", Self.selfContainedNoHeaders, flags: ["-m32", "-O2", "-c"]))
        // binutils here only reads x86 objects; LLVM's objcopy reads them all.
        let objcopyTool = ChildTool.find("llvm-objcopy") ?? ChildTool.find("objcopy") ?? "/usr/bin/objcopy"
        for obj in objects {
            let ours = obj + ".text.bin"
            let theirs = obj + ".objcopy.bin"
            let r = try elf(["text", obj, "-o", ours])
            XCTAssertEqual(r.status, 0, r.combined)
            let objcopy = try runCommand(objcopyTool, ["-O", "binary", "--only-section=.text", obj, theirs])
            XCTAssertEqual(objcopy.status, 0, objcopy.stderr)
            XCTAssertEqual(
                FileManager.default.contents(atPath: ours), FileManager.default.contents(atPath: theirs),
                "\(obj): .text differs from objcopy's")
            XCTAssertTrue(r.stdout.contains("entry kernel_entry at .text offset 0x"), r.stdout)
        }
    }

    func testTextReportsSizeAndOffsetAsJson() throws {
        let obj = try compile("tj.o", Self.selfContained)
        let r = try elf(["text", obj, "-o", obj + ".bin", "--json"])
        XCTAssertEqual(r.status, 0, r.combined)
        let json = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any]
        let size = (try FileManager.default.attributesOfItem(atPath: obj + ".bin")[.size] as? Int) ?? -1
        XCTAssertEqual(json?["size"] as? Int, size)
        XCTAssertEqual(json?["entryOffset"] as? Int, 0)
        let missing = try elf(["text", obj, "-o", obj + ".bin", "--symbol", "nope"])
        XCTAssertEqual(missing.status, 1)
        XCTAssertTrue(missing.stdout.contains("entry nope: not defined in .text"), missing.stdout)
    }

    // MARK: sections and symbols against readelf

    func testSectionsAndSymbolsAgreeWithReadelf() throws {
        let objects = [
            try compile("r64.o", Self.selfContained, flags: ["-O2", "-g", "-c"]),
            try compile(
                "rbe.o", Self.selfContainedNoHeaders, compiler: "clang++",
                flags: ["--target=aarch64_be-linux-gnu", "-c"]),
            try compile(
                "r32be.o", Self.selfContainedNoHeaders, compiler: "clang++",
                flags: ["--target=armeb-linux-gnueabi", "-c"]),
            try compile("r.so", Self.selfContained, flags: ["-O2", "-shared", "-fPIC"]),
        ]
        for obj in objects {
            let ours = try elf(["sections", obj, "--json"])
            XCTAssertEqual(ours.status, 0, ours.combined)
            let sections =
                try JSONSerialization.jsonObject(with: Data(ours.stdout.utf8)) as? [[String: Any]] ?? []
            let readelf = try runCommand(ChildTool.find("readelf") ?? "/usr/bin/readelf", ["-SW", obj])
            let theirs = ReadelfParser.sections(readelf.stdout)
            XCTAssertEqual(sections.count, theirs.count, obj)
            for (s, t) in zip(sections, theirs) {
                XCTAssertEqual(s["name"] as? String, t.name, obj)
                XCTAssertEqual(s["offset"] as? UInt64, t.offset, "\(obj) \(t.name)")
                XCTAssertEqual(s["size"] as? UInt64, t.size, "\(obj) \(t.name)")
                XCTAssertEqual(s["flags"] as? String, t.flags, "\(obj) \(t.name)")
            }

            let symbolsOut = try elf(["symbols", obj, "--json"])
            XCTAssertEqual(symbolsOut.status, 0, symbolsOut.combined)
            let symbols =
                try JSONSerialization.jsonObject(with: Data(symbolsOut.stdout.utf8)) as? [[String: Any]] ?? []
            let readelfSymbols = try runCommand(
                ChildTool.find("readelf") ?? "/usr/bin/readelf", ["-sW", obj])
            let expected = ReadelfParser.symbols(readelfSymbols.stdout, table: ".symtab")
            XCTAssertEqual(symbols.count, expected.count, obj)
            for (s, t) in zip(symbols, expected) {
                XCTAssertEqual(s["value"] as? UInt64, t.value, "\(obj) \(t.name)")
                XCTAssertEqual(s["size"] as? UInt64, t.size, "\(obj) \(t.name)")
                XCTAssertEqual(s["type"] as? String, t.type, "\(obj) \(t.name)")
                XCTAssertEqual(s["binding"] as? String, t.binding, "\(obj) \(t.name)")
                XCTAssertEqual(s["section"] as? String, t.section, "\(obj) \(t.name)")
                if !t.name.isEmpty { XCTAssertEqual(s["name"] as? String, t.name, obj) }
            }
        }
    }

    func testTablesAreReadableText() throws {
        let obj = try compile("table.o", Self.selfContained)
        let sections = try elf(["sections", obj])
        XCTAssertTrue(sections.stdout.contains("ELF64 little-endian REL"), sections.stdout)
        XCTAssertTrue(sections.stdout.contains("] .text"), sections.stdout)
        let symbols = try elf(["symbols", obj])
        XCTAssertTrue(symbols.stdout.contains("FUNC    GLOBAL DEFAULT    1 kernel_entry"), symbols.stdout)
    }

    // MARK: addr2line against binutils

    func testAddr2lineAgreesWithBinutils() throws {
        let obj = try compile(
            "lines.o",
            """
            #include <cstdint>
            static int64_t scale(int64_t x) {
                return x * 5 + 2;
            }
            extern "C" void kernel_entry(int64_t* args) {
                int64_t n = args[1];
                for (int64_t i = 0; i < n; ++i) {
                    args[2 + i] = scale(args[2 + i]);
                }
            }
            """, flags: ["-O0", "-g", "-c"])
        let text = try elf(["text", obj, "-o", obj + ".bin", "--json"])
        let size =
            (try JSONSerialization.jsonObject(with: Data(text.stdout.utf8)) as? [String: Any])?["size"]
            as? Int ?? 0
        XCTAssertGreaterThan(size, 16)
        let addresses = stride(from: 0, to: size, by: 3).map { "0x" + String($0, radix: 16) }
        let ours = try elf(["addr2line", obj] + addresses)
        XCTAssertEqual(ours.status, 0, ours.combined)
        let binutils = try runCommand(
            ChildTool.find("addr2line") ?? "/usr/bin/addr2line", ["-f", "-e", obj] + addresses)
        let theirLines = binutils.stdout.split(separator: "\n").map(String.init)
        let ourLines = ours.stdout.split(separator: "\n").map(String.init)
        XCTAssertEqual(ourLines.count, addresses.count)
        for (i, line) in ourLines.enumerated() where 2 * i + 1 < theirLines.count {
            let function = theirLines[2 * i]
            let location = theirLines[2 * i + 1].split(separator: " ").first.map(String.init) ?? ""
            XCTAssertEqual(line, "\(addresses[i]): \(function) at \(location)")
        }
    }

    func testAddr2lineNamesAnAddressOutsideText() throws {
        let obj = try compile("outside.o", Self.selfContained, flags: ["-O0", "-g", "-c"])
        let r = try elf(["addr2line", obj, "0x0", "0x100000"])
        XCTAssertEqual(r.status, 1, r.combined)
        XCTAssertTrue(r.stdout.contains("0x0: kernel_entry at "), r.stdout)
        XCTAssertFalse(r.stdout.contains("0x100000"), r.stdout)
        XCTAssertTrue(r.stderr.contains("0x100000 is outside .text of \(obj) (0x0..<0x"), r.stderr)
    }

    func testTextWarnsWhenCheckWouldReject() throws {
        let obj = try compile(
            "libm_text.o", "#include <cmath>\nextern \"C\" void kernel_entry(double* a) { a[0] = std::sin(a[1]); }\n")
        let r = try elf(["text", obj, "-o", obj + ".bin"])
        XCTAssertEqual(r.status, 0, r.combined)
        XCTAssertTrue(FileManager.default.fileExists(atPath: obj + ".bin"))
        XCTAssertTrue(r.stderr.contains("warning: \(obj) is not loadable as raw .text (pto-elf check)"), r.stderr)
        XCTAssertTrue(r.stderr.contains("`sin`"), r.stderr)
        let clean = try elf(["text", try compile("clean_text.o", Self.selfContained), "-o", obj + ".clean.bin"])
        XCTAssertFalse(clean.stderr.contains("warning"), clean.stderr)
    }

    // MARK: bad input

    func testBadInputIsOneLineAndExitTwo() throws {
        let dir = Self.work + "/bad"
        try? FileManager.default.removeItem(atPath: dir)
        try FileManager.default.createDirectory(
            atPath: dir + "/a_directory.o", withIntermediateDirectories: true)
        let good = try compile("good.o", Self.selfContained)
        let bytes = [UInt8](FileManager.default.contents(atPath: good) ?? Data())
        func write(_ name: String, _ data: [UInt8]) -> String {
            let path = dir + "/" + name
            XCTAssertTrue(FileManager.default.createFile(atPath: path, contents: Data(data)), path)
            return path
        }
        func patched(_ offset: Int, _ value: UInt64, width: Int) -> [UInt8] {
            var copy = bytes
            for i in 0..<width { copy[offset + i] = UInt8((value >> (8 * UInt64(i))) & 0xFF) }
            return copy
        }
        let shoff = bytes[0x28..<0x30].enumerated().reduce(UInt64(0)) {
            $0 | UInt64($1.element) << (8 * UInt64($1.offset))
        }
        let shentsize = Int(bytes[0x3A]) | Int(bytes[0x3B]) << 8
        let noText = try compile("notext.o", "int value = 3;\n")
        _ = try runCommand(
            ChildTool.find("objcopy") ?? "/usr/bin/objcopy", ["--remove-section", ".text", noText])

        let cases: [(String, String)] = [
            (write("empty.o", []), "empty file"),
            (write("truncated.o", Array(bytes.prefix(30))), "truncated ELF header"),
            (write("not_elf.o", Array("just some text, not an object\n".utf8)), "not an ELF file"),
            (
                write("shoff.o", patched(0x28, UInt64(bytes.count + 64), width: 8)),
                "extend past the end of the file"
            ),
            (
                write("name.o", patched(Int(shoff) + shentsize, 0xFFFF00, width: 4)),
                "past the end of the section-name string table"
            ),
            (noText, "has no .text section"),
            (dir + "/a_directory.o", "is a directory"),
            (dir + "/missing.o", "No such file or directory"),
        ]
        for (path, expected) in cases {
            for command in ["check", "text", "sections"] {
                let args = command == "text" ? [command, path, "-o", dir + "/out.bin"] : [command, path]
                let r = try elf(args)
                if command == "sections" && expected == "has no .text section" {
                    XCTAssertEqual(r.status, 0, "listing sections needs no .text")
                    continue
                }
                XCTAssertEqual(r.status, 2, "\(command) \(path): \(r.combined)")
                XCTAssertEqual(r.stderr.split(separator: "\n").count, 1, r.stderr)
                XCTAssertTrue(r.stderr.contains(path), r.stderr)
                XCTAssertTrue(r.stderr.contains(expected), "\(command) \(path): \(r.stderr)")
            }
        }
    }

    func testUnreadableFile() throws {
        guard getuid() == 0, let setpriv = ChildTool.find("setpriv") else {
            let path = try compile("secret.o", Self.selfContained)
            chmod(path, 0)
            defer { chmod(path, 0o644) }
            let r = try elf(["symbols", path])
            XCTAssertEqual(r.status, 2)
            XCTAssertTrue(r.stderr.contains("Permission denied"), r.stderr)
            return
        }
        // As root every file is readable: drop to nobody for this check.
        let path = try compile("secret.o", Self.selfContained)
        chmod(path, 0)
        defer { chmod(path, 0o644) }
        var dir = URL(fileURLWithPath: path).deletingLastPathComponent()
        while dir.path != "/" {  // nobody must be able to reach the file's folder and the tool
            chmod(dir.path, 0o755)
            dir.deleteLastPathComponent()
        }
        let r = try runCommand(
            setpriv, ["--reuid=65534", "--regid=65534", "--clear-groups", ptoElf, "symbols", path])
        XCTAssertEqual(r.status, 2, r.combined)
        XCTAssertTrue(r.stderr.contains("\(path): Permission denied"), r.stderr)
    }

    func testHelpReadsWell() throws {
        let r = try elf(["--help"])
        XCTAssertEqual(r.status, 0)
        for sub in ["text", "check", "sections", "symbols", "addr2line"] {
            XCTAssertTrue(r.stdout.contains(sub), r.stdout)
        }
        let sub = try elf(["check", "--help"])
        XCTAssertTrue(sub.stdout.contains("--allow-entry-offset"), sub.stdout)
        let bad = try elf(["addr2line", "x.o", "zz"])
        XCTAssertNotEqual(bad.status, 0)
        XCTAssertTrue(bad.stderr.contains("'zz' is not a hexadecimal address"), bad.stderr)
    }
}

/// Reads readelf's -SW and -sW tables.
enum ReadelfParser {
    struct Section {
        var name: String
        var offset: UInt64
        var size: UInt64
        var flags: String
    }
    struct Symbol {
        var value: UInt64
        var size: UInt64
        var type: String
        var binding: String
        var section: String
        var name: String
    }

    static func sections(_ text: String) -> [Section] {
        var result: [Section] = []
        for line in text.split(separator: "\n") {
            guard let open = line.firstIndex(of: "["), let close = line.firstIndex(of: "]"),
                let index = Int(line[line.index(after: open)..<close].trimmingCharacters(in: .whitespaces))
            else { continue }
            let fields = line[line.index(after: close)...].split(separator: " ").map(String.init)
            if index == 0 {  // no name, no flags
                result.append(Section(name: "", offset: 0, size: 0, flags: ""))
                continue
            }
            // Name Type Address Off Size ES [Flg] Lk Inf Al
            guard fields.count >= 9 else { continue }
            result.append(
                Section(
                    name: fields[0], offset: UInt64(fields[3], radix: 16) ?? 0,
                    size: UInt64(fields[4], radix: 16) ?? 0,
                    flags: fields.count >= 10 ? fields[6] : ""))
        }
        return result
    }

    static func symbols(_ text: String, table: String) -> [Symbol] {
        var result: [Symbol] = []
        var inTable = false
        for line in text.split(separator: "\n") {
            if line.hasPrefix("Symbol table") {
                inTable = line.contains("'\(table)'")
                continue
            }
            guard inTable else { continue }
            let fields = line.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
            guard fields.count >= 7, fields[0].hasSuffix(":"), Int(fields[0].dropLast()) != nil else {
                continue
            }
            let size =
                fields[2].hasPrefix("0x") ? UInt64(fields[2].dropFirst(2), radix: 16) : UInt64(fields[2])
            result.append(
                Symbol(
                    value: UInt64(fields[1], radix: 16) ?? 0, size: size ?? 0, type: fields[3],
                    binding: fields[4], section: fields[6],
                    name: fields.count > 7 ? fields[7] : ""))
        }
        return result
    }
}

enum ChildTool {
    static func find(_ name: String) -> String? {
        for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":") {
            let path = "\(dir)/\(name)"
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        return nil
    }
}
