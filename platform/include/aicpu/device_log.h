// Logging from device code (the AICPU scheduler and, rarely, workers).
// Levels: 0 error, 1 warn, 2 info, 3 debug. The simulator reads the level from
// PTO_LOG_LEVEL (default 1); lines below it cost one predictable branch, so
// debug lines may sit on the hot path.
#pragma once

#include <cstdarg>

enum PtoLogLevel { PTO_LOG_ERROR = 0, PTO_LOG_WARN = 1, PTO_LOG_INFO = 2, PTO_LOG_DEBUG = 3 };

int pto_log_level();
void pto_device_log(int level, const char* fmt, ...) __attribute__((format(printf, 2, 3)));

#define DEV_LOG_AT(level, ...)                                                \
    do {                                                                      \
        if ((level) <= pto_log_level()) pto_device_log((level), __VA_ARGS__); \
    } while (0)
#define DEV_ERROR(...) DEV_LOG_AT(PTO_LOG_ERROR, __VA_ARGS__)
#define DEV_WARN(...) DEV_LOG_AT(PTO_LOG_WARN, __VA_ARGS__)
#define DEV_INFO(...) DEV_LOG_AT(PTO_LOG_INFO, __VA_ARGS__)
#define DEV_DEBUG(...) DEV_LOG_AT(PTO_LOG_DEBUG, __VA_ARGS__)
