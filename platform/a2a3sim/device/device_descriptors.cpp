#include "device_descriptors.h"

#include <dlfcn.h>
#include <errno.h>
#include <signal.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <initializer_list>

namespace {

using CloseFn = int (*)(int);
using CloseRangeFn = int (*)(unsigned, unsigned, int);
using Dup2Fn = int (*)(int, int);
using Dup3Fn = int (*)(int, int, int);

// The next definitions (a sanitizer's interceptor, else the C library's),
// found once before any code is loaded.
CloseFn g_close = nullptr;
CloseRangeFn g_close_range = nullptr;
Dup2Fn g_dup2 = nullptr;
Dup3Fn g_dup3 = nullptr;
std::atomic<int> g_control_fd{-1};  // -1: nothing protected yet

thread_local FailKernelFn t_fail_kernel = nullptr;

template <typename F>
F next_definition(const char* name) {
    return reinterpret_cast<F>(dlsym(RTLD_NEXT, name));
}

void resolve_once() {
    if (g_close != nullptr) return;
    g_close_range = next_definition<CloseRangeFn>("close_range");
    g_dup2 = next_definition<Dup2Fn>("dup2");
    g_dup3 = next_definition<Dup3Fn>("dup3");
    g_close = next_definition<CloseFn>("close");
}

bool is_own(int fd) {
    // acquire: pairs with the release store in device_descriptors_protect.
    const int control = g_control_fd.load(std::memory_order_acquire);
    return control >= 0 && (fd == 1 || fd == 2 || fd == control);
}

const char* call_name(DescriptorCall call) {
    switch (call) {
        case DescriptorCall::kClose:
            return "close";
        case DescriptorCall::kCloseRange:
            return "close_range";
        case DescriptorCall::kDup2:
            return "dup2";
        case DescriptorCall::kDup3:
            return "dup3";
    }
    return "a call";
}

// A kernel on this thread fails (and this does not return); anyone else
// is told EBADF. `pc` is inside the call instruction of the caller.
int refuse(DescriptorCall call, int fd, uint64_t pc) {
    const uint64_t detail = (static_cast<uint64_t>(call) << 32) | static_cast<uint32_t>(fd);
    if (t_fail_kernel != nullptr) t_fail_kernel(SIGSYS, pc, detail);
    char line[200];
    int n = std::snprintf(line, sizeof line,
                          "pto_sim_device: %s refused on descriptor %d: it is the simulated "
                          "device's own (%s)\n",
                          call_name(call), fd,
                          fd == 1 ? "stdout" : fd == 2 ? "stderr" : "its control channel");
    if (n > 0) (void)!write(2, line, static_cast<size_t>(n) < sizeof line ? n : sizeof line - 1);
    errno = EBADF;
    return -1;
}

uint64_t caller_pc(void* return_address) {
    return reinterpret_cast<uint64_t>(return_address) - 1;
}

}  // namespace

namespace {

struct OwnCopy {
    int fd = -1;    // the descriptor the device uses
    int copy = -1;  // a duplicate at a high number, never handed out
    dev_t dev = 0;
    ino_t ino = 0;
};
OwnCopy g_own[3];  // stdout, stderr, the control channel; set before any launch

void keep_copy(OwnCopy* own, int fd) {
    struct stat st;
    own->fd = fd;
    own->copy = fcntl(fd, F_DUPFD_CLOEXEC, 900);
    if (fstat(fd, &st) == 0) {
        own->dev = st.st_dev;
        own->ino = st.st_ino;
    }
}

}  // namespace

bool device_descriptors_restore_own(std::string* what) {
    bool changed = false;
    for (OwnCopy& own : g_own) {
        if (own.copy < 0) continue;
        struct stat st;
        const bool intact = fstat(own.fd, &st) == 0 && st.st_dev == own.dev && st.st_ino == own.ino;
        if (intact) continue;
        if (g_dup2 != nullptr) g_dup2(own.copy, own.fd);
        // fclose(stderr) closed libc's stream too: a fresh one on fd 2.
        if (own.fd == 2) {
            if (FILE* again = fdopen(2, "w")) {
                setvbuf(again, nullptr, _IONBF, 0);
                stderr = again;
            }
        }
        if (!what->empty()) *what += ", ";
        *what += own.fd == 1 ? "stdout (fd 1)" : own.fd == 2 ? "stderr (fd 2)" : "control channel";
        changed = true;
    }
    return changed;
}

void device_descriptors_protect(int control_fd) {
    resolve_once();
    keep_copy(&g_own[0], 1);
    keep_copy(&g_own[1], 2);
    keep_copy(&g_own[2], control_fd);
    // release: pairs with the acquire in is_own (the resolved functions
    // are written first).
    g_control_fd.store(control_fd, std::memory_order_release);
}

void device_descriptors_release_in_child() {
    const int control = g_control_fd.exchange(-1, std::memory_order_acq_rel);
    t_fail_kernel = nullptr;
    if (control >= 0 && g_close != nullptr) g_close(control);
}

void device_descriptors_set_kernel_hook(FailKernelFn hook) {
    t_fail_kernel = hook;
}

// The interposed calls. Exported from the program (interposed_symbols.list;
// default visibility, as the program is built with hidden).
extern "C" __attribute__((visibility("default"))) int close(int fd) {
    if (is_own(fd)) return refuse(DescriptorCall::kClose, fd, caller_pc(__builtin_return_address(0)));
    resolve_once();
    return g_close(fd);
}

extern "C" __attribute__((visibility("default"))) int close_range(unsigned first, unsigned last, int flags) {
    // CLOSE_RANGE_CLOEXEC closes nothing now; the device never execs.
    if ((flags & CLOSE_RANGE_CLOEXEC) == 0) {
        for (int fd : {1, 2, g_control_fd.load(std::memory_order_acquire)}) {
            if (is_own(fd) && static_cast<unsigned>(fd) >= first && static_cast<unsigned>(fd) <= last)
                return refuse(DescriptorCall::kCloseRange, fd,
                              caller_pc(__builtin_return_address(0)));
        }
    }
    resolve_once();
    return g_close_range(first, last, flags);
}

extern "C" __attribute__((visibility("default"))) int dup2(int old_fd, int new_fd) {
    if (is_own(new_fd) && old_fd != new_fd)
        return refuse(DescriptorCall::kDup2, new_fd, caller_pc(__builtin_return_address(0)));
    resolve_once();
    return g_dup2(old_fd, new_fd);
}

extern "C" __attribute__((visibility("default"))) int dup3(int old_fd, int new_fd, int flags) {
    if (is_own(new_fd))
        return refuse(DescriptorCall::kDup3, new_fd, caller_pc(__builtin_return_address(0)));
    resolve_once();
    return g_dup3(old_fd, new_fd, flags);
}
