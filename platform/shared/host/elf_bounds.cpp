#include "elf_bounds.h"

#include <elf.h>

#include <cstdio>
#include <cstring>

#include "pto_status.h"

namespace {

int refuse(const char* what, size_t size, const char* reason, char* message, size_t message_size) {
    std::snprintf(message, message_size, "%s: not a loadable shared object (%zu bytes): %s", what,
                  size, reason);
    return PTO_ERR_LOAD_BINARY;
}

// [offset, offset + length) inside `size`, without overflow.
bool inside(uint64_t offset, uint64_t length, size_t size) {
    return offset <= size && length <= size - offset;
}

}  // namespace

int check_shared_object_bytes(const uint8_t* bytes, size_t size, const char* what, char* message,
                              size_t message_size) {
    if (bytes == nullptr || size == 0) {
        std::snprintf(message, message_size, "%s: no bytes given (empty binary)", what);
        return PTO_ERR_INVALID_ARGUMENT;
    }
    Elf64_Ehdr header;
    if (size < sizeof header) {
        return refuse(what, size, "too short for an ELF header", message, message_size);
    }
    std::memcpy(&header, bytes, sizeof header);
    if (std::memcmp(header.e_ident, ELFMAG, SELFMAG) != 0) {
        return refuse(what, size, "no ELF magic at its start", message, message_size);
    }
    if (header.e_ident[EI_CLASS] != ELFCLASS64) {
        return refuse(what, size, "not a 64-bit ELF object", message, message_size);
    }
    if (header.e_phentsize != sizeof(Elf64_Phdr) ||
        !inside(header.e_phoff, static_cast<uint64_t>(header.e_phnum) * sizeof(Elf64_Phdr), size)) {
        return refuse(what, size, "its program headers lie outside its bytes (truncated?)", message,
                      message_size);
    }
    for (unsigned i = 0; i < header.e_phnum; ++i) {
        Elf64_Phdr segment;
        std::memcpy(&segment, bytes + header.e_phoff + i * sizeof segment, sizeof segment);
        if (segment.p_type == PT_LOAD && !inside(segment.p_offset, segment.p_filesz, size)) {
            char reason[200];
            std::snprintf(reason, sizeof reason,
                          "loadable segment %u needs bytes up to %llu (truncated: rebuild it, or "
                          "check the copy)",
                          i, static_cast<unsigned long long>(segment.p_offset + segment.p_filesz));
            return refuse(what, size, reason, message, message_size);
        }
    }
    return 0;
}
