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
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "graph_spec.h"
#include "pto_runtime_c_api.h"
#include "runtime.h"
#include "test_harness.h"

#ifndef TEST_BINARY_DIR
#error "TEST_BINARY_DIR must name the folder with the test kernels and orchestration"
#endif
#ifndef RUNTIME_BINARY_DIR
#error "RUNTIME_BINARY_DIR must name the folder with libpto_aicpu.so and libpto_aicore.so"
#endif

namespace {

std::vector<uint8_t> read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    REQUIRE(in.good());
    return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), {});
}

struct Binaries {
    std::vector<uint8_t> aicpu = read_file(RUNTIME_BINARY_DIR "/libpto_aicpu.so");
    std::vector<uint8_t> aicore = read_file(RUNTIME_BINARY_DIR "/libpto_aicore.so");
    std::vector<uint8_t> orchestration = read_file(TEST_BINARY_DIR "/graph_spec_orch.so");
};

const Binaries& binaries() {
    static Binaries b;
    return b;
}

const char* const kKernelNames[] = {"record_kernel", "spin_kernel", "sleep_kernel", "fault_kernel"};

void register_test_kernels() {
    for (int id = 0; id < 4; ++id) {
        auto bytes = read_file(std::string(TEST_BINARY_DIR "/") + kKernelNames[id] + ".so");
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

// One Runtime in zero-filled memory, as a caller of the C API holds it.
struct RuntimeBlock {
    std::vector<uint8_t> memory = std::vector<uint8_t>(get_runtime_size() + 64, 0);
    void* handle() {
        return reinterpret_cast<void*>((reinterpret_cast<uintptr_t>(memory.data()) + 63) &
                                       ~uintptr_t{63});
    }
    Runtime* runtime() { return static_cast<Runtime*>(handle()); }
};

int init_with(RuntimeBlock& block, GraphSpec& spec) {
    uint64_t args[1] = {reinterpret_cast<uint64_t>(&spec)};
    const auto& orch = binaries().orchestration;
    return init_runtime(block.handle(), orch.data(), orch.size(), "build_spec_graph", args, 1);
}

int launch(RuntimeBlock& block, int threads, int block_dim) {
    const auto& b = binaries();
    return launch_runtime(block.handle(), threads, block_dim, 0, b.aicpu.data(), b.aicpu.size(),
                          b.aicore.data(), b.aicore.size());
}

// Runs the spec and checks everything the run must guarantee.
void run_and_check(GraphSpec& spec, int threads, int block_dim) {
    spec.finish();
    RuntimeBlock block;
    REQUIRE(init_with(block, spec) == 0);
    int rc = launch(block, threads, block_dim);
    if (rc != 0) std::fprintf(stderr, "launch failed: %d %s\n", rc, pto_last_error());
    REQUIRE(rc == 0);

    Runtime* rt = block.runtime();
    int wrong_count = 0, wrong_core = 0, early = 0;
    for (int i = 0; i < spec.num_tasks; ++i) {
        wrong_count += spec.run_count[i].load() != 1;
        Task* t = rt->get_task(i);
        bool on_aic = t->worker_id >= 0 && t->worker_id < block_dim;
        wrong_core += on_aic != (spec.core_type[i] == 0);
        EXPECT_TRUE(t->start_time.load() <= t->end_time.load());
    }
    for (int e = 0; e < spec.num_edges; ++e) {
        early += rt->get_task(spec.edge_to[e])->start_time.load() <
                 rt->get_task(spec.edge_from[e])->end_time.load();
    }
    if (wrong_count || wrong_core || early || spec.violations.load()) {
        std::fprintf(stderr,
                     "threads %d block_dim %d: %d tasks not run once, %d on the wrong core "
                     "type, %d started before a predecessor ended, %d kernel-seen violations\n",
                     threads, block_dim, wrong_count, wrong_core, early, spec.violations.load());
    }
    EXPECT_EQ(wrong_count, 0);
    EXPECT_EQ(wrong_core, 0);
    EXPECT_EQ(early, 0);
    EXPECT_EQ(spec.violations.load(), 0);
    EXPECT_EQ(rt->completed_tasks.load(), spec.num_tasks);
    REQUIRE(finalize_runtime(block.handle()) == 0);
}

struct Config {
    int threads, block_dim;
};

// Every valid (threads, block_dim) pair the tests sweep.
const std::vector<Config>& configs() {
    static const std::vector<Config> all = {{1, 1}, {1, 2}, {1, 3}, {2, 2}, {2, 4},
                                            {3, 3}, {3, 6}, {4, 4}, {4, 8}};
    return all;
}

using Builder = void (*)(GraphSpec&);

void sweep(Builder build) {
    register_test_kernels();
    for (const Config& c : configs()) {
        auto spec = std::make_unique<GraphSpec>();
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

// One task feeding 512 (the successor limit), all feeding one.
void fan_out_fan_in(GraphSpec& s) {
    int root = s.add_task(0);
    int sink_first = 1 + RUNTIME_MAX_SUCCESSORS;
    for (int i = 0; i < RUNTIME_MAX_SUCCESSORS; ++i) s.add_edge(root, s.add_task(1));
    int sink = s.add_task(1);
    REQUIRE(sink == sink_first);
    for (int i = 1; i <= RUNTIME_MAX_SUCCESSORS; ++i) s.add_edge(i, sink);
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
TEST(fan_out_and_fan_in_at_the_successor_limit) {
    sweep(fan_out_fan_in);
}

TEST(largest_configuration_72_workers) {
    register_test_kernels();
    auto spec = std::make_unique<GraphSpec>();
    layered(*spec);
    run_and_check(*spec, 4, 24);
}

TEST(full_task_limit_graph) {
    register_test_kernels();
    auto spec = std::make_unique<GraphSpec>();
    for (int i = 0; i < RUNTIME_MAX_TASKS; ++i) {
        spec->add_task(i % 3 == 0 ? 0 : 1);
        if (i >= 8) spec->add_edge(i - 8, i);
    }
    run_and_check(*spec, 3, 3);
}

TEST(empty_graph_runs) {
    register_test_kernels();
    auto spec = std::make_unique<GraphSpec>();
    run_and_check(*spec, 2, 2);
}

TEST(kernels_stay_registered_across_many_runs) {
    register_test_kernels();
    for (int run = 0; run < 20; ++run) {
        auto spec = std::make_unique<GraphSpec>();
        diamond(*spec);
        run_and_check(*spec, run % 2 ? 3 : 1, 3);
    }
}

TEST(invalid_thread_and_block_dim_combinations_are_rejected) {
    register_test_kernels();
    struct Bad {
        int threads, block_dim;
        const char* message;
    } bad[] = {{3, 4, "do not split evenly over 3 scheduler threads"},
               {0, 3, "aicpu_thread_num 0 is out of range"},
               {5, 5, "aicpu_thread_num 5 is out of range"},
               {1, 0, "block_dim 0 is out of range"},
               {1, 25, "block_dim 25 is out of range"},
               {2, 3, "do not split evenly over 2 scheduler threads"},
               {4, 6, "do not split evenly over 4 scheduler threads"}};
    for (const Bad& b : bad) {
        auto spec = std::make_unique<GraphSpec>();
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
    auto spec = std::make_unique<GraphSpec>();
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

TEST(failing_orchestration_is_an_error_naming_the_function) {
    register_test_kernels();
    auto spec = std::make_unique<GraphSpec>();
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
    auto spec = std::make_unique<GraphSpec>();
    for (int i = 0; i < RUNTIME_MAX_TASKS; ++i) spec->add_task(1);
    spec->extra_func_id = 0;  // one task too many
    spec->finish();
    RuntimeBlock block;
    EXPECT_EQ(init_with(block, *spec), PTO_ERR_LIMIT_EXCEEDED);
    EXPECT_CONTAINS(pto_last_error(), "build_spec_graph");
    EXPECT_CONTAINS(pto_last_error(), "4096 tasks");
}

TEST(missing_orchestration_symbol_and_bad_binaries) {
    register_test_kernels();
    auto spec = std::make_unique<GraphSpec>();
    diamond(*spec);
    spec->finish();
    RuntimeBlock block;
    uint64_t args[1] = {reinterpret_cast<uint64_t>(spec.get())};
    const auto& orch = binaries().orchestration;
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
}

TEST(hung_kernel_is_stopped_with_a_diagnosis_inside_the_bound) {
    register_test_kernels();
    REQUIRE(pto_set_run_timeout(1.0) == 0);
    // Never freed: the hung kernel still uses both when the test ends.
    harness::leaks_expected() = true;
    auto* spec = new GraphSpec();
    int a = spec->add_task(1);
    int hung = spec->add_task(1, kSpinKernel);
    int after = spec->add_task(1);
    int side = spec->add_task(0);
    spec->add_edge(a, hung);
    spec->add_edge(hung, after);
    spec->add_edge(side, after);
    spec->spin_seconds = 6;
    spec->finish();
    auto* held = new RuntimeBlock;
    RuntimeBlock& block = *held;
    REQUIRE(init_with(block, *spec) == 0);
    StderrCapture capture;
    auto start = std::chrono::steady_clock::now();
    EXPECT_EQ(launch(block, 1, 1), PTO_ERR_TIMEOUT);
    double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::string report = capture.text();
    EXPECT_TRUE(took < 3.0);  // 1 s bound + 1 s worker grace, with margin
    EXPECT_CONTAINS(pto_last_error(), "no progress for 1.0 s");
    EXPECT_CONTAINS(pto_last_error(), "still inside its kernel");
    EXPECT_CONTAINS(report, "2 of 4 tasks done");
    EXPECT_CONTAINS(report, "busy: worker 1 (AIV 0) runs task 1, func_id 1 (spin_kernel), for 1.");
    EXPECT_CONTAINS(report, "waiting: task 2, func_id 0 (record_kernel), on task(s) 1\n");
    EXPECT_CONTAINS(report, "diagnosis: hung kernel");
    EXPECT_EQ(spec->run_count[after].load(), 0);
    // The hung worker may still write: finalize keeps the memory and says so.
    EXPECT_EQ(finalize_runtime(block.handle()), PTO_ERR_DEVICE);
    EXPECT_CONTAINS(pto_last_error(), "never stopped");
}

TEST(cyclic_graph_is_rejected_before_launch_naming_the_cycle) {
    register_test_kernels();
    auto spec = std::make_unique<GraphSpec>();
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
    REQUIRE(init_with(block, *spec) == 0);
    EXPECT_EQ(launch(block, 1, 3), PTO_ERR_INVALID_GRAPH);
    EXPECT_STREQ(pto_last_error(),
                 std::string("dependency cycle: task 1 (func_id 0) -> task 2 (func_id 0) -> task 3 "
                             "(func_id 0) -> task 1 (func_id 0); 3 task(s) could never start"));
    EXPECT_EQ(spec->run_count[a].load(), 0);  // nothing launched
    EXPECT_EQ(finalize_runtime(block.handle()), 0);
}

TEST(duplicate_edges_are_counted_consistently) {
    register_test_kernels();
    auto spec = std::make_unique<GraphSpec>();
    int a = spec->add_task(1);
    int b = spec->add_task(0);
    int c = spec->add_task(1);
    spec->add_edge(a, c);
    spec->add_edge(a, c);
    spec->add_edge(b, c);
    spec->finish();
    RuntimeBlock block;
    REQUIRE(init_with(block, *spec) == 0);
    EXPECT_EQ(block.runtime()->get_task(c)->fanin, 3);
    EXPECT_EQ(launch(block, 1, 1), 0);
    EXPECT_EQ(spec->run_count[c].load(), 1);
    EXPECT_EQ(spec->violations.load(), 0);
    EXPECT_TRUE(block.runtime()->get_task(c)->start_time.load() >=
                block.runtime()->get_task(a)->end_time.load());
    EXPECT_EQ(finalize_runtime(block.handle()), 0);
}

// Launches a graph whose second task faults the given way and checks the
// report; returns the id of the worker thread that faulted.
long launch_faulting_graph(int kind, int signal, const char* marker) {
    auto spec = std::make_unique<GraphSpec>();
    spec->add_task(1);
    int faulty = spec->add_task(1, 3);
    int after = spec->add_task(0);
    spec->add_edge(faulty, after);
    spec->finish();
    RuntimeBlock block;
    uint64_t args[1] = {reinterpret_cast<uint64_t>(spec.get())};
    const auto& orch = binaries().orchestration;
    REQUIRE(init_runtime(block.handle(), orch.data(), orch.size(), "build_spec_graph", args, 1) ==
            0);
    // The orchestration gave every task (spec, index); the fault kernel reads its kind third.
    block.runtime()->get_task(faulty)->args[2] = static_cast<uint64_t>(kind);
    block.runtime()->get_task(faulty)->num_args = 3;
    EXPECT_EQ(launch(block, 1, 1), PTO_ERR_KERNEL_FAULT);
    EXPECT_CONTAINS(pto_last_error(), "kernel fault: task 1, func_id 3 (fault_kernel)");
    EXPECT_CONTAINS(pto_last_error(), "outputs were not copied back");
    PtoKernelFault fault;
    REQUIRE(pto_last_kernel_fault(&fault) == 0);
    EXPECT_EQ(fault.task_id, faulty);
    EXPECT_EQ(fault.func_id, 3);
    EXPECT_EQ(fault.signal, signal);
    EXPECT_EQ(fault.in_kernel_object, 1);
    EXPECT_EQ(spec->run_count[after].load(), 0);
    int expected = line_of(TEST_SOURCE_DIR "/kernels/fault_kernel.cpp", marker);
    REQUIRE(expected > 0);
    EXPECT_EQ(addr2line(TEST_BINARY_DIR "/fault_kernel.so", fault.pc_offset), expected);
    EXPECT_EQ(finalize_runtime(block.handle()), 0);
    return spec->fault_thread_id.load();
}

// The signals a thread of this process blocks (SigBlk in /proc), or ~0 if
// the thread is gone.
uint64_t blocked_signals_of(long tid) {
    std::ifstream status("/proc/self/task/" + std::to_string(tid) + "/status");
    std::string line;
    while (std::getline(status, line)) {
        if (line.rfind("SigBlk:", 0) == 0) return std::stoull(line.substr(7), nullptr, 16);
    }
    return ~uint64_t{0};
}

// A faulting launch is reported and the process carries on. The thread that
// faulted is parked in the pool for the next launch, and must not be left
// with a fault signal blocked: its next fault would kill the process.
void expect_fault(int kind, int signal, const char* marker) {
    register_test_kernels();
    long faulted = launch_faulting_graph(kind, signal, marker);
    REQUIRE(faulted != 0);
    uint64_t blocked = blocked_signals_of(faulted);
    for (int sig : {SIGSEGV, SIGFPE, SIGILL, SIGBUS}) {
        EXPECT_EQ((blocked >> (sig - 1)) & 1u, 0u);
    }
    auto next = std::make_unique<GraphSpec>();
    diamond(*next);
    run_and_check(*next, 1, 1);
    PtoKernelFault fault;
    EXPECT_EQ(pto_last_kernel_fault(&fault), PTO_ERR_NOT_INITIALIZED);
    launch_faulting_graph(kind, signal, marker);
}

TEST(segfaulting_kernel_is_reported_with_its_line) {
    expect_fault(1, SIGSEGV, "FAULT:segv");
}
TEST(dividing_by_zero_kernel_is_reported_with_its_line) {
    expect_fault(2, SIGFPE, "FAULT:fpe");
}
TEST(illegal_instruction_kernel_is_reported_with_its_line) {
    expect_fault(3, SIGILL, "FAULT:ill");
}
TEST(bus_error_kernel_is_reported_with_its_line) {
    expect_fault(4, SIGBUS, "FAULT:bus");
}

// The null store below is the point of the test, so UBSan must not stop it.
__attribute__((no_sanitize("undefined"))) static void store_through_null() {
    volatile int* p = nullptr;
    *p = 1;
}

TEST(fault_outside_kernels_still_crashes) {
    register_test_kernels();
    // A fault in the runtime's own code must not be swallowed; after a launch
    // the handlers are restored, so this dies by the default action.
    auto spec = std::make_unique<GraphSpec>();
    diamond(*spec);
    run_and_check(*spec, 1, 1);
    pid_t child = fork();
    if (child == 0) {
        store_through_null();
        _exit(0);
    }
    int status = 0;
    waitpid(child, &status, 0);
    // Killed by SIGSEGV, or (under AddressSanitizer) reported and exited non-zero:
    // either way not swallowed as a kernel fault.
    EXPECT_TRUE((WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV) ||
                (WIFEXITED(status) && WEXITSTATUS(status) != 0));
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
        auto spec = std::make_unique<GraphSpec>();
        diamond(*spec);
        run_and_check(*spec, 3, 3);
    };
    once();
    int before = count_fds();
    for (int i = 0; i < 100; ++i) once();
    EXPECT_EQ(count_fds(), before);
}

TEST(slow_kernels_that_progress_never_trip_the_timeout) {
    register_test_kernels();
    REQUIRE(pto_set_run_timeout(1.0) == 0);
    auto spec = std::make_unique<GraphSpec>();
    for (int i = 0; i < 6; ++i) {
        spec->add_task(1, kSleepKernel);
        if (i > 0) spec->add_edge(i - 1, i);
    }
    spec->sleep_ms = 400;  // 2.4 s in all, each step well inside the bound
    run_and_check(*spec, 1, 1);
}

TEST(graph_limits_can_be_raised_for_large_graphs) {
    register_test_kernels();
    EXPECT_EQ(pto_set_graph_limits(0, 10), PTO_ERR_INVALID_ARGUMENT);
    EXPECT_CONTAINS(pto_last_error(), "0 tasks is out of range");
    EXPECT_EQ(pto_set_graph_limits(100, 0), PTO_ERR_INVALID_ARGUMENT);
    EXPECT_CONTAINS(pto_last_error(), "0 successors per task is out of range");
    REQUIRE(pto_set_graph_limits(kSpecMaxTasks, kSpecMaxTasks) == 0);
    // A fan-out far past the default 512 successors, then a fan-in.
    auto spec = std::make_unique<GraphSpec>();
    int root = spec->add_task(0);
    for (int i = 1; i < 3000; ++i) spec->add_edge(root, spec->add_task(i % 2));
    int sink = spec->add_task(1);
    for (int i = 1; i < 3000; ++i) spec->add_edge(i, sink);
    run_and_check(*spec, 3, 3);
    // Lowered limits apply to the next Runtime.
    REQUIRE(pto_set_graph_limits(10, 4) == 0);
    auto small = std::make_unique<GraphSpec>();
    for (int i = 0; i < 11; ++i) small->add_task(1);
    small->finish();
    RuntimeBlock block;
    EXPECT_EQ(init_with(block, *small), PTO_ERR_LIMIT_EXCEEDED);
    EXPECT_CONTAINS(pto_last_error(), "already has 10 tasks, the limit");
}

// A scheduler thread whose own workers sit idle while another thread's
// workers finish the graph is not stalled: progress is counted over the whole
// run, in wall-clock time.
TEST(idle_scheduler_threads_are_not_a_deadlock) {
    register_test_kernels();
    REQUIRE(pto_set_run_timeout(0.25) == 0);
    for (int run = 0; run < 30; ++run) {
        auto spec = std::make_unique<GraphSpec>();
        chain(*spec);
        run_and_check(*spec, 3, 3);
    }
    // Slow steps on one core type, three threads: two threads see no work
    // of their own for the whole run.
    auto spec = std::make_unique<GraphSpec>();
    for (int i = 0; i < 5; ++i) {
        spec->add_task(1, kSleepKernel);
        if (i > 0) spec->add_edge(i - 1, i);
    }
    spec->sleep_ms = 150;
    run_and_check(*spec, 3, 3);
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
std::unique_ptr<GraphSpec> wide_on_two_cpus(int threads, int block_dim, int* a, int* b) {
    if (!use_two_cpus(a, b)) {
        std::printf("skipped: one CPU, nothing to place\n");
        return nullptr;
    }
    register_test_kernels();
    auto spec = std::make_unique<GraphSpec>();
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
    auto spec = std::make_unique<GraphSpec>();
    wide(*spec);
    run_and_check(*spec, 1, 1);
    int narrowed = 0;
    for (int i = 0; i < spec->num_tasks; ++i) narrowed += spec->cpus_allowed[i].load() != 2;
    EXPECT_EQ(narrowed, 0);
}

TEST(unknown_affinity_setting_is_rejected_by_name) {
    register_test_kernels();
    REQUIRE(setenv("PTO_SIM_AFFINITY", "cores", 1) == 0);
    auto spec = std::make_unique<GraphSpec>();
    diamond(*spec);
    spec->finish();
    RuntimeBlock block;
    REQUIRE(init_with(block, *spec) == 0);
    EXPECT_EQ(launch(block, 1, 1), PTO_ERR_BAD_LAUNCH_CONFIG);
    EXPECT_CONTAINS(pto_last_error(), "PTO_SIM_AFFINITY=cores");
    EXPECT_CONTAINS(pto_last_error(), "auto");
    EXPECT_EQ(spec->run_count[0].load(), 0);
    EXPECT_EQ(finalize_runtime(block.handle()), 0);
}

// Launches borrow parked threads: the process does not gain threads from
// one launch to the next, however many launches it makes.
TEST(repeated_launches_reuse_simulator_threads) {
    register_test_kernels();
    auto count_threads = [] {
        int n = 0;
        if (DIR* d = opendir("/proc/self/task")) {
            while (dirent* e = readdir(d)) n += e->d_name[0] != '.';
            closedir(d);
        }
        return n;
    };
    auto once = [](int threads, int block_dim) {
        auto spec = std::make_unique<GraphSpec>();
        layered(*spec);
        run_and_check(*spec, threads, block_dim);
    };
    once(3, 3);  // 3 schedulers + 9 workers, parked afterwards
    int after_first = count_threads();
    for (int i = 0; i < 20; ++i) once(i % 2 ? 3 : 1, 3);
    EXPECT_EQ(count_threads(), after_first);
    once(4, 8);  // 28 threads: 16 more than any launch before
    EXPECT_EQ(count_threads(), after_first + 16);
}

int main(int argc, char** argv) {
    return harness::run_all(argc, argv);
}
