// What the simulator's fault handlers (the AICore executor's kernel fault
// capture, the device program's last words) read from a signal: the
// instruction that raised it, and handing a signal on to the handler that
// was installed before theirs.
#pragma once

#include <signal.h>
#include <ucontext.h>

#include <cstdint>

// The faulting instruction of a signal's context (0 where unknown).
inline uint64_t signal_context_pc(void* context) {
    auto* uc = static_cast<ucontext_t*>(context);
#if defined(__x86_64__)
    return static_cast<uint64_t>(uc->uc_mcontext.gregs[REG_RIP]);
#elif defined(__aarch64__)
    return static_cast<uint64_t>(uc->uc_mcontext.pc);
#else
    (void)uc;
    return 0;
#endif
}

// Calls the handler `prev` names, if it names one (a sanitizer's, say); true
// when it did. False: the previous disposition was the default (or ignore).
inline bool call_previous_handler(const struct sigaction& prev, int sig, siginfo_t* info,
                                  void* context) {
    if ((prev.sa_flags & SA_SIGINFO) != 0 && prev.sa_sigaction != nullptr) {
        prev.sa_sigaction(sig, info, context);
        return true;
    }
    if (prev.sa_handler != SIG_DFL && prev.sa_handler != SIG_IGN && prev.sa_handler != nullptr) {
        prev.sa_handler(sig);
        return true;
    }
    return false;
}
