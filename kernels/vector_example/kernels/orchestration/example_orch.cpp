// Builds the diamond for f = (a + b + 1) * (a + b + 2):
//
//   t0: c = a + b
//   t1: d = c + 1      t2: e = c + 2
//   t3: f = d * e
//
// Arguments from the runner: [a, b, f host pointers, their sizes in bytes,
// element count of a].
#include <cstdint>
#include <cstdio>
#include <cstring>

#include "runtime.h"

namespace {

uint64_t float_arg(float v) {
    uint32_t bits;
    std::memcpy(&bits, &v, sizeof bits);
    return bits;
}

}  // namespace

extern "C" int build_example_graph(Runtime* rt, uint64_t* args, int arg_count) {
    if (arg_count != 7) {
        std::fprintf(
            stderr, "build_example_graph: expected 7 arguments (a, b, f, 3 sizes, count), got %d\n",
            arg_count);
        return -1;
    }
    void* host_a = reinterpret_cast<void*>(args[0]);
    void* host_b = reinterpret_cast<void*>(args[1]);
    void* host_f = reinterpret_cast<void*>(args[2]);
    size_t bytes = static_cast<size_t>(args[3]);
    uint64_t n = args[6];
    if (args[4] != bytes || args[5] != bytes || n * sizeof(float) != bytes) {
        {
            char why[256];
            std::snprintf(why, sizeof why,
                          "build_example_graph: a, b and f must be float32 of one size");
            rt->fail(why);
        }
        return -1;
    }

    HostApi& api = rt->host_api;
    void* a = api.device_malloc(bytes);
    void* b = api.device_malloc(bytes);
    void* c = api.device_malloc(bytes);
    void* d = api.device_malloc(bytes);
    void* e = api.device_malloc(bytes);
    void* f = api.device_malloc(bytes);
    if (!a || !b || !c || !d || !e || !f) return -1;
    if (api.copy_to_device(a, host_a, bytes) != 0 || api.copy_to_device(b, host_b, bytes) != 0) {
        return -1;
    }
    rt->record_tensor_pair(host_f, f, bytes);

    auto ptr = [](void* p) { return reinterpret_cast<uint64_t>(p); };
    uint64_t add_args[] = {ptr(a), ptr(b), ptr(c), n};
    uint64_t plus1_args[] = {ptr(c), float_arg(1.0f), ptr(d), n};
    uint64_t plus2_args[] = {ptr(c), float_arg(2.0f), ptr(e), n};
    uint64_t mul_args[] = {ptr(d), ptr(e), ptr(f), n};

    int t0 = rt->add_task(add_args, 4, 0, CoreType::AIV);
    int t1 = rt->add_task(plus1_args, 4, 1, CoreType::AIV);
    int t2 = rt->add_task(plus2_args, 4, 1, CoreType::AIV);
    int t3 = rt->add_task(mul_args, 4, 2, CoreType::AIV);
    if (t0 < 0 || t1 < 0 || t2 < 0 || t3 < 0) return -1;
    rt->add_successor(t0, t1);
    rt->add_successor(t0, t2);
    rt->add_successor(t1, t3);
    rt->add_successor(t2, t3);
    return 0;
}
