#include "orchestration_object.h"

#include <dlfcn.h>
#include <link.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

OrchestrationObject::~OrchestrationObject() {
    unload();
}

void OrchestrationObject::unload() {
    if (handle_ != nullptr) dlclose(handle_);
    handle_ = nullptr;
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

namespace {

struct RangeQuery {
    uint64_t base;
    uint64_t begin = ~0ull, end = 0;
    bool found = false;
};

int find_range(dl_phdr_info* info, size_t, void* data) {
    auto* q = static_cast<RangeQuery*>(data);
    if (info->dlpi_addr != q->base) return 0;
    for (int i = 0; i < info->dlpi_phnum; ++i) {
        const ElfW(Phdr)& ph = info->dlpi_phdr[i];
        if (ph.p_type != PT_LOAD) continue;
        const uint64_t from = q->base + ph.p_vaddr;
        if (from < q->begin) q->begin = from;
        if (from + ph.p_memsz > q->end) q->end = from + ph.p_memsz;
    }
    q->found = q->end > q->begin;
    return q->found ? 1 : 0;
}

}  // namespace

bool OrchestrationObject::loaded_range(uint64_t* base, uint64_t* begin, uint64_t* end) const {
    link_map* map = nullptr;
    if (handle_ == nullptr || dlinfo(handle_, RTLD_DI_LINKMAP, &map) != 0 || map == nullptr)
        return false;
    RangeQuery q;
    q.base = static_cast<uint64_t>(map->l_addr);
    dl_iterate_phdr(find_range, &q);
    if (!q.found) return false;
    *base = q.base;
    *begin = q.begin;
    *end = q.end;
    return true;
}
