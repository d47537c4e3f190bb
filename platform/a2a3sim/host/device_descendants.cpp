#include "device_descendants.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>

extern char** environ;

namespace {

constexpr const char* kTokenName = "PTO_SIM_DEVICE_TOKEN=";

// Whether the environment of process `pid` holds `entry` (NUL-separated).
bool environment_holds(const char* pid, const std::string& entry) {
    char path[64];
    std::snprintf(path, sizeof path, "/proc/%s/environ", pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return false;
    std::string text;
    char buffer[4096];
    ssize_t n;
    while ((n = read(fd, buffer, sizeof buffer)) > 0) text.append(buffer, static_cast<size_t>(n));
    close(fd);
    size_t at = 0;
    while (at < text.size()) {
        size_t end = text.find('\0', at);
        if (end == std::string::npos) end = text.size();
        if (text.compare(at, end - at, entry) == 0) return true;
        at = end + 1;
    }
    return false;
}

}  // namespace

std::string device_descendants_token() {
    std::random_device source;
    char token[40];
    std::snprintf(token, sizeof token, "%08x%08x%08x", source(), source(), source());
    return token;
}

std::vector<std::string> device_environment(const std::string& token) {
    std::vector<std::string> env;
    for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
        if (std::strncmp(*e, kTokenName, std::strlen(kTokenName)) != 0) env.emplace_back(*e);
    }
    env.push_back(std::string(kTokenName) + token);
    return env;
}

int device_descendants_kill(const std::string& token) {
    const std::string entry = std::string(kTokenName) + token;
    DIR* proc = opendir("/proc");
    if (proc == nullptr) return 0;
    const pid_t self = getpid();
    int killed = 0;
    while (dirent* d = readdir(proc)) {
        char* end = nullptr;
        long pid = std::strtol(d->d_name, &end, 10);
        if (end == d->d_name || *end != '\0' || pid <= 1 || pid == self) continue;
        if (environment_holds(d->d_name, entry) && kill(static_cast<pid_t>(pid), SIGKILL) == 0) {
            ++killed;
        }
    }
    closedir(proc);
    return killed;
}
