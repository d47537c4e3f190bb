#include "device_forked_copy.h"

#include <pthread.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>

#include "device_descriptors.h"
#include "device_last_words.h"

namespace {

uint64_t g_memory_base = 0;
uint64_t g_memory_bytes = 0;

// Runs in the child of every fork() in this process, before fork returns
// there (only async-signal-safe calls).
void in_forked_copy() {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    device_last_words_silence();
    device_descriptors_release_in_child();
    if (g_memory_bytes != 0) {
        mprotect(reinterpret_cast<void*>(g_memory_base), g_memory_bytes, PROT_NONE);
    }
}

}  // namespace

void device_forked_copy_install(uint64_t memory_base, uint64_t memory_bytes) {
    g_memory_base = memory_base;
    g_memory_bytes = memory_bytes;
    pthread_atfork(nullptr, nullptr, in_forked_copy);
}
