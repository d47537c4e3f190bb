#include "orchestration_object.h"

#include <dlfcn.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

OrchestrationObject::~OrchestrationObject() {
    if (handle_ != nullptr) dlclose(handle_);
}

int OrchestrationObject::load(const void* bytes, size_t size, char* message, size_t message_size) {
    int fd = memfd_create("pto-orchestration", MFD_CLOEXEC);
    if (fd < 0) {
        std::snprintf(message, message_size,
                      "cannot create a file for the orchestration object: %s",
                      std::strerror(errno));
        return -1;
    }
    const auto* p = static_cast<const uint8_t*>(bytes);
    size_t left = size;
    while (left > 0) {
        ssize_t n = write(fd, p, left);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            std::snprintf(message, message_size, "cannot write the orchestration object: %s",
                          std::strerror(errno));
            close(fd);
            return -1;
        }
        p += n;
        left -= static_cast<size_t>(n);
    }
    char path[64];
    std::snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    // RTLD_LOCAL: two launches' objects (or two versions) never see each
    // other's symbols.
    handle_ = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    close(fd);
    if (handle_ == nullptr) {
        const char* why = dlerror();
        std::snprintf(message, message_size, "the orchestration object did not load: %s",
                      why ? why : "unknown reason");
        return -1;
    }
    return 0;
}

void* OrchestrationObject::symbol(const char* name) const {
    return handle_ == nullptr ? nullptr : dlsym(handle_, name);
}
