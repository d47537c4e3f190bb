/// Why an ELF file could not be read. Every case names the file; library
/// failures carry libelf's or libdw's own message.
public struct ElfError: Error, Equatable, CustomStringConvertible {
    public enum Kind: String, Sendable, Equatable {
        case cannotOpen, notRegularFile, empty, notElf, malformed, libelf, libdw, noSuchSection
        case write
    }

    public var kind: Kind
    public var file: String
    public var message: String

    public init(_ kind: Kind, file: String, _ message: String) {
        self.kind = kind
        self.file = file
        self.message = message
    }

    public var description: String { "\(file): \(message)" }
}
