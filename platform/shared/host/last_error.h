// The per-thread message behind pto_last_error().
#pragma once

void clear_last_error();
void set_last_error(const char* fmt, ...) __attribute__((format(printf, 1, 2)));
const char* last_error();
