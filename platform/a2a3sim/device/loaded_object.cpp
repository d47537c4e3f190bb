#include "loaded_object.h"

#include <dlfcn.h>
#include <unistd.h>

#include <cstdio>

#include "pto_status.h"

namespace {

std::string fd_path(int fd) {
    char path[64];
    std::snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    return path;
}

}  // namespace

LoadedObject::~LoadedObject() {
    if (handle_ != nullptr) {
        dlclose(handle_);
        // An object that stays mapped after dlclose (unique symbols make it
        // non-deletable) keeps its path: its descriptor stays open, reserved.
        if (void* still = dlopen(fd_path(fd_).c_str(), RTLD_LAZY | RTLD_NOLOAD)) {
            dlclose(still);
            return;
        }
    }
    if (fd_ >= 0) close(fd_);
}

int LoadedObject::open(int fd, const char* what, std::string* message) {
    fd_ = fd;
    dlerror();
    handle_ = dlopen(fd_path(fd).c_str(), RTLD_NOW | RTLD_LOCAL);
    if (handle_ == nullptr) {
        const char* error = dlerror();
        *message = std::string(what) +
                   ": not a loadable shared object: " + (error ? error : "unknown dlopen error");
        return PTO_ERR_LOAD_BINARY;
    }
    return 0;
}

int LoadedObject::resolve(const char* symbol, const char* what, void** address,
                          std::string* message) const {
    dlerror();
    void* found = handle_ ? dlsym(handle_, symbol) : nullptr;
    if (found == nullptr) {
        *message = std::string(what) + ": symbol `" + symbol +
                   "` not found; it must be exported with C linkage (extern \"C\")";
        return PTO_ERR_SYMBOL_NOT_FOUND;
    }
    *address = found;
    return 0;
}
