// The data structures at the heart of tensormap_and_ringbuffer, tested on
// their own: the ready queue (FIFO, wrap-around, a popper stalled between
// its claim and its free, concurrent producers and consumers) and the tensor
// map (region overlap and cover against explicit element sets over 400,000
// random view pairs; the edges and replacements of recorded accesses).
#include <algorithm>
#include <atomic>
#include <bitset>
#include <chrono>
#include <cstdint>
#include <memory>
#include <random>
#include <set>
#include <thread>
#include <vector>

#include "ready_queue.h"
#include "tensor_map.h"
#include "test_harness.h"

namespace {

// A ready queue over memory of its own, zero-filled as a launch block is.
struct Queue {
    std::unique_ptr<ReadyCell[]> cells;
    std::atomic<uint64_t> head{0}, tail{0};
    ReadyQueue q;

    explicit Queue(uint64_t capacity)
        : cells(new ReadyCell[capacity]), q(cells.get(), capacity - 1, &head, &tail) {
        for (uint64_t i = 0; i < capacity; ++i) {
            cells[i].turn.store(0);
            cells[i].value.store(0);
        }
    }
};

}  // namespace

TEST(ready_queue_is_fifo_and_wraps_around) {
    Queue t(8);
    uint64_t v = 0;
    EXPECT_TRUE(!t.q.pop(&v));
    uint64_t next_in = 0, next_out = 0;
    // 1,000 laps of the 8 cells, at every fill level from 1 to 8.
    for (int round = 0; round < 1000; ++round) {
        const int fill = 1 + round % 8;
        for (int i = 0; i < fill; ++i) REQUIRE(t.q.push(next_in++));
        if (fill == 8) EXPECT_TRUE(!t.q.push(12345));  // full: 8 values in 8 cells
        for (int i = 0; i < fill; ++i) {
            REQUIRE(t.q.pop(&v));
            EXPECT_EQ(v, next_out++);
        }
        EXPECT_TRUE(!t.q.pop(&v));
    }
}

// A popper that won the head and stops before freeing its cell (preempted)
// must not make later pushes fail: in Vyukov's queue the push one lap later
// finds the cell taken and fails with the queue almost empty, and the task
// it carried was lost. The window of 8 gives a queue of 32.
TEST(a_popper_stalled_between_claim_and_free_loses_no_push) {
    Queue t(32);
    REQUIRE(t.q.push(1000));
    uint64_t stalled_value = 0, stalled_pos = 0;
    REQUIRE(t.q.claim(&stalled_value, &stalled_pos));
    EXPECT_EQ(stalled_value, 1000u);
    // Thousands of pushes, a few queued at a time, lap after lap past the
    // stalled cell.
    uint64_t next_out = 0, v = 0;
    for (uint64_t i = 0; i < 10000; ++i) {
        REQUIRE(t.q.push(i));
        if (i % 3 == 2) {
            while (t.q.pop(&v)) EXPECT_EQ(v, next_out++);
        }
    }
    while (t.q.pop(&v)) EXPECT_EQ(v, next_out++);
    EXPECT_EQ(next_out, 10000u);
    // The stalled popper comes back late: its free changes nothing.
    t.q.release_claim(stalled_pos);
    for (uint64_t i = 0; i < 32; ++i) REQUIRE(t.q.push(20000 + i));
    EXPECT_TRUE(!t.q.push(99));  // 32 values: full
    for (uint64_t i = 0; i < 32; ++i) {
        REQUIRE(t.q.pop(&v));
        EXPECT_EQ(v, 20000 + i);
    }
}

// The pusher that frees a stalled popper's cell and refills it must not have
// that value taken away by the popper's late free.
TEST(a_late_free_after_the_cell_was_refilled_keeps_the_new_value) {
    Queue t(4);
    REQUIRE(t.q.push(7));
    uint64_t value = 0, pos = 0;
    REQUIRE(t.q.claim(&value, &pos));
    for (uint64_t i = 0; i < 4; ++i) REQUIRE(t.q.push(100 + i));  // the last reuses the cell
    t.q.release_claim(pos);
    EXPECT_TRUE(!t.q.push(5));  // still 4 values in 4 cells
    uint64_t v = 0;
    for (uint64_t i = 0; i < 4; ++i) {
        REQUIRE(t.q.pop(&v));
        EXPECT_EQ(v, 100 + i);
    }
    EXPECT_TRUE(!t.q.pop(&v));
}

// Producers and consumers at once, some consumers stalling between claim and
// free: every value comes out exactly once, and no push fails while fewer
// values are in flight than the queue has cells.
TEST(concurrent_producers_and_stalling_consumers_hand_out_each_value_once) {
    constexpr uint64_t kCapacity = 64, kProducers = 3, kPerProducer = 60000;
    Queue t(kCapacity);
    std::atomic<int64_t> in_flight{0};
    std::atomic<uint64_t> failed_pushes{0}, popped{0};
    std::unique_ptr<std::atomic<uint32_t>[]> seen(new std::atomic<uint32_t>[kProducers * kPerProducer]);
    for (uint64_t i = 0; i < kProducers * kPerProducer; ++i) seen[i].store(0);
    std::vector<std::thread> threads;
    for (uint64_t p = 0; p < kProducers; ++p) {
        threads.emplace_back([&, p] {
            for (uint64_t i = 0; i < kPerProducer; ++i) {
                while (in_flight.load() >= static_cast<int64_t>(kCapacity - kProducers)) {
                    std::this_thread::yield();
                }
                in_flight.fetch_add(1);
                if (!t.q.push(p * kPerProducer + i)) failed_pushes.fetch_add(1);
            }
        });
    }
    for (int c = 0; c < 2; ++c) {
        threads.emplace_back([&, c] {
            std::mt19937 rng(static_cast<uint32_t>(c));
            while (popped.load() + failed_pushes.load() < kProducers * kPerProducer) {
                uint64_t v = 0, pos = 0;
                bool got;
                if (rng() % 64 == 0) {  // a stalled popper
                    got = t.q.claim(&v, &pos);
                    if (got) {
                        std::this_thread::sleep_for(std::chrono::microseconds(50));
                        t.q.release_claim(pos);
                    }
                } else {
                    got = t.q.pop(&v);
                }
                if (!got) {
                    std::this_thread::yield();
                    continue;
                }
                seen[v].fetch_add(1);
                in_flight.fetch_sub(1);
                popped.fetch_add(1);
            }
        });
    }
    for (auto& th : threads) th.join();
    EXPECT_EQ(failed_pushes.load(), 0u);
    uint64_t once = 0;
    for (uint64_t i = 0; i < kProducers * kPerProducer; ++i) once += seen[i].load() == 1 ? 1 : 0;
    EXPECT_EQ(once, kProducers * kPerProducer);
}

namespace {

constexpr uint64_t kBufferBytes = 2048;
using ByteSet = std::bitset<kBufferBytes>;

// A random view of a buffer of kBufferBytes: 1 to 3 dimensions; row-major
// views into a parent shape (the usual case), arbitrary positive strides,
// or (rarely) a zero or negative stride; several element sizes. Every
// element lies inside the buffer.
ChipTensor random_view(std::mt19937_64& rng) {
    static const DataType kTypes[] = {DataType::FLOAT32, DataType::FLOAT16, DataType::INT8,
                                      DataType::INT64};
    for (;;) {
        ChipTensor t{};
        t.buffer.addr = 0x10000;
        t.buffer.size = kBufferBytes;
        t.dtype = kTypes[rng() % (rng() % 4 == 0 ? 4 : 1)];
        const uint64_t es = get_element_size(t.dtype);
        const uint64_t elements = kBufferBytes / es;
        t.ndims = 1 + static_cast<uint32_t>(rng() % 3);
        const int kind = static_cast<int>(rng() % 10);
        if (kind < 6) {  // a box of a row-major parent
            uint64_t parent[3];
            for (uint32_t i = 0; i < t.ndims; ++i) parent[i] = 1 + rng() % 8;
            int64_t stride = 1;
            for (uint32_t i = t.ndims; i-- > 0;) {
                t.strides[i] = stride;
                stride *= static_cast<int64_t>(parent[i]);
            }
            t.start_offset = 0;
            for (uint32_t i = 0; i < t.ndims; ++i) {
                uint64_t at = rng() % parent[i];
                t.shapes[i] = 1 + rng() % (parent[i] - at);
                t.start_offset += at * static_cast<uint64_t>(t.strides[i]);
            }
            t.start_offset += (rng() % 3) * static_cast<uint64_t>(stride);  // parent's offset
        } else {
            for (uint32_t i = 0; i < t.ndims; ++i) {
                t.shapes[i] = 1 + rng() % 5;
                t.strides[i] = static_cast<int64_t>(rng() % 24) + 1;
            }
            if (kind == 9) t.strides[rng() % t.ndims] = static_cast<int64_t>(rng() % 3) - 1;  // -1, 0, 1
            t.start_offset = rng() % 64;
        }
        // Keep every element inside the buffer.
        int64_t lo = static_cast<int64_t>(t.start_offset), hi = lo;
        for (uint32_t i = 0; i < t.ndims; ++i) {
            int64_t span = static_cast<int64_t>(t.shapes[i] - 1) * t.strides[i];
            (span < 0 ? lo : hi) += span;
        }
        if (lo >= 0 && hi < static_cast<int64_t>(elements)) return t;
    }
}

ByteSet bytes_of(const ChipTensor& t) {
    ByteSet set;
    const uint64_t es = get_element_size(t.dtype);
    uint64_t idx[3] = {0, 0, 0};
    for (;;) {
        int64_t e = static_cast<int64_t>(t.start_offset);
        for (uint32_t i = 0; i < t.ndims; ++i) e += static_cast<int64_t>(idx[i]) * t.strides[i];
        for (uint64_t b = 0; b < es; ++b) set.set(static_cast<uint64_t>(e) * es + b);
        uint32_t d = t.ndims;
        while (d-- > 0) {
            if (++idx[d] < t.shapes[d]) break;
            idx[d] = 0;
        }
        if (d == static_cast<uint32_t>(-1)) return set;
    }
}

// The access `t` as the tensor map records it.
MapEntry entry_of(const AccessRegion& r, AccessBox* box) {
    MapEntry e{};
    e.base = 0x10000;
    e.lo = r.lo;
    e.hi = r.hi;
    e.dense = r.dense ? 1 : 0;
    e.boxed = r.box_needed() ? 1 : 0;
    *box = r.box;
    return e;
}

}  // namespace

// 400,000 random pairs of views: the map never misses an overlap, never
// claims a cover that is not one, and is exact where it says it is (both
// views dense, or boxes on the same strides).
TEST(region_overlap_and_cover_agree_with_element_sets) {
    std::mt19937_64 rng(20261206);
    uint64_t overlaps = 0, covers = 0, exact_cases = 0, conservative = 0;
    for (int pair = 0; pair < 400000; ++pair) {
        const ChipTensor a = random_view(rng), b = random_view(rng);
        const AccessRegion ra = AccessRegion::of(a), rb = AccessRegion::of(b);
        AccessBox box;
        const MapEntry e = entry_of(rb, &box);
        const ByteSet sa = bytes_of(a), sb = bytes_of(b);
        const bool overlap = (sa & sb).any();
        const bool cover = (sb & ~sa).none();
        const bool says_overlap = regions_overlap(ra, e, e.boxed ? &box : nullptr);
        const bool says_cover = region_covers(ra, e, e.boxed ? &box : nullptr);
        overlaps += overlap;
        covers += says_cover;
        if (overlap && !says_overlap) {
            std::fprintf(stderr, "pair %d: an overlap the map missed\n", pair);
            REQUIRE(!"missed overlap");
        }
        if (says_cover && !cover) {
            std::fprintf(stderr, "pair %d: a cover that is not one\n", pair);
            REQUIRE(!"wrong cover");
        }
        const bool lattice = ra.boxed && e.boxed && ra.box.esize == box.esize &&
                             ra.box.ndims == box.ndims &&
                             std::equal(ra.box.strides, ra.box.strides + ra.box.ndims, box.strides);
        if ((ra.dense && e.dense) || lattice) {
            ++exact_cases;
            if (says_overlap != overlap) {
                std::fprintf(stderr, "pair %d: inexact where the map claims exactness\n", pair);
                REQUIRE(!"inexact overlap");
            }
        } else if (says_overlap && !overlap) {
            ++conservative;
        }
    }
    std::printf("  400000 pairs: %llu overlapping, %llu covers found, %llu compared exactly, "
                "%llu overlaps assumed by byte range\n",
                static_cast<unsigned long long>(overlaps), static_cast<unsigned long long>(covers),
                static_cast<unsigned long long>(exact_cases),
                static_cast<unsigned long long>(conservative));
    EXPECT_TRUE(overlaps > 10000 && covers > 1000 && exact_cases > 50000);
}

namespace {

// A tensor map over memory of its own, and a way to record accesses.
struct Map {
    std::vector<uint32_t> buckets;
    std::vector<MapEntry> entries;
    std::vector<AccessBox> boxes;
    TensorMap map;
    std::set<uint64_t> dead;  // tasks no longer alive

    explicit Map(uint32_t capacity) : buckets(16), entries(capacity), boxes(capacity) {
        map.init(buckets.data(), 16, entries.data(), boxes.data(), capacity);
    }

    // The tasks `task` waits for when it accesses rows [row, row + rows) of an
    // 8 x 8 float32 tensor at `base`; false when no entry was free.
    bool access(uint64_t base, uint64_t row, uint64_t rows, bool write, uint64_t task,
                std::vector<uint64_t>* edges) {
        ChipTensor t{};
        t.buffer.addr = base;
        t.buffer.size = 256;
        t.dtype = DataType::FLOAT32;
        t.ndims = 2;
        t.shapes[0] = rows;
        t.shapes[1] = 8;
        t.strides[0] = 8;
        t.strides[1] = 1;
        t.start_offset = row * 8;
        edges->clear();
        return map.access(
            base, AccessRegion::of(t), write, true, task,
            [&](uint64_t id) { return dead.count(id) == 0; },
            [&](uint64_t id) {
                edges->push_back(id);
                return true;
            });
    }
};

std::vector<uint64_t> sorted(std::vector<uint64_t> v) {
    std::sort(v.begin(), v.end());
    return v;
}

}  // namespace

TEST(tensor_map_orders_reads_after_writes_and_writes_after_both) {
    Map m(64);
    std::vector<uint64_t> edges;
    REQUIRE(m.access(0x1000, 0, 8, true, 1, &edges));  // task 1 writes all
    EXPECT_TRUE(edges.empty());
    REQUIRE(m.access(0x1000, 0, 4, false, 2, &edges));  // reads rows 0-3: after 1
    EXPECT_TRUE(sorted(edges) == std::vector<uint64_t>{1});
    REQUIRE(m.access(0x1000, 4, 4, false, 3, &edges));  // reads rows 4-7: after 1
    EXPECT_TRUE(sorted(edges) == std::vector<uint64_t>{1});
    REQUIRE(m.access(0x1000, 2, 4, true, 4, &edges));  // writes rows 2-5: after 1, 2, 3
    EXPECT_TRUE(sorted(edges) == (std::vector<uint64_t>{1, 2, 3}));
    REQUIRE(m.access(0x2000, 0, 8, false, 5, &edges));  // another buffer: nothing
    EXPECT_TRUE(edges.empty());
    REQUIRE(m.access(0x1000, 6, 2, false, 6, &edges));  // rows 6-7: last written by 1
    EXPECT_TRUE(sorted(edges) == std::vector<uint64_t>{1});
}

TEST(a_covering_write_replaces_what_it_covers_and_dead_tasks_drop_out) {
    Map m(64);
    std::vector<uint64_t> edges;
    REQUIRE(m.access(0x1000, 0, 2, true, 1, &edges));
    REQUIRE(m.access(0x1000, 2, 2, true, 2, &edges));
    REQUIRE(m.access(0x1000, 0, 8, true, 3, &edges));  // covers both
    EXPECT_TRUE(sorted(edges) == (std::vector<uint64_t>{1, 2}));
    REQUIRE(m.access(0x1000, 0, 1, false, 4, &edges));  // only 3 is left to wait for
    EXPECT_TRUE(sorted(edges) == std::vector<uint64_t>{3});
    m.dead.insert(3);
    m.dead.insert(4);
    REQUIRE(m.access(0x1000, 0, 8, false, 5, &edges));  // 3 and 4 retired
    EXPECT_TRUE(edges.empty());
    m.dead.insert(5);
    EXPECT_EQ(m.map.sweep([&](uint64_t id) { return m.dead.count(id) == 0; }), 64u);
}

TEST(a_full_map_says_so_and_takes_records_again_once_tasks_retire) {
    Map m(4);
    std::vector<uint64_t> edges;
    for (uint64_t t = 1; t <= 4; ++t) REQUIRE(m.access(0x1000 + 0x100 * t, 0, 8, true, t, &edges));
    EXPECT_TRUE(!m.access(0x9000, 0, 8, true, 5, &edges));  // no entry free
    m.dead.insert(2);
    m.map.sweep([&](uint64_t id) { return m.dead.count(id) == 0; });
    EXPECT_TRUE(m.access(0x9000, 0, 8, true, 5, &edges));
}

int main(int argc, char** argv) {
    return harness::run_all(argc, argv);
}
