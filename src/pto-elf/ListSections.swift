import ArgumentParser
import PTOElf

struct ListSections: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sections", abstract: "List the section headers of OBJECT, like readelf -S.")

    @OptionGroup var file: FileOptions

    func run() throws {
        try reportingBadInput {
            let elf = try ElfFile(path: file.object)
            if file.json { return try printJSON(elf.sections) }
            let wide = elf.header.fileClass == .elf64
            let nameWidth = max(17, elf.sections.map(\.name.count).max() ?? 0)
            print(
                "\(file.object): \(elf.header.fileClass.rawValue) \(elf.header.byteOrder.rawValue) \(elf.header.type), \(elf.sections.count) sections"
            )
            print(
                "  [Nr] \(padded("Name", nameWidth)) \(padded("Type", 15)) \(padded("Address", wide ? 16 : 8)) \(padded("Off", 6)) \(padded("Size", 6)) ES Flg Lk Inf Al"
            )
            for s in elf.sections {
                let columns = [
                    "  [\(padded(String(s.index), 2, right: true))]", padded(s.name, nameWidth),
                    padded(s.typeName, 15),
                    hex(s.address, width: wide ? 16 : 8), hex(s.offset, width: 6), hex(s.size, width: 6),
                    hex(s.entrySize, width: 2), padded(s.flagLetters, 3, right: true),
                    padded(String(s.link), 2, right: true), padded(String(s.info), 3, right: true),
                    padded(String(s.alignment), 2, right: true),
                ]
                print(columns.joined(separator: " "))
            }
            print(
                "Key to Flags: W write, A alloc, X execute, M merge, S strings, I info, L link order, O extra OS processing, G group, T TLS, C compressed, E exclude"
            )
        }
    }
}
