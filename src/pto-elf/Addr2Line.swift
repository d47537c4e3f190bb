import ArgumentParser
import PTOElf

struct Addr2Line: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "addr2line",
        abstract: "Print function, source file and line for each address in OBJECT (needs -g).",
        discussion: """
            Addresses are hexadecimal (0x optional). For relocatable objects they are offsets \
            into .text, as binutils' addr2line reads them; for shared objects and executables \
            they are file addresses. Unknown parts print as ??. An address outside .text \
            is named on stderr and the exit status is 1.
            """)

    @OptionGroup var file: FileOptions

    @Argument(help: "Addresses to look up, in hexadecimal.")
    var addresses: [String]

    func validate() throws {
        guard !addresses.isEmpty else { throw ValidationError("give at least one address") }
        for a in addresses where Addr2Line.parse(a) == nil {
            throw ValidationError("'\(a)' is not a hexadecimal address")
        }
    }

    static func parse(_ text: String) -> UInt64? {
        let digits = text.lowercased().hasPrefix("0x") ? String(text.dropFirst(2)) : text
        return digits.isEmpty ? nil : UInt64(digits, radix: 16)
    }

    func run() throws {
        var outside: [UInt64] = []
        try reportingBadInput {
            let elf = try ElfFile(path: file.object)
            let range = Addr2Line.textRange(of: elf)
            let wanted = addresses.compactMap(Addr2Line.parse)
            outside = wanted.filter { address in range.map { !$0.contains(address) } ?? false }
            let locator = try SourceLocator(path: file.object)
            let locations = wanted.filter { !outside.contains($0) }.map(locator.locate)
            if file.json { try printJSON(locations) } else {
                for l in locations {
                    let line = l.line.map(String.init) ?? "?"
                    print("0x\(String(l.address, radix: 16)): \(l.function ?? "??") at \(l.file ?? "??"):\(line)")
                }
            }
            if let range {
                for address in outside {
                    printError(
                        "pto-elf: 0x\(String(address, radix: 16)) is outside .text of \(file.object) "
                            + "(0x\(String(range.lowerBound, radix: 16))..<0x\(String(range.upperBound, radix: 16)))")
                }
            }
        }
        if !outside.isEmpty { throw ExitCode(1) }
    }

    /// Where .text is, as the addresses are read: offsets into it for a
    /// relocatable object, file addresses otherwise; nil without a .text.
    static func textRange(of elf: ElfFile) -> Range<UInt64>? {
        guard let text = elf.section(named: ".text") else { return nil }
        let start = elf.header.isRelocatable ? 0 : text.address
        return start..<(start + text.size)
    }
}
