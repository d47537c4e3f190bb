// Simulator device log: lines go to stderr, prefixed so they stand apart
// from the runner's own output. The level comes from PTO_LOG_LEVEL once.
#include "device_log.h"

#include <cstdio>
#include <cstdlib>

namespace {

int read_level() {
    const char* env = std::getenv("PTO_LOG_LEVEL");
    if (env == nullptr || *env == '\0') return PTO_LOG_WARN;
    char* end = nullptr;
    long v = std::strtol(env, &end, 10);
    if (end == env || v < PTO_LOG_ERROR) return PTO_LOG_WARN;
    return v > PTO_LOG_DEBUG ? PTO_LOG_DEBUG : static_cast<int>(v);
}

const int g_level = read_level();

}  // namespace

int pto_log_level() {
    return g_level;
}

void pto_device_log(int level, const char* fmt, ...) {
    static const char* const names[] = {"error", "warn", "info", "debug"};
    char line[1024];
    va_list ap;
    va_start(ap, fmt);
    std::vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    std::fprintf(stderr, "[pto device %s] %s\n",
                 names[level < 0   ? 0
                       : level > 3 ? 3
                                   : level],
                 line);
}
