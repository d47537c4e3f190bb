#include "runtime_session.h"

#include <cinttypes>
#include <cstdio>

#include "pto_status.h"
#include "session_registry.h"

namespace {

thread_local RuntimeSession* t_building = nullptr;

SessionRegistry<RuntimeSession>& registry() {
    // Outlives static destruction.
    static auto* r = new SessionRegistry<RuntimeSession>(sizeof(Runtime));
    return *r;
}

}  // namespace

RuntimeSession::~RuntimeSession() {
    // A graph that never froze still owns what its orchestration allocated.
    char ignored[256];
    for (const DeviceAllocation& a : allocations) {
        device_release(reinterpret_cast<void*>(a.base), a.id, ignored, sizeof ignored);
    }
}

void RuntimeSession::note_misuse(const char* call) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (misuse_count_++ == 0) first_misuse_ = call;
}

int RuntimeSession::misuse_count() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return misuse_count_;
}

std::string RuntimeSession::first_misuse() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return first_misuse_;
}

RuntimeSession* building_session() {
    return t_building;
}

void set_building_session(RuntimeSession* session) {
    t_building = session;
}

std::shared_ptr<RuntimeSession> session_of(const void* handle) {
    return registry().find(handle);
}

std::shared_ptr<RuntimeSession> frozen_session_of(const void* handle) {
    std::shared_ptr<RuntimeSession> s = session_of(handle);
    return s && s->frozen.load(std::memory_order_acquire) ? s : nullptr;
}

bool session_registered(const RuntimeSession* session) {
    return registry().hold(session) != nullptr;
}

const void* register_session(const void* handle, std::shared_ptr<RuntimeSession> session) {
    return registry().claim(handle, std::move(session));
}

std::shared_ptr<RuntimeSession> unregister_session(const void* handle) {
    return registry().release(handle);
}

// ---- the orchestration API -------------------------------------------------
namespace {

// The calling thread may build `s`'s graph. Otherwise the call is a misuse
// (another thread, or after init_runtime returned): it is noted on the
// session, if the session still exists, and fails.
bool may_build(RuntimeSession* s, const char* call) {
    if (s != nullptr && t_building == s) return true;
    // Off the building thread the session may be gone (finalized): only a
    // registered one is touched.
    if (std::shared_ptr<RuntimeSession> held = registry().hold(s)) held->note_misuse(call);
    return false;
}

int op_add_task(RuntimeSession* s, uint64_t* args, int num_args, int func_id, CoreType type) {
    char call[64];
    std::snprintf(call, sizeof call, "add_task (func_id %d)", func_id);
    if (!may_build(s, call)) return -1;
    return s->builder->add_task(args, num_args, func_id, type);
}

void op_add_successor(RuntimeSession* s, int from_task, int to_task) {
    char call[64];
    std::snprintf(call, sizeof call, "add_successor(%d, %d)", from_task, to_task);
    if (!may_build(s, call)) return;
    s->builder->add_successor(from_task, to_task);
}

void op_record_tensor_pair(RuntimeSession* s, void* host_ptr, void* dev_ptr, size_t size) {
    if (!may_build(s, "record_tensor_pair")) return;
    GraphBuilder& b = *s->builder;
    if (host_ptr == nullptr || dev_ptr == nullptr) {
        b.fail(PTO_ERR_INVALID_ARGUMENT,
               "record_tensor_pair: host pointer %p or device pointer %p is null", host_ptr,
               dev_ptr);
        return;
    }
    DeviceAllocation a{};
    auto dev = reinterpret_cast<uint64_t>(dev_ptr);
    if (!device_allocation_containing(dev_ptr, &a)) {
        b.fail(PTO_ERR_INVALID_ARGUMENT,
               "record_tensor_pair: device pointer 0x%" PRIx64
               " (host %p, %zu bytes) is not inside any device allocation; record a pointer from "
               "host_api.device_malloc",
               dev, host_ptr, size);
        return;
    }
    if (size > a.base + a.size - dev) {
        b.fail(PTO_ERR_INVALID_ARGUMENT,
               "record_tensor_pair: %zu bytes from device pointer 0x%" PRIx64
               " run %zu bytes past the end of %s; record at most the %zu bytes from the pointer "
               "to the end",
               size, dev, static_cast<size_t>(dev + size - (a.base + a.size)),
               device_allocation_text(a).c_str(), static_cast<size_t>(a.base + a.size - dev));
        return;
    }
    device_allocation_learn_name(dev_ptr, host_ptr);
    s->pairs.push_back(TensorPair{host_ptr, dev_ptr, size, a});
}

int op_task_count(const RuntimeSession* s) {
    auto* session = const_cast<RuntimeSession*>(s);
    if (!may_build(session, "get_task_count")) return 0;
    return s->builder->task_count();
}

Task* op_get_task(RuntimeSession* s, int task_id) {
    if (!may_build(s, "get_task")) return nullptr;
    return s->builder->task(task_id);
}

void op_print(const RuntimeSession* s) {
    auto* session = const_cast<RuntimeSession*>(s);
    if (!may_build(session, "print_runtime")) return;
    const GraphBuilder& b = *s->builder;
    std::vector<std::vector<uint32_t>> successors(static_cast<size_t>(b.task_count()));
    for (size_t e = 0; e < b.edge_count(); ++e) successors[b.edge_from(e)].push_back(b.edge_to(e));
    std::printf("Runtime: %d tasks, %zu edges, %zu tensor pairs\n", b.task_count(), b.edge_count(),
                s->pairs.size());
    for (int i = 0; i < b.task_count(); ++i) {
        const Task& t = b.task(i);
        std::printf("  task %d: func_id %d on %s, %d args, fanin %d, successors:", t.task_id,
                    t.func_id, core_type_name(t.core_type), t.num_args, t.fanin);
        for (uint32_t to : successors[static_cast<size_t>(i)]) std::printf(" %u", to);
        std::printf("\n");
    }
}

int op_set_graph_limits(RuntimeSession* s, int max_tasks, int max_successors, int max_args) {
    if (!may_build(s, "set_graph_limits")) return -1;
    return s->builder->set_limits(max_tasks, max_successors, max_args);
}

void op_fail(RuntimeSession* s, const char* message) {
    if (!may_build(s, "fail")) return;
    if (s->fail_message.empty()) s->fail_message = message ? message : "(no message)";
}

const RuntimeOps kOps{op_add_task, op_add_successor, op_record_tensor_pair, op_task_count,
                      op_get_task, op_print,         op_set_graph_limits,   op_fail};

// ---- host_api: device memory from the orchestration ----------------------
// host_api is a table of plain functions: the session is the one running
// its orchestration on this thread.

void* api_device_malloc(size_t size) {
    RuntimeSession* s = t_building;
    if (s == nullptr) {
        std::fprintf(stderr,
                     "[pto] host_api.device_malloc(%zu) refused: called from a thread that is not "
                     "running an orchestration; allocate on the orchestration's own thread\n",
                     size);
        return nullptr;
    }
    char message[512];
    uint64_t id = 0;
    void* p = device_allocate(size, &id, message, sizeof message);
    if (p == nullptr) {
        s->memory_error = std::string("host_api.") + message;
        return nullptr;
    }
    s->allocations.push_back(DeviceAllocation{reinterpret_cast<uint64_t>(p), size, id, nullptr});
    return p;
}

// device_malloc with a name for reports ("device buffer 'scratch' ...").
void* api_device_malloc_named(size_t size, const char* name) {
    void* p = api_device_malloc(size);
    char ignored[160];
    if (p != nullptr) device_allocation_set_name(p, name, ignored, sizeof ignored);
    return p;
}

void api_device_free(void* p) {
    RuntimeSession* s = t_building;
    if (s == nullptr || p == nullptr) return;
    auto base = reinterpret_cast<uint64_t>(p);
    for (auto it = s->allocations.begin(); it != s->allocations.end(); ++it) {
        if (it->base != base) continue;
        char message[256];
        device_release(p, it->id, message, sizeof message);
        s->allocations.erase(it);
        return;
    }
    char message[160];
    std::snprintf(message, sizeof message,
                  "host_api.device_free: 0x%" PRIx64
                  " is not a live allocation of this orchestration; nothing was freed",
                  base);
    s->memory_error = message;
}

int api_copy_to_device(void* dev, const void* host, size_t n) {
    char message[256];
    int rc = device_copy_to(dev, host, n, message, sizeof message);
    if (rc != 0 && t_building != nullptr)
        t_building->memory_error = std::string("host_api.") + message;
    return rc;
}

int api_copy_from_device(void* host, const void* dev, size_t n) {
    char message[256];
    int rc = device_copy_from(host, dev, n, message, sizeof message);
    if (rc != 0 && t_building != nullptr)
        t_building->memory_error = std::string("host_api.") + message;
    return rc;
}

}  // namespace

const RuntimeOps& runtime_ops() {
    return kOps;
}

HostApi session_host_api() {
    return HostApi{api_device_malloc, api_device_free, api_copy_to_device, api_copy_from_device,
                   api_device_malloc_named};
}
