// Scheduler tests on the simulator, through the host C API: graph shapes
// (chain, wide, diamond, layered, mixed AIC/AIV, random DAG) over every valid
// combination of scheduler threads and block_dim, the rejected combinations,
// and the failure paths (unregistered kernels, failing orchestration, stalls).
//
// Every kernel checks while running that its predecessors finished; after
// each run the test checks each task ran exactly once, on a worker of its
// core type, and started after its predecessors ended.
#include <dirent.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "graph_spec.h"
#include "test_binaries.h"

namespace {

using Clock = std::chrono::steady_clock;

const std::vector<uint8_t>& spec_orchestration() {
    static const std::vector<uint8_t> bytes = test_binary("graph_spec_orch.so");
    return bytes;
}

const char* const kKernelNames[] = {"record_kernel", "spin_kernel", "sleep_kernel", "fault_kernel"};

// Specs live in device memory, where the kernels can reach them.
struct DeviceSpecDelete {
    void operator()(GraphSpec* spec) const {
        spec->~GraphSpec();
        device_free(spec);
    }
};
using SpecPtr = std::unique_ptr<GraphSpec, DeviceSpecDelete>;

SpecPtr make_spec() {
    void* memory = device_malloc(sizeof(GraphSpec));
    REQUIRE(memory != nullptr);
    return SpecPtr(new (memory) GraphSpec);
}

void register_test_kernels() {
    for (int id = 0; id < 4; ++id) {
        auto bytes = test_binary(std::string(kKernelNames[id]) + ".so");
        REQUIRE(register_kernel(id, bytes.data(), bytes.size()) == 0);
        REQUIRE(pto_name_kernel(id, kKernelNames[id]) == 0);
    }
}

// Collects what the runtime writes to stderr while alive.
class StderrCapture {
public:
    StderrCapture() {
        path_ = std::string(TEST_BINARY_DIR "/stderr-") + std::to_string(getpid()) + ".txt";
        saved_ = dup(2);
        int fd = open(path_.c_str(), O_CREAT | O_TRUNC | O_WRONLY, 0600);
        dup2(fd, 2);
        close(fd);
    }
    ~StderrCapture() {
        restore();
        std::remove(path_.c_str());
    }
    std::string text() {
        restore();
        std::ifstream in(path_);
        std::string all((std::istreambuf_iterator<char>(in)), {});
        std::fprintf(stderr, "%s", all.c_str());  // still shown in the test log
        return all;
    }

private:
    void restore() {
        if (saved_ < 0) return;
        std::fflush(stderr);
        dup2(saved_, 2);
        close(saved_);
        saved_ = -1;
    }
    std::string path_;
    int saved_ = -1;
};

// The line of `marker` in a test source file, 0 if absent.
int line_of(const char* file, const std::string& marker) {
    std::ifstream in(file);
    std::string line;
    for (int n = 1; std::getline(in, line); ++n) {
        if (line.find(marker) != std::string::npos) return n;
    }
    return 0;
}

// Source line of an offset inside a test kernel, through binutils' addr2line.
int addr2line(const std::string& object, uint64_t offset) {
    char command[512];
    std::snprintf(command, sizeof command, "addr2line -e %s 0x%llx", object.c_str(),
                  static_cast<unsigned long long>(offset));
    FILE* p = popen(command, "r");
    if (!p) return -1;
    char out[512] = {};
    std::fgets(out, sizeof out, p);
    pclose(p);
    const char* colon = std::strrchr(out, ':');
    return colon ? std::atoi(colon + 1) : -1;
}

int init_with(RuntimeBlock& block, GraphSpec& spec, const char* entry = "build_spec_graph") {
    uint64_t args[1] = {reinterpret_cast<uint64_t>(&spec)};
    const auto& orch = spec_orchestration();
    return init_runtime(block.handle(), orch.data(), orch.size(), entry, args, 1);
}

// Checks everything a completed launch of `spec` must guarantee, from the
// records the C API hands out.
void check_run(RuntimeBlock& block, GraphSpec& spec, int block_dim) {
    auto records = task_records(block);
    REQUIRE(static_cast<int>(records.size()) == spec.num_tasks);
    int wrong_count = 0, wrong_core = 0, early = 0, not_done = 0;
    for (int i = 0; i < spec.num_tasks; ++i) {
        const PtoTaskRecord& r = records[static_cast<size_t>(i)];
        wrong_count += spec.run_count[i].load() != 1;
        bool on_aic = r.worker_id >= 0 && r.worker_id < block_dim;
        wrong_core += on_aic != (spec.core_type[i] == 0);
        not_done += r.state != 3;
        EXPECT_TRUE(r.start_ns > 0 && r.start_ns <= r.end_ns);
        EXPECT_TRUE(r.ready_ns > 0 && r.ready_ns <= r.dispatch_ns && r.dispatch_ns <= r.start_ns);
    }
    for (int e = 0; e < spec.num_edges; ++e) {
        early += records[static_cast<size_t>(spec.edge_to[e])].start_ns <
                 records[static_cast<size_t>(spec.edge_from[e])].end_ns;
    }
    // A worker runs one kernel at a time, also with a unit queued behind.
    std::vector<const PtoTaskRecord*> by_worker_start;
    for (const PtoTaskRecord& r : records) by_worker_start.push_back(&r);
    std::sort(by_worker_start.begin(), by_worker_start.end(), [](auto* a, auto* b) {
        return a->worker_id != b->worker_id ? a->worker_id < b->worker_id
                                            : a->start_ns < b->start_ns;
    });
    int overlapping = 0;
    for (size_t i = 1; i < by_worker_start.size(); ++i) {
        overlapping += by_worker_start[i]->worker_id == by_worker_start[i - 1]->worker_id &&
                       by_worker_start[i]->start_ns < by_worker_start[i - 1]->end_ns;
    }
    EXPECT_EQ(overlapping, 0);
    // One kernel on one core per task: one block each, no block records;
    // asking for records into no array is refused.
    for (const PtoTaskRecord& r : records) EXPECT_EQ(r.block_num, 1);
    EXPECT_EQ(pto_get_block_records(block.handle(), nullptr, 0), 0);
    EXPECT_EQ(pto_get_block_records(block.handle(), nullptr, 4), PTO_ERR_INVALID_ARGUMENT);
    int done = 0, total = 0;
    EXPECT_EQ(pto_get_progress(block.handle(), &done, &total), 0);
    EXPECT_EQ(done, spec.num_tasks);
    EXPECT_EQ(total, spec.num_tasks);
    EXPECT_EQ(not_done, 0);
    if (wrong_count || wrong_core || early || spec.violations.load()) {
        std::fprintf(stderr,
                     "block_dim %d: %d tasks not run once, %d on the wrong core "
                     "type, %d started before a predecessor ended, %d kernel-seen violations\n",
                     block_dim, wrong_count, wrong_core, early, spec.violations.load());
    }
    EXPECT_EQ(wrong_count, 0);
    EXPECT_EQ(wrong_core, 0);
    EXPECT_EQ(early, 0);
    EXPECT_EQ(spec.violations.load(), 0);
}

// Runs the spec and checks everything the run must guarantee.
void run_and_check(GraphSpec& spec, int threads, int block_dim) {
    spec.finish();
    RuntimeBlock block;
    REQUIRE(init_with(block, spec) == 0);
    int rc = launch(block, threads, block_dim);
    if (rc != 0)
        std::fprintf(harness::report_stream(), "launch failed: %d %s\n", rc, pto_last_error());
    REQUIRE(rc == 0);
    check_run(block, spec, block_dim);
    REQUIRE(finalize_runtime(block.handle()) == 0);
}

struct Config {
    int threads, block_dim;
};

// The (threads, block_dim) pairs the tests sweep: every kind of split. Under
// a sanitizer (ten times slower, and there to find races and memory errors,
// which the widest and the narrowest launches show) a few of them.
const std::vector<Config>& configs() {
#if defined(__SANITIZE_THREAD__) || defined(__SANITIZE_ADDRESS__)
    static const std::vector<Config> all = {{1, 1}, {2, 4}, {3, 8}, {4, 8}};
#else
    // Uneven splits too: 3 threads over 4 and 8 clusters, 2 over 3.
    static const std::vector<Config> all = {{1, 1}, {1, 2}, {1, 3}, {2, 2}, {2, 3}, {2, 4},
                                            {3, 3}, {3, 4}, {3, 6}, {3, 8}, {4, 4}, {4, 8}};
#endif
    return all;
}

using Builder = void (*)(GraphSpec&);

void sweep(Builder build) {
    register_test_kernels();
    for (const Config& c : configs()) {
        auto spec = make_spec();
        build(*spec);
        run_and_check(*spec, c.threads, c.block_dim);
    }
}

void chain(GraphSpec& s) {
    for (int i = 0; i < 300; ++i) {
        s.add_task(i % 3 == 0 ? 0 : 1);
        if (i > 0) s.add_edge(i - 1, i);
    }
}

void wide(GraphSpec& s) {
    for (int i = 0; i < 1000; ++i) s.add_task(i % 2);
}

void diamond(GraphSpec& s) {
    int top = s.add_task(1);
    int left = s.add_task(1);
    int right = s.add_task(0);
    int bottom = s.add_task(1);
    s.add_edge(top, left);
    s.add_edge(top, right);
    s.add_edge(left, bottom);
    s.add_edge(right, bottom);
}

// Layers of 16 tasks, each depending on two tasks of the layer above.
void layered(GraphSpec& s) {
    const int width = 16, depth = 40;
    for (int l = 0; l < depth; ++l) {
        for (int i = 0; i < width; ++i) {
            int t = s.add_task((l + i) % 3 == 0 ? 0 : 1);
            if (l > 0) {
                s.add_edge((l - 1) * width + i, t);
                s.add_edge((l - 1) * width + (i + 1) % width, t);
            }
        }
    }
}

// Mixed AIC/AIV: cube tasks feeding vector tasks feeding cube tasks.
void mixed(GraphSpec& s) {
    for (int g = 0; g < 50; ++g) {
        int mm1 = s.add_task(0);
        int mm2 = s.add_task(0);
        int add = s.add_task(1);
        int post = s.add_task(1);
        s.add_edge(mm1, add);
        s.add_edge(mm2, add);
        s.add_edge(add, post);
        if (g > 0) s.add_edge(post - 4, mm1);
    }
}

void random_dag(GraphSpec& s) {
    std::mt19937 rng(1234);
    const int n = 800;
    for (int i = 0; i < n; ++i) {
        s.add_task(static_cast<int>(rng() % 2));
        int fanin = i == 0 ? 0 : static_cast<int>(rng() % 4);
        for (int k = 0; k < fanin; ++k) s.add_edge(static_cast<int>(rng() % i), i);
    }
}

// One task feeding 1500, all feeding one.
void fan_out_fan_in(GraphSpec& s) {
    constexpr int kWide = 1500;
    int root = s.add_task(0);
    for (int i = 0; i < kWide; ++i) s.add_edge(root, s.add_task(1));
    int sink = s.add_task(1);
    REQUIRE(sink == kWide + 1);
    for (int i = 1; i <= kWide; ++i) s.add_edge(i, sink);
}

}  // namespace

TEST(chain_over_all_configurations) {
    sweep(chain);
}
TEST(wide_over_all_configurations) {
    sweep(wide);
}
TEST(diamond_over_all_configurations) {
    sweep(diamond);
}
TEST(layered_over_all_configurations) {
    sweep(layered);
}
TEST(mixed_aic_aiv_over_all_configurations) {
    sweep(mixed);
}
TEST(random_dag_over_all_configurations) {
    sweep(random_dag);
}
TEST(fan_out_and_fan_in_past_the_historic_successor_limit) {
    sweep(fan_out_fan_in);
}

// The device's data path on the host: graph images and launch blocks are
// copied in before a launch and out after it, never shared while it runs.
TEST(graphs_run_with_blocks_staged_as_on_the_device) {
    REQUIRE(setenv("PTO_SIM_STAGED_BLOCKS", "1", 1) == 0);
    sweep(random_dag);
    sweep(mixed);
}

TEST(largest_configuration_72_workers) {
    register_test_kernels();
    auto spec = make_spec();
    layered(*spec);
    run_and_check(*spec, 4, 24);
}

TEST(graph_at_the_historic_task_limit) {
    register_test_kernels();
    auto spec = make_spec();
    for (int i = 0; i < kSpecMaxTasks; ++i) {
        spec->add_task(i % 3 == 0 ? 0 : 1);
        if (i >= 8) spec->add_edge(i - 8, i);
    }
    run_and_check(*spec, 3, 3);
}

TEST(empty_graph_runs) {
    register_test_kernels();
    auto spec = make_spec();
    run_and_check(*spec, 2, 2);
}

TEST(kernels_stay_registered_across_many_runs) {
    register_test_kernels();
    for (int run = 0; run < 20; ++run) {
        auto spec = make_spec();
        diamond(*spec);
        run_and_check(*spec, run % 2 ? 3 : 1, 3);
    }
}

TEST(invalid_thread_and_block_dim_combinations_are_rejected) {
    register_test_kernels();
    struct Bad {
        int threads, block_dim;
        const char* message;
    } bad[] = {{3, 2, "block_dim 2 gives 2 cluster(s), fewer than the 3 scheduler threads"},
               {0, 3, "aicpu_thread_num 0 is out of range"},
               {5, 5, "aicpu_thread_num 5 is out of range"},
               {1, 0, "block_dim 0 is out of range"},
               {1, 25, "block_dim 25 is out of range"},
               {2, 1, "fewer than the 2 scheduler threads"},
               {4, 3, "fewer than the 4 scheduler threads"}};
    for (const Bad& b : bad) {
        auto spec = make_spec();
        diamond(*spec);
        spec->finish();
        RuntimeBlock block;
        REQUIRE(init_with(block, *spec) == 0);
        EXPECT_EQ(launch(block, b.threads, b.block_dim), PTO_ERR_BAD_LAUNCH_CONFIG);
        EXPECT_CONTAINS(pto_last_error(), b.message);
        EXPECT_EQ(spec->run_count[0].load(), 0);
        EXPECT_EQ(finalize_runtime(block.handle()), 0);
    }
}

TEST(unregistered_func_id_is_reported_before_anything_runs) {
    register_test_kernels();
    auto spec = make_spec();
    diamond(*spec);
    spec->extra_func_id = 77;
    spec->finish();
    RuntimeBlock block;
    REQUIRE(init_with(block, *spec) == 0);
    EXPECT_EQ(launch(block, 1, 1), PTO_ERR_UNREGISTERED_KERNEL);
    EXPECT_CONTAINS(pto_last_error(), "task 4 uses func_id 77");
    EXPECT_EQ(spec->run_count[0].load(), 0);
    EXPECT_EQ(finalize_runtime(block.handle()), 0);
}

// A kernel registered for one core type, run by a task on the other: on the
// device that is the wrong unit's code. Refused before anything runs,
// naming the task, the func_id, the kernel and both types.
TEST(a_task_on_the_other_core_type_than_its_kernel_is_refused_before_launch) {
    register_test_kernels();
    EXPECT_EQ(pto_set_kernel_core_type(0, 7), PTO_ERR_INVALID_ARGUMENT);
    EXPECT_CONTAINS(pto_last_error(), "core type 7 is neither 0 (AIC) nor 1 (AIV)");
    REQUIRE(pto_set_kernel_core_type(0, 1) == 0);  // record_kernel: AIV
    auto spec = make_spec();
    diamond(*spec);  // task 2 runs record_kernel on AIC
    spec->finish();
    RuntimeBlock block;
    REQUIRE(init_with(block, *spec) == 0);
    EXPECT_EQ(launch(block, 1, 1), PTO_ERR_INVALID_ARGUMENT);
    EXPECT_CONTAINS(pto_last_error(),
                    "task 2 runs func_id 0 (record_kernel) on AIC, but the kernel is built for AIV");
    EXPECT_EQ(spec->run_count[0].load(), 0);
    EXPECT_EQ(finalize_runtime(block.handle()), 0);
}

TEST(failing_orchestration_is_an_error_naming_the_function) {
    register_test_kernels();
    auto spec = make_spec();
    diamond(*spec);
    spec->orchestration_result = 3;
    spec->finish();
    RuntimeBlock block;
    EXPECT_EQ(init_with(block, *spec), PTO_ERR_ORCHESTRATION);
    EXPECT_CONTAINS(pto_last_error(), "build_spec_graph returned 3");
    // The handle is left uninitialised: launch and finalize say so.
    EXPECT_EQ(launch(block, 1, 1), PTO_ERR_NOT_INITIALIZED);
    EXPECT_EQ(finalize_runtime(block.handle()), PTO_ERR_NOT_INITIALIZED);
}

TEST(orchestration_over_the_task_limit_fails_init) {
    register_test_kernels();
    REQUIRE(pto_set_graph_limits(100, 100) == 0);
    auto spec = make_spec();
    for (int i = 0; i < 100; ++i) spec->add_task(1);
    spec->extra_func_id = 0;  // one task too many
    spec->finish();
    RuntimeBlock block;
    EXPECT_EQ(init_with(block, *spec), PTO_ERR_LIMIT_EXCEEDED);
    EXPECT_CONTAINS(pto_last_error(), "build_spec_graph");
    EXPECT_CONTAINS(pto_last_error(), "100 tasks, the limit");
    EXPECT_CONTAINS(pto_last_error(), "--max-tasks N");
}

TEST(missing_orchestration_symbol_and_bad_binaries) {
    register_test_kernels();
    auto spec = make_spec();
    diamond(*spec);
    spec->finish();
    RuntimeBlock block;
    uint64_t args[1] = {reinterpret_cast<uint64_t>(spec.get())};
    const auto& orch = spec_orchestration();
    EXPECT_EQ(init_runtime(block.handle(), orch.data(), orch.size(), "no_such_fn", args, 1),
              PTO_ERR_SYMBOL_NOT_FOUND);
    EXPECT_CONTAINS(pto_last_error(), "no_such_fn");
    const uint8_t junk[] = {1, 2, 3, 4};
    EXPECT_EQ(init_runtime(block.handle(), junk, sizeof junk, "build_spec_graph", args, 1),
              PTO_ERR_LOAD_BINARY);
    EXPECT_EQ(register_kernel(9, junk, sizeof junk), PTO_ERR_LOAD_BINARY);
    EXPECT_CONTAINS(pto_last_error(), "kernel func_id 9");
    // A shared object without kernel_entry.
    EXPECT_EQ(register_kernel(9, orch.data(), orch.size()), PTO_ERR_SYMBOL_NOT_FOUND);
    EXPECT_CONTAINS(pto_last_error(), "kernel_entry");
    // Objects cut short are refused before anything maps them.
    auto kernel = test_binary("record_kernel.so");
    EXPECT_EQ(register_kernel(9, kernel.data(), 0x2000), PTO_ERR_LOAD_BINARY);
    EXPECT_CONTAINS(pto_last_error(),
                    "kernel func_id 9: not a loadable shared object (8192 bytes)");
    EXPECT_CONTAINS(pto_last_error(), "truncated");
    REQUIRE(init_with(block, *spec) == 0);
    std::vector<uint8_t> cut(aicpu_binary().begin(), aicpu_binary().begin() + 0x4000);
    EXPECT_EQ(launch_runtime(block.handle(), 1, 1, 0, cut.data(), cut.size(),
                             aicore_binary().data(), aicore_binary().size()),
              PTO_ERR_LOAD_BINARY);
    EXPECT_CONTAINS(pto_last_error(), "AICPU scheduler binary: not a loadable shared object");
    EXPECT_EQ(finalize_runtime(block.handle()), 0);
    // The device was never at risk: the next launch runs.
    auto next = make_spec();
    diamond(*next);
    run_and_check(*next, 1, 1);
}

// A diamond whose second task spins `seconds` (with device memory it writes
// when it returns), and a task after it.
SpecPtr graph_with_a_hung_kernel(int seconds) {
    auto spec = make_spec();
    int a = spec->add_task(1);
    int hung = spec->add_task(1, kSpinKernel);
    int after = spec->add_task(1);
    int side = spec->add_task(0);
    spec->add_edge(a, hung);
    spec->add_edge(hung, after);
    spec->add_edge(side, after);
    spec->spin_seconds = seconds;
    spec->device_bytes = 4096;
    spec->finish();
    return spec;
}

// Whether process `pid` is gone (or a zombie its parent has yet to reap).
bool process_gone(int pid) {
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    std::string line;
    if (!std::getline(stat, line)) return true;
    size_t paren = line.rfind(')');
    return paren != std::string::npos && paren + 2 < line.size() && line[paren + 2] == 'Z';
}

// Waits (bounded: a loaded machine reaps slowly) until `pid` is gone.
bool gone_within(int pid, std::chrono::seconds bound) {
    auto until = Clock::now() + bound;
    while (!process_gone(pid)) {
        if (Clock::now() > until) return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return true;
}

// Waits (bounded, as above) until the host has noticed that device
// `device_id`'s process `pid` ended.
bool noticed_gone_within(int device_id, int pid, std::chrono::seconds bound) {
    auto until = Clock::now() + bound;
    while (pto_device_process_id(device_id) == pid) {
        if (Clock::now() > until) return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return true;
}

TEST(hung_kernel_is_stopped_with_a_diagnosis) {
    register_test_kernels();
    REQUIRE(pto_set_run_timeout(1.0) == 0);
    auto spec = graph_with_a_hung_kernel(30);
    RuntimeBlock block;
    REQUIRE(init_with(block, *spec) == 0);
    int device_pid = pto_device_process_id(0);
    REQUIRE(device_pid > 0);
    StderrCapture capture;
    EXPECT_EQ(launch(block, 1, 1), PTO_ERR_TIMEOUT);
    // The stall report is part of the error a C API caller reads, and the
    // library prints nothing of it itself.
    std::string report = pto_last_error();
    EXPECT_TRUE(capture.text().find("diagnosis") == std::string::npos);
    // Stopped while the kernel still ran: the run's bound, not the kernel, ended it.
    EXPECT_EQ(spec->done[1].load(), 0);
    EXPECT_CONTAINS(pto_last_error(), "no progress for 1.0 s");
    EXPECT_CONTAINS(pto_last_error(), "a worker was still inside its kernel");
    EXPECT_CONTAINS(pto_last_error(), "the simulated device was reset to stop it");
    EXPECT_CONTAINS(report, "2 of 4 tasks done");
    // Which AIV worker took it depends on which answered first.
    EXPECT_CONTAINS(report, " runs task 1, func_id 1 (spin_kernel), for ");
    EXPECT_CONTAINS(report, "busy: worker ");
    EXPECT_CONTAINS(report, "waiting: task 2, func_id 0 (record_kernel), on task(s) 1\n");
    EXPECT_CONTAINS(report, "diagnosis: hung kernel");
    EXPECT_EQ(spec->run_count[2].load(), 0);
    auto records = task_records(block);
    EXPECT_EQ(records[1].state, 2);  // running
    EXPECT_TRUE(records[1].start_ns > 0 && records[1].end_ns == 0);
    EXPECT_EQ(records[2].state, 0);
    // The hung kernel's process was ended: no thread of it is left anywhere.
    EXPECT_TRUE(gone_within(device_pid, std::chrono::seconds(10)));
    EXPECT_EQ(finalize_runtime(block.handle()), 0);
}

// After a hung kernel the device is reset, and the next launch runs at once
// on a fresh device process, with the kernels the library registers there
// again by itself. The hung kernel never returns to write its output: its
// thread went with its process.
TEST(a_hung_kernel_is_ended_with_its_device_and_a_relaunch_runs) {
    register_test_kernels();
    REQUIRE(pto_set_run_timeout(0.3) == 0);
    auto spec = graph_with_a_hung_kernel(2);
    int first_pid = pto_device_process_id(0);
    {
        RuntimeBlock block;
        REQUIRE(init_with(block, *spec) == 0);
        EXPECT_EQ(launch(block, 1, 1), PTO_ERR_TIMEOUT);
        EXPECT_EQ(finalize_runtime(block.handle()), 0);
    }
    EXPECT_TRUE(gone_within(first_pid, std::chrono::seconds(10)));
    auto next = make_spec();
    diamond(*next);
    run_and_check(*next, 1, 1);
    int second_pid = pto_device_process_id(0);
    EXPECT_TRUE(second_pid > 0 && second_pid != first_pid);
    // Past the time the hung kernel would have returned: it never wrote.
    std::this_thread::sleep_for(std::chrono::milliseconds(2500));
    EXPECT_EQ(spec->done[1].load(), 0);
}

TEST(cyclic_graph_is_rejected_when_the_graph_is_frozen_naming_the_cycle) {
    register_test_kernels();
    auto spec = make_spec();
    int a = spec->add_task(1);
    int b = spec->add_task(0);
    int c = spec->add_task(1);
    int d = spec->add_task(1);
    spec->add_edge(a, b);
    spec->add_edge(b, c);
    spec->add_edge(c, d);
    spec->add_edge(d, b);
    spec->finish();
    RuntimeBlock block;
    EXPECT_EQ(init_with(block, *spec), PTO_ERR_INVALID_GRAPH);
    EXPECT_STREQ(pto_last_error(),
                 std::string("dependency cycle: task 1 (func_id 0) -> task 2 (func_id 0) -> task 3 "
                             "(func_id 0) -> task 1 (func_id 0); 3 task(s) could never start"));
    EXPECT_EQ(spec->run_count[a].load(), 0);  // nothing launched
    EXPECT_EQ(launch(block, 1, 3), PTO_ERR_NOT_INITIALIZED);
}

TEST(duplicate_edges_are_counted_consistently) {
    register_test_kernels();
    auto spec = make_spec();
    int a = spec->add_task(1);
    int b = spec->add_task(0);
    int c = spec->add_task(1);
    spec->add_edge(a, c);
    spec->add_edge(a, c);
    spec->add_edge(b, c);
    spec->finish();
    RuntimeBlock block;
    REQUIRE(init_with(block, *spec) == 0);
    EXPECT_EQ(task_records(block)[static_cast<size_t>(c)].fanin, 3);
    EXPECT_EQ(launch(block, 1, 1), 0);
    EXPECT_EQ(spec->run_count[c].load(), 1);
    EXPECT_EQ(spec->violations.load(), 0);
    auto records = task_records(block);
    EXPECT_TRUE(records[static_cast<size_t>(c)].start_ns >= records[static_cast<size_t>(a)].end_ns);
    EXPECT_EQ(finalize_runtime(block.handle()), 0);
}

// A graph whose second task runs the fault kernel with `kind` (on 4 KiB of
// device memory), and a task after it.
SpecPtr faulting_graph(int kind) {
    auto spec = make_spec();
    spec->add_task(1);
    int faulty = spec->add_task(1, kFaultKernel);
    int after = spec->add_task(0);
    spec->add_edge(faulty, after);
    spec->extra[faulty] = kind;  // the fault kernel's third argument
    spec->device_bytes = 4096;
    spec->finish();
    return spec;
}

// Launches a graph whose second task faults the given way and checks the
// report; returns the id of the worker thread that faulted.
long launch_faulting_graph(int kind, int signal, const char* marker) {
    auto spec = faulting_graph(kind);
    RuntimeBlock block;
    REQUIRE(init_with(block, *spec) == 0);
    EXPECT_EQ(launch(block, 1, 1), PTO_ERR_KERNEL_FAULT);
    EXPECT_CONTAINS(pto_last_error(), "kernel fault: task 1, func_id 3 (fault_kernel)");
    EXPECT_CONTAINS(pto_last_error(), "outputs were not copied back");
    PtoKernelFault fault;
    REQUIRE(pto_last_kernel_fault(&fault) == 0);
    EXPECT_EQ(fault.task_id, 1);
    EXPECT_EQ(fault.func_id, 3);
    EXPECT_EQ(fault.signal, signal);
    EXPECT_EQ(fault.in_kernel_object, 1);
    EXPECT_EQ(spec->run_count[2].load(), 0);
    int expected = line_of(TEST_SOURCE_DIR "/kernels/fault_kernel.cpp", marker);
    REQUIRE(expected > 0);
    EXPECT_EQ(addr2line(TEST_BINARY_DIR "/fault_kernel.so", fault.pc_offset), expected);
    EXPECT_EQ(finalize_runtime(block.handle()), 0);
    return spec->fault_thread_id.load();
}

// The signals a thread of the device process blocks (SigBlk in /proc), or
// ~0 if the thread is gone.
uint64_t blocked_signals_of(int pid, long tid) {
    std::ifstream status("/proc/" + std::to_string(pid) + "/task/" + std::to_string(tid) +
                         "/status");
    std::string line;
    while (std::getline(status, line)) {
        if (line.rfind("SigBlk:", 0) == 0) return std::stoull(line.substr(7), nullptr, 16);
    }
    return ~uint64_t{0};
}

// A faulting launch is reported and the device carries on (same process).
// The thread that faulted is parked in the pool for the next launch, and
// must not be left with a fault signal blocked: its next fault would end
// the device process.
void expect_fault(int kind, int signal, const char* marker) {
    register_test_kernels();
    int device_pid = pto_device_process_id(0);
    long faulted = launch_faulting_graph(kind, signal, marker);
    REQUIRE(faulted != 0);
    uint64_t blocked = blocked_signals_of(device_pid, faulted);
    for (int sig : {SIGSEGV, SIGFPE, SIGILL, SIGBUS, SIGTRAP}) {
        EXPECT_EQ((blocked >> (sig - 1)) & 1u, 0u);
    }
    auto next = make_spec();
    diamond(*next);
    run_and_check(*next, 1, 1);
    PtoKernelFault fault;
    EXPECT_EQ(pto_last_kernel_fault(&fault), PTO_ERR_NOT_INITIALIZED);
    launch_faulting_graph(kind, signal, marker);
    EXPECT_EQ(pto_device_process_id(0), device_pid);
}

TEST(segfaulting_kernel_is_reported_with_its_line) {
    expect_fault(kSegfault, SIGSEGV, "FAULT:segv");
    // A null pointer is named as such.
    auto spec = faulting_graph(kSegfault);
    RuntimeBlock block;
    REQUIRE(init_with(block, *spec) == 0);
    EXPECT_EQ(launch(block, 1, 1), PTO_ERR_KERNEL_FAULT);
    EXPECT_CONTAINS(pto_last_error(), "0x0 is not device memory: a null pointer (plus 0)");
}
TEST(dividing_by_zero_kernel_is_reported_with_its_line) {
    expect_fault(kDivideByZero, SIGFPE, "FAULT:fpe");
}
TEST(illegal_instruction_kernel_is_reported_with_its_line) {
    expect_fault(kIllegalInstruction, SIGILL, "FAULT:ill");
}
TEST(bus_error_kernel_is_reported_with_its_line) {
    expect_fault(kBusError, SIGBUS, "FAULT:bus");
}

// A kernel writing one element past its 4 KiB output: the guard page after
// the buffer catches the first byte past its end, and the report names the
// buffer by the host tensor it was filled from.
TEST(a_write_one_element_past_a_buffer_names_the_buffer) {
    register_test_kernels();
    std::vector<float> host(1024, 0.0f);
    REQUIRE(pto_name_host_buffer(host.data(), host.size() * sizeof(float), "out") == 0);
    for (int round = 0; round < 2; ++round) {
        auto spec = faulting_graph(kWritePastEnd);
        spec->fill_from = host.data();
        RuntimeBlock block;
        REQUIRE(init_with(block, *spec) == 0);
        EXPECT_EQ(launch(block, 1, 1), PTO_ERR_KERNEL_FAULT);
        uint64_t end = reinterpret_cast<uint64_t>(spec->device_out) + 4096;
        char address[32];
        std::snprintf(address, sizeof address, "0x%llx", static_cast<unsigned long long>(end));
        std::string message = pto_last_error();
        EXPECT_CONTAINS(message, address);
        EXPECT_CONTAINS(message,
                        " is 0 byte(s) past the end of device buffer 'out' (device_malloc #");
        EXPECT_CONTAINS(message, ", 4096 bytes at ");
        EXPECT_CONTAINS(message, "the kernel ran past the end of its buffer");
        PtoKernelFault fault;
        REQUIRE(pto_last_kernel_fault(&fault) == 0);
        EXPECT_EQ(fault.fault_address, end);
        int expected = line_of(TEST_SOURCE_DIR "/kernels/fault_kernel.cpp", "FAULT:past-end");
        EXPECT_EQ(addr2line(TEST_BINARY_DIR "/fault_kernel.so", fault.pc_offset), expected);
        EXPECT_EQ(finalize_runtime(block.handle()), 0);
    }
    // The device carries on.
    auto next = make_spec();
    diamond(*next);
    run_and_check(*next, 1, 1);
}

TEST(a_write_before_a_buffer_names_the_buffer) {
    register_test_kernels();
    auto spec = faulting_graph(kWriteBeforeStart);
    RuntimeBlock block;
    REQUIRE(init_with(block, *spec) == 0);
    EXPECT_EQ(launch(block, 1, 1), PTO_ERR_KERNEL_FAULT);
    EXPECT_CONTAINS(pto_last_error(),
                    " is 4 byte(s) before the start of device buffer (device_malloc #");
    EXPECT_CONTAINS(pto_last_error(), "the kernel ran before the start of its buffer");
    EXPECT_EQ(finalize_runtime(block.handle()), 0);
    auto next = make_spec();
    diamond(*next);
    run_and_check(*next, 1, 1);
}

// A kernel handed a host buffer's address faults, as it would on a device,
// and the report says a host pointer reached it.
TEST(a_host_pointer_reaching_a_kernel_is_reported_as_one) {
    register_test_kernels();
    // Page-aligned host memory of its own (far from the device process's own
    // mappings), named like a runner's tensor.
    void* host = mmap(nullptr, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    REQUIRE(host != MAP_FAILED);
    static_cast<int*>(host)[16] = 7;
    REQUIRE(pto_name_host_buffer(host, 8192, "a") == 0);
    auto spec = faulting_graph(kReadHostPointer);
    spec->host_pointer = static_cast<int*>(host) + 16;
    RuntimeBlock block;
    REQUIRE(init_with(block, *spec) == 0);
    EXPECT_EQ(launch(block, 1, 1), PTO_ERR_KERNEL_FAULT);
    EXPECT_CONTAINS(pto_last_error(),
                    "is not device memory: it lies in host buffer 'a' (8192 bytes at ");
    EXPECT_CONTAINS(pto_last_error(), "a host pointer reached a kernel");
    EXPECT_EQ(spec->violations.load(), 0);  // the kernel never read the host's 7
    PtoKernelFault fault;
    REQUIRE(pto_last_kernel_fault(&fault) == 0);
    int expected = line_of(TEST_SOURCE_DIR "/kernels/fault_kernel.cpp", "FAULT:host-pointer");
    EXPECT_EQ(addr2line(TEST_BINARY_DIR "/fault_kernel.so", fault.pc_offset), expected);
    EXPECT_EQ(finalize_runtime(block.handle()), 0);
    munmap(host, 8192);
}

TEST(a_trap_in_a_kernel_is_a_kernel_fault_not_a_crash) {
    register_test_kernels();
    int device_pid = pto_device_process_id(0);
    auto spec = faulting_graph(kTrap);
    RuntimeBlock block;
    REQUIRE(init_with(block, *spec) == 0);
    EXPECT_EQ(launch(block, 1, 1), PTO_ERR_KERNEL_FAULT);
    EXPECT_CONTAINS(pto_last_error(), "SIGTRAP (trace/breakpoint trap: raise(SIGTRAP)");
    PtoKernelFault fault;
    REQUIRE(pto_last_kernel_fault(&fault) == 0);
    EXPECT_EQ(fault.signal, SIGTRAP);
    EXPECT_EQ(finalize_runtime(block.handle()), 0);
    auto next = make_spec();
    diamond(*next);
    run_and_check(*next, 1, 1);
    EXPECT_EQ(pto_device_process_id(0), device_pid);
}

// A kernel that ends the device process: the launch fails with
// PTO_ERR_DEVICE_LOST, saying how the process ended, what it was running
// and its last lines on stderr; the next launch runs on a fresh device.
void expect_device_lost(int kind, const char* cause, const char* last_line) {
    register_test_kernels();
    int device_pid = pto_device_process_id(0);
    REQUIRE(device_pid > 0);
    auto spec = faulting_graph(kind);
    RuntimeBlock block;
    REQUIRE(init_with(block, *spec) == 0);
    StderrCapture capture;
    EXPECT_EQ(launch(block, 1, 1), PTO_ERR_DEVICE_LOST);
    std::string shown = capture.text();
    std::string message = pto_last_error();
    char process[96];
    std::snprintf(process, sizeof process, "the simulated device 0's process (pid %d) ",
                  device_pid);
    EXPECT_CONTAINS(message, process);
    EXPECT_CONTAINS(message, cause);
    EXPECT_CONTAINS(message, " during the launch; tasks running then: ");
    EXPECT_CONTAINS(message, "task 1 (func_id 3, fault_kernel) on worker ");
    EXPECT_CONTAINS(message, "the next launch starts a fresh device");
    if (last_line != nullptr) {
        EXPECT_CONTAINS(message, "its last lines on stderr:");
        EXPECT_CONTAINS(message, last_line);
        EXPECT_CONTAINS(shown, last_line);  // shown as it was written, too
    }
    EXPECT_EQ(spec->run_count[2].load(), 0);
    EXPECT_EQ(finalize_runtime(block.handle()), 0);
    EXPECT_TRUE(gone_within(device_pid, std::chrono::seconds(10)));
    auto next = make_spec();
    diamond(*next);
    run_and_check(*next, 1, 1);
    int fresh = pto_device_process_id(0);
    EXPECT_TRUE(fresh > 0 && fresh != device_pid);
}

TEST(a_kernel_that_aborts_ends_the_device_not_the_host) {
    expect_device_lost(kAbort, "was killed by SIGABRT (Aborted)",
                       "fault_kernel: giving up on task 1");
}

TEST(a_kernel_that_throws_ends_the_device_not_the_host) {
    expect_device_lost(kThrow, "was killed by SIGABRT (Aborted)",
                       "what():  fault_kernel cannot go on");
}

TEST(a_kernel_that_exits_ends_the_device_not_the_host) {
    expect_device_lost(kExit, "exited with code 3", nullptr);
}

// A fault in the device's own code (not a kernel's) is not swallowed: it ends
// the device process, which the host reports on stderr when the device is
// used next; that use gets a fresh device.
TEST(a_fault_outside_kernels_ends_the_device_and_is_reported) {
    register_test_kernels();
    auto spec = make_spec();
    diamond(*spec);
    run_and_check(*spec, 1, 1);
    int device_pid = pto_device_process_id(0);
    REQUIRE(device_pid > 0);
    // Under a sanitizer the device prints its report of this crash: say it
    // is the one this test causes, so a passing run's log is not mistaken
    // for a failure.
    std::fprintf(stderr,
                 "[expected] this test sends SIGSEGV to the device process (pid %d); a "
                 "sanitizer's SEGV report from it may follow\n",
                 device_pid);
    REQUIRE(kill(device_pid, SIGSEGV) == 0);
    // Until the host has seen the process end, a launch would still go to
    // it (and be told the device ended during that launch); under a
    // sanitizer the process takes a while to end after its report.
    REQUIRE(noticed_gone_within(0, device_pid, std::chrono::seconds(10)));
    std::fprintf(stderr, "[expected] end of the deliberate crash of pid %d\n", device_pid);
    StderrCapture capture;
    auto next = make_spec();
    diamond(*next);
    run_and_check(*next, 1, 1);
    std::string shown = capture.text();
    char note[128];
    std::snprintf(note, sizeof note, "the simulated device 0's process (pid %d) ", device_pid);
    EXPECT_CONTAINS(shown, note);
    // Killed by the signal, or (a sanitizer's handler) reported and exited.
    EXPECT_TRUE(shown.find("was killed by SIGSEGV") != std::string::npos ||
                shown.find("Sanitizer: SEGV") != std::string::npos);
    EXPECT_CONTAINS(shown, "between launches");
    EXPECT_TRUE(pto_device_process_id(0) != device_pid);
}

TEST(repeated_cycles_leak_no_file_descriptors) {
    register_test_kernels();
    auto count_fds = [] {
        int n = 0;
        if (DIR* d = opendir("/proc/self/fd")) {
            while (readdir(d)) ++n;
            closedir(d);
        }
        return n;
    };
    auto once = [] {
        auto spec = make_spec();
        diamond(*spec);
        run_and_check(*spec, 3, 3);
    };
    once();
    int before = count_fds();
    for (int i = 0; i < 100; ++i) once();
    EXPECT_EQ(count_fds(), before);
}

// Every step takes half the bound: the run as a whole goes far past it, yet
// progress never stops for as long as the bound (a second of margin per
// step for a loaded machine).
TEST(slow_kernels_that_progress_never_trip_the_timeout) {
    register_test_kernels();
    REQUIRE(pto_set_run_timeout(1.5) == 0);
    auto spec = make_spec();
    for (int i = 0; i < 6; ++i) {
        spec->add_task(1, kSleepKernel);
        if (i > 0) spec->add_edge(i - 1, i);
    }
    spec->sleep_ms = 500;
    run_and_check(*spec, 1, 1);
}

// A scheduler thread whose own workers sit idle while another thread's
// workers finish the graph is not stalled: progress is counted over the whole
// run. Slow steps on one core type and three threads: two threads see no
// work of their own for twice the bound.
TEST(idle_scheduler_threads_are_not_a_deadlock) {
    register_test_kernels();
    REQUIRE(pto_set_run_timeout(1.5) == 0);
    for (int run = 0; run < 10; ++run) {
        auto spec = make_spec();
        chain(*spec);
        run_and_check(*spec, 3, 3);
    }
    auto spec = make_spec();
    for (int i = 0; i < 6; ++i) {
        spec->add_task(1, kSleepKernel);
        if (i > 0) spec->add_edge(i - 1, i);
    }
    spec->sleep_ms = 500;
    run_and_check(*spec, 3, 3);
}

TEST(a_graph_runs_again_and_again_from_one_init) {
    register_test_kernels();
    auto spec = make_spec();
    layered(*spec);
    spec->finish();
    RuntimeBlock block;
    REQUIRE(init_with(block, *spec) == 0);
    for (int run = 1; run <= 3; ++run) {
        REQUIRE(launch(block, run, 3 * run) == 0);
        int once = 0;
        for (int i = 0; i < spec->num_tasks; ++i) once += spec->run_count[i].load() == run;
        EXPECT_EQ(once, spec->num_tasks);
        // The records are this launch's: each task ran once more, after its
        // predecessors, and on a worker of this launch.
        for (int i = 0; i < spec->num_tasks; ++i) spec->done[i].store(0);
        spec->violations.store(0);
        auto records = task_records(block);
        int outside = 0;
        for (const PtoTaskRecord& r : records) outside += r.worker_id >= 9 * run || r.state != 3;
        EXPECT_EQ(outside, 0);
    }
    EXPECT_EQ(finalize_runtime(block.handle()), 0);
}

// The scheduler time slice of thread `tid` of this process (se.slice in
// /proc: EEVDF kernels), or -1 where the kernel does not say.
long long time_slice_of(long tid) {
    std::ifstream sched("/proc/self/task/" + std::to_string(tid) + "/sched");
    std::string line;
    while (std::getline(sched, line)) {
        if (line.rfind("se.slice", 0) == 0) return std::stoll(line.substr(line.find(':') + 1));
    }
    return -1;
}

// The launching thread waits with a short time slice (a busy host otherwise
// delays its wake-up by a tick), and gets its own setting back after.
TEST(the_launching_thread_waits_with_a_short_slice_and_gets_its_own_back) {
    register_test_kernels();
    const long self = syscall(SYS_gettid);
    REQUIRE(setpriority(PRIO_PROCESS, static_cast<id_t>(self), 3) == 0);
    const long long own = time_slice_of(self);
    auto spec = make_spec();
    spec->add_task(1, kSleepKernel);
    spec->sleep_ms = 300;
    spec->finish();
    RuntimeBlock block;
    REQUIRE(init_with(block, *spec) == 0);
    std::atomic<long long> during{-2};
    std::thread watcher([&] {
        while (spec->started[0].load() == 0) std::this_thread::yield();
        during = time_slice_of(self);
    });
    EXPECT_EQ(launch(block, 1, 1), 0);
    watcher.join();
    if (own >= 0) {
        EXPECT_EQ(during.load(), 100000);
        EXPECT_EQ(time_slice_of(self), own);
    }
    EXPECT_EQ(getpriority(PRIO_PROCESS, static_cast<id_t>(self)), 3);
    EXPECT_EQ(finalize_runtime(block.handle()), 0);
}

TEST(one_handle_runs_one_launch_at_a_time) {
    register_test_kernels();
    auto spec = make_spec();
    spec->add_task(1, kSleepKernel);
    spec->sleep_ms = 400;
    spec->finish();
    RuntimeBlock block;
    REQUIRE(init_with(block, *spec) == 0);
    std::atomic<int> first{1};
    std::thread runner([&] { first = launch(block, 1, 1); });
    while (spec->started[0].load() == 0) std::this_thread::yield();
    EXPECT_EQ(launch(block, 1, 1), PTO_ERR_BUSY);
    EXPECT_CONTAINS(pto_last_error(), "another thread is launching or finalizing this handle");
    EXPECT_EQ(finalize_runtime(block.handle()), PTO_ERR_BUSY);
    runner.join();
    EXPECT_EQ(first.load(), 0);
    EXPECT_EQ(finalize_runtime(block.handle()), 0);
}

// A thread the orchestration left running adds a task while the launch
// runs: the task cannot join the frozen graph, so the launch fails saying so
// (it passed silently before).
TEST(a_task_added_while_the_launch_runs_fails_the_launch) {
    register_test_kernels();
    auto spec = make_spec();
    spec->add_task(1, kSleepKernel);
    spec->sleep_ms = 1000;
    spec->finish();
    RuntimeBlock block;
    REQUIRE(init_with(block, *spec, "build_spec_graph_late_add") == 0);
    EXPECT_EQ(launch(block, 1, 1), PTO_ERR_INVALID_GRAPH);
    EXPECT_STREQ(pto_last_error(),
                 "launch_runtime: add_task (func_id 2) was called while the launch ran (1 such "
                 "call(s), from a thread the orchestration build_spec_graph_late_add left "
                 "running) and was dropped; the launch ran the 1 tasks the graph was frozen "
                 "with: add every task and edge before the orchestration function returns, and "
                 "join its threads");
    while (spec->late_add_done.load() == 0) std::this_thread::yield();
    EXPECT_EQ(spec->late_add_result.load(), -1);
    EXPECT_EQ(finalize_runtime(block.handle()), 0);
}

// Replacing and renaming a kernel while a launch runs it: the launch keeps
// the kernel it started with (still loaded), and the next launch gets the
// new one.
TEST(kernels_replaced_while_a_launch_runs_them_stay_loaded_until_it_ends) {
    register_test_kernels();
    auto spec = make_spec();
    for (int i = 0; i < 8; ++i) {
        spec->add_task(1, kSleepKernel);
        if (i > 0) spec->add_edge(i - 1, i);
    }
    spec->sleep_ms = 40;
    spec->finish();
    RuntimeBlock block;
    REQUIRE(init_with(block, *spec) == 0);
    std::atomic<int> rc{1};
    std::thread runner([&] { rc = launch(block, 1, 1); });
    auto record = test_binary("record_kernel.so");
    auto sleep = test_binary("sleep_kernel.so");
    int replaced = 0;
    while (rc.load() == 1) {
        REQUIRE(register_kernel(kSleepKernel, replaced % 2 ? sleep.data() : record.data(),
                                replaced % 2 ? sleep.size() : record.size()) == 0);
        std::string name = "kernel_version_" + std::to_string(replaced++);
        REQUIRE(pto_name_kernel(kSleepKernel, name.c_str()) == 0);
    }
    runner.join();
    EXPECT_EQ(rc.load(), 0);
    EXPECT_TRUE(replaced > 1);
    int once = 0;
    for (int i = 0; i < spec->num_tasks; ++i) once += spec->run_count[i].load() == 1;
    EXPECT_EQ(once, spec->num_tasks);
    EXPECT_EQ(spec->violations.load(), 0);
    EXPECT_EQ(finalize_runtime(block.handle()), 0);
    // func_id 2 is now whichever was registered last.
    REQUIRE(register_kernel(kSleepKernel, record.data(), record.size()) == 0);
    auto again = make_spec();
    again->add_task(1, kSleepKernel);
    again->sleep_ms = 60'000;  // would be a minute if the sleep kernel still ran
    run_and_check(*again, 1, 1);
}

// Binds this test process to its first two allowed CPUs (the simulator plans
// from the launching thread's mask); false on a one-CPU machine.
bool use_two_cpus(int* first, int* second) {
    cpu_set_t allowed;
    REQUIRE(sched_getaffinity(0, sizeof allowed, &allowed) == 0);
    std::vector<int> cpus;
    for (int c = 0; c < CPU_SETSIZE && cpus.size() < 2; ++c) {
        if (CPU_ISSET(c, &allowed)) cpus.push_back(c);
    }
    if (cpus.size() < 2) return false;
    cpu_set_t two;
    CPU_ZERO(&two);
    CPU_SET(cpus[0], &two);
    CPU_SET(cpus[1], &two);
    REQUIRE(sched_setaffinity(0, sizeof two, &two) == 0);
    *first = cpus[0];
    *second = cpus[1];
    return true;
}

// 3 schedulers and 9 workers on 2 CPUs: the workers share one CPU, bound to
// it alone, and the schedulers have the other.
// Runs the wide graph with this process bound to two CPUs (a, b); null on a
// one-CPU machine, where there is nothing to place.
SpecPtr wide_on_two_cpus(int threads, int block_dim, int* a, int* b) {
    if (!use_two_cpus(a, b)) {
        std::printf("skipped: one CPU, nothing to place\n");
        return nullptr;
    }
    register_test_kernels();
    // Where the workers run is the question: a busy host (a parallel make
    // check) would have the schedulers run the units themselves.
    REQUIRE(setenv("PTO_SIM_RUN_HERE", "never", 1) == 0);
    auto spec = make_spec();
    wide(*spec);
    run_and_check(*spec, threads, block_dim);
    return spec;
}

TEST(oversubscribed_launch_puts_workers_on_their_own_cpu) {
    int a = 0, b = 0;
    auto spec = wide_on_two_cpus(3, 3, &a, &b);
    if (!spec) return;
    int worker_cpu = spec->cpu[0].load();
    int elsewhere = 0, unbound = 0;
    for (int i = 0; i < spec->num_tasks; ++i) {
        elsewhere += spec->cpu[i].load() != worker_cpu;
        unbound += spec->cpus_allowed[i].load() != 1;
    }
    EXPECT_TRUE(worker_cpu == a || worker_cpu == b);
    EXPECT_EQ(elsewhere, 0);
    EXPECT_EQ(unbound, 0);
}

TEST(affinity_off_leaves_placement_to_the_kernel) {
    int a = 0, b = 0;
    // A pinned launch first: its threads are reused and must be unbound again.
    auto pinned = wide_on_two_cpus(1, 1, &a, &b);
    if (!pinned) return;
    EXPECT_EQ(pinned->cpus_allowed[0].load(), 1);
    REQUIRE(setenv("PTO_SIM_AFFINITY", "off", 1) == 0);
    auto spec = make_spec();
    wide(*spec);
    run_and_check(*spec, 1, 1);
    int narrowed = 0;
    for (int i = 0; i < spec->num_tasks; ++i) narrowed += spec->cpus_allowed[i].load() != 2;
    EXPECT_EQ(narrowed, 0);
}

// A simulator setting the launch refuses: nothing runs, the message names
// the variable and value and says `says`.
void expect_setting_refused(const char* variable, const char* value, const char* says) {
    register_test_kernels();
    REQUIRE(setenv(variable, value, 1) == 0);
    auto spec = make_spec();
    diamond(*spec);
    spec->finish();
    RuntimeBlock block;
    REQUIRE(init_with(block, *spec) == 0);
    EXPECT_EQ(launch(block, 1, 1), PTO_ERR_BAD_LAUNCH_CONFIG);
    EXPECT_CONTAINS(pto_last_error(), (std::string(variable) + "=" + value).c_str());
    EXPECT_CONTAINS(pto_last_error(), says);
    EXPECT_EQ(spec->run_count[0].load(), 0);
    EXPECT_EQ(finalize_runtime(block.handle()), 0);
}

TEST(unknown_affinity_setting_is_rejected_by_name) {
    expect_setting_refused("PTO_SIM_AFFINITY", "cores", "auto");
}

// PTO_SIM_RUN_HERE=always: every unit runs on the scheduler thread that
// dispatched it (what a busy host gets), in dependency order, once each;
// never: on the workers.
int tasks_run_on_schedulers(const char* run_here, int threads, int block_dim) {
    register_test_kernels();
    REQUIRE(setenv("PTO_SIM_RUN_HERE", run_here, 1) == 0);
    auto spec = make_spec();
    layered(*spec);
    run_and_check(*spec, threads, block_dim);
    int here = 0;
    for (int i = 0; i < spec->num_tasks; ++i) here += spec->on_scheduler[i].load();
    EXPECT_EQ(spec->violations.load(), 0);
    return here == spec->num_tasks ? 1 : here == 0 ? 0 : -1;
}

TEST(schedulers_run_the_units_themselves_when_told) {
    EXPECT_EQ(tasks_run_on_schedulers("always", 1, 1), 1);
    EXPECT_EQ(tasks_run_on_schedulers("always", 3, 3), 1);
}

TEST(workers_run_the_units_when_told) {
    EXPECT_EQ(tasks_run_on_schedulers("never", 1, 1), 0);
    EXPECT_EQ(tasks_run_on_schedulers("never", 3, 3), 0);
}

// With more ready tasks than idle workers, a worker's next task is handed
// to it while it runs the current one (its second dispatch slot), and it
// runs them in order, one at a time (check_run).
TEST(a_worker_gets_its_next_task_while_it_runs_the_current_one) {
    register_test_kernels();
    REQUIRE(setenv("PTO_SIM_RUN_HERE", "never", 1) == 0);
    for (Config c : {Config{1, 1}, Config{3, 3}}) {
        auto spec = make_spec();
        wide(*spec);
        spec->finish();
        RuntimeBlock block;
        REQUIRE(init_with(block, *spec) == 0);
        REQUIRE(launch(block, c.threads, c.block_dim) == 0);
        check_run(block, *spec, c.block_dim);
        auto records = task_records(block);
        // Dispatched before the worker's previous task ended: queued behind it.
        std::vector<uint64_t> last_end(static_cast<size_t>(3 * c.block_dim), 0);
        std::vector<const PtoTaskRecord*> order;
        for (const PtoTaskRecord& r : records) order.push_back(&r);
        std::sort(order.begin(), order.end(),
                  [](auto* a, auto* b) { return a->start_ns < b->start_ns; });
        int queued = 0;
        for (const PtoTaskRecord* r : order) {
            const auto w = static_cast<size_t>(r->worker_id);
            queued += r->dispatch_ns < last_end[w];
            last_end[w] = r->end_ns;
        }
        EXPECT_TRUE(queued > 0);
        REQUIRE(finalize_runtime(block.handle()) == 0);
    }
}

TEST(unknown_run_here_setting_is_rejected_by_name) {
    expect_setting_refused("PTO_SIM_RUN_HERE", "sometimes", "is not a choice; use auto");
}

TEST(bad_idle_timings_are_rejected_by_name) {
    register_test_kernels();
    REQUIRE(setenv("PTO_SIM_SPIN_NS", "fast", 1) == 0);
    auto spec = make_spec();
    diamond(*spec);
    spec->finish();
    RuntimeBlock block;
    REQUIRE(init_with(block, *spec) == 0);
    EXPECT_EQ(launch(block, 1, 1), PTO_ERR_BAD_LAUNCH_CONFIG);
    EXPECT_STREQ(pto_last_error(),
                 "PTO_SIM_SPIN_NS=fast is not a duration in nanoseconds (a whole number, "
                 "0..10000000000); unset it to use the default 300");
    REQUIRE(setenv("PTO_SIM_SPIN_NS", "1000", 1) == 0);
    REQUIRE(setenv("PTO_SIM_WORKER_KEEP_NS", "-5", 1) == 0);
    EXPECT_EQ(launch(block, 1, 1), PTO_ERR_BAD_LAUNCH_CONFIG);
    EXPECT_CONTAINS(pto_last_error(), "PTO_SIM_WORKER_KEEP_NS=-5 is not a duration");
    REQUIRE(unsetenv("PTO_SIM_WORKER_KEEP_NS") == 0);
    EXPECT_EQ(launch(block, 1, 1), 0);
    EXPECT_EQ(spec->run_count[0].load(), 1);
    EXPECT_EQ(finalize_runtime(block.handle()), 0);
}

// Launches borrow parked threads: the device process does not gain threads
// from one launch to the next, however many launches it makes, and the
// host gains none at all.
TEST(repeated_launches_reuse_simulator_threads) {
    register_test_kernels();
    auto count_threads = [](int pid) {
        return count_entries(("/proc/" + std::to_string(pid) + "/task").c_str());
    };
    auto once = [](int threads, int block_dim) {
        auto spec = make_spec();
        layered(*spec);
        run_and_check(*spec, threads, block_dim);
    };
    once(3, 3);  // 3 schedulers + 9 workers, parked afterwards
    int device = pto_device_process_id(0);
    int after_first = count_threads(device);
    int host_threads = count_threads(getpid());
    for (int i = 0; i < 20; ++i) once(i % 2 ? 3 : 1, 3);
    EXPECT_EQ(count_threads(device), after_first);
    once(4, 8);  // 28 threads: 16 more than any launch before
    EXPECT_EQ(count_threads(device), after_first + 16);
    EXPECT_EQ(count_threads(getpid()), host_threads);
}

// This process's mappings (lines of /proc/self/maps). A sanitizer's
// allocator maps anonymous memory as it goes (quarantine, size classes):
// under one, only mappings of files and memory files count.
int count_mappings() {
    std::ifstream maps("/proc/self/maps");
    std::string line;
    int n = 0;
    while (std::getline(maps, line)) {
#if defined(__SANITIZE_THREAD__) || defined(__SANITIZE_ADDRESS__)
        if (line.find('/') == std::string::npos) continue;
#endif
        ++n;
    }
    return n;
}

// Processes whose parent is this one (zombies included).
int count_children() {
    int n = 0;
    if (DIR* d = opendir("/proc")) {
        while (dirent* e = readdir(d)) {
            if (e->d_name[0] < '0' || e->d_name[0] > '9') continue;
            std::ifstream stat(std::string("/proc/") + e->d_name + "/stat");
            std::string line;
            if (!std::getline(stat, line)) continue;
            size_t paren = line.rfind(')');
            if (paren == std::string::npos) continue;
            int ppid = 0;
            char state = 0;
            if (std::sscanf(line.c_str() + paren + 1, " %c %d", &state, &ppid) == 2 &&
                ppid == getpid())
                ++n;
        }
        closedir(d);
    }
    return n;
}

// Device deaths and relaunches, again and again: every death releases the
// process, its descriptors and its threads, and the host keeps nothing of
// it (descriptors, mappings, child processes, threads).
TEST(launches_after_device_deaths_leak_nothing) {
    register_test_kernels();
#if defined(__SANITIZE_THREAD__) || defined(__SANITIZE_ADDRESS__)
    const int rounds = 20;  // a sanitized device process starts ten times slower
#else
    const int rounds = 100;
#endif
    auto die_then_relaunch = [] {
        auto spec = faulting_graph(kExit);
        RuntimeBlock block;
        REQUIRE(init_with(block, *spec) == 0);
        REQUIRE(launch(block, 1, 1) == PTO_ERR_DEVICE_LOST);
        REQUIRE(finalize_runtime(block.handle()) == 0);
        auto next = make_spec();
        diamond(*next);
        run_and_check(*next, 1, 1);
    };
    die_then_relaunch();
    int fds = count_entries("/proc/self/fd");
    int mappings = count_mappings();
    int threads = count_entries("/proc/self/task");
    for (int i = 0; i < rounds; ++i) die_then_relaunch();
    EXPECT_EQ(count_entries("/proc/self/fd"), fds);
    EXPECT_EQ(count_mappings(), mappings);
    EXPECT_EQ(count_entries("/proc/self/task"), threads);
    EXPECT_EQ(count_children(), 1);  // the device process up now
}

// A host killed outright (SIGKILL: no exit handler runs) takes its device
// process along.
TEST(a_host_killed_with_sigkill_leaves_no_device_process) {
    int pipe_fds[2];
    REQUIRE(pipe(pipe_fds) == 0);
    pid_t host = fork();
    if (host == 0) {
        close(pipe_fds[0]);
        register_test_kernels();
        auto spec = make_spec();
        diamond(*spec);
        run_and_check(*spec, 1, 1);
        int device = pto_device_process_id(0);
        if (write(pipe_fds[1], &device, sizeof device) != sizeof device) _exit(1);
        for (;;) pause();
    }
    close(pipe_fds[1]);
    int device = 0;
    REQUIRE(read(pipe_fds[0], &device, sizeof device) == sizeof device);
    close(pipe_fds[0]);
    REQUIRE(device > 0);
    EXPECT_TRUE(!process_gone(device));
    kill(host, SIGKILL);
    int status = 0;
    waitpid(host, &status, 0);
    EXPECT_TRUE(gone_within(device, std::chrono::seconds(10)));
}

// A child forked after the runtime was used gets device memory and devices
// of its own: what it writes never reaches the parent's buffers, and it can
// launch (on a device process of its own) while the parent's stays.
TEST(a_forked_child_gets_device_memory_and_devices_of_its_own) {
#if defined(__SANITIZE_THREAD__)
    // TSan refuses to start threads in the child of a multi-threaded fork.
    std::printf("skipped under ThreadSanitizer\n");
    return;
#endif
    register_test_kernels();
    auto spec = make_spec();
    diamond(*spec);
    run_and_check(*spec, 1, 1);
    int parent_device = pto_device_process_id(0);
    auto* buffer = static_cast<volatile int*>(device_malloc(4096));
    REQUIRE(buffer != nullptr);
    buffer[0] = 1;
    pid_t child = fork();
    if (child == 0) {
        bool inherited = buffer[0] == 1;  // a copy of what was there
        buffer[0] = 2;
        auto own = make_spec();
        diamond(*own);
        run_and_check(*own, 1, 1);
        bool own_device = pto_device_process_id(0) > 0 && pto_device_process_id(0) != parent_device;
        _exit(inherited && own_device && harness::failures() == 0 ? 0 : 1);
    }
    int status = 0;
    waitpid(child, &status, 0);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    EXPECT_EQ(buffer[0], 1);
    EXPECT_EQ(pto_device_process_id(0), parent_device);
    auto again = make_spec();
    diamond(*again);
    run_and_check(*again, 1, 1);
    device_free(const_cast<int*>(buffer));
}

// Two host processes at once each get devices of their own: separate
// processes, separate device memory; both runs complete.
TEST(two_hosts_at_once_keep_separate_devices) {
    int pipe_fds[2];
    REQUIRE(pipe(pipe_fds) == 0);
    pid_t hosts[2];
    for (pid_t& host : hosts) {
        host = fork();
        if (host == 0) {
            close(pipe_fds[0]);
            register_test_kernels();
            for (int i = 0; i < 5; ++i) {
                auto spec = make_spec();
                layered(*spec);
                run_and_check(*spec, 3, 3);
            }
            int report[2] = {pto_device_process_id(0), harness::failures()};
            if (write(pipe_fds[1], report, sizeof report) != sizeof report) _exit(1);
            _exit(harness::failures() == 0 ? 0 : 1);
        }
    }
    close(pipe_fds[1]);
    int reports[2][2] = {};
    for (auto& report : reports) REQUIRE(read(pipe_fds[0], report, sizeof report) == sizeof report);
    close(pipe_fds[0]);
    for (pid_t host : hosts) {
        int status = 0;
        waitpid(host, &status, 0);
        EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    }
    EXPECT_TRUE(reports[0][0] > 0 && reports[1][0] > 0 && reports[0][0] != reports[1][0]);
    EXPECT_EQ(reports[0][1] + reports[1][1], 0);
}

// Every message to the device process is answered: a protection change it
// cannot apply (its mappings run out at vm.max_map_count) fails the
// device_malloc that asked for it, naming why, instead of handing out memory
// a kernel would fault on. Afterwards the device serves again.
TEST(a_protection_the_device_cannot_apply_fails_device_malloc) {
#if defined(__SANITIZE_THREAD__) || defined(__SANITIZE_ADDRESS__)
    // Running a process out of mappings takes the sanitizer's allocator down
    // with it.
    std::printf("  skipped under a sanitizer\n");
    return;
#endif
    long map_count = 0;
    if (FILE* f = std::fopen("/proc/sys/vm/max_map_count", "r")) {
        if (std::fscanf(f, "%ld", &map_count) != 1) map_count = 0;
        std::fclose(f);
    }
    if (map_count <= 0 || map_count > 200000) {
        std::printf("  skipped: vm.max_map_count is %ld (needs 1..200000 to run out)\n", map_count);
        return;
    }
    REQUIRE(set_device(0) == 0);  // the device process is up
    std::vector<void*> held;
    std::string error;
    for (long i = 0; i < map_count + 1000; ++i) {
        void* p = device_malloc(64);
        if (p == nullptr) {
            error = pto_last_error();
            break;
        }
        held.push_back(p);
    }
    REQUIRE(!error.empty());
    std::printf("  after %zu allocations: %s\n", held.size(), error.c_str());
    EXPECT_CONTAINS(error, "could not be made accessible");
    EXPECT_CONTAINS(error, "device 0");
    EXPECT_CONTAINS(error, "max_map_count");
    for (void* p : held) device_free(p);
    void* again = device_malloc(64);
    EXPECT_TRUE(again != nullptr);
    device_free(again);
}

int main(int argc, char** argv) {
    return harness::run_all(argc, argv);
}
