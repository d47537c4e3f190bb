// Device log lines: level filter and formatting, the same on every platform;
// where a line goes is the platform's (pto_device_log_write).
#include "device_log.h"

#include <cstdio>
#include <cstdlib>

void pto_device_log_write(int level, const char* line);

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
    char line[1024];
    va_list ap;
    va_start(ap, fmt);
    std::vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    pto_device_log_write(level < PTO_LOG_ERROR   ? PTO_LOG_ERROR
                         : level > PTO_LOG_DEBUG ? PTO_LOG_DEBUG
                                                 : level,
                         line);
}
