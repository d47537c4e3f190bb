// The simulator's AICore shares the host's coherent caches: the mailbox
// fields are std::atomic with acquire/release, so there is nothing to
// invalidate or write back.
#include "device_cache.h"

void pto_cache_invalidate_line(const void*) {}
void pto_cache_write_back_line(const void*) {}
