// Launches in the device process. The AICPU scheduler threads and AICore
// worker threads of a launch are borrowed from the thread pool and placed on
// the CPUs the launching host thread may use; they run over the launch
// block the host wrote into device memory. The last of them to finish
// answers the host (from its pool thread, once parked), so a launch's end
// costs no extra hand-off. Workers still inside a kernel a grace period
// after the schedulers returned are reported instead (the host then ends
// this process to stop them).
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "runtime_objects.h"
#include "sim_device_protocol.h"

struct LaunchRun;

class DeviceLaunches {
public:
    explicit DeviceLaunches(int socket) : socket_(socket) {}
    // Starts a launch on this (the serving) thread; the launch answers
    // request `id` by itself.
    void start(uint64_t id, const DeviceLaunch& request, const RuntimeEntryPoints& entry);
    // Answers the launches whose workers did not leave within the grace;
    // returns how long until the next check is due, in ms (-1: none running).
    int sweep();

private:
    int socket_;
    std::vector<std::shared_ptr<LaunchRun>> running_;
};
