// The orchestration API (runtime.h) as orchestrations use it: every scenario
// is an orchestration function in orchestration/api_probe_orch.cpp, run by
// init_runtime through the C API; what the calls returned comes back in an
// ApiProbe, and failures as init_runtime's code and message. Also the
// graph's freeze (successor order, validation messages) and device memory
// checks, through the same public API.
#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <climits>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "api_probe.h"
#include "test_binaries.h"

namespace {

const std::vector<uint8_t>& probe_orchestration() {
    static const std::vector<uint8_t> bytes = test_binary("api_probe_orch.so");
    return bytes;
}

int init_probe(RuntimeBlock& block, const char* function, ApiProbe& probe) {
    uint64_t args[1] = {reinterpret_cast<uint64_t>(&probe)};
    const auto& orch = probe_orchestration();
    return init_runtime(block.handle(), orch.data(), orch.size(), function, args, 1);
}

// Runs a scenario that must fail init_runtime; returns the message.
std::string init_failure(const char* function, ApiProbe& probe, int expected_code) {
    RuntimeBlock block;
    EXPECT_EQ(init_probe(block, function, probe), expected_code);
    std::string message = pto_last_error();
    // A failed init leaves the handle uninitialised.
    EXPECT_EQ(finalize_runtime(block.handle()), PTO_ERR_NOT_INITIALIZED);
    return message;
}

void register_noop_kernel() {
    static const std::vector<uint8_t> bytes = test_binary("noop_kernel.so");
    REQUIRE(register_kernel(0, bytes.data(), bytes.size()) == 0);
}

std::vector<std::pair<int, int>> edges_of(RuntimeBlock& block) {
    int tasks = 0, edges = 0;
    REQUIRE(pto_graph_size(block.handle(), &tasks, &edges) == 0);
    std::vector<int32_t> from(static_cast<size_t>(edges)), to(static_cast<size_t>(edges));
    REQUIRE(pto_get_edges(block.handle(), from.data(), to.data(), edges) == edges);
    std::vector<std::pair<int, int>> out;
    for (int e = 0; e < edges; ++e) out.emplace_back(from[e], to[e]);
    return out;
}

// Mappings of orchestration objects (loaded from memfds named so).
int orchestration_mappings() {
    std::ifstream maps("/proc/self/maps");
    std::string line;
    int n = 0;
    while (std::getline(maps, line)) n += line.find("memfd:orchestration") != std::string::npos;
    return n;
}

const char* const kRaiseTasks =
    "raise it with pto-run --max-tasks N (make run PTO_RUN_FLAGS=\"--max-tasks N\"), "
    "rt->set_graph_limits() in the orchestration, or pto_set_graph_limits_ex() in the C API";

}  // namespace

TEST(add_task_returns_sequential_ids_and_copies_args) {
    auto p = std::make_unique<ApiProbe>();
    RuntimeBlock block;
    REQUIRE(init_probe(block, "probe_tasks", *p) == 0);
    EXPECT_EQ(p->ids[0], 0);
    EXPECT_EQ(p->ids[1], 1);
    EXPECT_EQ(p->ids[2], 2);
    EXPECT_EQ(p->arg_seen[0], 7u);  // not the 100 written after add_task
    EXPECT_EQ(p->arg_seen[1], 9u);
    EXPECT_EQ(p->arg_seen[2], 2u);
    EXPECT_EQ(p->arg_seen[3], 0u);  // CoreType::AIC
    EXPECT_TRUE(p->null_for_bad_ids);
    EXPECT_EQ(p->task_count, 3);
    auto records = task_records(block);
    REQUIRE(records.size() == 3);
    EXPECT_EQ(records[1].func_id, 1);
    EXPECT_EQ(records[1].core_type, 0);
    EXPECT_EQ(records[2].core_type, 1);   // passed as the int 1
    EXPECT_EQ(records[0].worker_id, -1);  // nothing ran yet
    EXPECT_EQ(finalize_runtime(block.handle()), 0);
}

TEST(graphs_far_beyond_the_historic_limits_build_by_default) {
    register_noop_kernel();
    auto p = std::make_unique<ApiProbe>();
    p->count = 200'000;  // tasks 1..200000 all successors of task 0
    RuntimeBlock block;
    REQUIRE(init_probe(block, "probe_fan_out", *p) == 0);
    int tasks = 0, edges = 0;
    REQUIRE(pto_graph_size(block.handle(), &tasks, &edges) == 0);
    EXPECT_EQ(tasks, 200'001);
    EXPECT_EQ(edges, 200'000);
    EXPECT_EQ(launch(block, 3, 3), 0);
    int done = 0, total = 0;
    EXPECT_EQ(pto_get_progress(block.handle(), &done, &total), 0);
    EXPECT_EQ(done, 200'001);
    EXPECT_EQ(finalize_runtime(block.handle()), 0);
}

TEST(task_limit_set_by_the_orchestration_is_an_error_saying_how_to_raise_it) {
    auto p = std::make_unique<ApiProbe>();
    p->count = 10;
    p->value = 6;
    p->limits[0] = 10;
    p->limits[1] = 100;
    p->limits[2] = 4;
    std::string message = init_failure("probe_many_tasks", *p, PTO_ERR_LIMIT_EXCEEDED);
    EXPECT_EQ(p->limits_result, 0);
    EXPECT_EQ(p->ids[0], -1);
    EXPECT_EQ(p->task_count, 10);
    EXPECT_STREQ(message, std::string("orchestration probe_many_tasks: add_task: the graph already "
                                      "has 10 tasks, the limit (func_id 6 not added); ") +
                              kRaiseTasks);
}

TEST(process_wide_limits_apply_to_later_graphs) {
    EXPECT_EQ(pto_set_graph_limits_ex(0, 10, 10), PTO_ERR_INVALID_ARGUMENT);
    EXPECT_STREQ(pto_last_error(),
                 "pto_set_graph_limits: 0 tasks is out of range; use 1..268435456");
    EXPECT_EQ(pto_set_graph_limits(100, 0), PTO_ERR_INVALID_ARGUMENT);
    EXPECT_STREQ(pto_last_error(),
                 "pto_set_graph_limits: 0 successors per task is out of range; use 1..268435456");
    EXPECT_EQ(pto_set_graph_limits_ex(100, 10, 70000), PTO_ERR_INVALID_ARGUMENT);
    EXPECT_STREQ(pto_last_error(),
                 "pto_set_graph_limits: 70000 arguments per task is out of range; use 1..65535");
    REQUIRE(pto_set_graph_limits(5, 3) == 0);
    auto p = std::make_unique<ApiProbe>();
    p->count = 5;
    std::string message = init_failure("probe_many_tasks", *p, PTO_ERR_LIMIT_EXCEEDED);
    EXPECT_CONTAINS(message, "the graph already has 5 tasks, the limit");
    auto fan = std::make_unique<ApiProbe>();
    fan->count = 4;
    EXPECT_STREQ(
        init_failure("probe_fan_out", *fan, PTO_ERR_LIMIT_EXCEEDED),
        std::string("orchestration probe_fan_out: add_successor(0, 4): task 0 already has 3 "
                    "successors, the limit; raise it with pto-run --max-successors N (make "
                    "run PTO_RUN_FLAGS=\"--max-successors N\"), rt->set_graph_limits() in "
                    "the orchestration, or pto_set_graph_limits_ex() in the C API"));
    // The orchestration may raise them for its own graph.
    auto raised = std::make_unique<ApiProbe>();
    raised->count = 3;
    raised->limits[0] = 10;
    raised->limits[1] = 10;
    raised->limits[2] = 10;
    RuntimeBlock block;
    EXPECT_EQ(init_probe(block, "probe_fan_out", *raised), 0);
    EXPECT_EQ(finalize_runtime(block.handle()), 0);
}

TEST(argument_limit_says_how_to_raise_it) {
    auto p = std::make_unique<ApiProbe>();
    p->count = 129;
    EXPECT_STREQ(init_failure("probe_arguments", *p, PTO_ERR_LIMIT_EXCEEDED),
                 std::string("orchestration probe_arguments: add_task: 129 arguments for func_id "
                             "3; a task takes 0..128; raise it with pto-run --max-args N (make run "
                             "PTO_RUN_FLAGS=\"--max-args N\"), rt->set_graph_limits() in the "
                             "orchestration, or pto_set_graph_limits_ex() in the C API"));
    auto fits = std::make_unique<ApiProbe>();
    fits->count = 128;
    RuntimeBlock block;
    EXPECT_EQ(init_probe(block, "probe_arguments", *fits), 0);
    EXPECT_EQ(finalize_runtime(block.handle()), 0);
}

TEST(exact_messages_of_bad_calls) {
    const char* expected[] = {
        "orchestration probe_bad_calls: add_task: func_id 0 has 2 arguments but the args pointer "
        "is null",
        "orchestration probe_bad_calls: add_task: func_id 0 has core type 7; use CoreType::AIC or "
        "CoreType::AIV",
        "orchestration probe_bad_calls: add_task: func_id -2 is negative",
        "orchestration probe_bad_calls: add_successor(0, 9): task ids must be in 0..0 (tasks "
        "added so far)",
        "orchestration probe_bad_calls: add_successor(0, 0): a task cannot depend on itself",
        "orchestration probe_bad_calls: add_successor(3, 4): the graph has no tasks yet; add tasks "
        "before their edges",
        "task 1 (func_id 2) has fanin 2 but 1 incoming edge(s); fanin is kept by add_successor, "
        "do not change it",
        "orchestration probe_bad_calls: set_graph_limits: 0 tasks is out of range; use "
        "1..268435456",
    };
    const int codes[] = {PTO_ERR_INVALID_ARGUMENT, PTO_ERR_INVALID_ARGUMENT,
                         PTO_ERR_INVALID_ARGUMENT, PTO_ERR_INVALID_GRAPH,
                         PTO_ERR_INVALID_GRAPH,    PTO_ERR_INVALID_GRAPH,
                         PTO_ERR_INVALID_GRAPH,    PTO_ERR_INVALID_ARGUMENT};
    for (int i = 0; i < 8; ++i) {
        auto p = std::make_unique<ApiProbe>();
        p->value = i;
        EXPECT_STREQ(init_failure("probe_bad_calls", *p, codes[i]), expected[i]);
    }
}

TEST(successors_come_out_grouped_by_task_in_the_order_added) {
    auto p = std::make_unique<ApiProbe>();
    p->count = 5;
    const uint64_t edges[] = {0, 3, 2, 4, 0, 1, 0, 2, 1, 4, 0, 2};  // 0->2 twice: both count
    std::memcpy(p->host_buffer, edges, sizeof edges);
    p->value = 6;
    RuntimeBlock block;
    REQUIRE(init_probe(block, "probe_edges", *p) == 0);
    auto got = edges_of(block);
    std::vector<std::pair<int, int>> want = {{0, 3}, {0, 1}, {0, 2}, {0, 2}, {1, 4}, {2, 4}};
    EXPECT_TRUE(got == want);
    auto records = task_records(block);
    EXPECT_EQ(records[0].fanout, 4);
    EXPECT_EQ(records[2].fanin, 2);
    EXPECT_EQ(records[4].fanin, 2);
    EXPECT_EQ(records[0].state, 1);  // no predecessor: ready from the start
    EXPECT_EQ(records[4].state, 0);
    EXPECT_EQ(finalize_runtime(block.handle()), 0);
}

TEST(cycles_are_reported_as_task_paths) {
    auto p = std::make_unique<ApiProbe>();
    p->count = 5;
    const uint64_t edges[] = {0, 1, 1, 4, 4, 3, 3, 1, 0, 2};
    std::memcpy(p->host_buffer, edges, sizeof edges);
    p->value = 5;
    EXPECT_STREQ(init_failure("probe_edges", *p, PTO_ERR_INVALID_GRAPH),
                 "dependency cycle: task 1 (func_id 1) -> task 4 (func_id 4) -> task 3 (func_id "
                 "3) -> task 1 (func_id 1); 3 task(s) could never start");
    auto two = std::make_unique<ApiProbe>();
    two->count = 2;
    const uint64_t back[] = {0, 1, 1, 0};
    std::memcpy(two->host_buffer, back, sizeof back);
    two->value = 2;
    EXPECT_STREQ(init_failure("probe_edges", *two, PTO_ERR_INVALID_GRAPH),
                 "dependency cycle: task 0 (func_id 0) -> task 1 (func_id 1) -> task 0 (func_id "
                 "0); 2 task(s) could never start");
}

TEST(a_tensor_pair_larger_than_its_buffer_is_refused_naming_both_sizes) {
    auto p = std::make_unique<ApiProbe>();
    p->count = 4096;
    p->value = 1;
    std::string message = init_failure("probe_tensor_pairs", *p, PTO_ERR_INVALID_ARGUMENT);
    char expected[512];
    std::snprintf(expected, sizeof expected,
                  "orchestration probe_tensor_pairs: record_tensor_pair: 8192 bytes from device "
                  "pointer 0x%llx run 4096 bytes past the end of device buffer (device_malloc #",
                  static_cast<unsigned long long>(reinterpret_cast<uintptr_t>(p->device_buffer)));
    EXPECT_CONTAINS(message, expected);
    EXPECT_CONTAINS(message, ", 4096 bytes at 0x");
    EXPECT_CONTAINS(message, "); record at most the 4096 bytes from the pointer to the end");
    auto inner = std::make_unique<ApiProbe>();
    inner->count = 4096;
    inner->value = 2;
    EXPECT_CONTAINS(init_failure("probe_tensor_pairs", *inner, PTO_ERR_INVALID_ARGUMENT),
                    "record_tensor_pair: 4096 bytes from device pointer");
    auto host = std::make_unique<ApiProbe>();
    host->count = 64;
    host->value = 3;
    EXPECT_CONTAINS(init_failure("probe_tensor_pairs", *host, PTO_ERR_INVALID_ARGUMENT),
                    "is not inside any device allocation; record a pointer from "
                    "host_api.device_malloc");
}

TEST(an_output_freed_after_it_was_recorded_is_refused) {
    auto p = std::make_unique<ApiProbe>();
    p->count = 256;
    p->value = 4;
    std::string message = init_failure("probe_tensor_pairs", *p, PTO_ERR_INVALID_GRAPH);
    EXPECT_CONTAINS(message, "tensor pair 0 (device 0x");
    EXPECT_CONTAINS(message, "was freed after record_tensor_pair recorded it");
    // Freed with the C API between init and finalize: nothing is copied back.
    register_noop_kernel();
    auto q = std::make_unique<ApiProbe>();
    q->count = 256;
    q->value = 0;
    RuntimeBlock block;
    REQUIRE(init_probe(block, "probe_tensor_pairs", *q) == 0);
    EXPECT_EQ(launch(block, 1, 1), 0);
    device_free(q->device_buffer);
    EXPECT_STREQ(pto_last_error(), "");
    EXPECT_EQ(finalize_runtime(block.handle()), PTO_ERR_INVALID_ARGUMENT);
    EXPECT_CONTAINS(pto_last_error(), "was freed with device_free after it was recorded");
    EXPECT_EQ(q->host_buffer[0], 0u);
}

TEST(outputs_are_copied_back_and_device_memory_freed_at_finalize) {
    register_noop_kernel();
    auto p = std::make_unique<ApiProbe>();
    p->count = 256;
    RuntimeBlock block;
    REQUIRE(init_probe(block, "probe_tensor_pairs", *p) == 0);
    EXPECT_EQ(launch(block, 1, 1), 0);
    EXPECT_EQ(p->host_buffer[0], 0u);  // not before finalize
    EXPECT_EQ(finalize_runtime(block.handle()), 0);
    EXPECT_EQ(p->host_buffer[0], 0x1000u);
    EXPECT_EQ(p->host_buffer[31], 0x101fu);
    EXPECT_EQ(p->host_buffer[32], 0u);  // 256 bytes only
    // The orchestration's buffer went with the handle.
    device_free(p->device_buffer);
    EXPECT_CONTAINS(pto_last_error(), "is not a live device allocation");
}

// Memory freed and handed out again (the simulator keeps freed pages for
// reuse) reads as zero: a buffer holding an earlier run's output must not let
// a kernel that never writes its output pass.
TEST(device_memory_handed_out_again_reads_as_zero) {
    constexpr size_t kBytes = 1 << 16;
    std::vector<unsigned char> host(kBytes, 0xA5);
    for (int round = 0; round < 8; ++round) {
        void* p = device_malloc(kBytes);
        REQUIRE(p != nullptr);
        std::vector<unsigned char> seen(kBytes, 1);
        EXPECT_EQ(copy_from_device(seen.data(), p, kBytes), 0);
        EXPECT_TRUE(std::all_of(seen.begin(), seen.end(), [](unsigned char c) { return c == 0; }));
        EXPECT_EQ(copy_to_device(p, host.data(), kBytes), 0);
        device_free(p);
    }
}

// The simulator's memory file (memfd): bytes it holds in pages with data.
long long device_memory_file_bytes() {
    DIR* d = opendir("/proc/self/fd");
    if (d == nullptr) return -1;
    long long bytes = -1;
    while (dirent* e = readdir(d)) {
        char path[300], target[256];
        std::snprintf(path, sizeof path, "/proc/self/fd/%s", e->d_name);
        ssize_t n = readlink(path, target, sizeof target - 1);
        if (n <= 0) continue;
        target[n] = '\0';
        struct stat st;
        if (std::strstr(target, "pto-sim-device-memory") != nullptr && stat(path, &st) == 0) {
            bytes = static_cast<long long>(st.st_blocks) * 512;
        }
    }
    closedir(d);
    return bytes;
}

// A large buffer that is written sparsely (as a runtime's launch block is:
// its rings reserve far more than a run touches) keeps its written pages
// when freed, so the next one on the same pages takes no page faults, and
// those pages read as zero again.
TEST(a_sparsely_written_buffer_keeps_its_pages_when_freed_and_reads_as_zero_again) {
    constexpr size_t kBytes = size_t{512} << 20;  // more than the 128 MB kept
    const size_t spots[] = {0, (1u << 20) + 100, size_t{300} << 20, kBytes - 4096};
    std::vector<unsigned char> pattern(4096, 0x5A);
    void* p = device_malloc(kBytes);
    REQUIRE(p != nullptr);
    for (size_t at : spots)
        EXPECT_EQ(copy_to_device(static_cast<char*>(p) + at, pattern.data(), 4096), 0);
    const long long written = device_memory_file_bytes();
    REQUIRE(written > 0);
    device_free(p);
    EXPECT_EQ(device_memory_file_bytes(), written);  // kept, not returned
    void* q = device_malloc(kBytes);
    REQUIRE(q != nullptr);
    for (size_t at : spots) {
        std::vector<unsigned char> seen(4096, 1);
        EXPECT_EQ(copy_from_device(seen.data(), static_cast<char*>(q) + at, 4096), 0);
        EXPECT_TRUE(std::all_of(seen.begin(), seen.end(), [](unsigned char c) { return c == 0; }));
    }
    device_free(q);
}

// Beyond 128 MB of written pages, freed memory goes back to the system.
TEST(freed_memory_beyond_the_kept_bytes_is_returned) {
    constexpr size_t kBytes = size_t{160} << 20;
    std::vector<unsigned char> host(kBytes, 0x33);
    void* p = device_malloc(kBytes);
    REQUIRE(p != nullptr);
    EXPECT_EQ(copy_to_device(p, host.data(), kBytes), 0);
    const long long written = device_memory_file_bytes();
    REQUIRE(written >= static_cast<long long>(kBytes));
    device_free(p);
    EXPECT_TRUE(device_memory_file_bytes() <= written - static_cast<long long>(kBytes));
}

TEST(device_memory_calls_are_checked) {
    EXPECT_TRUE(device_malloc(SIZE_MAX) == nullptr);
    EXPECT_CONTAINS(pto_last_error(),
                    "device_malloc: 18446744073709551615 bytes is more than any "
                    "device can hold");
    void* p = device_malloc(100);
    REQUIRE(p != nullptr);
    EXPECT_EQ(reinterpret_cast<uintptr_t>(p) % 64, 0u);
    char host[256] = {};
    EXPECT_EQ(copy_to_device(p, host, 100), 0);
    EXPECT_EQ(copy_to_device(p, host, 101), PTO_ERR_INVALID_ARGUMENT);
    const std::string unnamed = pto_last_error();
    EXPECT_CONTAINS(unnamed, "copy_to_device: 101 bytes at 0x");
    EXPECT_CONTAINS(unnamed, " run 1 bytes past the end of device buffer (device_malloc #");
    EXPECT_CONTAINS(unnamed, ", 100 bytes at 0x");
    // A name is used in every report of the buffer, and can be forgotten.
    EXPECT_EQ(pto_name_device_buffer(p, "scratch"), 0);
    EXPECT_EQ(copy_to_device(p, host, 101), PTO_ERR_INVALID_ARGUMENT);
    EXPECT_CONTAINS(pto_last_error(), "past the end of device buffer 'scratch' (device_malloc #");
    EXPECT_EQ(pto_name_device_buffer(p, nullptr), 0);
    EXPECT_EQ(copy_to_device(p, host, 101), PTO_ERR_INVALID_ARGUMENT);
    EXPECT_STREQ(pto_last_error(), unnamed);
    EXPECT_EQ(pto_name_device_buffer(static_cast<char*>(p) + 64, "inside"), PTO_ERR_INVALID_ARGUMENT);
    EXPECT_CONTAINS(pto_last_error(), "is not the start of a live device allocation");
    EXPECT_EQ(copy_from_device(host, static_cast<char*>(p) + 50, 50), 0);
    EXPECT_EQ(copy_from_device(host, host, 8), PTO_ERR_INVALID_ARGUMENT);
    EXPECT_CONTAINS(pto_last_error(),
                    "is not device memory (no device_malloc allocation holds it)");
    device_free(p);
    EXPECT_STREQ(pto_last_error(), "");
    device_free(p);
    EXPECT_CONTAINS(pto_last_error(),
                    "is not a live device allocation (freed already, or not from "
                    "device_malloc); nothing was freed");
}

TEST(a_failed_device_copy_is_named_when_the_orchestration_fails) {
    auto p = std::make_unique<ApiProbe>();
    p->count = 64;
    p->value = 5;
    std::string message = init_failure("probe_tensor_pairs", *p, PTO_ERR_ORCHESTRATION);
    EXPECT_CONTAINS(message,
                    "orchestration function probe_tensor_pairs returned -1; its last "
                    "device memory error: host_api.copy_to_device: 72 bytes at 0x");
}

TEST(an_orchestration_that_throws_is_reported_with_its_message_and_leaves_nothing) {
    auto p = std::make_unique<ApiProbe>();
    EXPECT_STREQ(init_failure("probe_throw_runtime_error", *p, PTO_ERR_ORCHESTRATION),
                 "orchestration probe_throw_runtime_error threw std::runtime_error: shape (3, 5) "
                 "does not tile by 4");
    // What it allocated before throwing was freed.
    device_free(p->device_buffer);
    EXPECT_CONTAINS(pto_last_error(), "is not a live device allocation");
    EXPECT_STREQ(init_failure("probe_throw_int", *p, PTO_ERR_ORCHESTRATION),
                 "orchestration probe_throw_int threw int (not a std::exception, so no message)");
    // Failed inits hold no descriptor and no memory.
    for (int i = 0; i < 20; ++i)
        init_failure("probe_throw_runtime_error", *p, PTO_ERR_ORCHESTRATION);
    const int fds = count_entries("/proc/self/fd");
    const int mapped = orchestration_mappings();
    for (int i = 0; i < 2000; ++i) {
        RuntimeBlock block;
        uint64_t args[1] = {reinterpret_cast<uint64_t>(p.get())};
        const auto& orch = probe_orchestration();
        EXPECT_EQ(init_runtime(block.handle(), orch.data(), orch.size(),
                               "probe_throw_runtime_error", args, 1),
                  PTO_ERR_ORCHESTRATION);
    }
    EXPECT_EQ(count_entries("/proc/self/fd"), fds);
    // Each orchestration object loaded and not closed would stay mapped.
    // (Heap leaks are LeakSanitizer's, in make check-asan.)
    EXPECT_EQ(orchestration_mappings(), mapped);
}

TEST(an_orchestration_can_fail_with_a_message) {
    auto p = std::make_unique<ApiProbe>();
    EXPECT_STREQ(
        init_failure("probe_fail", *p, PTO_ERR_ORCHESTRATION),
        "orchestration probe_fail failed: inputs a and b differ in shape: (4, 8) vs (8, 4)");
}

TEST(calls_after_init_returned_fail_and_stop_the_launch) {
    register_noop_kernel();
    auto p = std::make_unique<ApiProbe>();
    RuntimeBlock block;
    REQUIRE(init_probe(block, "probe_late_thread", *p) == 0);
    p->go = true;
    while (!p->late_done.load()) std::this_thread::yield();
    EXPECT_EQ(p->late_result.load(), -1);
    int tasks = 0;
    EXPECT_EQ(pto_graph_size(block.handle(), &tasks, nullptr), 0);
    EXPECT_EQ(tasks, 1);
    EXPECT_EQ(launch(block, 1, 1), PTO_ERR_INVALID_GRAPH);
    EXPECT_STREQ(pto_last_error(),
                 "launch_runtime: add_task (func_id 0) was called after init_runtime returned (1 "
                 "such call(s), from a thread the orchestration probe_late_thread left running); "
                 "the graph was frozen with 1 tasks when it returned: add every task and edge "
                 "before the orchestration function returns");
    EXPECT_EQ(finalize_runtime(block.handle()), 0);
}

// The same call after the launch ended: the launch passed, finalize says
// the call was dropped (the case is not a pass).
TEST(calls_after_the_launch_ended_fail_finalize) {
    register_noop_kernel();
    auto p = std::make_unique<ApiProbe>();
    RuntimeBlock block;
    REQUIRE(init_probe(block, "probe_late_thread", *p) == 0);
    EXPECT_EQ(launch(block, 1, 1), 0);
    p->go = true;
    while (!p->late_done.load()) std::this_thread::yield();
    EXPECT_EQ(p->late_result.load(), -1);
    EXPECT_EQ(finalize_runtime(block.handle()), PTO_ERR_INVALID_GRAPH);
    EXPECT_STREQ(pto_last_error(),
                 "finalize_runtime: add_task (func_id 0) was called after init_runtime returned "
                 "(1 such call(s), from a thread the orchestration probe_late_thread left "
                 "running) and was dropped; add every task and edge before the orchestration "
                 "function returns, and join its threads");
}

TEST(calls_from_another_thread_during_the_orchestration_fail_init) {
    auto p = std::make_unique<ApiProbe>();
    EXPECT_STREQ(init_failure("probe_foreign_thread", *p, PTO_ERR_INVALID_GRAPH),
                 "orchestration probe_foreign_thread: add_task (func_id 0) was called from a "
                 "thread other than the one running the orchestration (1 such call(s)); build "
                 "the graph on the orchestration function's own thread");
    EXPECT_EQ(p->late_result.load(), -1);
}

TEST(handles_are_checked) {
    RuntimeBlock block;
    EXPECT_EQ(launch(block, 1, 1), PTO_ERR_NOT_INITIALIZED);
    EXPECT_STREQ(pto_last_error(), "launch_runtime: call init_runtime first");
    EXPECT_EQ(finalize_runtime(block.handle()), PTO_ERR_NOT_INITIALIZED);
    auto p = std::make_unique<ApiProbe>();
    REQUIRE(init_probe(block, "probe_tasks", *p) == 0);
    EXPECT_EQ(init_probe(block, "probe_tasks", *p), PTO_ERR_INVALID_ARGUMENT);
    EXPECT_CONTAINS(pto_last_error(), "already initialised");
    EXPECT_EQ(finalize_runtime(block.handle()), 0);
    EXPECT_EQ(finalize_runtime(block.handle()), PTO_ERR_NOT_INITIALIZED);
    const auto& orch = probe_orchestration();
    uint64_t args[1] = {reinterpret_cast<uint64_t>(p.get())};
    EXPECT_EQ(init_runtime(block.handle(), orch.data(), orch.size(), "no_such_fn", args, 1),
              PTO_ERR_SYMBOL_NOT_FOUND);
    EXPECT_CONTAINS(pto_last_error(), "no_such_fn");
    const uint8_t junk[] = {1, 2, 3, 4};
    EXPECT_EQ(init_runtime(block.handle(), junk, sizeof junk, "probe_tasks", args, 1),
              PTO_ERR_LOAD_BINARY);
}

// What the C API answered when called back from inside an orchestration
// (init_runtime still running on the handle).
struct DuringInit {
    void* handle = nullptr;
    int graph_size = 1, records = 1, edges = 1, progress = 1, launch = 1, finalize = 1;
    std::string graph_size_error, launch_error, finalize_error;
};

TEST(the_graph_of_a_handle_still_being_initialised_is_not_read_or_run) {
    register_noop_kernel();
    auto p = std::make_unique<ApiProbe>();
    DuringInit seen;
    RuntimeBlock block;
    seen.handle = block.handle();
    p->callback = [](void* context) {
        auto& s = *static_cast<DuringInit*>(context);
        int tasks = 0, edges = 0, done = 0, total = 0;
        PtoTaskRecord record;
        int32_t from = 0, to = 0;
        s.graph_size = pto_graph_size(s.handle, &tasks, &edges);
        s.graph_size_error = pto_last_error();
        s.records = pto_get_task_records(s.handle, &record, 1);
        s.edges = pto_get_edges(s.handle, &from, &to, 1);
        s.progress = pto_get_progress(s.handle, &done, &total);
        s.launch = launch_runtime(s.handle, 1, 1, 0, aicpu_binary().data(), aicpu_binary().size(),
                                  aicore_binary().data(), aicore_binary().size());
        s.launch_error = pto_last_error();
        s.finalize = finalize_runtime(s.handle);
        s.finalize_error = pto_last_error();
    };
    p->callback_context = &seen;
    REQUIRE(init_probe(block, "probe_callback", *p) == 0);
    EXPECT_STREQ(pto_last_error(), "");
    EXPECT_EQ(seen.graph_size, PTO_ERR_NOT_INITIALIZED);
    EXPECT_CONTAINS(seen.graph_size_error, "pto_graph_size: the handle is not initialised");
    EXPECT_EQ(seen.records, PTO_ERR_NOT_INITIALIZED);
    EXPECT_EQ(seen.edges, PTO_ERR_NOT_INITIALIZED);
    EXPECT_EQ(seen.progress, PTO_ERR_NOT_INITIALIZED);
    EXPECT_EQ(seen.launch, PTO_ERR_BUSY);
    EXPECT_CONTAINS(seen.launch_error, "launch_runtime: init_runtime is still building");
    EXPECT_EQ(seen.finalize, PTO_ERR_BUSY);
    EXPECT_CONTAINS(seen.finalize_error, "finalize_runtime: init_runtime is still building");
    // The handle came out whole.
    int tasks = 0;
    EXPECT_EQ(pto_graph_size(block.handle(), &tasks, nullptr), 0);
    EXPECT_EQ(tasks, 2);
    EXPECT_EQ(launch(block, 1, 1), 0);
    EXPECT_EQ(finalize_runtime(block.handle()), 0);
}

// A progress bar polling a handle from another thread while init_runtime
// builds its graph gets "not initialised", never a crash.
TEST(progress_polled_during_init_is_refused_until_the_graph_exists) {
    auto p = std::make_unique<ApiProbe>();
    RuntimeBlock block;
    std::atomic<bool> building{true};
    std::atomic<int> refused{0}, answered{0};
    std::thread poller([&] {
        while (building.load()) {
            int done = 0, total = 0;
            int rc = pto_get_progress(block.handle(), &done, &total);
            (rc == 0 ? answered : refused).fetch_add(1);
        }
    });
    p->callback = [](void*) { std::this_thread::sleep_for(std::chrono::milliseconds(200)); };
    REQUIRE(init_probe(block, "probe_callback", *p) == 0);
    building = false;
    poller.join();
    EXPECT_TRUE(refused.load() > 0);
    int done = 0, total = 0;
    EXPECT_EQ(pto_get_progress(block.handle(), &done, &total), 0);
    EXPECT_EQ(total, 2);
    EXPECT_EQ(finalize_runtime(block.handle()), 0);
}

// An orchestration that initialises (and finalizes) another handle: the
// nested graph is built and this one's building carries on after it.
TEST(a_nested_init_of_another_handle_leaves_the_outer_graph_building) {
    auto outer = std::make_unique<ApiProbe>();
    auto inner = std::make_unique<ApiProbe>();
    struct Nested {
        ApiProbe* probe;
        int init = 1, tasks = 0, finalize = 1;
    } nested{inner.get()};
    outer->callback = [](void* context) {
        auto& n = *static_cast<Nested*>(context);
        RuntimeBlock block;
        n.init = init_probe(block, "probe_tasks", *n.probe);
        pto_graph_size(block.handle(), &n.tasks, nullptr);
        n.finalize = finalize_runtime(block.handle());
    };
    outer->callback_context = &nested;
    RuntimeBlock block;
    REQUIRE(init_probe(block, "probe_callback", *outer) == 0);
    EXPECT_EQ(nested.init, 0);
    EXPECT_EQ(nested.tasks, 3);
    EXPECT_EQ(nested.finalize, 0);
    EXPECT_EQ(outer->ids[1], 1);  // added after the nested init: not refused
    EXPECT_EQ(outer->task_count, 2);
    EXPECT_STREQ(pto_last_error(), "");
    EXPECT_EQ(finalize_runtime(block.handle()), 0);
}

// A task grown through get_task() past the arguments add_task was given is
// frozen with all of them (AddressSanitizer checks the copy); a null args
// pointer with arguments is refused by name.
TEST(arguments_changed_through_get_task_are_frozen_whole) {
    register_noop_kernel();
    auto p = std::make_unique<ApiProbe>();
    p->count = 128;
    RuntimeBlock block;
    REQUIRE(init_probe(block, "probe_grow_args", *p) == 0);
    EXPECT_EQ(launch(block, 1, 1), 0);
    EXPECT_EQ(finalize_runtime(block.handle()), 0);
    p->value = 1;
    EXPECT_STREQ(init_failure("probe_grow_args", *p, PTO_ERR_INVALID_GRAPH),
                 "task 0 (func_id 0) was changed through get_task() to 128 arguments at a null "
                 "args pointer, core type 1, func_id 0; keep num_args in 0..128 with args "
                 "pointing at them, a core type of AIC or AIV and func_id >= 0");
}

// After finalize the caller's handle memory reads as never initialised: a
// stale Runtime* there cannot reach the freed session.
TEST(finalize_clears_the_callers_handle_memory) {
    auto p = std::make_unique<ApiProbe>();
    RuntimeBlock block;
    REQUIRE(init_probe(block, "probe_tasks", *p) == 0);
    EXPECT_EQ(finalize_runtime(block.handle()), 0);
    auto* bytes = static_cast<const uint8_t*>(block.handle());
    size_t nonzero = 0;
    for (size_t i = 0; i < get_runtime_size(); ++i) nonzero += bytes[i] != 0;
    EXPECT_EQ(nonzero, 0u);
}

TEST(misaligned_and_overlapping_handles_are_refused) {
    auto p = std::make_unique<ApiProbe>();
    std::vector<uint8_t> memory(2 * get_runtime_size() + 128, 0);
    auto base = (reinterpret_cast<uintptr_t>(memory.data()) + 63) & ~uintptr_t{63};
    const auto& orch = probe_orchestration();
    uint64_t args[1] = {reinterpret_cast<uint64_t>(p.get())};
    void* misaligned = reinterpret_cast<void*>(base + 1);
    EXPECT_EQ(init_runtime(misaligned, orch.data(), orch.size(), "probe_tasks", args, 1),
              PTO_ERR_INVALID_ARGUMENT);
    EXPECT_CONTAINS(pto_last_error(), "is not aligned to");
    void* first = reinterpret_cast<void*>(base);
    void* overlapping = reinterpret_cast<void*>(base + 8);
    REQUIRE(init_runtime(first, orch.data(), orch.size(), "probe_tasks", args, 1) == 0);
    EXPECT_EQ(init_runtime(overlapping, orch.data(), orch.size(), "probe_tasks", args, 1),
              PTO_ERR_INVALID_ARGUMENT);
    EXPECT_CONTAINS(pto_last_error(), "overlaps the live handle");
    EXPECT_EQ(finalize_runtime(first), 0);
}

// A shared object cut short is refused before it is loaded (dlopen would
// fault on the missing pages).
TEST(a_truncated_orchestration_is_refused_not_loaded) {
    auto p = std::make_unique<ApiProbe>();
    std::vector<uint8_t> cut(probe_orchestration().begin(), probe_orchestration().begin() + 0x1200);
    RuntimeBlock block;
    uint64_t args[1] = {reinterpret_cast<uint64_t>(p.get())};
    EXPECT_EQ(init_runtime(block.handle(), cut.data(), cut.size(), "probe_tasks", args, 1),
              PTO_ERR_LOAD_BINARY);
    EXPECT_CONTAINS(pto_last_error(), "orchestration: not a loadable shared object (4608 bytes): ");
    EXPECT_CONTAINS(pto_last_error(), "truncated");
}

TEST(settings_out_of_range_are_refused) {
    EXPECT_EQ(pto_set_run_timeout(1e-12), PTO_ERR_INVALID_ARGUMENT);
    EXPECT_CONTAINS(pto_last_error(), "1e-12 seconds is not a usable timeout");
    EXPECT_EQ(pto_set_run_timeout(0.5), 0);
    EXPECT_EQ(pto_name_kernel(-5, "negative"), PTO_ERR_INVALID_ARGUMENT);
    EXPECT_STREQ(pto_last_error(), "pto_name_kernel: func_id -5 is negative");
    RuntimeBlock block;
    PtoTaskRecord record;
    EXPECT_EQ(pto_get_task_records(block.handle(), &record, 1), PTO_ERR_NOT_INITIALIZED);
    EXPECT_CONTAINS(pto_last_error(), "pto_get_task_records: the handle is not initialised");
}

// Ring sizes belong to tensormap_and_ringbuffer: this runtime says so.
TEST(ring_sizes_are_refused_by_host_build_graph) {
    PtoRingSizes sizes{};
    sizes.task_window[0] = 8;
    EXPECT_EQ(pto_set_ring_sizes(nullptr, &sizes), PTO_ERR_INVALID_ARGUMENT);
    EXPECT_CONTAINS(pto_last_error(), "host_build_graph has no rings");
    EXPECT_EQ(pto_set_ring_sizes(nullptr, nullptr), PTO_ERR_INVALID_ARGUMENT);
    EXPECT_CONTAINS(pto_last_error(), "sizes is null");
}

int main(int argc, char** argv) {
    return harness::run_all(argc, argv);
}
