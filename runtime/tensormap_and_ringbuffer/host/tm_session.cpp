#include "tm_session.h"

#include "session_registry.h"

namespace {

SessionRegistry<TmSession>& registry() {
    // Outlives static destruction.
    static auto* r = new SessionRegistry<TmSession>(sizeof(TmHandle));
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

std::shared_ptr<TmSession> tm_session_of(const void* handle) {
    return registry().find(handle);
}

const void* tm_register(const void* handle, std::shared_ptr<TmSession> session) {
    return registry().claim(handle, std::move(session));
}

std::shared_ptr<TmSession> tm_unregister(const void* handle) {
    return registry().release(handle);
}
