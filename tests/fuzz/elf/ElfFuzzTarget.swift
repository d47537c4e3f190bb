// libFuzzer entry for the PTOElf library: any bytes, read as an ELF image,
// must give either data or an ElfError, never a crash. Built by
// `make fuzz-elf` together with the library sources, with -sanitize=fuzzer.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzElf(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    guard let file = try? ElfFile(bytes: bytes, name: "fuzz-input") else { return 0 }
    _ = try? file.symbols()
    _ = try? file.relocations()
    for section in file.sections { _ = try? file.contents(of: section) }
    _ = try? TextSection(of: file)
    _ = try? LoadabilityCheck(file: file)
    return 0
}
