// Which threads started other threads: the device program defines (and
// exports, interposed_symbols.list) pthread_create, counting per creating
// thread, so a runtime can tell whether its orchestration left a thread
// behind (one that may still call it) without any cost per task. The
// runtime asks through pto_sim_threads_started_here, found with dlsym: on a
// device without this program it is absent and nothing is counted.
#pragma once

#include <cstdint>

// Threads the calling thread has started, ever.
extern "C" uint64_t pto_sim_threads_started_here();
