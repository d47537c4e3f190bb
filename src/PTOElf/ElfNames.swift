/// Names of ELF constants as readelf prints them.
enum ElfNames {
    static func fileType(_ t: UInt16) -> String {
        switch t {
        case 0: return "NONE"
        case 1: return "REL"
        case 2: return "EXEC"
        case 3: return "DYN"
        case 4: return "CORE"
        default: return "0x" + String(t, radix: 16)
        }
    }

    static func sectionType(_ t: UInt32) -> String {
        switch t {
        case 0: return "NULL"
        case 1: return "PROGBITS"
        case 2: return "SYMTAB"
        case 3: return "STRTAB"
        case 4: return "RELA"
        case 5: return "HASH"
        case 6: return "DYNAMIC"
        case 7: return "NOTE"
        case 8: return "NOBITS"
        case 9: return "REL"
        case 10: return "SHLIB"
        case 11: return "DYNSYM"
        case 14: return "INIT_ARRAY"
        case 15: return "FINI_ARRAY"
        case 16: return "PREINIT_ARRAY"
        case 17: return "GROUP"
        case 18: return "SYMTAB_SHNDX"
        case 0x6fff_fff6: return "GNU_HASH"
        case 0x6fff_fffd: return "VERDEF"
        case 0x6fff_fffe: return "VERNEED"
        case 0x6fff_ffff: return "VERSYM"
        case 0x6fff_4c03: return "LLVM_ADDRSIG"
        case 0x7000_0001: return "ARM_EXIDX/X86_64_UNWIND"
        case 0x7000_0003: return "ARM_ATTRIBUTES"
        default: return "0x" + String(t, radix: 16)
        }
    }

    static func sectionFlags(_ f: UInt64) -> String {
        let letters: [(UInt64, Character)] = [
            (0x1, "W"), (0x2, "A"), (0x4, "X"), (0x10, "M"), (0x20, "S"), (0x40, "I"),
            (0x80, "L"), (0x100, "O"), (0x200, "G"), (0x400, "T"), (0x800, "C"),
            (0x8000_0000, "E"),
        ]
        return String(letters.compactMap { f & $0.0 != 0 ? $0.1 : nil })
    }

    static func symbolType(_ t: UInt8) -> String {
        ["NOTYPE", "OBJECT", "FUNC", "SECTION", "FILE", "COMMON", "TLS"].element(at: Int(t))
            ?? (t == 10 ? "IFUNC" : String(t))
    }

    static func symbolBinding(_ b: UInt8) -> String {
        ["LOCAL", "GLOBAL", "WEAK"].element(at: Int(b)) ?? (b == 10 ? "UNIQUE" : String(b))
    }

    static func symbolVisibility(_ v: UInt8) -> String {
        ["DEFAULT", "INTERNAL", "HIDDEN", "PROTECTED"].element(at: Int(v & 3)) ?? String(v)
    }
}

extension Array {
    func element(at index: Int) -> Element? { indices.contains(index) ? self[index] : nil }
}
