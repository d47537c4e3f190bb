/// Relocation type names and what they imply, for the machines kernels are
/// built for here (x86-64 and i386 on the simulator, AArch64 for the AICPU,
/// ARM). Other machines get numeric names.
enum RelocationTypes {
    static let x86_64: [UInt32: String] = [
        0: "R_X86_64_NONE", 1: "R_X86_64_64", 2: "R_X86_64_PC32", 3: "R_X86_64_GOT32",
        4: "R_X86_64_PLT32", 5: "R_X86_64_COPY", 6: "R_X86_64_GLOB_DAT", 7: "R_X86_64_JUMP_SLOT",
        8: "R_X86_64_RELATIVE", 9: "R_X86_64_GOTPCREL", 10: "R_X86_64_32", 11: "R_X86_64_32S",
        24: "R_X86_64_PC64", 25: "R_X86_64_GOTOFF64", 26: "R_X86_64_GOTPC32",
        41: "R_X86_64_GOTPCRELX", 42: "R_X86_64_REX_GOTPCRELX",
    ]
    static let i386: [UInt32: String] = [
        0: "R_386_NONE", 1: "R_386_32", 2: "R_386_PC32", 3: "R_386_GOT32", 4: "R_386_PLT32",
        6: "R_386_GLOB_DAT", 7: "R_386_JMP_SLOT", 8: "R_386_RELATIVE", 9: "R_386_GOTOFF",
        10: "R_386_GOTPC", 43: "R_386_GOT32X",
    ]
    static let aarch64: [UInt32: String] = [
        0: "R_AARCH64_NONE", 257: "R_AARCH64_ABS64", 258: "R_AARCH64_ABS32",
        261: "R_AARCH64_PREL32", 275: "R_AARCH64_ADR_PREL_PG_HI21", 277: "R_AARCH64_ADD_ABS_LO12_NC",
        282: "R_AARCH64_JUMP26", 283: "R_AARCH64_CALL26", 286: "R_AARCH64_LDST64_ABS_LO12_NC",
        285: "R_AARCH64_LDST32_ABS_LO12_NC", 299: "R_AARCH64_LDST128_ABS_LO12_NC",
        311: "R_AARCH64_ADR_GOT_PAGE", 312: "R_AARCH64_LD64_GOT_LO12_NC",
        1025: "R_AARCH64_GLOB_DAT", 1026: "R_AARCH64_JUMP_SLOT", 1027: "R_AARCH64_RELATIVE",
    ]
    static let arm: [UInt32: String] = [
        0: "R_ARM_NONE", 2: "R_ARM_ABS32", 3: "R_ARM_REL32", 26: "R_ARM_GOT_BREL",
        28: "R_ARM_CALL", 29: "R_ARM_JUMP24", 43: "R_ARM_MOVW_ABS_NC", 44: "R_ARM_MOVT_ABS",
        10: "R_ARM_THM_CALL", 47: "R_ARM_THM_MOVW_ABS_NC", 48: "R_ARM_THM_MOVT_ABS",
    ]

    static func name(machine: UInt16, type: UInt32) -> String {
        let table: [UInt32: String]
        switch machine {
        case 62: table = x86_64
        case 3: table = i386
        case 183: table = aarch64
        case 40: table = arm
        default: table = [:]
        }
        return table[type] ?? "type \(type)"
    }

    /// Relocations that go through the GOT or PLT.
    static func usesGotOrPlt(name: String) -> Bool {
        name.contains("GOT") || name.contains("PLT") || name.hasSuffix("JUMP_SLOT")
            || name.hasSuffix("JMP_SLOT")
    }
}
