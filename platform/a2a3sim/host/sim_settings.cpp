#include "sim_settings.h"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "pto_status.h"

namespace {

constexpr unsigned long long kLongestTiming = 10'000'000'000ull;  // 10 s

int read_ns(const char* name, uint64_t* value, char* message, size_t message_size) {
    const char* text = std::getenv(name);
    if (text == nullptr || *text == '\0') return 0;
    char* end = nullptr;
    errno = 0;
    unsigned long long v = std::strtoull(text, &end, 10);
    if (end == text || *end != '\0' || errno != 0 || text[0] == '-' || v > kLongestTiming) {
        std::snprintf(message, message_size,
                      "%s=%s is not a duration in nanoseconds (a whole number, 0..%llu); unset it "
                      "to use the default %llu",
                      name, text, kLongestTiming, static_cast<unsigned long long>(*value));
        return PTO_ERR_BAD_LAUNCH_CONFIG;
    }
    *value = v;
    return 0;
}

}  // namespace

int sim_read_settings(SimSettings* out, char* message, size_t message_size) {
    SimSettings s;
    int rc = 0;
    if ((rc = read_ns("PTO_SIM_SPIN_NS", &s.idle.spin_ns, message, message_size)) != 0 ||
        (rc = read_ns("PTO_SIM_SCHED_KEEP_NS", &s.idle.scheduler_keep_ns, message, message_size)) !=
            0 ||
        (rc = read_ns("PTO_SIM_WORKER_KEEP_NS", &s.idle.worker_keep_ns, message, message_size)) !=
            0) {
        return rc;
    }
    const char* here = std::getenv("PTO_SIM_RUN_HERE");
    if (here != nullptr && *here != '\0') {
        if (std::strcmp(here, "auto") == 0) {
            s.idle.run_here = SimRunHere::kAuto;
        } else if (std::strcmp(here, "always") == 0) {
            s.idle.run_here = SimRunHere::kAlways;
        } else if (std::strcmp(here, "never") == 0) {
            s.idle.run_here = SimRunHere::kNever;
        } else {
            std::snprintf(message, message_size,
                          "PTO_SIM_RUN_HERE=%s is not a choice; use auto (the default: a scheduler "
                          "runs single-core units itself while other processes keep the host's "
                          "cores busy), always or never",
                          here);
            return PTO_ERR_BAD_LAUNCH_CONFIG;
        }
    }
    const char* mode = std::getenv("PTO_SIM_AFFINITY");
    if (mode != nullptr && *mode != '\0' && std::strcmp(mode, "auto") != 0) {
        if (std::strcmp(mode, "off") != 0) {
            std::snprintf(message, message_size,
                          "PTO_SIM_AFFINITY=%s is not a placement; use auto (the default: "
                          "schedulers and workers on separate cores when threads outnumber cores) "
                          "or off",
                          mode);
            return PTO_ERR_BAD_LAUNCH_CONFIG;
        }
        s.place_threads = false;
    }
    *out = s;
    return 0;
}
