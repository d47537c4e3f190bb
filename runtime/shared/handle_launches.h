// A handle's launches: the claim that lets one thread at a time launch or
// finalize it, the current or last launch, and how the last one ended.
// Every runtime's session holds one.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdio>
#include <memory>
#include <mutex>

#include "pto_status.h"
#include "runtime_host_interface.h"

enum class HandleState : int { kIdle = 0, kLaunching = 1, kFinalizing = 2 };

class HandleLaunches {
public:
    // Claims the handle for `call` (launch or finalize): 0, or
    // PTO_ERR_BUSY with the reason when another thread holds it.
    int claim(HandleState for_what, char* message, size_t message_size) {
        int idle = static_cast<int>(HandleState::kIdle);
        // acq_rel: the claimer sees what the last holder did before it let go.
        if (state_.compare_exchange_strong(idle, static_cast<int>(for_what),
                                           std::memory_order_acq_rel)) {
            return 0;
        }
        std::snprintf(message, message_size,
                      for_what == HandleState::kLaunching
                          ? "launch_runtime: another thread is launching or finalizing this "
                            "handle; a handle runs one launch at a time (use one handle per thread)"
                          : "finalize_runtime: another thread is launching or finalizing this "
                            "handle; finalize it after launch_runtime returned");
        return PTO_ERR_BUSY;
    }
    // Lets the handle go; pairs with the acquire in claim().
    void release() {
        state_.store(static_cast<int>(HandleState::kIdle), std::memory_order_release);
    }

    // With the launch claim held: the launch `create` makes becomes the
    // current one; if it cannot be made, the handle is let go.
    template <typename Create>
    int start_launch(Create create, std::shared_ptr<RuntimeLaunch>* out) {
        std::shared_ptr<RuntimeLaunch> launch;
        if (int rc = create(&launch)) {
            release();
            return rc;
        }
        set_launch(launch, 0, false);
        *out = std::move(launch);
        return 0;
    }
    // The launch ended with `status`: recorded, and the handle let go.
    void end_launch(const std::shared_ptr<RuntimeLaunch>& launch, int status) {
        set_launch(launch, status, true);
        release();
    }

    std::shared_ptr<RuntimeLaunch> launch() const {
        std::lock_guard<std::mutex> lock(mutex_);
        return launch_;
    }
    // The launch now running (finished: false) or just ended with `status`.
    void set_launch(std::shared_ptr<RuntimeLaunch> launch, int status, bool finished) {
        std::lock_guard<std::mutex> lock(mutex_);
        launch_ = std::move(launch);
        if (finished) last_status_ = status;
    }
    // 0 when the last launch succeeded; 1 before any launch.
    int last_status() const {
        std::lock_guard<std::mutex> lock(mutex_);
        return last_status_;
    }

private:
    std::atomic<int> state_{static_cast<int>(HandleState::kIdle)};
    mutable std::mutex mutex_;
    std::shared_ptr<RuntimeLaunch> launch_;
    int last_status_ = 1;
};
