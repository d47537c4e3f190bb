// Tests of the Runtime's orchestration API, its limits, and the graph freeze
// (prepare_launch), without running anything.
#include <atomic>
#include <cstring>
#include <memory>
#include <set>
#include <thread>
#include <vector>

#include "graph_validation.h"
#include "pto_status.h"
#include "runtime.h"
#include "test_harness.h"

namespace {

std::unique_ptr<Runtime> make_runtime() {
    return std::make_unique<Runtime>();
}

uint64_t registered(int func_id) {
    return func_id < 8 ? 0x1000 + func_id : 0;
}

LaunchConfig config() {
    return LaunchConfig{1, 1, 1'000'000'000};
}

}  // namespace

TEST(add_task_returns_sequential_ids_and_copies_args) {
    auto rt = make_runtime();
    uint64_t args[3] = {7, 8, 9};
    EXPECT_EQ(rt->add_task(args, 3, 2, CoreType::AIV), 0);
    args[0] = 100;  // the task keeps its own copy
    EXPECT_EQ(rt->add_task(args, 3, 1, CoreType::AIC), 1);
    Task* t = rt->get_task(0);
    REQUIRE(t != nullptr);
    EXPECT_EQ(t->args[0], 7u);
    EXPECT_EQ(t->args[2], 9u);
    EXPECT_EQ(t->args[3], 0u);
    EXPECT_EQ(t->func_id, 2);
    EXPECT_EQ(static_cast<int>(rt->get_task(1)->core_type), static_cast<int>(CoreType::AIC));
    EXPECT_EQ(rt->get_task_count(), 2);
    EXPECT_TRUE(rt->get_task(2) == nullptr);
    EXPECT_TRUE(rt->get_task(-1) == nullptr);
}

TEST(add_task_accepts_core_type_as_int) {
    auto rt = make_runtime();
    EXPECT_EQ(rt->add_task(nullptr, 0, 0, 0), 0);
    EXPECT_EQ(rt->add_task(nullptr, 0, 0, 1), 1);
    EXPECT_EQ(static_cast<int>(rt->get_task(0)->core_type), static_cast<int>(CoreType::AIC));
    EXPECT_EQ(static_cast<int>(rt->get_task(1)->core_type), static_cast<int>(CoreType::AIV));
    EXPECT_EQ(rt->add_task(nullptr, 0, 0, 2), -1);
}

TEST(task_limit_is_an_error_not_corruption) {
    auto rt = make_runtime();
    for (int i = 0; i < RUNTIME_MAX_TASKS; ++i)
        REQUIRE(rt->add_task(nullptr, 0, 0, CoreType::AIV) == i);
    EXPECT_EQ(rt->add_task(nullptr, 0, 5, CoreType::AIV), -1);
    EXPECT_EQ(rt->get_task_count(), RUNTIME_MAX_TASKS);
    EXPECT_EQ(rt->build_error(), PTO_ERR_LIMIT_EXCEEDED);
    EXPECT_CONTAINS(rt->build_error_message(), "4096 tasks");
}

TEST(argument_limit) {
    auto rt = make_runtime();
    uint64_t args[RUNTIME_MAX_ARGS + 1] = {};
    EXPECT_EQ(rt->add_task(args, RUNTIME_MAX_ARGS, 0, CoreType::AIV), 0);
    EXPECT_EQ(rt->build_error(), 0);
    EXPECT_EQ(rt->add_task(args, RUNTIME_MAX_ARGS + 1, 3, CoreType::AIV), -1);
    EXPECT_EQ(rt->build_error(), PTO_ERR_LIMIT_EXCEEDED);
    EXPECT_CONTAINS(rt->build_error_message(), "17 arguments for func_id 3");
}

TEST(invalid_task_arguments) {
    auto rt = make_runtime();
    EXPECT_EQ(rt->add_task(nullptr, 2, 0, CoreType::AIV), -1);
    EXPECT_CONTAINS(rt->build_error_message(), "args pointer is null");
    auto rt2 = make_runtime();
    EXPECT_EQ(rt2->add_task(nullptr, 0, 0, static_cast<CoreType>(7)), -1);
    EXPECT_CONTAINS(rt2->build_error_message(), "core type 7");
    auto rt3 = make_runtime();
    EXPECT_EQ(rt3->add_task(nullptr, 0, -2, CoreType::AIC), -1);
    EXPECT_CONTAINS(rt3->build_error_message(), "func_id -2 is negative");
}

TEST(successor_limit) {
    auto rt = make_runtime();
    for (int i = 0; i <= RUNTIME_MAX_SUCCESSORS + 1; ++i)
        rt->add_task(nullptr, 0, 0, CoreType::AIV);
    for (int i = 1; i <= RUNTIME_MAX_SUCCESSORS; ++i) rt->add_successor(0, i);
    EXPECT_EQ(rt->build_error(), 0);
    EXPECT_EQ(rt->get_task(0)->fanout_count, RUNTIME_MAX_SUCCESSORS);
    rt->add_successor(0, RUNTIME_MAX_SUCCESSORS + 1);
    EXPECT_EQ(rt->build_error(), PTO_ERR_LIMIT_EXCEEDED);
    EXPECT_CONTAINS(rt->build_error_message(), "512 successors");
    EXPECT_EQ(rt->get_task(0)->fanout_count, RUNTIME_MAX_SUCCESSORS);
}

TEST(edges_to_missing_tasks_and_self_edges_are_rejected) {
    auto rt = make_runtime();
    rt->add_task(nullptr, 0, 0, CoreType::AIV);
    rt->add_task(nullptr, 0, 0, CoreType::AIV);
    rt->add_successor(0, 5);
    EXPECT_EQ(rt->build_error(), PTO_ERR_INVALID_GRAPH);
    EXPECT_CONTAINS(rt->build_error_message(), "add_successor(0, 5)");
    auto rt2 = make_runtime();
    rt2->add_task(nullptr, 0, 0, CoreType::AIV);
    rt2->add_successor(0, 0);
    EXPECT_CONTAINS(rt2->build_error_message(), "cannot depend on itself");
    auto rt3 = make_runtime();
    rt3->add_successor(-1, 0);
    EXPECT_EQ(rt3->build_error(), PTO_ERR_INVALID_GRAPH);
}

TEST(first_build_error_is_kept) {
    auto rt = make_runtime();
    rt->add_successor(3, 4);
    rt->add_task(nullptr, 0, -1, CoreType::AIV);
    EXPECT_CONTAINS(rt->build_error_message(), "add_successor(3, 4)");
}

TEST(tensor_pair_limit) {
    auto rt = make_runtime();
    int host = 0, dev = 0;
    for (int i = 0; i < RUNTIME_MAX_TENSOR_PAIRS; ++i) rt->record_tensor_pair(&host, &dev, 4);
    EXPECT_EQ(rt->build_error(), 0);
    EXPECT_EQ(rt->tensor_pair_count(), RUNTIME_MAX_TENSOR_PAIRS);
    rt->record_tensor_pair(&host, &dev, 4);
    EXPECT_EQ(rt->build_error(), PTO_ERR_LIMIT_EXCEEDED);
    EXPECT_CONTAINS(rt->build_error_message(), "64 tensor pairs");
    auto rt2 = make_runtime();
    rt2->record_tensor_pair(nullptr, &dev, 4);
    EXPECT_EQ(rt2->build_error(), PTO_ERR_INVALID_ARGUMENT);
}

TEST(fanin_and_fanout_counts) {
    auto rt = make_runtime();
    for (int i = 0; i < 4; ++i) rt->add_task(nullptr, 0, 0, CoreType::AIV);
    rt->add_successor(0, 1);
    rt->add_successor(0, 2);
    rt->add_successor(1, 3);
    rt->add_successor(2, 3);
    EXPECT_EQ(rt->get_task(0)->fanout_count, 2);
    EXPECT_EQ(rt->get_task(3)->fanin, 2);
    EXPECT_EQ(rt->get_task(0)->fanin, 0);
}

TEST(prepare_launch_groups_successors_in_insertion_order) {
    auto rt = make_runtime();
    for (int i = 0; i < 5; ++i)
        rt->add_task(nullptr, 0, i % 2, i % 2 ? CoreType::AIC : CoreType::AIV);
    rt->add_successor(0, 3);
    rt->add_successor(2, 4);
    rt->add_successor(0, 1);
    rt->add_successor(0, 2);
    rt->add_successor(1, 4);
    char message[256] = {};
    REQUIRE(rt->prepare_launch(config(), registered, message, sizeof message) == 0);
    const Task& t0 = *rt->get_task(0);
    REQUIRE(t0.fanout_count == 3);
    EXPECT_EQ(rt->successors_of(t0)[0], 3);
    EXPECT_EQ(rt->successors_of(t0)[1], 1);
    EXPECT_EQ(rt->successors_of(t0)[2], 2);
    EXPECT_EQ(rt->successors_of(*rt->get_task(2))[0], 4);
    EXPECT_EQ(rt->successors_of(*rt->get_task(1))[0], 4);
    EXPECT_EQ(rt->get_task(4)->remaining_fanin.load(), 2);
    EXPECT_EQ(rt->get_task(0)->function_bin_addr, 0x1000u);
    EXPECT_EQ(rt->get_task(3)->function_bin_addr, 0x1001u);
    // Only task 0 has no predecessor; it is AIV (func 0 -> AIV in this graph).
    EXPECT_EQ(rt->ready_queue(CoreType::AIV).size(), 1u);
    EXPECT_EQ(rt->ready_queue(CoreType::AIC).size(), 0u);
    EXPECT_EQ(rt->ready_queue(CoreType::AIV).pop(), 0);
}

TEST(prepare_launch_rejects_unregistered_func_id) {
    auto rt = make_runtime();
    rt->add_task(nullptr, 0, 1, CoreType::AIV);
    rt->add_task(nullptr, 0, 42, CoreType::AIV);
    char message[256] = {};
    EXPECT_EQ(rt->prepare_launch(config(), registered, message, sizeof message),
              PTO_ERR_UNREGISTERED_KERNEL);
    EXPECT_CONTAINS(message, "task 1 uses func_id 42");
}

TEST(prepare_launch_reports_build_error) {
    auto rt = make_runtime();
    rt->add_successor(0, 1);
    char message[256] = {};
    EXPECT_EQ(rt->prepare_launch(config(), registered, message, sizeof message),
              PTO_ERR_INVALID_GRAPH);
    EXPECT_CONTAINS(message, "add_successor(0, 1)");
}

TEST(prepare_launch_twice_resets_state) {
    auto rt = make_runtime();
    rt->add_task(nullptr, 0, 0, CoreType::AIV);
    rt->add_task(nullptr, 0, 0, CoreType::AIV);
    rt->add_successor(0, 1);
    char message[256] = {};
    REQUIRE(rt->prepare_launch(config(), registered, message, sizeof message) == 0);
    rt->get_task(1)->remaining_fanin.store(0);
    rt->completed_tasks.store(2);
    REQUIRE(rt->prepare_launch(config(), registered, message, sizeof message) == 0);
    EXPECT_EQ(rt->get_task(1)->remaining_fanin.load(), 1);
    EXPECT_EQ(rt->completed_tasks.load(), 0);
    EXPECT_EQ(rt->ready_queue(CoreType::AIV).size(), 1u);
}

TEST(validation_accepts_a_dag_with_duplicate_edges) {
    auto rt = make_runtime();
    for (int i = 0; i < 3; ++i) rt->add_task(nullptr, 0, 0, CoreType::AIV);
    rt->add_successor(0, 2);
    rt->add_successor(0, 2);
    rt->add_successor(1, 2);
    char message[256] = {};
    EXPECT_EQ(validate_graph(*rt, 3, 6, message, sizeof message), 0);
    EXPECT_EQ(rt->get_task(2)->fanin, 3);
}

TEST(validation_reports_a_cycle_as_a_task_path) {
    auto rt = make_runtime();
    for (int i = 0; i < 5; ++i) rt->add_task(nullptr, 0, i, CoreType::AIV);
    rt->add_successor(0, 1);
    rt->add_successor(1, 4);
    rt->add_successor(4, 3);
    rt->add_successor(3, 1);
    rt->add_successor(0, 2);
    char message[256] = {};
    EXPECT_EQ(validate_graph(*rt, 3, 6, message, sizeof message), PTO_ERR_INVALID_GRAPH);
    EXPECT_STREQ(message,
                 "dependency cycle: task 1 (func_id 1) -> task 4 (func_id 4) -> task 3 (func_id 3) "
                 "-> task 1 (func_id 1); 3 task(s) could never start");
}

TEST(validation_reports_a_two_task_cycle) {
    auto rt = make_runtime();
    rt->add_task(nullptr, 0, 7, CoreType::AIC);
    rt->add_task(nullptr, 0, 8, CoreType::AIV);
    rt->add_successor(0, 1);
    rt->add_successor(1, 0);
    char message[256] = {};
    EXPECT_EQ(validate_graph(*rt, 1, 2, message, sizeof message), PTO_ERR_INVALID_GRAPH);
    EXPECT_STREQ(message,
                 "dependency cycle: task 0 (func_id 7) -> task 1 (func_id 8) -> task 0 "
                 "(func_id 7); 2 task(s) could never start");
}

TEST(validation_reports_a_core_type_without_workers) {
    auto rt = make_runtime();
    rt->add_task(nullptr, 0, 0, CoreType::AIV);
    rt->add_task(nullptr, 0, 5, CoreType::AIC);
    char message[256] = {};
    EXPECT_EQ(validate_graph(*rt, 0, 2, message, sizeof message), PTO_ERR_INVALID_GRAPH);
    EXPECT_STREQ(message, "task 1 (func_id 5) runs on AIC, but this launch has no AIC workers");
    EXPECT_EQ(validate_graph(*rt, 1, 0, message, sizeof message), PTO_ERR_INVALID_GRAPH);
    EXPECT_STREQ(message, "task 0 (func_id 0) runs on AIV, but this launch has no AIV workers");
}

TEST(validation_reports_a_changed_fanin) {
    auto rt = make_runtime();
    rt->add_task(nullptr, 0, 0, CoreType::AIV);
    rt->add_task(nullptr, 0, 2, CoreType::AIV);
    rt->add_successor(0, 1);
    rt->get_task(1)->fanin = 2;
    char message[256] = {};
    EXPECT_EQ(validate_graph(*rt, 1, 2, message, sizeof message), PTO_ERR_INVALID_GRAPH);
    EXPECT_STREQ(message,
                 "task 1 (func_id 2) has fanin 2 but 1 incoming edge(s); fanin is kept "
                 "by add_successor, do not change it");
}

TEST(exact_messages_of_build_errors) {
    auto rt = make_runtime();
    rt->add_task(nullptr, 0, 0, CoreType::AIV);
    rt->add_successor(0, 9);
    EXPECT_STREQ(rt->build_error_message(),
                 "add_successor(0, 9): task ids must be in 0..0 (tasks added so far)");
    auto rt2 = make_runtime();
    rt2->add_task(nullptr, 0, 0, CoreType::AIV);
    rt2->add_successor(0, 0);
    EXPECT_STREQ(rt2->build_error_message(), "add_successor(0, 0): a task cannot depend on itself");
    auto rt3 = make_runtime();
    for (int i = 0; i < RUNTIME_MAX_TASKS; ++i) rt3->add_task(nullptr, 0, 0, CoreType::AIV);
    rt3->add_task(nullptr, 0, 6, CoreType::AIV);
    EXPECT_STREQ(rt3->build_error_message(),
                 "add_task: the graph already has 4096 tasks, the limit (func_id 6 not added)");
    char message[256] = {};
    auto rt4 = make_runtime();
    rt4->add_task(nullptr, 0, 3, CoreType::AIV);
    EXPECT_EQ(rt4->prepare_launch(
                  config(), [](int) -> uint64_t { return 0; }, message, sizeof message),
              PTO_ERR_UNREGISTERED_KERNEL);
    EXPECT_STREQ(message,
                 "task 0 uses func_id 3, which has no registered kernel; register it "
                 "(kernel_config.py KERNELS) before launching");
}

TEST(device_image_rebases_pointers_and_reads_results_back) {
    auto rt = make_runtime();
    for (int i = 0; i < 5; ++i) rt->add_task(nullptr, 0, 1, i % 2 ? CoreType::AIC : CoreType::AIV);
    rt->add_successor(0, 1);
    rt->add_successor(0, 4);
    rt->add_successor(3, 4);
    char message[256] = {};
    REQUIRE(rt->prepare_launch(config(), registered, message, sizeof message) == 0);
    DeviceImageLayout layout = rt->device_image_layout();
    EXPECT_TRUE(layout.tasks_offset % 64 == 0 && layout.successors_offset % 64 == 0);
    EXPECT_EQ(layout.successors_bytes, 3 * sizeof(int32_t));
    // Use the staging buffer's own address as the "device" address, so the
    // staged Runtime can be read here exactly as the device would read it.
    std::vector<uint8_t> staging(layout.total + 64);
    uint8_t* image = reinterpret_cast<uint8_t*>((reinterpret_cast<uintptr_t>(staging.data()) + 63) &
                                                ~uintptr_t{63});
    uint64_t base = reinterpret_cast<uint64_t>(image);
    rt->write_device_image(image, base);
    auto* device = reinterpret_cast<Runtime*>(image);
    EXPECT_TRUE(reinterpret_cast<uint8_t*>(device->get_task(2)) ==
                image + layout.tasks_offset + 2 * sizeof(Task));
    EXPECT_EQ(device->successors_of(*device->get_task(0))[1], 4);
    EXPECT_EQ(device->ready_queue(CoreType::AIV).pop(), 0);
    // A run on the "device": task 2 ran on worker 5, which now holds task 4.
    device->get_task(2)->end_time.store(777);
    device->worker(5).task.store(reinterpret_cast<uint64_t>(device->get_task(4)));
    device->worker(5).task_status.store(1);
    device->completed_tasks.store(3);
    rt->read_device_image(image, base);
    EXPECT_EQ(rt->get_task(2)->end_time.load(), 777u);
    EXPECT_TRUE(rt->worker(5).task.load() == reinterpret_cast<uint64_t>(rt->get_task(4)));
    EXPECT_EQ(rt->worker(5).task_status.load(), 1u);
    EXPECT_EQ(rt->completed_tasks.load(), 3);
}

TEST(ready_queue_is_fifo) {
    auto q = std::make_unique<ReadyQueue>();
    q->reset(16);
    EXPECT_EQ(q->pop(), -1);
    q->push(5);
    q->push(2);
    q->push(9);
    EXPECT_EQ(q->size(), 3u);
    EXPECT_EQ(q->pop(), 5);
    EXPECT_EQ(q->pop(), 2);
    EXPECT_EQ(q->pop(), 9);
    EXPECT_EQ(q->pop(), -1);
}

TEST(ready_queue_concurrent_producers_and_consumers_see_each_id_once) {
    constexpr int kProducers = 4, kConsumers = 4, kPerProducer = RUNTIME_MAX_TASKS / kProducers;
    auto q = std::make_unique<ReadyQueue>();
    q->reset(RUNTIME_MAX_TASKS);
    std::vector<std::atomic<int>> seen(RUNTIME_MAX_TASKS);
    std::atomic<int> taken{0};
    std::vector<std::thread> threads;
    for (int p = 0; p < kProducers; ++p) {
        threads.emplace_back([&, p] {
            for (int i = 0; i < kPerProducer; ++i) q->push(p * kPerProducer + i);
        });
    }
    for (int c = 0; c < kConsumers; ++c) {
        threads.emplace_back([&] {
            while (taken.load() < RUNTIME_MAX_TASKS) {
                int id = q->pop();
                if (id < 0) continue;
                seen[id].fetch_add(1);
                taken.fetch_add(1);
            }
        });
    }
    for (auto& t : threads) t.join();
    int once = 0;
    for (auto& s : seen) once += s.load() == 1;
    EXPECT_EQ(once, RUNTIME_MAX_TASKS);
}

int main(int argc, char** argv) {
    return harness::run_all(argc, argv);
}
