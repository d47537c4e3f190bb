// The layouts the host, the AICPU and AICore share (runtime common headers):
// every field two sides write sits on a cache line of its own, and the
// ready queue keeps FIFO order and hands each task out once under
// concurrent producers and consumers.
#include "launch_block.h"

#include <atomic>
#include <cstddef>
#include <memory>
#include <thread>
#include <vector>

#include "test_harness.h"

namespace {

size_t line_of(size_t offset) {
    return offset / PLATFORM_CACHE_LINE;
}

// A ready queue over its own ends and slots, with `preset` tasks ready from
// the start (as the graph image lists them).
struct QueueUnderTest {
    std::unique_ptr<ReadyQueueEnds> ends = std::make_unique<ReadyQueueEnds>();
    std::vector<uint32_t> preset;
    std::unique_ptr<std::atomic<int32_t>[]> slots;
    ReadyQueue queue;

    QueueUnderTest(std::vector<uint32_t> ready_at_start, size_t capacity)
        : preset(std::move(ready_at_start)), slots(new std::atomic<int32_t>[capacity]) {
        for (size_t i = 0; i < capacity; ++i) slots[i].store(0);
        ends->head.store(0);
        ends->tail.store(static_cast<uint32_t>(preset.size()));
        queue = ReadyQueue(ends.get(), preset.data(), static_cast<uint32_t>(preset.size()),
                           slots.get());
    }
};

}  // namespace

TEST(shared_counters_and_doorbells_each_have_a_cache_line) {
    std::vector<size_t> written_by_many = {
        offsetof(LaunchBlock, next_scheduler_thread), offsetof(LaunchBlock, completed_tasks),
        offsetof(LaunchBlock, abort_status), offsetof(LaunchBlock, start_ns)};
    for (int t = 0; t < PLATFORM_MAX_AICPU_THREADS; ++t) {
        written_by_many.push_back(offsetof(LaunchBlock, scheduler_bells) +
                                  t * sizeof(PaddedDoorbell));
    }
    for (int q = 0; q < 2; ++q) {
        written_by_many.push_back(offsetof(LaunchBlock, ready) + q * sizeof(ReadyQueueEnds) +
                                  offsetof(ReadyQueueEnds, head));
        written_by_many.push_back(offsetof(LaunchBlock, ready) + q * sizeof(ReadyQueueEnds) +
                                  offsetof(ReadyQueueEnds, tail));
    }
    for (size_t i = 0; i < written_by_many.size(); ++i) {
        for (size_t j = i + 1; j < written_by_many.size(); ++j) {
            EXPECT_TRUE(line_of(written_by_many[i]) != line_of(written_by_many[j]));
        }
    }
    // The fields written before the launch share nothing with them.
    EXPECT_TRUE(line_of(offsetof(LaunchBlock, ready_slots_offset)) <
                line_of(offsetof(LaunchBlock, next_scheduler_thread)));
    EXPECT_EQ(alignof(LaunchBlock) % PLATFORM_CACHE_LINE, 0u);
}

TEST(each_side_of_a_mailbox_writes_its_own_line) {
    EXPECT_EQ(sizeof(Handshake), 4u * PLATFORM_CACHE_LINE);
    EXPECT_EQ(offsetof(Handshake, sched), 0u);
    EXPECT_EQ(offsetof(Handshake, dispatch), static_cast<size_t>(PLATFORM_CACHE_LINE));
    EXPECT_EQ(offsetof(Handshake, work), 2u * PLATFORM_CACHE_LINE);
    EXPECT_EQ(offsetof(Handshake, fault), 3u * PLATFORM_CACHE_LINE);
    // Both dispatch slots share the scheduler's dispatch line.
    EXPECT_EQ(sizeof(DispatchSlot) * 2, static_cast<size_t>(PLATFORM_CACHE_LINE));
    EXPECT_EQ(alignof(Handshake) % PLATFORM_CACHE_LINE, 0u);
}

TEST(a_zero_filled_task_run_is_a_waiting_task) {
    TaskRun run{};
    EXPECT_EQ(run.preds_done.load(), 0u);
    EXPECT_EQ(run.state.load(), static_cast<int32_t>(TaskState::kWaiting));
    EXPECT_EQ(run.worker, 0);  // worker id + 1: not dispatched
}

TEST(ready_queue_hands_out_the_tasks_ready_at_the_start_first_then_fifo) {
    QueueUnderTest q({4, 7}, 8);
    EXPECT_EQ(q.queue.size(), 2u);
    EXPECT_EQ(q.queue.head_hint(), 4);
    EXPECT_EQ(q.queue.pop(), 4);
    q.queue.push(5);
    q.queue.push(0);  // task 0 is stored as 1: a zero slot means "not yet published"
    q.queue.push(9);
    EXPECT_EQ(q.queue.size(), 4u);
    EXPECT_EQ(q.queue.pop(), 7);
    EXPECT_EQ(q.queue.pop(), 5);
    EXPECT_EQ(q.queue.pop(), 0);
    EXPECT_EQ(q.queue.pop(), 9);
    EXPECT_EQ(q.queue.pop(), -1);
}

TEST(ready_queue_concurrent_producers_and_consumers_see_each_id_once) {
    constexpr int kProducers = 4, kConsumers = 4, kPerProducer = 5000;
    constexpr int kPreset = 1000;
    constexpr int kTotal = kPreset + kProducers * kPerProducer;
    std::vector<uint32_t> preset;
    for (int i = 0; i < kPreset; ++i) preset.push_back(static_cast<uint32_t>(i));
    QueueUnderTest q(preset, kProducers * kPerProducer);
    std::vector<std::atomic<int>> seen(kTotal);
    std::atomic<int> taken{0};
    std::vector<std::thread> threads;
    for (int p = 0; p < kProducers; ++p) {
        threads.emplace_back([&, p] {
            for (int i = 0; i < kPerProducer; ++i) q.queue.push(kPreset + p * kPerProducer + i);
        });
    }
    for (int c = 0; c < kConsumers; ++c) {
        threads.emplace_back([&] {
            while (taken.load() < kTotal) {
                int id = q.queue.pop();
                if (id < 0) continue;
                seen[static_cast<size_t>(id)].fetch_add(1);
                taken.fetch_add(1);
            }
        });
    }
    for (auto& t : threads) t.join();
    int once = 0;
    for (auto& s : seen) once += s.load() == 1;
    EXPECT_EQ(once, kTotal);
}

int main(int argc, char** argv) {
    return harness::run_all(argc, argv);
}
