import ArgumentParser
import PTOElf

struct Addr2Line: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "addr2line",
        abstract: "Print function, source file and line for each address in OBJECT (needs -g).",
        discussion: """
            Addresses are hexadecimal (0x optional). For relocatable objects they are offsets \
            into .text, as binutils' addr2line reads them; for shared objects and executables \
            they are file addresses. Unknown parts print as ??.
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
        try reportingBadInput {
            let locator = try SourceLocator(path: file.object)
            let locations = addresses.compactMap(Addr2Line.parse).map(locator.locate)
            if file.json { return try printJSON(locations) }
            for l in locations {
                let line = l.line.map(String.init) ?? "?"
                print("0x\(String(l.address, radix: 16)): \(l.function ?? "??") at \(l.file ?? "??"):\(line)")
            }
        }
    }
}
