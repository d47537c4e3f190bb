#include "shared_object_from_bytes.h"

#include <dlfcn.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "elf_bounds.h"
#include "pto_status.h"

LoadedSharedObject& LoadedSharedObject::operator=(LoadedSharedObject&& other) noexcept {
    if (this != &other) {
        reset();
        handle_ = other.handle_;
        fd_ = other.fd_;
        other.handle_ = nullptr;
        other.fd_ = -1;
    }
    return *this;
}

namespace {

void fd_path(int fd, char* path, size_t size) {
    std::snprintf(path, size, "/proc/self/fd/%d", fd);
}

}  // namespace

void LoadedSharedObject::reset() {
    if (handle_ != nullptr) {
        dlclose(handle_);
        handle_ = nullptr;
        // An object that stays mapped after dlclose (unique symbols make it
        // non-deletable) keeps its path: its fd then stays open, reserved.
        char path[64];
        fd_path(fd_, path, sizeof path);
        if (void* still = dlopen(path, RTLD_LAZY | RTLD_NOLOAD)) {
            dlclose(still);
            fd_ = -1;
            return;
        }
    }
    if (fd_ >= 0) close(fd_);
    fd_ = -1;
}

int LoadedSharedObject::load(const uint8_t* bytes, size_t size, const char* what, char* message,
                             size_t message_size) {
    reset();
    int rc = check_shared_object_bytes(bytes, size, what, message, message_size);
    if (rc != 0) return rc;
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
            std::snprintf(message, message_size, "%s: writing %zu bytes to memfd failed: %s", what,
                          size, std::strerror(errno));
            close(fd);
            return PTO_ERR_LOAD_BINARY;
        }
        written += static_cast<size_t>(n);
    }
    char path[64];
    fd_path(fd, path, sizeof path);
    dlerror();
    handle_ = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (handle_ == nullptr) {
        close(fd);
        const char* err = dlerror();
        std::snprintf(message, message_size, "%s: not a loadable shared object (%zu bytes): %s",
                      what, size, err ? err : "unknown dlopen error");
        return PTO_ERR_LOAD_BINARY;
    }
    fd_ = fd;
    return 0;
}

int LoadedSharedObject::resolve(const char* symbol, const char* what, void** address, char* message,
                                size_t message_size) const {
    dlerror();
    void* sym = handle_ ? dlsym(handle_, symbol) : nullptr;
    if (sym == nullptr) {
        std::snprintf(message, message_size,
                      "%s: symbol `%s` not found; it must be exported "
                      "with C linkage (extern \"C\")",
                      what, symbol);
        return PTO_ERR_SYMBOL_NOT_FOUND;
    }
    *address = sym;
    return 0;
}
