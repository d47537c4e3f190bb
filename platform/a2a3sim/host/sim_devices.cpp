#include "sim_devices.h"

#include <pthread.h>

#include <atomic>
#include <cstdlib>
#include <map>
#include <memory>
#include <mutex>

#include "simulated_device.h"

namespace {

struct Devices {
    std::mutex mutex;
    std::map<int, std::unique_ptr<SimulatedDevice>> by_id;  // entries never move
};

// Never destroyed: device processes are stopped by an exit handler instead,
// and a forked child starts over with a registry of its own.
std::atomic<Devices*> g_devices{nullptr};
std::atomic<int> g_current{0};

void stop_all() {
    Devices* d = g_devices.load();
    if (d == nullptr) return;
    std::lock_guard<std::mutex> lock(d->mutex);
    for (auto& [id, device] : d->by_id) device->stop();
}

void prepare_fork() {
    if (Devices* d = g_devices.load()) d->mutex.lock();
}

void parent_after_fork() {
    if (Devices* d = g_devices.load()) d->mutex.unlock();
}

// The child has none of the parent's threads: the parent's devices (their
// processes, supervisors and locks) are left alone, and the child starts
// devices of its own when it uses one.
void child_after_fork() {
    Devices* old = g_devices.load();
    if (old == nullptr) return;
    for (auto& [id, device] : old->by_id) device->forget_after_fork();
    g_devices.store(new Devices);
}

Devices& devices() {
    static std::once_flag once;
    std::call_once(once, [] {
        g_devices.store(new Devices);
        pthread_atfork(prepare_fork, parent_after_fork, child_after_fork);
        std::atexit(stop_all);
    });
    return *g_devices.load();
}

}  // namespace

SimulatedDevice& sim_device(int device_id) {
    Devices& d = devices();
    std::lock_guard<std::mutex> lock(d.mutex);
    std::unique_ptr<SimulatedDevice>& slot = d.by_id[device_id];
    if (!slot) slot = std::make_unique<SimulatedDevice>(device_id);
    return *slot;
}

void sim_devices_each(void (*visit)(SimulatedDevice& device, void* context), void* context) {
    Devices& d = devices();
    std::lock_guard<std::mutex> lock(d.mutex);
    for (auto& [id, device] : d.by_id) visit(*device, context);
}

void sim_set_current_device(int device_id) {
    g_current.store(device_id);
}

int sim_current_device() {
    return g_current.load();
}
