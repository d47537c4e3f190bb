/// An ELF file opened for reading: relocatable objects, shared objects and
/// executables; ELF32 and ELF64; either byte order (libelf translates).
/// Owns its file descriptor (or byte copy) and libelf descriptor, and closes
/// them when released.
public final class ElfFile {
    public let name: String
    public let header: ElfHeader
    public let sections: [ElfSection]
    private let raw: RawElf

    /// Opens the file at `path`.
    public convenience init(path: String) throws(ElfError) {
        try self.init(raw: LibElf.open(path: path).get(), name: path)
    }

    /// Reads an ELF image from memory; `name` stands for it in errors.
    public convenience init(bytes: [UInt8], name: String) throws(ElfError) {
        try self.init(raw: LibElf.open(bytes: bytes, name: name).get(), name: name)
    }

    private init(raw: RawElf, name: String) throws(ElfError) {
        do {
            self.header = try ElfFile.readHeader(raw, name: name)
            self.sections = try ElfFile.readSections(raw, name: name)
        } catch {
            LibElf.close(raw)
            throw error
        }
        self.raw = raw
        self.name = name
    }

    deinit { LibElf.close(raw) }

    public func section(named name: String) -> ElfSection? { sections.first { $0.name == name } }

    /// The bytes a section occupies in the file, untranslated.
    public func contents(of section: ElfSection) throws(ElfError) -> [UInt8] {
        guard section.occupiesFile else { return [] }
        let (scn, _) = try LibElf.sectionHeader(raw, index: section.index, file: name).get()
        return LibElf.bytes(
            of: try LibElf.data(scn, translated: false, file: name, section: section.name).get())
    }

    /// Symbols of .symtab, or of .dynsym when there is no .symtab (stripped).
    public func symbols() throws(ElfError) -> [ElfSymbol] {
        let table = sections.first { $0.type == 2 } ?? sections.first { $0.type == 11 }
        guard let table else { return [] }
        return try readSymbols(table)
    }

    /// Every relocation in the file, with its target section and symbol.
    public func relocations() throws(ElfError) -> [ElfRelocation] {
        var result: [ElfRelocation] = []
        var symbolCache: [Int: [ElfSymbol]] = [:]
        for section in sections where section.type == 4 || section.type == 9 {  // RELA, REL
            let target = Int(section.info)
            let targetName = sections.element(at: target)?.name ?? ""
            var tableSymbols: [ElfSymbol] = []
            if section.link != 0 {
                let link = Int(section.link)
                guard let symtab = sections.element(at: link) else {
                    throw ElfError(
                        .malformed, file: name,
                        "relocation section \(section.name) links to section \(link), which does not exist")
                }
                if let cached = symbolCache[link] {
                    tableSymbols = cached
                } else {
                    tableSymbols = try readSymbols(symtab)
                    symbolCache[link] = tableSymbols
                }
            }
            let (scn, _) = try LibElf.sectionHeader(raw, index: section.index, file: name).get()
            guard let data = try LibElf.data(scn, translated: true, file: name, section: section.name).get()
            else {
                continue
            }
            let count = section.entrySize > 0 ? Int(section.size / section.entrySize) : 0
            for i in 0..<count {
                var offset: UInt64 = 0
                var info: UInt64 = 0
                var addend: Int64 = 0
                if section.type == 4 {
                    guard let r = LibElf.rela(data, index: Int32(i)) else { break }
                    (offset, info, addend) = (r.r_offset, r.r_info, r.r_addend)
                } else {
                    guard let r = LibElf.rel(data, index: Int32(i)) else { break }
                    (offset, info) = (r.r_offset, r.r_info)
                }
                let (symbolIndex, type) =
                    header.fileClass == .elf64
                    ? (Int(info >> 32), UInt32(truncatingIfNeeded: info))
                    : (Int(info >> 8), UInt32(info & 0xFF))
                result.append(
                    ElfRelocation(
                        relocationSection: section.name, targetSectionIndex: target,
                        targetSection: targetName,
                        offset: offset, type: type,
                        typeName: RelocationTypes.name(machine: header.machine, type: type), addend: addend,
                        symbol: symbolIndex == 0 ? nil : tableSymbols.element(at: symbolIndex)))
            }
        }
        return result
    }

    private func readSymbols(_ table: ElfSection) throws(ElfError) -> [ElfSymbol] {
        guard table.type == 2 || table.type == 11 else {
            throw ElfError(.malformed, file: name, "section \(table.name) is not a symbol table")
        }
        guard Int(table.link) < sections.count, sections[Int(table.link)].type == 3 else {
            throw ElfError(
                .malformed, file: name,
                "symbol table \(table.name) names string table \(table.link), which is not a string table")
        }
        let (scn, _) = try LibElf.sectionHeader(raw, index: table.index, file: name).get()
        guard let data = try LibElf.data(scn, translated: true, file: name, section: table.name).get() else {
            return []
        }
        let count = table.entrySize > 0 ? Int(table.size / table.entrySize) : 0
        var symbols: [ElfSymbol] = []
        symbols.reserveCapacity(count)
        for i in 0..<count {
            guard let sym = LibElf.symbol(data, index: Int32(i)) else {
                throw ElfError(
                    .malformed, file: name, "symbol \(i) of \(table.name) is past the end of its data")
            }
            let symbolName: String
            if sym.st_name == 0 {
                symbolName = ""
            } else if let text = LibElf.string(raw, table: Int(table.link), offset: Int(sym.st_name)) {
                symbolName = text
            } else {
                throw ElfError(
                    .malformed, file: name,
                    "symbol \(i) of \(table.name): name offset \(sym.st_name) is past the end of its string table"
                )
            }
            var resolvedName = symbolName
            // Section symbols have no name of their own; readelf shows the section's.
            if sym.st_info & 0xF == 3, resolvedName.isEmpty, let s = sections.element(at: Int(sym.st_shndx)) {
                resolvedName = s.name
            }
            symbols.append(
                ElfSymbol(
                    index: i, name: resolvedName, value: sym.st_value, size: sym.st_size,
                    type: sym.st_info & 0xF, binding: sym.st_info >> 4, visibility: sym.st_other & 3,
                    sectionIndex: sym.st_shndx, table: table.name))
        }
        return symbols
    }

    private static func readHeader(_ raw: RawElf, name: String) throws(ElfError) -> ElfHeader {
        let (ehdr, elfClass) = try LibElf.header(raw, file: name).get()
        let ident = withUnsafeBytes(of: ehdr.e_ident) { Array($0) }
        guard elfClass == 1 || elfClass == 2 else {
            throw ElfError(.malformed, file: name, "unknown ELF class \(elfClass)")
        }
        guard ident[5] == 1 || ident[5] == 2 else {
            throw ElfError(.malformed, file: name, "unknown ELF data encoding \(ident[5])")
        }
        return ElfHeader(
            fileClass: elfClass == 2 ? .elf64 : .elf32,
            byteOrder: ident[5] == 1 ? .littleEndian : .bigEndian,
            type: ElfNames.fileType(ehdr.e_type), machine: ehdr.e_machine,
            entry: ehdr.e_entry)
    }

    private static func readSections(_ raw: RawElf, name: String) throws(ElfError) -> [ElfSection] {
        let (ehdr, _) = try LibElf.header(raw, file: name).get()
        var count = try LibElf.sectionCount(raw, file: name).get()
        // libelf reports no sections when their headers are unreadable; the
        // file header still says how many there should be.
        if count == 0 && ehdr.e_shoff != 0 { count = Int(ehdr.e_shnum) }
        if count == 0 { return [] }
        // libelf reads section headers lazily; check they lie inside the file
        // so the message says what is wrong instead of a bare libelf error.
        let end = UInt64(ehdr.e_shoff) &+ UInt64(count) &* UInt64(ehdr.e_shentsize)
        if ehdr.e_shoff == 0 || end > UInt64(raw.size) || end < UInt64(ehdr.e_shoff) {
            throw ElfError(
                .malformed, file: name,
                "section headers (\(count) at offset \(ehdr.e_shoff)) extend past the end of the file (\(raw.size) bytes)"
            )
        }
        let names = try LibElf.sectionNameTable(raw, file: name).get()
        guard names < count else {
            throw ElfError(
                .malformed, file: name,
                "section-name string table index \(names) is past the \(count) sections")
        }
        var sections: [ElfSection] = []
        sections.reserveCapacity(count)
        for index in 0..<count {
            let (_, shdr) = try LibElf.sectionHeader(raw, index: index, file: name).get()
            if shdr.sh_type != 8,
                shdr.sh_offset &+ shdr.sh_size > UInt64(raw.size)
                    || shdr.sh_offset &+ shdr.sh_size < shdr.sh_offset
            {
                throw ElfError(
                    .malformed, file: name,
                    "section \(index): its \(shdr.sh_size) bytes at offset \(shdr.sh_offset) extend past the end of the file (\(raw.size) bytes)"
                )
            }
            var sectionName = ""
            if index != 0 || shdr.sh_name != 0 {
                guard let text = LibElf.string(raw, table: names, offset: Int(shdr.sh_name)) else {
                    throw ElfError(
                        .malformed, file: name,
                        "section \(index): name offset \(shdr.sh_name) is past the end of the section-name string table"
                    )
                }
                sectionName = text
            }
            sections.append(
                ElfSection(
                    index: index, name: sectionName, type: shdr.sh_type, flags: shdr.sh_flags,
                    address: shdr.sh_addr, offset: shdr.sh_offset, size: shdr.sh_size,
                    entrySize: shdr.sh_entsize, link: shdr.sh_link, info: shdr.sh_info,
                    alignment: shdr.sh_addralign))
        }
        return sections
    }
}
