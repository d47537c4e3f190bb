#include "runtime_objects.h"

#include <dlfcn.h>
#include <unistd.h>

#include "pto_status.h"

namespace {

template <typename F>
int resolve(const LoadedObject& object, const char* symbol, const char* what, F* fn,
            std::string* message) {
    void* address = nullptr;
    int rc = object.resolve(symbol, what, &address, message);
    if (rc == 0) *fn = reinterpret_cast<F>(address);
    return rc;
}

const void* base_of(const void* symbol) {
    Dl_info info{};
    return dladdr(symbol, &info) != 0 ? info.dli_fbase : nullptr;
}

}  // namespace

int RuntimeObjects::load(uint64_t runtime_id, int aicpu_fd, int aicore_fd, std::string* message) {
    const char* aicpu_what = "AICPU scheduler binary";
    const char* aicore_what = "AICore executor binary";
    auto pair = std::make_unique<Pair>();
    int rc = pair->aicpu.open(aicpu_fd, aicpu_what, message);
    if (rc != 0) {
        close(aicore_fd);
        return rc;
    }
    if ((rc = pair->aicore.open(aicore_fd, aicore_what, message)) != 0) return rc;
    RuntimeEntryPoints& e = pair->entry;
    if ((rc = resolve(pair->aicpu, "DynTileFwkBackendKernelServerInit", aicpu_what, &e.aicpu_init,
                      message)) != 0 ||
        (rc = resolve(pair->aicpu, "DynTileFwkBackendKernelServer", aicpu_what, &e.aicpu_server,
                      message)) != 0 ||
        (rc = resolve(pair->aicpu, "sim_set_idle_tuning", aicpu_what, &e.aicpu_set_idle_tuning,
                      message)) != 0 ||
        (rc = resolve(pair->aicore, "sim_aicore_entry", aicore_what, &e.aicore_entry, message)) !=
            0 ||
        (rc = resolve(pair->aicore, "sim_set_idle_tuning", aicore_what, &e.aicore_set_idle_tuning,
                      message)) != 0 ||
        (rc = resolve(pair->aicore, "sim_aicore_install_fault_handlers", aicore_what,
                      &e.install_fault_handlers, message)) != 0 ||
        (rc = resolve(pair->aicore, "sim_aicore_restore_fault_handlers", aicore_what,
                      &e.restore_fault_handlers, message)) != 0 ||
        (rc = resolve(pair->aicore, "sim_aicore_fail_kernel", aicore_what, &e.fail_kernel,
                      message)) != 0 ||
        (rc = resolve(pair->aicore, "sim_aicore_run_here", aicore_what, &e.aicore_run_here,
                      message)) != 0 ||
        (rc = resolve(pair->aicpu, "sim_aicpu_set_unit_runner", aicpu_what,
                      &e.aicpu_set_unit_runner, message)) != 0) {
        return rc;
    }
    pair->aicpu_base = base_of(reinterpret_cast<const void*>(e.aicpu_init));
    pair->aicore_base = base_of(reinterpret_cast<const void*>(e.aicore_entry));
    std::lock_guard<std::mutex> lock(mutex_);
    pairs_[runtime_id] = std::move(pair);
    return 0;
}

bool RuntimeObjects::find(uint64_t runtime_id, RuntimeEntryPoints* out) const {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = pairs_.find(runtime_id);
    if (it == pairs_.end()) return false;
    *out = it->second->entry;
    return true;
}

const char* RuntimeObjects::name_of(const void* base) const {
    std::lock_guard<std::mutex> lock(mutex_);
    for (const auto& [id, pair] : pairs_) {
        if (base != nullptr && base == pair->aicpu_base) return "AICPU scheduler object";
        if (base != nullptr && base == pair->aicore_base) return "AICore executor object";
    }
    return nullptr;
}
