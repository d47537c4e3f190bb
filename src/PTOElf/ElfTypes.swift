/// The file header fields users ask about.
public struct ElfHeader: Sendable, Equatable, Encodable {
    public enum FileClass: String, Sendable, Encodable {
        case elf32 = "ELF32"
        case elf64 = "ELF64"
    }
    public enum ByteOrder: String, Sendable, Encodable {
        case littleEndian = "little-endian"
        case bigEndian = "big-endian"
    }

    public var fileClass: FileClass
    public var byteOrder: ByteOrder
    /// ET_REL, ET_DYN, ET_EXEC, ... as a name ("REL", "DYN", "EXEC").
    public var type: String
    public var machine: UInt16
    public var entry: UInt64

    public var isRelocatable: Bool { type == "REL" }
}

public struct ElfSection: Sendable, Equatable, Encodable {
    public var index: Int
    public var name: String
    public var type: UInt32
    public var flags: UInt64
    public var address: UInt64
    public var offset: UInt64
    public var size: UInt64
    public var entrySize: UInt64
    public var link: UInt32
    public var info: UInt32
    public var alignment: UInt64

    public var typeName: String { ElfNames.sectionType(type) }
    /// readelf's flag letters (W A X M S I L O G T E).
    public var flagLetters: String { ElfNames.sectionFlags(flags) }
    public var occupiesFile: Bool { type != 8 }  // SHT_NOBITS
    public var isAllocated: Bool { flags & 0x2 != 0 }
    public var isExecutable: Bool { flags & 0x4 != 0 }

    enum CodingKeys: String, CodingKey {
        case index, name, type, flags, address, offset, size, entrySize, link, info, alignment
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(index, forKey: .index)
        try c.encode(name, forKey: .name)
        try c.encode(typeName, forKey: .type)
        try c.encode(flagLetters, forKey: .flags)
        try c.encode(address, forKey: .address)
        try c.encode(offset, forKey: .offset)
        try c.encode(size, forKey: .size)
        try c.encode(entrySize, forKey: .entrySize)
        try c.encode(link, forKey: .link)
        try c.encode(info, forKey: .info)
        try c.encode(alignment, forKey: .alignment)
    }
}

public struct ElfSymbol: Sendable, Equatable, Encodable {
    public static let undefinedSection: UInt16 = 0
    public static let absoluteSection: UInt16 = 0xFFF1
    public static let commonSection: UInt16 = 0xFFF2

    public var index: Int
    public var name: String
    public var value: UInt64
    public var size: UInt64
    /// STT_* (0 NOTYPE, 1 OBJECT, 2 FUNC, 3 SECTION, 4 FILE, ...).
    public var type: UInt8
    /// STB_* (0 LOCAL, 1 GLOBAL, 2 WEAK, ...).
    public var binding: UInt8
    public var visibility: UInt8
    /// st_shndx: the defining section, or a special index.
    public var sectionIndex: UInt16
    /// Which table it came from: ".symtab" or ".dynsym".
    public var table: String

    public var typeName: String { ElfNames.symbolType(type) }
    public var bindingName: String { ElfNames.symbolBinding(binding) }
    public var visibilityName: String { ElfNames.symbolVisibility(visibility) }
    public var isUndefined: Bool { sectionIndex == ElfSymbol.undefinedSection }
    public var isFunction: Bool { type == 2 || type == 10 }  // FUNC, GNU_IFUNC

    /// readelf's Ndx column: UND, ABS, COM or the section number.
    public var sectionColumn: String {
        switch sectionIndex {
        case ElfSymbol.undefinedSection: return "UND"
        case ElfSymbol.absoluteSection: return "ABS"
        case ElfSymbol.commonSection: return "COM"
        default: return String(sectionIndex)
        }
    }

    enum CodingKeys: String, CodingKey {
        case index, name, value, size, type, binding, visibility, section, table
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(index, forKey: .index)
        try c.encode(name, forKey: .name)
        try c.encode(value, forKey: .value)
        try c.encode(size, forKey: .size)
        try c.encode(typeName, forKey: .type)
        try c.encode(bindingName, forKey: .binding)
        try c.encode(visibilityName, forKey: .visibility)
        try c.encode(sectionColumn, forKey: .section)
        try c.encode(table, forKey: .table)
    }
}

public struct ElfRelocation: Sendable, Equatable, Encodable {
    /// The relocation section it was read from (".rela.text").
    public var relocationSection: String
    /// The section the relocation patches (sh_info), by index and name.
    public var targetSectionIndex: Int
    public var targetSection: String
    public var offset: UInt64
    public var type: UInt32
    public var typeName: String
    public var addend: Int64
    /// The referenced symbol, or nil for relocations without one.
    public var symbol: ElfSymbol?
}
