// Kernel calls with fault capture on the simulator.
//
// Workers run in the simulated device's process. While a worker thread is
// inside a kernel, a thread-local jump buffer is armed. The fault handler (installed for the length
// of a launch by sim_aicore_install_fault_handlers) records the signal, the faulting instruction
// and address, and jumps back out of the kernel; a fault outside any kernel goes to whatever
// handler was there before, so the runtime's own bugs still crash loudly (ending the device
// process, which the host reports).
#include "kernel_call.h"

#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <ucontext.h>
#if defined(__aarch64__)
#include <asm/sigcontext.h>  // ESR_MAGIC, esr_context
#endif

#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <mutex>

#include "export.h"
#include "signal_context.h"

namespace {

constexpr int kSignals[] = {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGTRAP};
constexpr int kSignalCount = sizeof kSignals / sizeof kSignals[0];

struct ArmedCall {
    sigjmp_buf jump;
    KernelFault fault;
};

// What a worker thread sets up once per launch: the signal mask it runs
// kernels with (restored after a fault, see restore_mask_after_fault) and the
// stack its fault handler runs on.
struct WorkerSignalState {
    sigset_t mask;
    uint64_t stack_low = 0;  // the lowest address of the thread's stack (0: unknown)
    alignas(16) char alt_stack[64 * 1024];
};
// Below a stack lies its guard: a fault this close under it is an overflow.
constexpr uint64_t kStackGuardReach = 1 << 20;

// Initial-exec although this object is loaded with dlopen: the first touch of
// dynamic TLS in a thread may allocate (not async-signal-safe, and the signal
// handler reads these), and LeakSanitizer misreads the dynamic TLS of threads
// that outlive a launch (the simulator keeps its threads) and aborts. Two
// pointers fit glibc's static TLS reserve for dlopen'ed objects.
__attribute__((tls_model("initial-exec"))) thread_local ArmedCall* t_armed = nullptr;
__attribute__((tls_model("initial-exec"))) thread_local WorkerSignalState* t_state = nullptr;

struct sigaction g_previous[kSignalCount];
std::mutex g_install_mutex;
int g_installed = 0;  // launches running with the handlers (guarded by the mutex)

// Whether the faulting instruction read or wrote its address, from the
// processor's fault syndrome in the signal context.
int faulting_access(int sig, void* context) {
    if (sig != SIGSEGV && sig != SIGBUS) return kAccessUnknown;
    auto* uc = static_cast<ucontext_t*>(context);
#if defined(__x86_64__)
    // The page-fault error code: bit 1 set for a write.
    return (uc->uc_mcontext.gregs[REG_ERR] & 2) != 0 ? kAccessWrite : kAccessRead;
#elif defined(__aarch64__)
    // The ESR record in the context's extension area: WnR (bit 6) for a
    // data abort.
    const auto* head = reinterpret_cast<const _aarch64_ctx*>(uc->uc_mcontext.__reserved);
    while (head->magic != 0 && head->size != 0) {
        if (head->magic == ESR_MAGIC) {
            const uint64_t esr = reinterpret_cast<const esr_context*>(head)->esr;
            return (esr & (1u << 6)) != 0 ? kAccessWrite : kAccessRead;
        }
        head = reinterpret_cast<const _aarch64_ctx*>(reinterpret_cast<const char*>(head) +
                                                     head->size);
    }
    return kAccessUnknown;
#else
    (void)uc;
    return kAccessUnknown;
#endif
}

int slot_of(int sig) {
    for (int i = 0; i < kSignalCount; ++i) {
        if (kSignals[i] == sig) return i;
    }
    return -1;
}

void on_fault(int sig, siginfo_t* info, void* context) {
    ArmedCall* armed = t_armed;
    if (armed != nullptr) {
        t_armed = nullptr;
        armed->fault.signal = sig;
        armed->fault.pc = signal_context_pc(context);
        armed->fault.address = reinterpret_cast<uint64_t>(info->si_addr);
        armed->fault.access = faulting_access(sig, context);
        // A data address just under this thread's stack: the kernel overflowed it.
        const uint64_t low = t_state != nullptr ? t_state->stack_low : 0;
        if (sig == SIGSEGV && low != 0 && armed->fault.address < low &&
            low - armed->fault.address <= kStackGuardReach) {
            armed->fault.access |= kAccessStackOverflow;
        }
        siglongjmp(armed->jump, 1);
    }
    // Not a kernel: hand over to the previous disposition.
    int slot = slot_of(sig);
    const struct sigaction& prev = g_previous[slot < 0 ? 0 : slot];
    if (call_previous_handler(prev, sig, info, context)) return;
    // Default action: restore it and let the instruction fault again.
    signal(sig, SIG_DFL);
}

// After a fault the handler jumped here, and the thread may be left with
// signals blocked that it did not block before: the kernel delivers a signal
// with its own number blocked unless SA_NODEFER (set below), and an
// interposed handler (ThreadSanitizer's) blocks every signal around ours.
// A fault signal left blocked would kill the process at this thread's next
// fault, so the mask the thread had before the call is put back.
void restore_mask_after_fault() {
    if (t_state != nullptr) {
        pthread_sigmask(SIG_SETMASK, &t_state->mask, nullptr);
        return;
    }
    sigset_t faults;
    sigemptyset(&faults);
    for (int sig : kSignals) sigaddset(&faults, sig);
    pthread_sigmask(SIG_UNBLOCK, &faults, nullptr);
}

// Set in the child of a fork(): a kernel that forked and did not exec
// returns here in a copy of the device, which must not go on as a worker
// (device_forked_copy.h in the device program).
std::atomic<bool> g_forked_copy{false};

void mark_forked_copy() {
    g_forked_copy.store(true, std::memory_order_relaxed);
}

void end_if_forked_copy() {
    // relaxed: set in this very process before fork() returned here.
    if (g_forked_copy.load(std::memory_order_relaxed)) _exit(0);
}

}  // namespace

bool pto_call_kernel(uint64_t entry, int64_t* args, KernelFault* fault) {
    ArmedCall armed;
    armed.fault = KernelFault{0, 0, 0, kAccessUnknown};
    // The signal mask is not saved here (a system call per task otherwise,
    // most of a no-op task's cost); the rare fault path restores it.
    if (sigsetjmp(armed.jump, 0) != 0) {
        end_if_forked_copy();
        restore_mask_after_fault();
        *fault = armed.fault;
        return false;
    }
    t_armed = &armed;
    reinterpret_cast<void (*)(int64_t*)>(entry)(args);
    t_armed = nullptr;
    end_if_forked_copy();
    *fault = KernelFault{0, 0, 0, kAccessUnknown};
    return true;
}

// The device program's descriptor guard calls this when the kernel on this
// thread tries to close or replace one of the device's own descriptors: the
// kernel fails as a fault would (SIGSYS; `pc` inside its call, `detail` the
// call and descriptor), and this does not return. False when no kernel
// runs on this thread.
extern "C" PTO_EXPORT bool sim_aicore_fail_kernel(int signal, uint64_t pc, uint64_t detail) {
    ArmedCall* armed = t_armed;
    if (armed == nullptr) return false;
    t_armed = nullptr;
    armed->fault.signal = signal;
    armed->fault.pc = pc;
    armed->fault.address = detail;
    armed->fault.access = kAccessUnknown;
    siglongjmp(armed->jump, 1);
}

// Every worker thread runs its handler on its own stack, so a kernel that
// overflowed its stack can still be reported. A pool thread sets this up the
// first time it runs a worker and keeps it for its life (two system calls
// per worker per launch otherwise); the stack is freed when the thread ends.
pthread_key_t state_key() {
    static pthread_key_t key = [] {
        pthread_key_t k;
        pthread_key_create(&k, [](void* state) {
            stack_t st{};
            st.ss_flags = SS_DISABLE;
            sigaltstack(&st, nullptr);
            t_state = nullptr;
            std::free(state);
        });
        return k;
    }();
    return key;
}

extern "C" void sim_aicore_thread_setup() {
    if (t_state != nullptr) return;
    auto* state = static_cast<WorkerSignalState*>(std::malloc(sizeof(WorkerSignalState)));
    if (state == nullptr) return;
    pthread_sigmask(SIG_BLOCK, nullptr, &state->mask);
    state->stack_low = 0;
    pthread_attr_t attr;
    if (pthread_getattr_np(pthread_self(), &attr) == 0) {
        void* low = nullptr;
        size_t size = 0;
        if (pthread_attr_getstack(&attr, &low, &size) == 0) {
            state->stack_low = reinterpret_cast<uint64_t>(low);
        }
        pthread_attr_destroy(&attr);
    }
    stack_t st{};
    st.ss_sp = state->alt_stack;
    st.ss_size = sizeof state->alt_stack;
    st.ss_flags = 0;
    sigaltstack(&st, nullptr);
    t_state = state;
    pthread_setspecific(state_key(), state);
}

// Called by the launcher around each launch; concurrent launches nest.
extern "C" PTO_EXPORT void sim_aicore_install_fault_handlers() {
    static std::once_flag fork_watch;
    std::call_once(fork_watch, [] { pthread_atfork(nullptr, nullptr, mark_forked_copy); });
    std::lock_guard<std::mutex> lock(g_install_mutex);
    if (g_installed++ > 0) return;
    struct sigaction action;
    std::memset(&action, 0, sizeof action);
    action.sa_sigaction = on_fault;
    action.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER;
    sigemptyset(&action.sa_mask);
    for (int i = 0; i < kSignalCount; ++i) sigaction(kSignals[i], &action, &g_previous[i]);
}

extern "C" PTO_EXPORT void sim_aicore_restore_fault_handlers() {
    std::lock_guard<std::mutex> lock(g_install_mutex);
    if (g_installed == 0 || --g_installed > 0) return;
    for (int i = 0; i < kSignalCount; ++i) sigaction(kSignals[i], &g_previous[i], nullptr);
}
