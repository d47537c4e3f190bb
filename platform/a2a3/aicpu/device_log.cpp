// Device log on the AICPU: stdout of AICPU kernels reaches the device log
// (plog); the level comes from PTO_LOG_LEVEL in the AICPU's environment.
#include "device_log.h"

#include <cstdio>
#include <cstdlib>

namespace {

int read_level() {
    const char* env = std::getenv("PTO_LOG_LEVEL");
    if (env == nullptr || *env == '\0') return PTO_LOG_WARN;
    int v = std::atoi(env);
    return v < PTO_LOG_ERROR ? PTO_LOG_WARN : v > PTO_LOG_DEBUG ? PTO_LOG_DEBUG : v;
}

const int g_level = read_level();

}  // namespace

int pto_log_level() {
    return g_level;
}

void pto_device_log(int level, const char* fmt, ...) {
    static const char* const names[] = {"error", "warn", "info", "debug"};
    char line[512];
    va_list ap;
    va_start(ap, fmt);
    std::vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    std::printf("[pto aicpu %s] %s\n", names[level < 0 ? 0 : level > 3 ? 3 : level], line);
}
