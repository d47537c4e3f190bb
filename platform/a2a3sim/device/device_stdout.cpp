#include "device_stdout.h"

#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>

namespace {

// Written by whichever thread's printf flushes (stdio serialises them), read
// by the thread that answers a launch after flushing.
std::atomic<char> g_last{'\n'};

ssize_t write_out(void*, const char* data, size_t size) {
    size_t done = 0;
    while (done < size) {
        ssize_t n = write(1, data + done, size - done);
        if (n < 0) {
            if (errno == EINTR) continue;
            return done > 0 ? static_cast<ssize_t>(done) : -1;
        }
        done += static_cast<size_t>(n);
    }
    // Pairs with the acquire load in device_stdout_end_line.
    if (size > 0) g_last.store(data[size - 1], std::memory_order_release);
    return static_cast<ssize_t>(size);
}

// Set when code the device loaded fclose()s stdout (the stream is gone).
std::atomic<bool> g_closed{false};

int on_close(void*) {
    g_closed.store(true, std::memory_order_release);
    return 0;
}

}  // namespace

bool device_stdout_reinstall_if_closed() {
    // acquire: pairs with the release store in on_close.
    if (!g_closed.exchange(false, std::memory_order_acq_rel)) return false;
    device_stdout_install();
    return true;
}

void device_stdout_install() {
    cookie_io_functions_t io{};
    io.write = write_out;
    io.close = on_close;
    if (FILE* stream = fopencookie(nullptr, "w", io)) {
        setvbuf(stream, nullptr, _IOLBF, 0);
        stdout = stream;
    } else {
        setvbuf(stdout, nullptr, _IOLBF, 0);
    }
}

void device_stdout_end_line() {
    std::fflush(stdout);
    if (g_last.load(std::memory_order_acquire) != '\n') {
        std::fputc('\n', stdout);
        std::fflush(stdout);
    }
}
