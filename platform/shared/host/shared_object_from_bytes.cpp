#include "shared_object_from_bytes.h"

#include <dlfcn.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "pto_status.h"

LoadedSharedObject& LoadedSharedObject::operator=(LoadedSharedObject&& other) noexcept {
    if (this != &other) {
        reset();
        handle_ = other.handle_;
        other.handle_ = nullptr;
    }
    return *this;
}

void LoadedSharedObject::reset() {
    if (handle_ != nullptr) dlclose(handle_);
    handle_ = nullptr;
}

int LoadedSharedObject::load(const uint8_t* bytes, size_t size, const char* what, char* message,
                             size_t message_size) {
    reset();
    if (bytes == nullptr || size == 0) {
        std::snprintf(message, message_size, "%s: no bytes given (empty binary)", what);
        return PTO_ERR_INVALID_ARGUMENT;
    }
    int fd = memfd_create(what, MFD_CLOEXEC);
    if (fd < 0) {
        std::snprintf(message, message_size, "%s: memfd_create failed: %s", what,
                      std::strerror(errno));
        return PTO_ERR_LOAD_BINARY;
    }
    size_t written = 0;
    while (written < size) {
        ssize_t n = write(fd, bytes + written, size - written);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            std::snprintf(message, message_size, "%s: writing %zu bytes to memfd failed: %s",
                          what, size, std::strerror(errno));
            close(fd);
            return PTO_ERR_LOAD_BINARY;
        }
        written += static_cast<size_t>(n);
    }
    char path[64];
    std::snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    dlerror();
    handle_ = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    close(fd);  // the mapping keeps the contents alive
    if (handle_ == nullptr) {
        const char* err = dlerror();
        std::snprintf(message, message_size, "%s: not a loadable shared object (%zu bytes): %s",
                      what, size, err ? err : "unknown dlopen error");
        return PTO_ERR_LOAD_BINARY;
    }
    return 0;
}

int LoadedSharedObject::resolve(const char* symbol, const char* what, void** address,
                                char* message, size_t message_size) const {
    dlerror();
    void* sym = handle_ ? dlsym(handle_, symbol) : nullptr;
    if (sym == nullptr) {
        std::snprintf(message, message_size, "%s: symbol `%s` not found; it must be exported "
                      "with C linkage (extern \"C\")", what, symbol);
        return PTO_ERR_SYMBOL_NOT_FOUND;
    }
    *address = sym;
    return 0;
}
