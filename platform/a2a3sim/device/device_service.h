// The device process's side of the control socket: reads the host's
// requests in order and carries them out. Launches run on a thread of their
// own (a conductor borrowed from the thread pool) and answer when they end,
// so memory protection, kernel registrations and address lookups keep
// being served while a launch runs.
#pragma once

#include <atomic>
#include <cstdint>

#include "device_channel.h"
#include "device_kernels.h"
#include "device_memory_view.h"
#include "runtime_objects.h"
#include "sim_thread_pool.h"

class DeviceService {
public:
    explicit DeviceService(int socket) : socket_(socket) {}
    DeviceMemoryView& memory() { return memory_; }
    // Serves until the host says quit or goes away; returns the exit code.
    int serve();

private:
    void load_runtime(ReceivedMessage& m);
    void register_kernel(ReceivedMessage& m);
    void launch(ReceivedMessage& m);
    void describe(ReceivedMessage& m);
    void ack(uint64_t id, int status, const std::string& message);

    int socket_;
    DeviceMemoryView memory_;
    RuntimeObjects runtimes_;
    DeviceKernels kernels_;
    SimThreadCrew conductors_;
    std::atomic<int> in_flight_{0};  // launches not answered yet
};
