/// Whether an object can run when only its `.text` is copied to device memory
/// and called at the entry symbol: nothing in `.text` may need the linker
/// (relocations), other sections (.rodata, .data, .bss, GOT, PLT) or other
/// objects (undefined symbols).
public struct LoadabilityCheck: Sendable {
    public struct Problem: Sendable, Equatable, Encodable, CustomStringConvertible {
        public enum Kind: String, Sendable, Encodable {
            case relocationInText, referencesOtherSection, usesGotOrPlt, undefinedSymbol
            case missingEntry, entryNotFunction, entryOutsideText, entryNotAtStart, textRelocations
        }
        public var kind: Kind
        public var message: String
        public var description: String { message }
    }

    public var file: String
    public var entrySymbol: String
    public var textSize: Int
    public var entryOffset: UInt64?
    public var problems: [Problem]
    public var loadable: Bool { problems.isEmpty }

    /// - Parameter allowEntryOffset: accept an entry symbol that is not at
    ///   offset 0 of `.text` (for loaders that add the offset).
    public init(file: ElfFile, entrySymbol: String = "kernel_entry", allowEntryOffset: Bool = false)
        throws(ElfError)
    {
        let text = try TextSection(of: file, entrySymbol: entrySymbol)
        self.file = file.name
        self.entrySymbol = entrySymbol
        self.textSize = text.bytes.count
        self.entryOffset = text.entryOffset
        let symbols = try file.symbols()
        let relocations = try file.relocations()
        self.problems =
            Self.textRelocationProblems(relocations, textIndex: text.sectionIndex, in: file)
            + Self.undefinedSymbolProblems(symbols)
            + Self.entryProblems(
                symbols, entrySymbol: entrySymbol, text: text, allowEntryOffset: allowEntryOffset, in: file)
    }

    /// Relocations that patch .text (the linker's work a raw copy lacks), what
    /// they reach through, and dynamic relocations of linked files.
    static func textRelocationProblems(_ relocations: [ElfRelocation], textIndex: Int, in file: ElfFile)
        -> [Problem]
    {
        var problems: [Problem] = []
        for r in relocations where r.targetSectionIndex == textIndex {
            let at = ".text+0x" + String(r.offset, radix: 16)
            let target = describe(r.symbol, in: file)
            problems.append(
                Problem(
                    kind: .relocationInText,
                    message: "relocation \(r.typeName) at \(at) against \(target) needs the linker"))
            if RelocationTypes.usesGotOrPlt(name: r.typeName) {
                problems.append(
                    Problem(
                        kind: .usesGotOrPlt,
                        message:
                            "\(at) reaches \(target) through the GOT/PLT (\(r.typeName)), which is not copied"
                    ))
            } else if let s = r.symbol, !s.isUndefined, Int(s.sectionIndex) != textIndex,
                s.sectionIndex < ElfSymbol.absoluteSection,
                let section = file.sections.element(at: Int(s.sectionIndex))
            {
                problems.append(
                    Problem(
                        kind: .referencesOtherSection,
                        message:
                            "\(at) references \(section.name)\(hint(for: section.name)), which is not copied with .text"
                    ))
            }
        }
        // Linked files: relocations the dynamic loader applies to .text.
        if !file.header.isRelocatable, let text = file.section(named: ".text") {
            let end = text.address &+ text.size
            let inText = relocations.filter {
                $0.offset >= text.address && $0.offset < end && $0.targetSectionIndex != textIndex
            }
            if !inText.isEmpty {
                problems.append(
                    Problem(
                        kind: .textRelocations,
                        message: "\(inText.count) dynamic relocation(s) patch .text at load time"))
            }
        }
        return problems
    }

    /// Each undefined symbol once: .text alone cannot reach what it names.
    static func undefinedSymbolProblems(_ symbols: [ElfSymbol]) -> [Problem] {
        var problems: [Problem] = []
        var seenUndefined = Set<String>()
        for s in symbols where s.isUndefined && !s.name.isEmpty && seenUndefined.insert(s.name).inserted {
            problems.append(
                Problem(
                    kind: .undefinedSymbol,
                    message:
                        "undefined symbol `\(s.name)` must come from another object; .text alone cannot reach it"
                ))
        }
        return problems
    }

    /// The entry symbol: defined, a function, in .text, at its start unless allowed elsewhere.
    static func entryProblems(
        _ symbols: [ElfSymbol], entrySymbol: String, text: TextSection, allowEntryOffset: Bool,
        in file: ElfFile
    ) -> [Problem] {
        guard let entry = symbols.first(where: { $0.name == entrySymbol && !$0.isUndefined }) else {
            return [Problem(kind: .missingEntry, message: "entry symbol `\(entrySymbol)` is not defined")]
        }
        var problems: [Problem] = []
        if !entry.isFunction {
            problems.append(
                Problem(
                    kind: .entryNotFunction,
                    message: "entry symbol `\(entrySymbol)` is \(entry.typeName), not a function"))
        }
        if Int(entry.sectionIndex) != text.sectionIndex {
            let section = file.sections.element(at: Int(entry.sectionIndex))?.name ?? entry.sectionColumn
            problems.append(
                Problem(
                    kind: .entryOutsideText,
                    message: "entry symbol `\(entrySymbol)` is defined in \(section), not in .text"))
        } else if let offset = text.entryOffset, offset != 0, !allowEntryOffset {
            problems.append(
                Problem(
                    kind: .entryNotAtStart,
                    message:
                        "entry symbol `\(entrySymbol)` is at .text+0x\(String(offset, radix: 16)), not at offset 0; a loader that calls the start of .text runs the wrong code (use --allow-entry-offset if yours adds the offset)"
                ))
        }
        return problems
    }
}

private func describe(_ symbol: ElfSymbol?, in file: ElfFile) -> String {
    guard let s = symbol else { return "no symbol" }
    if s.type == 3, let section = file.sections.element(at: Int(s.sectionIndex)) {
        return "section \(section.name)"
    }
    return "`\(s.name)`"
}

private func hint(for section: String) -> String {
    if section.hasPrefix(".rodata") { return " (constants or string literals)" }
    if section.hasPrefix(".bss") { return " (zero-initialised globals)" }
    if section.hasPrefix(".data") { return " (initialised globals)" }
    return ""
}
