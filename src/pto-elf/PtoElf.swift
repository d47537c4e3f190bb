import ArgumentParser
import Foundation
import PTOElf

@main
struct PtoElf: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pto-elf",
        abstract: "Inspect ELF objects and extract the .text a device kernel is loaded from.",
        discussion: """
            On the device only a kernel's .text section is copied to global memory and called \
            at its entry symbol. `text` extracts it, `check` says whether that is safe, and \
            `sections`, `symbols` and `addr2line` show what is inside. Works on relocatable \
            objects, shared objects and executables, ELF32 and ELF64, either byte order. \
            Mach-O and PE files are not supported.

            Exit status: 0 success (for `check`: loadable); 1 `check` found the object not \
            loadable, or `text` found no entry symbol; 2 bad input (missing, unreadable or \
            malformed file).
            """,
        subcommands: [
            ExtractText.self, CheckLoadable.self, ListSections.self, ListSymbols.self,
            Addr2Line.self,
        ])
}

/// Options every subcommand shares.
struct FileOptions: ParsableArguments {
    @Argument(help: "The ELF file (.o, .so or executable).")
    var object: String

    @Flag(help: "Print JSON instead of text.")
    var json = false
}

/// Runs a subcommand body, turning ELF errors into one line and exit 2.
func reportingBadInput(_ body: () throws -> Void) throws {
    do {
        try body()
    } catch let error as ElfError {
        FileHandle.standardError.write(Data("pto-elf: error: \(error)\n".utf8))
        throw ExitCode(2)
    }
}

func printJSON<T: Encodable>(_ value: T) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
    print(String(decoding: try encoder.encode(value), as: UTF8.self))
}

func hex(_ value: UInt64, width: Int) -> String {
    let digits = String(value, radix: 16)
    return String(repeating: "0", count: max(0, width - digits.count)) + digits
}

func padded(_ text: String, _ width: Int, right: Bool = false) -> String {
    let pad = String(repeating: " ", count: max(0, width - text.count))
    return right ? pad + text : text + pad
}

/// One line on stderr.
func printError(_ line: String) {
    FileHandle.standardError.write(Data((line + "\n").utf8))
}
