/// Function, file and line for addresses of an object, through libdw
/// (libdwfl applies the relocations of relocatable objects' debug info).
/// Owns its libdwfl session and ends it when released.
public final class SourceLocator {
    public struct Location: Sendable, Equatable, Encodable {
        public var address: UInt64
        public var function: String?
        public var file: String?
        public var line: Int?
    }

    public let path: String
    private let dwfl: LibElf.Dwfl
    /// Added to user addresses: where libdwfl placed the module.
    private let base: UInt64

    /// Addresses are offsets into `.text` for relocatable objects (as
    /// binutils' addr2line reads them) and file addresses otherwise.
    public init(path: String) throws(ElfError) {
        let file = try ElfFile(path: path)
        let dwfl = try LibElf.openDebugInfo(path: path).get()
        do {
            let (elf, bias) = try LibElf.moduleElf(dwfl, file: path).get()
            if file.header.isRelocatable {
                base = (LibElf.sectionAddress(elf: elf, named: ".text") ?? 0) &+ bias
            } else {
                base = bias
            }
        } catch {
            LibElf.closeDebugInfo(dwfl)
            throw error
        }
        self.dwfl = dwfl
        self.path = path
    }

    deinit { LibElf.closeDebugInfo(dwfl) }

    public func locate(_ address: UInt64) -> Location {
        let placed = address &+ base
        let source = LibElf.sourceLine(dwfl, address: placed)
        return Location(
            address: address, function: LibElf.functionName(dwfl, address: placed),
            file: source?.file, line: source?.line)
    }
}
