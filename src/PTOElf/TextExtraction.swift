/// The `.text` of an object, as the device loader copies it, and where the
/// entry point sits inside it.
public struct TextSection: Sendable, Equatable {
    public var bytes: [UInt8]
    public var sectionIndex: Int
    /// The entry symbol's offset inside `.text`, if the symbol is there.
    public var entryOffset: UInt64?
    public var entrySymbol: String

    public init(of file: ElfFile, entrySymbol: String = "kernel_entry") throws(ElfError) {
        guard let text = file.section(named: ".text") else {
            throw ElfError(.noSuchSection, file: file.name, "has no .text section")
        }
        self.bytes = try file.contents(of: text)
        self.sectionIndex = text.index
        self.entrySymbol = entrySymbol
        let symbol = try file.symbols().first {
            $0.name == entrySymbol && !$0.isUndefined && Int($0.sectionIndex) == text.index
        }
        // In relocatable objects a symbol's value is its offset in its
        // section; in linked files it is an address.
        self.entryOffset = symbol.map { file.header.isRelocatable ? $0.value : $0.value &- text.address }
    }
}
