// Checks that bytes handed over as a shared object are one whole: the ELF
// header, the program headers and every loadable segment's bytes lie inside
// the size given. dlopen maps segments straight from the file, so a
// truncated object would otherwise fault inside dlopen (SIGBUS on a page
// past the end of the file) instead of failing.
#pragma once

#include <cstddef>
#include <cstdint>

// 0, or PTO_ERR_LOAD_BINARY with "<what>: not a loadable shared object (N
// bytes): <reason>" in `message`.
int check_shared_object_bytes(const uint8_t* bytes, size_t size, const char* what, char* message,
                              size_t message_size);
