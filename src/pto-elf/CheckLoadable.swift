import ArgumentParser
import PTOElf

struct CheckLoadable: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Tell whether OBJECT can run when only its .text is loaded and called at the entry symbol.",
        discussion: """
            Reports, one per line: relocations that apply to .text, references to other sections \
            (.rodata, .data, .bss, GOT/PLT), undefined symbols, a missing or non-function entry \
            symbol, and an entry symbol that is not at offset 0 of .text. Exit 0 loadable, \
            1 not loadable, 2 bad input.
            """)

    @OptionGroup var file: FileOptions

    @Option(help: "Entry symbol the loader calls.")
    var symbol = "kernel_entry"

    @Flag(help: "Accept an entry symbol that is not at offset 0 (the loader adds the offset).")
    var allowEntryOffset = false

    struct Report: Encodable {
        var file: String
        var loadable: Bool
        var textSize: Int
        var symbol: String
        var entryOffset: UInt64?
        var problems: [LoadabilityCheck.Problem]
    }

    func run() throws {
        var loadable = false
        try reportingBadInput {
            let elf = try ElfFile(path: file.object)
            let check = try LoadabilityCheck(
                file: elf, entrySymbol: symbol, allowEntryOffset: allowEntryOffset)
            loadable = check.loadable
            if file.json {
                return try printJSON(
                    Report(
                        file: file.object, loadable: check.loadable, textSize: check.textSize,
                        symbol: symbol, entryOffset: check.entryOffset, problems: check.problems))
            }
            if check.loadable {
                print(
                    "\(file.object): loadable as raw .text (\(check.textSize) bytes, \(symbol) at offset 0x\(String(check.entryOffset ?? 0, radix: 16)))"
                )
            } else {
                print("\(file.object): not loadable as raw .text:")
                for problem in check.problems { print("  \(problem.message)") }
            }
        }
        if !loadable { throw ExitCode(1) }
    }
}
