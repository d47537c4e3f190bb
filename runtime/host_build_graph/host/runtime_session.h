// The graph session behind one Runtime handle: the orchestration object,
// the graph while it is built and after it is frozen, the device memory the
// orchestration allocated, the outputs to copy back, and the handle's
// launches. Sessions live in a registry keyed by handle; lookups hand out
// shared references, so a call on another thread (progress, records) never
// sees a session freed under it.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "device_memory.h"
#include "frozen_graph.h"
#include "graph_builder.h"
#include "handle_launches.h"
#include "runtime.h"
#include "runtime_host_interface.h"
#include "shared_object_from_bytes.h"

// An output buffer copied from the device back to the host at finalize,
// with the allocation it lies in (checked again before the copy).
struct TensorPair {
    void* host_ptr;
    void* dev_ptr;
    size_t size;
    DeviceAllocation allocation;
};

struct RuntimeSession : HandleLaunches {
    explicit RuntimeSession(const GraphLimits& limits)
        : builder(std::make_unique<GraphBuilder>(limits)) {}
    ~RuntimeSession();

    std::string orchestration_name;
    LoadedSharedObject orchestration;

    // While the orchestration runs, touched by its thread only.
    std::unique_ptr<GraphBuilder> builder;
    std::vector<DeviceAllocation> allocations;  // live, until the graph takes them
    std::vector<TensorPair> pairs;
    std::string memory_error;  // the orchestration's last failed device memory call
    std::string fail_message;  // what it passed to Runtime::fail

    // After init_runtime returned (never written again).
    std::shared_ptr<FrozenGraph> graph;
    std::atomic<bool> frozen{false};
    uint64_t orchestration_ns = 0;  // the orchestration function's wall time

    // Calls from a thread other than the orchestration's, or after the freeze.
    void note_misuse(const char* call);
    int misuse_count() const;
    std::string first_misuse() const;

private:
    mutable std::mutex mutex_;
    int misuse_count_ = 0;
    std::string first_misuse_;
};

// The session running its orchestration on this thread, if any.
RuntimeSession* building_session();
void set_building_session(RuntimeSession* session);

// The table Runtime's inline calls go through, and host_api's functions.
const RuntimeOps& runtime_ops();
HostApi session_host_api();

// Handles and their sessions.
std::shared_ptr<RuntimeSession> session_of(const void* handle);
// The session of an initialised handle (its graph frozen), or null: while
// init_runtime runs there is no graph to read or launch yet.
std::shared_ptr<RuntimeSession> frozen_session_of(const void* handle);
bool session_registered(const RuntimeSession* session);
// Claims `handle` for a new session: null, or the live handle whose memory
// it overlaps (itself, when already initialised).
const void* register_session(const void* handle, std::shared_ptr<RuntimeSession> session);
std::shared_ptr<RuntimeSession> unregister_session(const void* handle);
