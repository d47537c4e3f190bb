// Data-cache maintenance an orchestration may need around memory another
// agent (AICore, the host) reads or wrote: upstream's names. On the device
// the AICPU is an aarch64 core whose caches AICore does not snoop: flush
// (clean + invalidate) a range before AICore reads what the AICPU wrote,
// invalidate it before the AICPU reads what AICore wrote. The simulator's
// memory is coherent: both are empty there.
#pragma once

#include <cstddef>
#include <cstdint>

namespace pto2_cache_detail {
constexpr uintptr_t kLine = 64;

template <typename Op>
inline void each_line(const void* addr, size_t bytes, Op op) {
    if (bytes == 0) return;
    uintptr_t at = reinterpret_cast<uintptr_t>(addr) & ~(kLine - 1);
    const uintptr_t end = reinterpret_cast<uintptr_t>(addr) + bytes;
    for (; at < end; at += kLine) op(at);
}
}  // namespace pto2_cache_detail

inline void cache_flush_range(const void* addr, size_t bytes) {
#if defined(__aarch64__) && !defined(__CPU_SIM)
    pto2_cache_detail::each_line(addr, bytes, [](uintptr_t line) {
        asm volatile("dc civac, %0" ::"r"(line) : "memory");
    });
    asm volatile("dsb sy" ::: "memory");
#else
    (void)addr;
    (void)bytes;
#endif
}

// civac, not ivac: an invalidate-only of a line the AICPU also wrote would
// drop its data; cleaning first is never wrong, so this is the flush.
inline void cache_invalidate_range(const void* addr, size_t bytes) {
    cache_flush_range(addr, bytes);
}
