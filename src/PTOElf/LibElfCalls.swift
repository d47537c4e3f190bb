// Every raw libelf, libdw and POSIX call of PTOElf lives in this file. Each
// returns a Result whose failure carries the library's own message and the
// file name; the public types turn these into throws.
import CElf

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// An open ELF descriptor with what keeps it valid: a file descriptor or a
/// private copy of the bytes.
struct RawElf {
    var elf: OpaquePointer
    var fd: Int32
    var memory: UnsafeMutableRawPointer?
    var size: Int
}

enum LibElf {
    private static let versionReady: Bool = elf_version(UInt32(EV_CURRENT)) != UInt32(EV_NONE)

    static func elfMessage() -> String {
        guard let text = elf_errmsg(-1) else { return "unknown libelf error" }
        return String(cString: text)
    }

    static func dwflMessage() -> String {
        guard let text = dwfl_errmsg(-1) else { return "unknown libdw error" }
        return String(cString: text)
    }

    static func systemMessage(_ code: Int32) -> String { String(cString: strerror(code)) }

    static func open(path: String) -> Result<RawElf, ElfError> {
        guard versionReady else { return .failure(ElfError(.libelf, file: path, "libelf version mismatch")) }
        var info = stat()
        if stat(path, &info) != 0 {
            return .failure(ElfError(.cannotOpen, file: path, systemMessage(errno)))
        }
        if (info.st_mode & S_IFMT) == S_IFDIR {
            return .failure(ElfError(.notRegularFile, file: path, "is a directory, not an ELF file"))
        }
        let fd = Glibc.open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 { return .failure(ElfError(.cannotOpen, file: path, systemMessage(errno))) }
        if info.st_size == 0 {
            Glibc.close(fd)
            return .failure(ElfError(.empty, file: path, "empty file (0 bytes)"))
        }
        guard let elf = elf_begin(fd, ELF_C_READ_MMAP, nil) else {
            let error = beginFailure(file: path, size: Int(info.st_size))
            Glibc.close(fd)
            return .failure(error)
        }
        return checkKind(RawElf(elf: elf, fd: fd, memory: nil, size: Int(info.st_size)), file: path)
    }

    static func open(bytes: [UInt8], name: String) -> Result<RawElf, ElfError> {
        guard versionReady else { return .failure(ElfError(.libelf, file: name, "libelf version mismatch")) }
        guard !bytes.isEmpty else { return .failure(ElfError(.empty, file: name, "empty file (0 bytes)")) }
        // libelf reads lazily from the buffer, so it needs a copy that lives
        // as long as the descriptor.
        guard let memory = malloc(bytes.count) else {
            return .failure(ElfError(.libelf, file: name, "out of memory copying \(bytes.count) bytes"))
        }
        bytes.withUnsafeBytes { source in
            if let base = source.baseAddress { memory.copyMemory(from: base, byteCount: bytes.count) }
        }
        guard let elf = elf_memory(memory.assumingMemoryBound(to: CChar.self), bytes.count) else {
            free(memory)
            return .failure(beginFailure(file: name, size: bytes.count))
        }
        return checkKind(RawElf(elf: elf, fd: -1, memory: memory, size: bytes.count), file: name)
    }

    /// elf_begin fails on files too short for the header they announce.
    private static func beginFailure(file: String, size: Int) -> ElfError {
        let message = elfMessage()
        if size < 64 {
            return ElfError(
                .malformed, file: file,
                "truncated ELF header (\(size) bytes; the header alone needs 52 or 64): \(message)")
        }
        return ElfError(.libelf, file: file, message)
    }

    private static func checkKind(_ raw: RawElf, file: String) -> Result<RawElf, ElfError> {
        if elf_kind(raw.elf) != ELF_K_ELF {
            close(raw)
            let what =
                raw.size < 16 ? "too short to be ELF (\(raw.size) bytes)" : "not an ELF file (no ELF magic)"
            return .failure(ElfError(.notElf, file: file, what))
        }
        return .success(raw)
    }

    static func close(_ raw: RawElf) {
        elf_end(raw.elf)
        if raw.fd >= 0 { Glibc.close(raw.fd) }
        if let memory = raw.memory { free(memory) }
    }

    static func header(_ raw: RawElf, file: String) -> Result<(GElf_Ehdr, Int32), ElfError> {
        var ehdr = GElf_Ehdr()
        guard gelf_getehdr(raw.elf, &ehdr) != nil else {
            let message = elfMessage()
            if raw.size < 64 {
                return .failure(
                    ElfError(
                        .malformed, file: file,
                        "truncated ELF header (\(raw.size) bytes; the header alone needs 52 or 64)"))
            }
            return .failure(ElfError(.malformed, file: file, "invalid ELF header: \(message)"))
        }
        return .success((ehdr, gelf_getclass(raw.elf)))
    }

    static func sectionCount(_ raw: RawElf, file: String) -> Result<Int, ElfError> {
        var count = 0
        guard elf_getshdrnum(raw.elf, &count) == 0 else {
            return .failure(
                ElfError(.malformed, file: file, "cannot read the section header count: \(elfMessage())"))
        }
        return .success(count)
    }

    static func sectionNameTable(_ raw: RawElf, file: String) -> Result<Int, ElfError> {
        var index = 0
        guard elf_getshdrstrndx(raw.elf, &index) == 0 else {
            return .failure(
                ElfError(.malformed, file: file, "cannot find the section-name string table: \(elfMessage())")
            )
        }
        return .success(index)
    }

    static func sectionHeader(_ raw: RawElf, index: Int, file: String) -> Result<
        (OpaquePointer, GElf_Shdr), ElfError
    > {
        guard let scn = elf_getscn(raw.elf, index) else {
            return .failure(ElfError(.malformed, file: file, "section \(index): \(elfMessage())"))
        }
        var shdr = GElf_Shdr()
        guard gelf_getshdr(scn, &shdr) != nil else {
            return .failure(
                ElfError(.malformed, file: file, "section \(index): invalid header: \(elfMessage())"))
        }
        return .success((scn, shdr))
    }

    /// A string from string-table section `table`, or nil if the offset is
    /// outside it.
    static func string(_ raw: RawElf, table: Int, offset: Int) -> String? {
        guard let text = elf_strptr(raw.elf, table, offset) else { return nil }
        return String(cString: text)
    }

    /// Section contents. `translated` converts to host order (symbols,
    /// relocations); raw bytes are what the file holds.
    static func data(_ scn: OpaquePointer, translated: Bool, file: String, section: String)
        -> Result<UnsafeMutablePointer<Elf_Data>?, ElfError>
    {
        elf_errno()  // clear
        let data = translated ? elf_getdata(scn, nil) : elf_rawdata(scn, nil)
        if data == nil && elf_errno() != 0 {
            return .failure(
                ElfError(
                    .malformed, file: file, "section \(section): cannot read its contents: \(elfMessage())"))
        }
        return .success(data)
    }

    static func bytes(of data: UnsafeMutablePointer<Elf_Data>?) -> [UInt8] {
        guard let data, let buffer = data.pointee.d_buf, data.pointee.d_size > 0 else { return [] }
        return [UInt8](UnsafeRawBufferPointer(start: buffer, count: Int(data.pointee.d_size)))
    }

    static func symbol(_ data: UnsafeMutablePointer<Elf_Data>, index: Int32) -> GElf_Sym? {
        var sym = GElf_Sym()
        return gelf_getsym(data, index, &sym) != nil ? sym : nil
    }

    static func rela(_ data: UnsafeMutablePointer<Elf_Data>, index: Int32) -> GElf_Rela? {
        var rela = GElf_Rela()
        return gelf_getrela(data, index, &rela) != nil ? rela : nil
    }

    static func rel(_ data: UnsafeMutablePointer<Elf_Data>, index: Int32) -> GElf_Rel? {
        var rel = GElf_Rel()
        return gelf_getrel(data, index, &rel) != nil ? rel : nil
    }

    static func writeFile(_ path: String, bytes: [UInt8]) -> Result<Void, ElfError> {
        let fd = Glibc.open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        if fd < 0 { return .failure(ElfError(.write, file: path, systemMessage(errno))) }
        defer { Glibc.close(fd) }
        var written = 0
        while written < bytes.count {
            let n = bytes.withUnsafeBytes { buffer -> Int in
                guard let base = buffer.baseAddress else { return 0 }
                return Glibc.write(fd, base + written, bytes.count - written)
            }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { return .failure(ElfError(.write, file: path, systemMessage(errno))) }
            written += n
        }
        return .success(())
    }

    // MARK: libdwfl (source lines)

    struct Dwfl {
        var session: OpaquePointer
        var module: OpaquePointer
    }

    static func openDebugInfo(path: String) -> Result<Dwfl, ElfError> {
        guard let session = pto_dwfl_begin_offline() else {
            return .failure(ElfError(.libdw, file: path, dwflMessage()))
        }
        dwfl_report_begin(session)
        guard let module = dwfl_report_offline(session, path, path, -1) else {
            let message = dwflMessage()
            dwfl_end(session)
            return .failure(ElfError(.libdw, file: path, message))
        }
        dwfl_report_end(session, nil, nil)
        return .success(Dwfl(session: session, module: module))
    }

    static func closeDebugInfo(_ dwfl: Dwfl) { dwfl_end(dwfl.session) }

    /// Where libdwfl placed the module: its bias, and the relocated Elf.
    static func moduleElf(_ dwfl: Dwfl, file: String) -> Result<(OpaquePointer, UInt64), ElfError> {
        var bias: GElf_Addr = 0
        guard let elf = dwfl_module_getelf(dwfl.module, &bias) else {
            return .failure(ElfError(.libdw, file: file, dwflMessage()))
        }
        return .success((elf, bias))
    }

    /// Address of a named section in libdwfl's (relocated) view of the file.
    static func sectionAddress(elf: OpaquePointer, named name: String) -> UInt64? {
        var shstrndx = 0
        guard elf_getshdrstrndx(elf, &shstrndx) == 0 else { return nil }
        var scn: OpaquePointer? = nil
        while let next = elf_nextscn(elf, scn) {
            scn = next
            var shdr = GElf_Shdr()
            guard gelf_getshdr(next, &shdr) != nil,
                let text = elf_strptr(elf, shstrndx, Int(shdr.sh_name)), String(cString: text) == name
            else { continue }
            return shdr.sh_addr
        }
        return nil
    }

    static func functionName(_ dwfl: Dwfl, address: UInt64) -> String? {
        guard let name = dwfl_module_addrname(dwfl.module, address) else { return nil }
        return String(cString: name)
    }

    static func sourceLine(_ dwfl: Dwfl, address: UInt64) -> (file: String, line: Int)? {
        guard let line = dwfl_module_getsrc(dwfl.module, address) else { return nil }
        var number: Int32 = 0
        guard let file = dwfl_lineinfo(line, nil, &number, nil, nil, nil) else { return nil }
        return (String(cString: file), Int(number))
    }
}
