// Device log on the AICPU: stdout of AICPU kernels reaches the device log
// (plog).
#include <cstdio>

void pto_device_log_write(int level, const char* line) {
    static const char* const names[] = {"error", "warn", "info", "debug"};
    std::printf("[pto aicpu %s] %s\n", names[level], line);
}
