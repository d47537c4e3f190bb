// Orchestrations for the orchestration API tests: each plays one scenario
// through the Runtime handle, as a user's orchestration would, and notes what
// the calls returned in the ApiProbe at args[0].
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <thread>

#include "../api_probe.h"
#include "runtime.h"

namespace {

ApiProbe& probe(uint64_t* args) {
    return *reinterpret_cast<ApiProbe*>(args[0]);
}

}  // namespace

// add_task returns ids in order and copies the arguments; get_task sees the
// copy; unknown ids give null; older sources pass the core type as an int.
extern "C" int probe_tasks(Runtime* rt, uint64_t* args, int) {
    ApiProbe& p = probe(args);
    uint64_t task_args[3] = {7, 8, 9};
    p.ids[0] = rt->add_task(task_args, 3, 2, CoreType::AIV);
    task_args[0] = 100;  // the task keeps its own copy
    p.ids[1] = rt->add_task(task_args, 3, 1, CoreType::AIC);
    p.ids[2] = rt->add_task(nullptr, 0, 0, 1);
    Task* t = rt->get_task(0);
    if (t == nullptr) return -1;
    p.arg_seen[0] = t->args[0];
    p.arg_seen[1] = t->args[2];
    p.arg_seen[2] = static_cast<uint64_t>(t->func_id);
    p.arg_seen[3] = static_cast<uint64_t>(rt->get_task(1)->core_type);
    p.null_for_bad_ids = rt->get_task(3) == nullptr && rt->get_task(-1) == nullptr;
    p.task_count = rt->get_task_count();
    return 0;
}

// A task, the test's callback (while init_runtime runs), another task.
extern "C" int probe_callback(Runtime* rt, uint64_t* args, int) {
    ApiProbe& p = probe(args);
    p.ids[0] = rt->add_task(nullptr, 0, 0, CoreType::AIV);
    if (p.callback != nullptr) p.callback(p.callback_context);
    p.ids[1] = rt->add_task(nullptr, 0, 0, CoreType::AIV);
    p.task_count = rt->get_task_count();
    return 0;
}

// A task added with one argument, then grown through get_task() to `count`
// arguments in an array of the orchestration's own (`value` 1: with a null
// args pointer instead).
extern "C" int probe_grow_args(Runtime* rt, uint64_t* args, int) {
    ApiProbe& p = probe(args);
    static uint64_t grown[128];
    for (int i = 0; i < 128; ++i) grown[i] = 1000 + static_cast<uint64_t>(i);
    uint64_t one = 7;
    p.ids[0] = rt->add_task(&one, 1, 0, CoreType::AIV);
    p.ids[1] = rt->add_task(&one, 1, 0, CoreType::AIV);
    Task* t = rt->get_task(0);
    t->num_args = p.count;
    t->args = p.value == 1 ? nullptr : grown;
    return 0;
}

// `count` tasks of func_id `value`, then `limits` set if given, then one more.
extern "C" int probe_many_tasks(Runtime* rt, uint64_t* args, int) {
    ApiProbe& p = probe(args);
    if (p.limits[0] != 0) {
        p.limits_result = rt->set_graph_limits(p.limits[0], p.limits[1], p.limits[2]);
    }
    for (int i = 0; i < p.count; ++i) rt->add_task(nullptr, 0, 0, CoreType::AIV);
    p.ids[0] = rt->add_task(nullptr, 0, p.value, CoreType::AIV);
    p.task_count = rt->get_task_count();
    return 0;
}

// One task with `count` arguments.
extern "C" int probe_arguments(Runtime* rt, uint64_t* args, int) {
    ApiProbe& p = probe(args);
    static uint64_t many[70000];
    p.ids[0] = rt->add_task(many, p.count, 3, CoreType::AIV);
    return 0;
}

// Task 0 with `count` successors.
extern "C" int probe_fan_out(Runtime* rt, uint64_t* args, int) {
    ApiProbe& p = probe(args);
    if (p.limits[0] != 0) {
        p.limits_result = rt->set_graph_limits(p.limits[0], p.limits[1], p.limits[2]);
    }
    rt->add_task(nullptr, 0, 0, CoreType::AIC);
    for (int i = 1; i <= p.count; ++i)
        rt->add_successor(0, rt->add_task(nullptr, 0, 0, CoreType::AIV));
    return 0;
}

// Bad calls; `value` picks which.
extern "C" int probe_bad_calls(Runtime* rt, uint64_t* args, int) {
    ApiProbe& p = probe(args);
    switch (p.value) {
        case 0:
            rt->add_task(nullptr, 2, 0, CoreType::AIV);
            break;
        case 1:
            rt->add_task(nullptr, 0, 0, static_cast<CoreType>(7));
            break;
        case 2:
            rt->add_task(nullptr, 0, -2, CoreType::AIC);
            break;
        case 3:
            rt->add_task(nullptr, 0, 0, CoreType::AIV);
            rt->add_successor(0, 9);
            break;
        case 4:
            rt->add_task(nullptr, 0, 0, CoreType::AIV);
            rt->add_successor(0, 0);
            break;
        case 5:  // the first error is the one reported
            rt->add_successor(3, 4);
            rt->add_task(nullptr, 0, -1, CoreType::AIV);
            break;
        case 6:
            rt->add_task(nullptr, 0, 0, CoreType::AIV);
            rt->add_task(nullptr, 0, 2, CoreType::AIV);
            rt->add_successor(0, 1);
            rt->get_task(1)->fanin = 2;
            break;
        case 7:
            p.limits_result = rt->set_graph_limits(0, 10, 10);
            break;
        default:
            break;
    }
    return 0;
}

// Tasks with func_ids 0..count-1, then the edges in host_buffer as
// (from, to) pairs: value of them.
extern "C" int probe_edges(Runtime* rt, uint64_t* args, int) {
    ApiProbe& p = probe(args);
    for (int i = 0; i < p.count; ++i)
        rt->add_task(nullptr, 0, i, i % 2 ? CoreType::AIC : CoreType::AIV);
    for (int e = 0; e < p.value; ++e) {
        rt->add_successor(static_cast<int>(p.host_buffer[2 * e]),
                          static_cast<int>(p.host_buffer[2 * e + 1]));
    }
    return 0;
}

// Device memory and recorded outputs; `value` picks the scenario. The
// output buffer is `count` bytes, recorded for host_buffer.
extern "C" int probe_tensor_pairs(Runtime* rt, uint64_t* args, int) {
    ApiProbe& p = probe(args);
    HostApi& api = rt->host_api;
    void* dev = api.device_malloc(static_cast<size_t>(p.count));
    if (dev == nullptr) return -1;
    p.device_buffer = dev;
    p.device_buffer_bytes = static_cast<uint64_t>(p.count);
    switch (p.value) {
        case 0:  // a good pair
            rt->record_tensor_pair(p.host_buffer, dev, static_cast<size_t>(p.count));
            break;
        case 1:  // larger than its buffer
            rt->record_tensor_pair(p.host_buffer, dev, static_cast<size_t>(p.count) * 2);
            break;
        case 2:  // inside the buffer, running past its end
            rt->record_tensor_pair(p.host_buffer, static_cast<char*>(dev) + 64,
                                   static_cast<size_t>(p.count));
            break;
        case 3:  // a host pointer where the device pointer goes
            rt->record_tensor_pair(p.host_buffer, p.host_buffer, 8);
            break;
        case 4:  // freed after it was recorded
            rt->record_tensor_pair(p.host_buffer, dev, static_cast<size_t>(p.count));
            api.device_free(dev);
            break;
        case 5:  // a copy past the end of the buffer, and the orchestration says it failed
            if (api.copy_to_device(dev, p.host_buffer, static_cast<size_t>(p.count) + 8) != 0) {
                return -1;
            }
            break;
        default:
            break;
    }
    // Fill the output with a pattern the test can check after finalize.
    uint64_t pattern[64];
    for (int i = 0; i < 64; ++i) pattern[i] = 0x1000 + static_cast<uint64_t>(i);
    size_t n = static_cast<size_t>(p.count) < sizeof pattern ? static_cast<size_t>(p.count)
                                                             : sizeof pattern;
    if (p.value == 0) api.copy_to_device(dev, pattern, n);
    rt->add_task(nullptr, 0, 0, CoreType::AIV);
    return 0;
}

extern "C" int probe_throw_runtime_error(Runtime* rt, uint64_t* args, int) {
    ApiProbe& p = probe(args);
    p.device_buffer = rt->host_api.device_malloc(4096);  // freed by the failed init
    rt->add_task(nullptr, 0, 0, CoreType::AIV);
    throw std::runtime_error("shape (3, 5) does not tile by 4");
}

extern "C" int probe_throw_int(Runtime*, uint64_t*, int) {
    throw 42;
}

extern "C" int probe_fail(Runtime* rt, uint64_t*, int) {
    rt->add_task(nullptr, 0, 0, CoreType::AIV);
    rt->fail("inputs a and b differ in shape: (4, 8) vs (8, 4)");
    return -1;
}

// Leaves a thread running that calls add_task once the test says go (after
// init_runtime returned).
extern "C" int probe_late_thread(Runtime* rt, uint64_t* args, int) {
    ApiProbe& p = probe(args);
    rt->add_task(nullptr, 0, 0, CoreType::AIV);
    std::thread([rt, &p] {
        while (!p.go.load()) std::this_thread::yield();
        p.late_result = rt->add_task(nullptr, 0, 0, CoreType::AIV);
        p.late_done = true;
    }).detach();
    return 0;
}

// Adds tasks from a second thread while the orchestration runs.
extern "C" int probe_foreign_thread(Runtime* rt, uint64_t* args, int) {
    ApiProbe& p = probe(args);
    rt->add_task(nullptr, 0, 0, CoreType::AIV);
    std::thread helper([rt, &p] { p.late_result = rt->add_task(nullptr, 0, 0, CoreType::AIV); });
    helper.join();
    return 0;
}
