#include "tm_session.h"

#include <map>

namespace {

struct Registry {
    std::mutex mutex;
    std::map<const void*, std::shared_ptr<TmSession>> by_handle;
};

Registry& registry() {
    static Registry* r = new Registry;  // outlives static destruction
    return *r;
}

}  // namespace

TmInputs::~TmInputs() {
    DeviceBlocks& blocks = platform_device_blocks();
    if (orchestration.size > 0) blocks.release(orchestration);
    if (args.size > 0) blocks.release(args);
    char ignored[256];
    for (const DeviceAllocation& a : tensors) {
        device_release(reinterpret_cast<void*>(a.base), a.id, ignored, sizeof ignored);
    }
}

std::shared_ptr<RuntimeLaunch> TmSession::launch() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return launch_;
}

void TmSession::set_launch(std::shared_ptr<RuntimeLaunch> launch, int status, bool finished) {
    std::lock_guard<std::mutex> lock(mutex_);
    launch_ = std::move(launch);
    if (finished) last_status_ = status;
}

int TmSession::last_status() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return last_status_;
}

std::shared_ptr<TmSession> tm_session_of(const void* handle) {
    Registry& r = registry();
    std::lock_guard<std::mutex> lock(r.mutex);
    auto it = r.by_handle.find(handle);
    return it == r.by_handle.end() ? nullptr : it->second;
}

const void* tm_register(const void* handle, std::shared_ptr<TmSession> session) {
    Registry& r = registry();
    std::lock_guard<std::mutex> lock(r.mutex);
    const auto* h = static_cast<const uint8_t*>(handle);
    auto after = r.by_handle.lower_bound(handle);
    if (after != r.by_handle.end() &&
        static_cast<const uint8_t*>(after->first) < h + sizeof(TmHandle)) {
        return after->first;
    }
    if (after != r.by_handle.begin()) {
        auto before = std::prev(after);
        if (static_cast<const uint8_t*>(before->first) + sizeof(TmHandle) > h) return before->first;
    }
    r.by_handle.emplace(handle, std::move(session));
    return nullptr;
}

std::shared_ptr<TmSession> tm_unregister(const void* handle) {
    Registry& r = registry();
    std::lock_guard<std::mutex> lock(r.mutex);
    auto it = r.by_handle.find(handle);
    if (it == r.by_handle.end()) return nullptr;
    auto s = std::move(it->second);
    r.by_handle.erase(it);
    return s;
}
