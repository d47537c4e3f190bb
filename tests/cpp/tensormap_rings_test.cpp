// tensormap_and_ringbuffer's rings on their own: the heap's placement (no
// piece straddles the end or overlaps a live one, the early lap restart
// keeps a run in about twice its live bytes, exhaustion), the reclaim point search,
// and the reclaim watermark (last_alive moves only over consumed tasks, in
// order, never past a slot still holding an older lap's task, under
// concurrent releases, and rings the waiting orchestrator's doorbell).
#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <random>
#include <thread>
#include <vector>

#include "heap_ring.h"
#include "task_lifecycle.h"
#include "test_harness.h"

// The device log the runtime's headers write to; these tests log nothing.
int pto_log_level() {
    return 0;
}
void pto_device_log(int, const char*, ...) {}

namespace {

struct Piece {
    uint64_t offset;  // in the heap
    uint64_t bytes;
    uint64_t end;     // ring coordinates, as a task's slot records it
};

// A heap used as the orchestrator uses it: pieces retire in order, the
// tail is the newest retired piece's end (or the head when none is live).
struct HeapModel {
    HeapRing heap;
    std::deque<Piece> live;
    uint64_t retired_end = 0;
    uint64_t highest = 0;  // the highest heap byte ever handed out, plus one

    explicit HeapModel(uint64_t size, uint64_t warm) : heap(size, warm) {}

    // Places a piece as the orchestrator does (its skip decided once, then
    // retiring the oldest pieces until it fits); false if it never does.
    bool place(uint64_t need, uint64_t* offset, uint64_t* skip_out = nullptr) {
        uint64_t skip = 0;
        auto tail = [&] { return live.empty() ? heap.head() + skip : retired_end; };
        skip = heap.skip_for(need, tail);
        while (!heap.fits(skip, need, tail())) {
            if (live.empty()) return false;
            retire();
        }
        *offset = heap.take(skip, need);
        live.push_back(Piece{*offset, need, heap.head()});
        highest = std::max(highest, *offset + need);
        if (skip_out != nullptr) *skip_out = skip;
        return true;
    }
    void retire() {
        retired_end = live.front().end;
        live.pop_front();
    }
};

bool overlaps(const Piece& a, uint64_t offset, uint64_t bytes) {
    return a.offset < offset + bytes && offset < a.offset + a.bytes;
}

// A zero-filled tensormap launch block with one window of slots in ring 0
// (the other rings empty), as the host lays one out.
struct Block {
    void* memory;
    TmView v;

    explicit Block(uint32_t window) {
        const uint64_t slots_at = (sizeof(TmLaunchBlock) + 63) / 64 * 64;
        const uint64_t bytes = slots_at + uint64_t{window} * sizeof(TaskSlot);
        memory = std::aligned_alloc(64, (bytes + 63) / 64 * 64);
        std::memset(memory, 0, bytes);
        v = TmView::of(memory);
        for (int r = 0; r < kRingCount; ++r) {
            v.block->rings[r].window = window;
            v.block->rings[r].slots_offset = slots_at;
        }
    }
    ~Block() { std::free(memory); }
    Block(const Block&) = delete;
    Block& operator=(const Block&) = delete;

    // Task `number` of ring 0, submitted with `refs` references.
    TaskSlot& submit(uint64_t number, int32_t refs) {
        TaskSlot& s = v.slots(0)[number & (v.block->rings[0].window - 1)];
        s.id = task_id_of(0, number);
        s.refs.store(refs, std::memory_order_relaxed);
        return s;
    }
    uint64_t last_alive() const {
        return v.block->last_alive[0].value.load(std::memory_order_acquire);
    }
};

}  // namespace

TEST(heap_pieces_never_straddle_the_end_or_overlap_a_live_piece) {
    std::mt19937_64 rng(7);
    for (uint64_t size : {4096ull, 65536ull, 1ull << 20}) {
        HeapModel m(size, size / 8);
        for (int i = 0; i < 20000; ++i) {
            const uint64_t need = 64 * (1 + rng() % (size / 64 / 3));
            while (!m.live.empty() && rng() % 3 == 0) m.retire();
            const uint64_t head_before = m.heap.head();
            uint64_t offset = 0, skip = 0;
            EXPECT_TRUE(m.place(need, &offset, &skip));
            EXPECT_TRUE(offset + need <= size);
            EXPECT_TRUE(skip == 0 || offset == 0);
            EXPECT_EQ(m.heap.head(), head_before + skip + need);
            EXPECT_EQ(m.heap.at(), m.heap.head() % size);
            for (size_t i = 0; i + 1 < m.live.size(); ++i) EXPECT_TRUE(!overlaps(m.live[i], offset, need));
        }
    }
}

TEST(heap_restarts_its_lap_early_when_live_data_is_small) {
    // 1 MiB heap, 16 KiB warm unit: a run that keeps two 256-byte pieces
    // alive stays in about twice the warm bytes instead of walking the heap.
    HeapModel m(1 << 20, 16 << 10);
    for (int i = 0; i < 100000; ++i) {
        if (m.live.size() == 2) m.retire();
        uint64_t offset = 0;
        EXPECT_TRUE(m.place(256, &offset));
    }
    EXPECT_TRUE(m.highest <= 2 * (16 << 10) + (16 << 10) / 8 + 256);
    // A heap smaller than two warm units never restarts early: it is used whole.
    HeapModel small(16 << 10, 16 << 10);
    for (int i = 0; i < 1000; ++i) {
        if (small.live.size() == 2) small.retire();
        uint64_t offset = 0;
        EXPECT_TRUE(small.place(256, &offset));
    }
    EXPECT_EQ(small.highest, uint64_t{16 << 10});
}

TEST(heap_restart_keeps_about_twice_the_live_bytes) {
    // A lap restarts once the bytes below the oldest live piece are as many
    // as the live ones: 200 KiB live in a 1 MiB heap stays in about 400 KiB;
    // 600 KiB live (more than half the heap) never restarts early.
    for (uint64_t live_pieces : {200u, 600u}) {
        HeapModel m(1 << 20, 16 << 10);
        for (int i = 0; i < 8000; ++i) {
            if (m.live.size() == live_pieces) m.retire();
            uint64_t offset = 0;
            EXPECT_TRUE(m.place(1024, &offset));
        }
        const uint64_t live = live_pieces * 1024;
        if (2 * live < (1u << 20))
            EXPECT_TRUE(m.highest <= 2 * live + (16 << 10) / 8 + 1024);
        else
            EXPECT_EQ(m.highest, uint64_t{1 << 20});
    }
}

TEST(heap_exhaustion) {
    HeapRing heap(4096, 1024);
    // Larger than the heap: never fits, whatever has retired.
    EXPECT_TRUE(!heap.fits(0, 4096 + 64, heap.head()));
    EXPECT_TRUE(heap.fits(0, 4096, heap.head()));
    // Full: the next piece fits only once the oldest has retired.
    for (int i = 0; i < 4; ++i) {
        EXPECT_TRUE(heap.fits(0, 1024, 0));
        heap.take(heap.skip_for(1024, [] { return uint64_t{0}; }), 1024);
    }
    EXPECT_EQ(heap.at(), uint64_t{0});
    EXPECT_TRUE(!heap.fits(0, 64, 0));
    EXPECT_TRUE(heap.fits(0, 64, 1024));
    EXPECT_TRUE(!heap.fits(0, 1024 + 64, 1024));
    // A piece that does not fit before the end skips the rest of the lap,
    // and the skipped bytes count against the room.
    heap.take(0, 3072);
    EXPECT_EQ(heap.skip_for(2048, [] { return uint64_t{0}; }), uint64_t{1024});
    EXPECT_TRUE(!heap.fits(1024, 2048, 4096 + 1024));
    EXPECT_TRUE(heap.fits(1024, 2048, 4096 + 3072));
}

TEST(first_fit_finds_the_earliest_reclaim_point) {
    std::mt19937_64 rng(11);
    for (int round = 0; round < 2000; ++round) {
        std::vector<uint64_t> tails(1 + rng() % 300);
        uint64_t t = rng() % 100;
        for (uint64_t& x : tails) x = t += rng() % 50;  // nondecreasing, as piece ends are
        const uint64_t want = rng() % (t + 100);
        const uint64_t from = rng() % tails.size();
        const uint64_t to = tails.size() - 1;
        auto tail = [&](uint64_t l) { return tails[l]; };
        auto fits = [&](uint64_t x) { return x >= want; };
        uint64_t expected = to;
        for (uint64_t l = from; l < to; ++l) {
            if (fits(tail(l))) {
                expected = l;
                break;
            }
        }
        EXPECT_EQ(first_fit(from, to, tail, fits), expected);
    }
}

TEST(watermark_moves_only_over_consumed_tasks_in_order) {
    Block b(8);
    for (uint64_t n = 0; n < 5; ++n) b.submit(n, 1);
    lifecycle::release_ref(b.v, task_id_of(0, 2));
    EXPECT_EQ(b.last_alive(), uint64_t{0});  // task 0 is alive: nothing moves
    lifecycle::release_ref(b.v, task_id_of(0, 0));
    EXPECT_EQ(b.last_alive(), uint64_t{1});
    lifecycle::release_ref(b.v, task_id_of(0, 1));
    EXPECT_EQ(b.last_alive(), uint64_t{3});  // over 1 and the already consumed 2
    lifecycle::release_ref(b.v, task_id_of(0, 4));
    EXPECT_EQ(b.last_alive(), uint64_t{3});
    lifecycle::release_ref(b.v, task_id_of(0, 3));
    EXPECT_EQ(b.last_alive(), uint64_t{5});
}

TEST(watermark_stops_at_a_slot_of_an_older_lap) {
    // A window of 4: tasks 0-3 consumed, so the slots of 4-7 still hold
    // them. Task 5 consumed before task 4 is even submitted must not let
    // the watermark pass slot 0, which still says task 0 was consumed.
    Block b(4);
    for (uint64_t n = 0; n < 4; ++n) b.submit(n, 1);
    for (uint64_t n = 0; n < 4; ++n) lifecycle::release_ref(b.v, task_id_of(0, n));
    EXPECT_EQ(b.last_alive(), uint64_t{4});
    b.submit(5, 1);
    lifecycle::release_ref(b.v, task_id_of(0, 5));
    EXPECT_EQ(b.last_alive(), uint64_t{4});
    b.submit(4, 1);
    lifecycle::release_ref(b.v, task_id_of(0, 4));
    EXPECT_EQ(b.last_alive(), uint64_t{6});
}

TEST(watermark_under_concurrent_releases_never_passes_a_live_task) {
    constexpr uint64_t kTasks = 4000;
    constexpr int kRefs = 3;
    constexpr int kThreads = 4;
    for (int round = 0; round < 5; ++round) {
        Block b(4096);
        std::vector<uint64_t> releases;
        for (uint64_t n = 0; n < kTasks; ++n) {
            b.submit(n, kRefs);
            for (int r = 0; r < kRefs; ++r) releases.push_back(n);
        }
        std::mt19937_64 rng(round);
        std::shuffle(releases.begin(), releases.end(), rng);
        std::atomic<bool> done{false};
        std::atomic<int> violations{0};
        // Every task below a watermark seen must be consumed (its consumed
        // word set before the watermark moved past it).
        std::thread watcher([&] {
            while (!done.load(std::memory_order_acquire)) {
                const uint64_t last = b.last_alive();
                for (uint64_t n = last > 64 ? last - 64 : 0; n < last; ++n) {
                    if (b.v.slots(0)[n].consumed.load(std::memory_order_acquire) !=
                        task_id_of(0, n) + 1)
                        violations.fetch_add(1);
                }
            }
        });
        std::vector<std::thread> threads;
        for (int t = 0; t < kThreads; ++t) {
            threads.emplace_back([&, t] {
                for (size_t i = t; i < releases.size(); i += kThreads) {
                    lifecycle::release_ref(b.v, task_id_of(0, releases[i]));
                    if (i % 97 == 0) std::this_thread::yield();
                }
            });
        }
        for (std::thread& th : threads) th.join();
        done.store(true, std::memory_order_release);
        watcher.join();
        EXPECT_EQ(violations.load(), 0);
        EXPECT_EQ(b.last_alive(), kTasks);
    }
}

TEST(watermark_rings_the_orchestrator_once_its_batch_has_retired) {
    Block b(16);
    for (uint64_t n = 0; n < 10; ++n) b.submit(n, 1);
    std::atomic<uint32_t>& seq = b.v.block->orchestrator_bell.bell.seq;
    // Nobody waiting: no ring.
    lifecycle::release_ref(b.v, task_id_of(0, 0));
    EXPECT_EQ(seq.load(), 0u);
    // The orchestrator wants last_alive to reach 5 (wake_at is that + 1).
    b.v.block->wake_at[0].value.store(5 + 1);
    for (uint64_t n = 1; n < 4; ++n) lifecycle::release_ref(b.v, task_id_of(0, n));
    EXPECT_EQ(b.last_alive(), uint64_t{4});
    EXPECT_EQ(seq.load(), 0u);
    lifecycle::release_ref(b.v, task_id_of(0, 4));
    EXPECT_EQ(b.last_alive(), uint64_t{5});
    EXPECT_TRUE(seq.load() > 0u);
}

int main(int argc, char** argv) {
    return harness::run_all(argc, argv);
}
