#include "last_error.h"

#include <cstdarg>
#include <cstdio>

#include "export.h"
#include "pto_runtime_c_api.h"

namespace {
// Room for a lost device's report with its last lines of output.
thread_local char t_message[kLastErrorBytes];
}  // namespace

void clear_last_error() {
    t_message[0] = '\0';
}

void set_last_error(const char* fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    std::vsnprintf(t_message, sizeof t_message, fmt, ap);
    va_end(ap);
}

const char* last_error() {
    return t_message;
}

extern "C" PTO_EXPORT const char* pto_last_error(void) {
    return t_message;
}
