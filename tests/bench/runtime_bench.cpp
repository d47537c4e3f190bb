// Scheduler benchmark on the simulator: no-op kernels, graphs of several
// shapes and sizes, each run over scheduler-thread / block_dim combinations
// and repeated, on the runtime it was built for (BENCH_RUNTIME). Reports,
// per task: the launch (launch_runtime), the whole (init_runtime and the
// launch: building and running the graph), and the orchestration's own cost
// (its time minus its waits, from pto_get_orchestration_stats). On
// host_build_graph the orchestration runs in init_runtime, before the launch;
// on tensormap_and_ringbuffer it runs during the launch, beside the
// schedulers, and the launch includes discovering the edges.
//
//   runtime_bench [--sizes 4000,65536,1000000] [--shapes independent,chain,...]
//                 [--configs 1:1,1:3,3:3] [--repeat 9] [--load N] [--json FILE]
//
// --load N measures every graph and launch cell twice, one after the other:
// on the machine as it is, then with N busy processes of its own running
// (busy_processes.h; at most 3 repeats), and reports both and their ratio.
//
// Each (shape, size, configuration) cell runs in its own child process, so
// its memory is its own. Before each cell (and after the last) it
// measures a cache-line round trip between two cores: the floor of any
// hand-off between a scheduler and a worker. On a VM it moves with the host's
// load (100 to 1000 ns were seen on the same machine) and every per-task
// figure moves with it, so each cell carries the value it ran next to.
//
// CPU time and memory count the simulated device's process too, where the
// host library runs one (pto_device_process_id): CPU time of both processes,
// and memory as both processes' proportional set size after the last launch
// (pages of device memory, which both map, counted once between them).
#include <dlfcn.h>
#include <pthread.h>
#include <sched.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "bench_graphs.h"
#include "busy_processes.h"
#include "pto_runtime_c_api.h"

#ifndef BENCH_BINARY_DIR
#error "BENCH_BINARY_DIR must name the folder with the benchmark kernel and orchestration"
#endif
#ifndef BENCH_RUNTIME
#error "BENCH_RUNTIME must name the runtime the benchmark runs"
#endif
#ifndef RUNTIME_BINARY_DIR
#error "RUNTIME_BINARY_DIR must name the folder with the runtime binaries"
#endif

namespace {

struct Config {
    int threads, block_dim;
};

struct Cell {
    uint64_t shape;
    int size;
    Config config;
    std::vector<double> us_per_task;
    std::vector<double> total_us_per_task;  // init_runtime + launch_runtime
    std::vector<double> orch_us_per_task;   // the orchestration, its waits left out
    std::vector<double> cpu_seconds;
    double first_us = 0;       // us/task of the process's first launch
    double round_trip_ns = 0;  // the machine's cache-line round trip just before
    double memory_mb = 0;      // host and device process, after the last launch
    std::string error;
    // --load: the same cell with `load` busy processes running.
    int load = 0;
    std::vector<double> loaded_us_per_task;
    std::string loaded_error;
};

std::vector<uint8_t> read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        std::fprintf(stderr, "runtime_bench: cannot read %s; build with make bench\n",
                     path.c_str());
        std::exit(2);
    }
    return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), {});
}

// The simulated device's process, or 0 where the library runs none (an
// older build ran everything in this process).
pid_t device_process() {
    using Fn = int (*)(int);
    static Fn fn = reinterpret_cast<Fn>(dlsym(RTLD_DEFAULT, "pto_device_process_id"));
    int pid = fn ? fn(0) : 0;
    return pid > 0 ? pid : 0;
}

double cpu_seconds_of(pid_t pid) {
    clockid_t clock;
    timespec ts{};
    if (clock_getcpuclockid(pid, &clock) != 0 || clock_gettime(clock, &ts) != 0) return 0;
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

// CPU time of this process and the device's.
double cpu_now() {
    pid_t device = device_process();
    return cpu_seconds_of(0) + (device ? cpu_seconds_of(device) : 0);
}

// Proportional set size in kB (smaps_rollup), 0 if unreadable.
long pss_kb(pid_t pid) {
    std::ifstream in("/proc/" + (pid ? std::to_string(pid) : std::string("self")) +
                     "/smaps_rollup");
    std::string line;
    while (std::getline(in, line)) {
        if (line.rfind("Pss:", 0) == 0) return std::atol(line.c_str() + 4);
    }
    return 0;
}

// Runs one cell in this (child) process (for the block shapes the figures
// are per block); writes
// "first_us|us,cpu,total_us,orch_us;...|memory_kb" or "error:...". The first launch of a
// process also starts the simulator's threads and loads the runtime objects;
// it is reported on its own, not counted among the repeats.
std::string run_cell(uint64_t shape, int size, Config config, int repeat) {
    auto aicpu = read_file(RUNTIME_BINARY_DIR "/libpto_aicpu.so");
    auto aicore = read_file(RUNTIME_BINARY_DIR "/libpto_aicore.so");
    auto orch = read_file(BENCH_BINARY_DIR "/bench_orch.so");
    auto kernel = read_file(BENCH_BINARY_DIR "/noop_kernel.so");
    auto busy = read_file(BENCH_BINARY_DIR "/busy_kernel.so");
    if (register_kernel(0, kernel.data(), kernel.size()) != 0 ||
        register_kernel(1, busy.data(), busy.size()) != 0) {
        return std::string("error:") + pto_last_error();
    }
    if (shape == kLongKernel || shape == kLaunch) size = 1;
    // host_build_graph holds the whole graph: room for it. (The rings of
    // tensormap_and_ringbuffer stream any count through their defaults.)
    if (std::string(BENCH_RUNTIME) == "host_build_graph" && pto_set_graph_limits(size, size) != 0)
        return std::string("error:") + pto_last_error();
    std::vector<uint8_t> memory(get_runtime_size() + 64, 0);
    void* rt =
        reinterpret_cast<void*>((reinterpret_cast<uintptr_t>(memory.data()) + 63) & ~uintptr_t{63});
    std::ostringstream out;
    const bool warm_up = shape != kLongKernel;  // a second of busy kernel warms nothing
    if (!warm_up) out << 0 << "|";
    long memory_kb = 0;
    for (int r = warm_up ? -1 : 0; r < repeat; ++r) {
        uint64_t args[3] = {shape, static_cast<uint64_t>(size), 12345};
        auto t_init = std::chrono::steady_clock::now();
        if (init_runtime(rt, orch.data(), orch.size(), "build_bench_graph", args, 3) != 0) {
            return std::string("error:init: ") + pto_last_error();
        }
        double cpu0 = cpu_now();
        auto t0 = std::chrono::steady_clock::now();
        int rc = launch_runtime(rt, config.threads, config.block_dim, 0, aicpu.data(), aicpu.size(),
                                aicore.data(), aicore.size());
        auto t1 = std::chrono::steady_clock::now();
        // Read at once: every later C API call (pto_device_process_id,
        // finalize_runtime) clears the last error.
        if (rc != 0) {
            std::string why = std::string("error:launch: ") + pto_last_error();
            finalize_runtime(rt);
            return why;
        }
        double cpu1 = cpu_now();
        if (r == repeat - 1) {
            pid_t device = device_process();
            memory_kb = pss_kb(0) + (device ? pss_kb(device) : 0);
        }
        PtoOrchestrationStats orch_stats{};
        if (pto_get_orchestration_stats(rt, &orch_stats) != 0) {
            std::string why = std::string("error:stats: ") + pto_last_error();
            finalize_runtime(rt);
            return why;
        }
        finalize_runtime(rt);
        // Block shapes: `size` blocks in tasks of 64 (AIV) or 24 (MIX).
        const uint64_t per = shape == kAivBlocks ? 64 : shape == kMixBlocks ? 24 : 1;
        const uint64_t tasks = (static_cast<uint64_t>(size) + per - 1) / per;
        if (orch_stats.tasks != tasks) {
            return "error:the orchestration reported " + std::to_string(orch_stats.tasks) +
                   " tasks, expected " + std::to_string(tasks);
        }
        double us = std::chrono::duration<double, std::micro>(t1 - t0).count() / size;
        double total_us = std::chrono::duration<double, std::micro>(t1 - t_init).count() / size;
        double orch_us =
            (orch_stats.elapsed_ns - std::min(orch_stats.waiting_ns, orch_stats.elapsed_ns)) / 1e3 /
            size;
        if (r < 0) {
            out << us << "|";
        } else {
            out << (r ? ";" : "") << us << "," << (cpu1 - cpu0) << "," << total_us << ","
                << orch_us;
        }
    }
    out << "|" << memory_kb;
    return out.str();
}

double cache_line_round_trip_ns();

Cell measure(uint64_t shape, int size, Config config, int repeat) {
    Cell cell{shape, size, config, {}, {}, {}, {}, 0, 0, 0, "", 0, {}, ""};
    cell.round_trip_ns = cache_line_round_trip_ns();
    int fds[2];
    if (pipe(fds) != 0) {
        cell.error = "pipe failed";
        return cell;
    }
    pid_t child = fork();
    if (child == 0) {
        close(fds[0]);
        std::string result = run_cell(shape, size, config, repeat);
        ssize_t written = write(fds[1], result.data(), result.size());
        (void)written;
        _exit(0);
    }
    close(fds[1]);
    std::string text;
    char buffer[4096];
    ssize_t n;
    while ((n = read(fds[0], buffer, sizeof buffer)) > 0)
        text.append(buffer, static_cast<size_t>(n));
    close(fds[0]);
    int status = 0;
    waitpid(child, &status, 0);
    if (text.rfind("error:", 0) == 0 || text.empty()) {
        cell.error = text.empty() ? "the benchmark process died" : text.substr(6);
        return cell;
    }
    auto first_bar = text.find('|');
    auto bar = text.find('|', first_bar + 1);
    cell.first_us = std::atof(text.substr(0, first_bar).c_str());
    cell.memory_mb = std::atof(text.c_str() + bar + 1) / 1024.0;
    std::stringstream runs(text.substr(first_bar + 1, bar - first_bar - 1));
    std::string run;
    while (std::getline(runs, run, ';')) {
        std::stringstream fields(run);
        std::string us, cpu, total, orch;
        std::getline(fields, us, ',');
        std::getline(fields, cpu, ',');
        std::getline(fields, total, ',');
        std::getline(fields, orch, ',');
        cell.us_per_task.push_back(std::atof(us.c_str()));
        cell.cpu_seconds.push_back(std::atof(cpu.c_str()));
        cell.total_us_per_task.push_back(std::atof(total.c_str()));
        cell.orch_us_per_task.push_back(std::atof(orch.c_str()));
    }
    return cell;
}

double median(std::vector<double> v);

// Median ns of a cache-line ping-pong between the first two allowed CPUs, or
// -1 on a machine with one CPU.
double cache_line_round_trip_ns() {
    cpu_set_t allowed;
    if (sched_getaffinity(0, sizeof allowed, &allowed) != 0) return -1;
    std::vector<int> cpus;
    for (int c = 0; c < CPU_SETSIZE && cpus.size() < 2; ++c) {
        if (CPU_ISSET(c, &allowed)) cpus.push_back(c);
    }
    if (cpus.size() < 2) return -1;
    auto pin = [](int cpu) {
        cpu_set_t one;
        CPU_ZERO(&one);
        CPU_SET(cpu, &one);
        pthread_setaffinity_np(pthread_self(), sizeof one, &one);
    };
    constexpr int kTrips = 100000;
    std::vector<double> samples;
    for (int round = 0; round < 5; ++round) {
        alignas(64) std::atomic<int> ping{0};
        alignas(64) std::atomic<int> pong{0};
        std::thread echo([&] {
            pin(cpus[1]);
            for (int i = 1; i <= kTrips; ++i) {
                while (ping.load(std::memory_order_acquire) != i) {
                }
                pong.store(i, std::memory_order_release);
            }
        });
        pin(cpus[0]);
        auto t0 = std::chrono::steady_clock::now();
        for (int i = 1; i <= kTrips; ++i) {
            ping.store(i, std::memory_order_release);
            while (pong.load(std::memory_order_acquire) != i) {
            }
        }
        auto t1 = std::chrono::steady_clock::now();
        echo.join();
        samples.push_back(std::chrono::duration<double, std::nano>(t1 - t0).count() / kTrips);
    }
    sched_setaffinity(0, sizeof allowed, &allowed);
    return median(samples);
}

double median(std::vector<double> v) {
    if (v.empty()) return 0;
    std::sort(v.begin(), v.end());
    return v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
}

// The cell again with `load` busy processes running (--load).
void measure_loaded(Cell* cell, int load, int repeat) {
    if (load <= 0 || !cell->error.empty()) return;
    cell->load = load;
    BusyProcesses busy;
    if (!busy.start(load)) {
        cell->loaded_error = "could not start the busy processes";
        return;
    }
    Cell loaded = measure(cell->shape, cell->size, cell->config, std::min(repeat, 3));
    busy.stop();
    if (!loaded.error.empty()) {
        cell->loaded_error = loaded.error;
        return;
    }
    cell->loaded_us_per_task = loaded.us_per_task;
}

// "  with 4 busy processes: 12.345 us/task (31.2x)", or its error.
void print_loaded(const Cell& c, double idle_median, const char* unit) {
    if (c.load == 0) return;
    if (!c.loaded_error.empty()) {
        std::printf("  with %d busy processes: error: %s\n", c.load, c.loaded_error.c_str());
        return;
    }
    double loaded = median(c.loaded_us_per_task);
    std::printf("  with %d busy processes: %.3f %s (%.1fx)\n", c.load, loaded, unit,
                idle_median > 0 ? loaded / idle_median : 0.0);
}

std::vector<std::string> split(const std::string& text) {
    std::vector<std::string> parts;
    std::stringstream in(text);
    std::string part;
    while (std::getline(in, part, ',')) parts.push_back(part);
    return parts;
}

}  // namespace

int main(int argc, char** argv) {
    std::vector<int> sizes = {4000, 65536, 1000000};
    std::vector<uint64_t> shapes = {kIndependent, kChain, kLayered, kRandomDag, kFanOut};
    // Blocks are the cluster model's; host_build_graph has none.
    const bool blocks = std::string(BENCH_RUNTIME) == "tensormap_and_ringbuffer";
    if (blocks) {
        shapes.push_back(kAivBlocks);
        shapes.push_back(kMixBlocks);
    }
    bool long_kernel = true;
    bool launch_cost = true;
    int launch_repeat = 51;
    // Where a runtime's threads split differently, make passes --configs.
    std::vector<Config> configs = {{1, 1}, {1, 3}, {3, 3}};
    int repeat = 9;
    int load = 0;
    std::string json_path;
    for (int i = 1; i < argc; ++i) {
        std::string arg = argv[i];
        std::string value = i + 1 < argc ? argv[i + 1] : "";
        if (arg == "--sizes") {
            sizes.clear();
            for (auto& s : split(value)) sizes.push_back(std::atoi(s.c_str()));
        } else if (arg == "--shapes") {
            shapes.clear();
            long_kernel = false;  // only the shapes listed
            launch_cost = false;
            for (auto& s : split(value)) {
                for (uint64_t k = 0; k < kShapeCount; ++k) {
                    if (k == kLongKernel || k == kLaunch) continue;
                    if ((k == kAivBlocks || k == kMixBlocks) && !blocks) continue;
                    if (s == bench_shape_name(k)) shapes.push_back(k);
                }
                if (s == "long-kernel") long_kernel = true;
                if (s == "launch") launch_cost = true;
            }
        } else if (arg == "--configs") {
            configs.clear();
            for (auto& s : split(value))
                configs.push_back({std::atoi(s.c_str()), std::atoi(s.c_str() + s.find(':') + 1)});
        } else if (arg == "--repeat") {
            repeat = std::max(1, std::atoi(value.c_str()));
        } else if (arg == "--launch-repeat") {
            launch_repeat = std::max(1, std::atoi(value.c_str()));
        } else if (arg == "--load") {
            load = std::atoi(value.c_str());
            if (load < 0 || load > 64) {
                std::fprintf(stderr, "runtime_bench: --load %s is out of range (0..64 busy processes)\n",
                             value.c_str());
                return 2;
            }
        } else if (arg == "--json") {
            json_path = value;
        } else {
            std::fprintf(stderr,
                         "usage: runtime_bench [--sizes N,..] [--shapes "
                         "independent,chain,layered,random,fanout,aiv-blocks,mix-blocks,"
                         "long-kernel,launch] "
                         "[--configs T:B,..] [--repeat N] [--launch-repeat N] [--load N] [--json FILE]\n");
            return 2;
        }
        ++i;
    }

    const double round_trip_before = cache_line_round_trip_ns();
    std::printf("runtime %s; cache-line round trip between two cores: %.0f ns\n", BENCH_RUNTIME,
                round_trip_before);
    std::printf("%-12s %8s %7s %12s %10s %12s %9s %9s %10s %7s %10s %9s\n", "graph", "tasks",
                "thr:blk", "us/task med", "spread", "tasks/s", "cpu s", "memory MB", "1st launch",
                "rt ns", "total us", "orch us");
    std::vector<Cell> cells;
    for (int size : sizes) {
        for (uint64_t shape : shapes) {
            for (Config c : configs) {
                Cell cell = measure(shape, size, c, repeat);
                measure_loaded(&cell, load, repeat);
                char cfg[16];
                std::snprintf(cfg, sizeof cfg, "%d:%d", c.threads, c.block_dim);
                if (!cell.error.empty()) {
                    std::printf("%-12s %8d %7s  error: %s\n", bench_shape_name(shape), size, cfg,
                                cell.error.c_str());
                } else {
                    double med = median(cell.us_per_task);
                    double lo = *std::min_element(cell.us_per_task.begin(), cell.us_per_task.end());
                    double hi = *std::max_element(cell.us_per_task.begin(), cell.us_per_task.end());
                    std::printf(
                        "%-12s %8d %7s %12.3f %9.2fx %12.0f %9.3f %9.1f %10.3f %7.0f %10.3f "
                        "%9.3f\n",
                        bench_shape_name(shape), size, cfg, med, hi / lo, 1e6 / med,
                        median(cell.cpu_seconds), cell.memory_mb, cell.first_us, cell.round_trip_ns,
                        median(cell.total_us_per_task), median(cell.orch_us_per_task));
                    print_loaded(cell, med, "us/task");
                }
                std::fflush(stdout);
                cells.push_back(cell);
            }
        }
    }

    // CPU use while the whole run waits on one kernel computing for 1 s.
    if (long_kernel) {
        for (Config c : configs) {
            Cell cell = measure(kLongKernel, 1, c, 3);
            cell.size = 1;
            char cfg[16];
            std::snprintf(cfg, sizeof cfg, "%d:%d", c.threads, c.block_dim);
            if (!cell.error.empty()) {
                std::printf("%-12s %8d %7s  error: %s\n", "long-kernel", 1, cfg,
                            cell.error.c_str());
            } else {
                double wall = median(cell.us_per_task) / 1e6;
                std::printf("%-12s %8d %7s  1 s kernel: wall %.3f s, CPU %.3f s (%.2f cores)\n",
                            "long-kernel", 1, cfg, wall, median(cell.cpu_seconds),
                            median(cell.cpu_seconds) / wall);
            }
            cells.push_back(cell);
        }
    }

    // The fixed cost of a launch: a graph of one no-op task, warm (the first
    // launch of the process, which starts the threads, is reported apart).
    if (launch_cost) {
        for (Config c : configs) {
            Cell cell = measure(kLaunch, 1, c, launch_repeat);
            measure_loaded(&cell, load, launch_repeat);
            cell.size = 1;
            char cfg[16];
            std::snprintf(cfg, sizeof cfg, "%d:%d", c.threads, c.block_dim);
            if (!cell.error.empty()) {
                std::printf("%-12s %8d %7s  error: %s\n", "launch", 1, cfg, cell.error.c_str());
            } else {
                double lo = *std::min_element(cell.us_per_task.begin(), cell.us_per_task.end());
                std::printf(
                    "%-12s %8d %7s  1-task launch, warm: median %.1f us, fastest %.1f us "
                    "(first launch %.0f us)\n",
                    "launch", 1, cfg, median(cell.us_per_task), lo, cell.first_us);
                print_loaded(cell, median(cell.us_per_task), "us per launch");
            }
            std::fflush(stdout);
            cells.push_back(cell);
        }
    }

    const double round_trip_after = cache_line_round_trip_ns();
    std::printf("cache-line round trip between two cores, after: %.0f ns\n", round_trip_after);

    if (!json_path.empty()) {
        std::ofstream json(json_path);
        json << "{\"runtime\": \"" << BENCH_RUNTIME
             << "\", \"cores\": " << std::thread::hardware_concurrency()
             << ", \"cache_line_round_trip_ns\": {\"before\": " << round_trip_before
             << ", \"after\": " << round_trip_after << "},\n\"cells\": [\n";
        for (size_t i = 0; i < cells.size(); ++i) {
            const Cell& c = cells[i];
            json << "  {\"graph\": \"" << bench_shape_name(c.shape) << "\", \"tasks\": " << c.size
                 << ", \"aicpu_threads\": " << c.config.threads
                 << ", \"block_dim\": " << c.config.block_dim;
            if (!c.error.empty()) {
                json << ", \"error\": \"" << c.error << "\"}";
            } else {
                double lo = *std::min_element(c.us_per_task.begin(), c.us_per_task.end());
                double hi = *std::max_element(c.us_per_task.begin(), c.us_per_task.end());
                json << ", \"us_per_task_median\": " << median(c.us_per_task)
                     << ", \"us_per_task_min\": " << lo << ", \"us_per_task_max\": " << hi
                     << ", \"total_us_per_task_median\": " << median(c.total_us_per_task)
                     << ", \"orchestration_us_per_task_median\": " << median(c.orch_us_per_task)
                     << ", \"spread\": " << hi / lo
                     << ", \"tasks_per_second\": " << 1e6 / median(c.us_per_task)
                     << ", \"cpu_seconds_median\": " << median(c.cpu_seconds)
                     << ", \"first_launch_us_per_task\": " << c.first_us
                     << ", \"cache_line_round_trip_ns\": " << c.round_trip_ns
                     << ", \"memory_mb\": " << c.memory_mb << ", \"runs\": " << c.us_per_task.size();
                if (c.load > 0 && c.loaded_error.empty()) {
                    const double loaded = median(c.loaded_us_per_task);
                    json << ", \"load_busy_processes\": " << c.load
                         << ", \"loaded_us_per_task_median\": " << loaded
                         << ", \"loaded_ratio\": " << loaded / median(c.us_per_task);
                } else if (c.load > 0) {
                    json << ", \"load_busy_processes\": " << c.load << ", \"loaded_error\": \""
                         << c.loaded_error << "\"";
                }
                json
                     << ", \"us_per_task_each\": [";
                for (size_t r = 0; r < c.us_per_task.size(); ++r)
                    json << (r ? ", " : "") << c.us_per_task[r];
                json << "]}";
            }
            json << (i + 1 < cells.size() ? ",\n" : "\n");
        }
        json << "]}\n";
    }
    return 0;
}
