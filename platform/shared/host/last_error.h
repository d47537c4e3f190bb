// The per-thread message behind pto_last_error().
#pragma once

#include <cstddef>

// Room for the longest message: a stall report's lists are capped at a few
// entries each, and the launch's error carries the whole report.
constexpr size_t kLastErrorBytes = 16384;

void clear_last_error();
void set_last_error(const char* fmt, ...) __attribute__((format(printf, 1, 2)));
const char* last_error();
