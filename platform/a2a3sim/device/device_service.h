// The device process's side of the control socket: reads the host's
// requests in order and carries them out. A launch is started here and
// answers by itself when it ends (device_launch.h), so memory protection,
// kernel registrations and address lookups keep being served while a
// launch runs.
#pragma once

#include <cstdint>

#include "device_channel.h"
#include "device_kernels.h"
#include "device_launch.h"
#include "device_memory_view.h"
#include "runtime_objects.h"

class DeviceService {
public:
    explicit DeviceService(int socket) : socket_(socket), launches_(socket) {}
    DeviceMemoryView& memory() { return memory_; }
    // Serves until the host says quit or goes away; returns the exit code.
    int serve();

private:
    void load_runtime(ReceivedMessage& m);
    void change_ranges(const ReceivedMessage& m);
    void register_kernel(ReceivedMessage& m);
    void launch(ReceivedMessage& m);
    void describe(ReceivedMessage& m);
    void ack(uint64_t id, int status, const std::string& message);

    int socket_;
    DeviceMemoryView memory_;
    RuntimeObjects runtimes_;
    DeviceKernels kernels_;
    DeviceLaunches launches_;
};
