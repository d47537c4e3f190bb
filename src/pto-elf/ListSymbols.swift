import ArgumentParser
import PTOElf

struct ListSymbols: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "symbols",
        abstract: "List the symbol table of OBJECT (.symtab, else .dynsym), like readelf -s.")

    @OptionGroup var file: FileOptions

    func run() throws {
        try reportingBadInput {
            let elf = try ElfFile(path: file.object)
            let symbols = try elf.symbols()
            if file.json { return try printJSON(symbols) }
            let wide = elf.header.fileClass == .elf64
            let table = symbols.first?.table ?? ".symtab"
            print("\(file.object): symbol table '\(table)' contains \(symbols.count) entries:")
            print("   Num: \(padded("Value", wide ? 16 : 8))  Size Type    Bind   Vis      Ndx Name")
            for s in symbols {
                let columns = [
                    padded(String(s.index), 6, right: true) + ":", hex(s.value, width: wide ? 16 : 8),
                    padded(String(s.size), 5, right: true), padded(s.typeName, 7), padded(s.bindingName, 6),
                    padded(s.visibilityName, 8), padded(s.sectionColumn, 3, right: true), s.name,
                ]
                print(columns.joined(separator: " "))
            }
        }
    }
}
