// The simulated device: one process per device id, started by the host
// library (platform/a2a3sim/host/simulated_device.cpp). It maps device
// memory, loads the runtime and kernel objects the host sends, and runs
// launches (AICPU schedulers and AICore workers as its threads), so that
// whatever a kernel does (writes past its buffer, aborts, exits, hangs)
// happens here and not in the host's process.
//
//   pto_sim_device --device ID --host-pid PID --memory ADDRESS BYTES
//
// inherits the control socket as descriptor 3 and the device memory file as
// descriptor 4. It never outlives the host: it asks for SIGKILL when its
// parent thread ends, and exits at end-of-file on the control socket.
#include <signal.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "device_channel.h"
#include "device_descriptors.h"
#include "device_forked_copy.h"
#include "device_last_words.h"
#include "device_service.h"
#include "device_stdout.h"
#include "pto_status.h"
#include "sim_device_protocol.h"
#include "sim_thread_pool.h"

namespace {

struct Options {
    int device_id = -1;
    long host_pid = 0;
    uint64_t memory_address = 0;
    uint64_t memory_bytes = 0;
};

bool parse_number(const char* text, uint64_t* out) {
    if (text == nullptr || *text == '\0') return false;
    char* end = nullptr;
    unsigned long long v = std::strtoull(text, &end, 0);
    if (*end != '\0') return false;
    *out = v;
    return true;
}

bool parse(int argc, char** argv, Options* o) {
    for (int i = 1; i < argc; ++i) {
        uint64_t a = 0, b = 0;
        if (std::strcmp(argv[i], "--device") == 0 && i + 1 < argc &&
            parse_number(argv[i + 1], &a)) {
            o->device_id = static_cast<int>(a);
            ++i;
        } else if (std::strcmp(argv[i], "--host-pid") == 0 && i + 1 < argc &&
                   parse_number(argv[i + 1], &a)) {
            o->host_pid = static_cast<long>(a);
            ++i;
        } else if (std::strcmp(argv[i], "--memory") == 0 && i + 2 < argc &&
                   parse_number(argv[i + 1], &a) && parse_number(argv[i + 2], &b)) {
            o->memory_address = a;
            o->memory_bytes = b;
            i += 2;
        } else {
            return false;
        }
    }
    return o->device_id >= 0 && o->host_pid > 0 && o->memory_address != 0 && o->memory_bytes != 0;
}

}  // namespace

int main(int argc, char** argv) {
    Options options;
    if (!parse(argc, argv, &options)) {
        std::fprintf(stderr,
                     "pto_sim_device: started by the host runtime library (libpto_host.so), not "
                     "by hand\n  usage: pto_sim_device --device ID --host-pid PID --memory "
                     "ADDRESS BYTES (with the control socket as fd %d and device memory as fd "
                     "%d)\n",
                     kDeviceControlFd, kDeviceMemoryFd);
        return 2;
    }
    // Never outlive the host: killed when the host thread that started this
    // process ends, and gone already if it ended before this line.
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != options.host_pid) return 3;
    // A host gone mid-reply must not kill this process with SIGPIPE before
    // it sees end-of-file.
    signal(SIGPIPE, SIG_IGN);
    // What kernels print reaches the runner's stdout line by line, during the
    // launch (before the runner's result line), and is not lost in a buffer
    // when a kernel ends this process.
    device_stdout_install();
    // A fatal signal outside any kernel, or exit() from code this process
    // loaded: the host hears where before the process ends.
    device_last_words_install(kDeviceControlFd);
    // Kernels and orchestrations cannot take this process's descriptors.
    device_descriptors_protect(kDeviceControlFd);

    DeviceService service(kDeviceControlFd);
    DeviceReady ready{};
    ready.protocol_version = kDeviceProtocolVersion;
    std::string message;
    if (int rc = service.memory().map(kDeviceMemoryFd, options.memory_address, options.memory_bytes,
                                      &message);
        rc != 0) {
        ready.status = PTO_ERR_DEVICE;
        ready.error = -rc;
        std::snprintf(ready.message, sizeof ready.message, "%s", message.c_str());
    }
    close(kDeviceMemoryFd);  // the mapping keeps the memory
    // What a kernel forks never acts as the device or outlives it.
    device_forked_copy_install(service.memory().base(), service.memory().bytes());
    channel_send(kDeviceControlFd, static_cast<uint32_t>(DeviceReply::kReady), 0, ready);
    // Launch requests wake this thread: beside busy processes it should run
    // at once, as the pool threads do.
    sim_thread_short_slice();
    int code = ready.status == 0 ? service.serve() : 4;
    // Kernels' output reaches the terminal; nothing else is torn down (pool
    // threads may still run an abandoned kernel).
    std::fflush(stdout);
    std::fflush(stderr);
    _exit(code);
}
