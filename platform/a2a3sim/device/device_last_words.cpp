#include "device_last_words.h"

#include <execinfo.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <ucontext.h>
#include <unistd.h>

#include <atomic>
#include <cstring>

#include "device_channel.h"
#include "signal_context.h"
#include "sim_device_protocol.h"

namespace {

constexpr int kFatalSignals[] = {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGTRAP, SIGABRT};
constexpr int kFatalCount = sizeof kFatalSignals / sizeof kFatalSignals[0];
// What was there before (a sanitizer's handler, or the default): it takes
// over once the words are sent, so the process ends as it would have.
struct sigaction g_previous[kFatalCount];

int g_control_fd = -1;
// Only the first thread to end the process speaks (a second fault while the
// first is being reported, or exit() racing a signal).
std::atomic<int> g_spoken{0};

// Fills the frames and sends. backtrace() was called once at install, so
// its unwinder is loaded and it does not allocate here.
void speak(DeviceLastWords* words) {
    void* frames[kLastWordsFrames + 2];
    int n = backtrace(frames, kLastWordsFrames + 2);
    // The innermost frames are this function and its caller (the handler).
    int skip = n > 2 ? 2 : 0;
    words->frame_count = 0;
    for (int i = skip; i < n && words->frame_count < kLastWordsFrames; ++i) {
        words->frames[words->frame_count++] = reinterpret_cast<uint64_t>(frames[i]);
    }
    words->thread_id = static_cast<int32_t>(syscall(SYS_gettid));
    // Bounded: a host that stopped reading does not keep this process alive.
    channel_send_within(g_control_fd, static_cast<uint32_t>(DeviceReply::kLastWords), 0, words,
                        sizeof *words, nullptr, 0, 1000);
}

void on_fatal_signal(int sig, siginfo_t* info, void* context) {
    if (g_spoken.exchange(1) == 0) {
        DeviceLastWords words{};
        words.kind = static_cast<int32_t>(LastWordsKind::kSignal);
        words.code = sig;
        words.fault_address = reinterpret_cast<uint64_t>(info->si_addr);
        words.pc = sig == SIGABRT ? 0 : signal_context_pc(context);
        speak(&words);
    }
    int slot = 0;
    while (slot < kFatalCount - 1 && kFatalSignals[slot] != sig) ++slot;
    const struct sigaction& prev = g_previous[slot];
    sigaction(sig, &prev, nullptr);
    if (call_previous_handler(prev, sig, info, context)) return;
    // The default action now (SA_NODEFER: the signal is not blocked here).
    raise(sig);
}

void on_exit_called(int status, void*) {
    if (g_spoken.exchange(1) != 0) return;
    DeviceLastWords words{};
    words.kind = static_cast<int32_t>(LastWordsKind::kExit);
    words.code = status;
    speak(&words);
}

}  // namespace

void device_last_words_silence() {
    g_spoken.store(1);
}

void device_last_words_install(int control_fd) {
    g_control_fd = control_fd;
    void* warm[1];
    backtrace(warm, 1);
    struct sigaction action;
    std::memset(&action, 0, sizeof action);
    action.sa_sigaction = on_fatal_signal;
    // On the thread's signal stack where it has one (pool threads do): a
    // fault that overflowed the stack is reported too.
    action.sa_flags = SA_SIGINFO | SA_NODEFER | SA_ONSTACK;
    sigemptyset(&action.sa_mask);
    for (int i = 0; i < kFatalCount; ++i) sigaction(kFatalSignals[i], &action, &g_previous[i]);
    // The device itself ends with _exit(): only code it loaded calls exit().
    on_exit(on_exit_called, nullptr);
}
