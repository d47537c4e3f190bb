#include "device_program.h"

#include <dlfcn.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "pto_status.h"

int sim_device_program(std::string* path, char* message, size_t message_size) {
    const char* chosen = std::getenv("PTO_SIM_DEVICE_PROGRAM");
    bool from_environment = chosen != nullptr && *chosen != '\0';
    if (from_environment) {
        *path = chosen;
    } else {
        Dl_info self{};
        if (dladdr(reinterpret_cast<void*>(&sim_device_program), &self) == 0 ||
            self.dli_fname == nullptr) {
            std::snprintf(message, message_size,
                          "cannot tell which folder the host library was loaded from; set "
                          "PTO_SIM_DEVICE_PROGRAM to the pto_sim_device program Make built");
            return PTO_ERR_DEVICE;
        }
        std::string library = self.dli_fname;
        size_t slash = library.rfind('/');
        *path = (slash == std::string::npos ? std::string(".") : library.substr(0, slash)) +
                "/pto_sim_device";
    }
    if (access(path->c_str(), X_OK) != 0) {
        std::snprintf(
            message, message_size, "the simulated device program %s %s: %s; %s", path->c_str(),
            errno == ENOENT ? "is missing" : "cannot be run", std::strerror(errno),
            from_environment ? "PTO_SIM_DEVICE_PROGRAM must name the pto_sim_device program Make "
                               "built"
                             : "Make builds it next to libpto_host.so (make runtime), or set "
                               "PTO_SIM_DEVICE_PROGRAM to one");
        return PTO_ERR_DEVICE;
    }
    return 0;
}
