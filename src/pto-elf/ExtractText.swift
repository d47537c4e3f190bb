import ArgumentParser
import Foundation
import PTOElf

struct ExtractText: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "text",
        abstract: "Write the .text bytes of OBJECT to a file and print the entry symbol's offset.",
        discussion: """
            When the .text cannot run alone (what `pto-elf check` reports), the bytes are \
            still written and each problem is printed on stderr as a warning.
            """)

    @OptionGroup var file: FileOptions

    @Option(name: .shortAndLong, help: "Where to write the .text bytes.")
    var output: String

    @Option(help: "Entry symbol whose offset inside .text is reported.")
    var symbol = "kernel_entry"

    struct Report: Encodable {
        var file: String
        var output: String
        var size: Int
        var symbol: String
        var entryOffset: UInt64?
    }

    func run() throws {
        var found = true
        try reportingBadInput {
            let elf = try ElfFile(path: file.object)
            let text = try TextSection(of: elf, entrySymbol: symbol)
            try writeBytes(text.bytes, to: output)
            // The bytes are written as asked; that they cannot run alone is
            // said, as `check` would say it.
            let check = try LoadabilityCheck(file: elf, entrySymbol: symbol, allowEntryOffset: true)
            if !check.loadable {
                printError("pto-elf: warning: \(file.object) is not loadable as raw .text (pto-elf check):")
                for problem in check.problems { printError("  \(problem.message)") }
            }
            found = text.entryOffset != nil
            let report = Report(
                file: file.object, output: output, size: text.bytes.count, symbol: symbol,
                entryOffset: text.entryOffset)
            if file.json { return try printJSON(report) }
            print("\(file.object): wrote \(text.bytes.count) bytes of .text to \(output)")
            if let offset = text.entryOffset {
                print("entry \(symbol) at .text offset 0x\(String(offset, radix: 16))")
            } else {
                print("entry \(symbol): not defined in .text")
            }
        }
        if !found { throw ExitCode(1) }
    }
}

func writeBytes(_ bytes: [UInt8], to path: String) throws {
    guard FileManager.default.createFile(atPath: path, contents: Data(bytes)) else {
        throw ElfError(.write, file: path, "cannot write the output file")
    }
}
