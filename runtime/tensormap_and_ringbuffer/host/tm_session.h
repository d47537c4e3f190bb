// The session behind one Runtime handle of tensormap_and_ringbuffer: the
// orchestration object's bytes and the host's arguments in device memory
// (what every launch runs), the outputs to copy back, and the last launch.
// The graph itself is not here: the orchestration builds it on the device
// during each launch.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "device_memory.h"
#include "handle_launches.h"
#include "runtime_host_interface.h"

// Device memory the launches of a handle use; freed by its last holder (the
// handle, or a launch outliving it with a worker left in a kernel).
struct TmInputs {
    std::string orchestration_name;  // for messages: entry (source file)
    DeviceBlock orchestration;  // the object's bytes
    DeviceBlock args;           // the ChipTaskArgs
    std::vector<DeviceAllocation> tensors;
    ~TmInputs();
};

struct TmOutput {
    void* host;
    void* dev;
    size_t size;
    DeviceAllocation allocation;
};

struct TmSession : HandleLaunches {
    std::string entry_name;
    std::shared_ptr<TmInputs> inputs;
    std::vector<TmOutput> outputs;

    // What pto_set_ring_sizes asked for (zeros: the environment's sizes).
    PtoRingSizes ring_request() const {
        std::lock_guard<std::mutex> lock(ring_mutex_);
        return ring_request_;
    }
    void set_ring_request(const PtoRingSizes& request) {
        std::lock_guard<std::mutex> lock(ring_mutex_);
        ring_request_ = request;
    }

private:
    mutable std::mutex ring_mutex_;
    PtoRingSizes ring_request_{};
};

// What the caller's get_runtime_size() bytes hold.
struct TmHandle {
    uint64_t magic;
    uint64_t reserved[7];
};

std::shared_ptr<TmSession> tm_session_of(const void* handle);
// Claims `handle`: null, or the live handle it overlaps (itself when live).
const void* tm_register(const void* handle, std::shared_ptr<TmSession> session);
std::shared_ptr<TmSession> tm_unregister(const void* handle);
