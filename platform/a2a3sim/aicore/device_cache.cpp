// The simulator's AICore shares the host's coherent caches: the mailbox
// fields are std::atomic with acquire/release, so there is nothing to
// invalidate or write back.
#include "device_cache.h"

void pto_cache_invalidate_line(const void*) {}
void pto_cache_write_back_line(const void*) {}
void pto_cache_invalidate_range(const void*, uint32_t) {}
// A simulated kernel's stores are done when it returns; the release store
// of done_seq publishes them.
void pto_wait_for_kernel_writes() {}
