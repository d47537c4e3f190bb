// Simulator device log: lines go to stderr, prefixed so they stand apart
// from the runner's own output.
#include <cstdio>

void pto_device_log_write(int level, const char* line) {
    static const char* const names[] = {"error", "warn", "info", "debug"};
    std::fprintf(stderr, "[pto device %s] %s\n", names[level], line);
}
