// Discovery and linking: the producers a new task waits for (creators,
// accesses recorded in the tensor map, explicit edges), the references it
// holds on memory owners, and its dependency entries on their lists.
#include "device_log.h"
#include "event_count.h"
#include "orchestrator.h"
#include "orchestrator_internal.h"
#include "orchestrator_wait_for_room.h"
#include "pto_status.h"
#include "task_lifecycle.h"
#include "time_source.h"

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>


using namespace orch_detail;


// Adds `id` to the current task's producers once: an ordering edge, and a
// hold on its memory when `owns_memory` (it made a buffer the task uses).
// A task's first few producers are checked by a scan of the list; beyond
// that, by a hash set stamped per submission (large, so probing it misses
// the cache: not worth it for the usual handful).
bool Orchestrator::note_producer(uint64_t id, bool owns_memory) {
    if (id == current_) return true;
    const uint64_t flag = owns_memory ? kProducerOwnsMemory : 0;
    SeenSlot* slot = nullptr;
    if (producer_count_ < kScannedProducers) {
        for (uint32_t i = 0; i < producer_count_; ++i) {
            if ((producers_[i] & ~kProducerOwnsMemory) == id) {
                producers_[i] |= flag;
                return true;
            }
        }
    } else {
        slot = find_seen(id);
        if (slot->stamp == seen_stamp_) {
            producers_[slot->at] |= flag;
            return true;
        }
    }
    const uint32_t cap = v_.block->producer_capacity;
    if (producer_count_ >= cap) {
        fatal(PTO2_ERROR_DEP_POOL_OVERFLOW,
              "task #%" PRIu64
              " (%s) depends on more than %u earlier tasks, the largest "
              "dependency pool of a ring; raise PTO2_RING_DEP_POOL",
              next_seq_, func_text(), cap);
        return false;
    }
    if (slot != nullptr) *slot = SeenSlot{id, seen_stamp_, producer_count_};
    producers_[producer_count_++] = id | flag;
    // From here on the set answers: it gets the scanned ones.
    if (producer_count_ == kScannedProducers) {
        for (uint32_t i = 0; i < producer_count_; ++i) remember_producer(i);
    }
    return true;
}

// The set's slot holding `id` this submission, or the free slot where it goes.
SeenSlot* Orchestrator::find_seen(uint64_t id) {
    const uint64_t mask = 2ull * v_.block->producer_capacity - 1;
    const uint64_t h = (id * 0x9E3779B97F4A7C15ull) >> 20;
    for (uint64_t i = 0;; ++i) {
        SeenSlot* slot = &seen_[(h + i) & mask];
        if (slot->stamp != seen_stamp_ || slot->id == id) return slot;
    }
}

void Orchestrator::remember_producer(uint32_t at) {
    const uint64_t id = producers_[at] & ~kProducerOwnsMemory;
    *find_seen(id) = SeenSlot{id, seen_stamp_, at};
}

bool Orchestrator::discover(uint64_t id, PTO2ArgKind kind, const ChipTensor& t,
                            const AccessRegion& r, bool manual) {
    if (t.owner_task != 0) {
        if (!maybe_alive(t.owner_task - 1))
            return !memory_gone(t.owner_task - 1, "a tensor argument");
        // Memory of a task whose scope has ended is refused now, whatever the
        // ring sizes: it stays only while running tasks hold it, so whether
        // it is still there would depend on timing and on when the ring wraps.
        const TaskSlot& owner = v_.slot(t.owner_task - 1);
        if (owner.id == t.owner_task - 1 && !scope_open(owner.scope_depth, owner.scope_serial))
            return !memory_gone(t.owner_task - 1, "a tensor argument");
        if (!note_producer(t.owner_task - 1, true)) return false;
    }
    if (t.manual_dep != 0 || kind == PTO2ArgKind::NO_DEP) return true;
    if (r.empty()) return true;
    bool write = kind != PTO2ArgKind::INPUT;
    auto is_alive = [&](uint64_t task) { return maybe_alive(task); };
    auto is_alive_now = [&](uint64_t task) { return alive(task); };
    bool ok = true;
    // In a MANUAL scope the task takes no discovered edges, but its access
    // is recorded all the same: tasks after the scope, and the
    // orchestration's get/set_tensor_data, are ordered after it.
    auto edge = [&](uint64_t producer) {
        if (manual) return true;
        ok = note_producer(producer, false);
        return ok;
    };
    AccessRegion keyed = r;
    const uint64_t key = map_key(t, &keyed);
    // INOUT reads and writes the same elements: recorded as the write it is
    // (a later reader depends on it; it depends on earlier writers and readers).
    if (map_.access(key, keyed, write, !manual, id, is_alive, edge)) return ok;
    // No entry free: drop the retired ones, then wait for more to retire.
    if (!ok) return false;
    auto any_retirement = []() -> uint64_t { return 0; };
    if (!wait_for_room(0, Room::kMap, 1, any_retirement,
                       [&] { return map_.sweep(is_alive_now) > 0; }))
        return false;
    return map_.access(key, keyed, write, !manual, id, is_alive, edge) && ok;
}

uint64_t Orchestrator::map_key(const ChipTensor& t, AccessRegion* r) const {
    const uint64_t addr = t.buffer.addr;
    // The last known buffer starting at or below addr.
    const KnownBuffer* end = known_ + known_count_;
    const KnownBuffer* at = std::upper_bound(
        known_, end, addr, [](uint64_t a, const KnownBuffer& k) { return a < k.base; });
    if (at == known_) return addr;
    --at;
    const uint64_t delta = addr - at->base;
    if (delta == 0 || delta >= at->size) return addr;
    // Compared by byte range from the known base: exact boxes are of the
    // descriptor's own lattice, which the shift does not keep.
    r->lo += delta;
    r->hi += delta;
    r->boxed = 0;
    return at->base;
}

bool Orchestrator::take_owner_ref(TaskSlot& p, uint64_t pid) {
    for (PrepaidRefs& e : prepaid_) {
        if (e.id == pid + 1 && e.left > 0) {
            --e.left;
            return true;
        }
    }
    if (!lifecycle::try_take_refs(p, kPrepaidRefs)) return false;
    PrepaidRefs* slot = nullptr;
    for (PrepaidRefs& e : prepaid_) {
        if (e.left == 0) {
            slot = &e;
            break;
        }
    }
    if (slot == nullptr) {
        slot = &prepaid_[prepaid_next_++ % kPrepaidOwners];
        lifecycle::release_refs(v_, slot->id - 1, slot->left);
    }
    *slot = PrepaidRefs{pid + 1, kPrepaidRefs - 1};
    return true;
}

void Orchestrator::return_prepaid_refs() {
    for (PrepaidRefs& e : prepaid_) {
        if (e.left > 0) lifecycle::release_refs(v_, e.id - 1, e.left);
        e = PrepaidRefs{};
    }
}

// Links the current task behind each producer still running and holds the
// memory of each producer that made a buffer it uses, in dependency entries
// of its ring. A producer already done that owns nothing it uses needs no
// entry; one already reclaimed needs nothing at all.
// Puts consumer `c`'s entry `e` (ref `ref`) on producer `p`'s fanout list,
// unless `p` completed and closed it: then `c` has no edge to wait for.
// The pending count goes up first, so the producer's completion, which sees
// the entry, also sees the count; it cannot reach zero meanwhile (c holds
// one while it is submitted).
bool Orchestrator::push_fanout(TaskSlot& p, TaskSlot& c, DepEntry& e, uint64_t ref) {
    c.pending.fetch_add(1, std::memory_order_relaxed);
    uint64_t head = p.fanout_head.load(std::memory_order_acquire);
    while (head != kFanoutClosed) {
        e.next = head;
        // Release publishes e and the pending count; pairs with the acquire
        // exchange in lifecycle::complete_task.
        if (p.fanout_head.compare_exchange_weak(head, ref, std::memory_order_release,
                                                std::memory_order_acquire)) {
            return true;
        }
    }
    c.pending.fetch_sub(1, std::memory_order_relaxed);
    return false;
}

// Records the task's edges and entries: producers_ keeps those that need a
// dependency entry, the pool gets room for them, and each is linked.
bool Orchestrator::link(const Allocation& a) {
    if (producer_count_ == 0) return true;
    uint32_t n = 0;
    if (!record_edges(&n)) return false;
    if (n == 0) return true;
    const int ring = ring_of(a.id);
    if (!room_for_entries(ring, number_of(a.id), n)) return false;
    return take_entries(a, n);
}

// Edges are recorded for every live producer (the graph as discovered);
// producers_ keeps, in its first *kept places, those that need an entry (not
// done yet, or owning memory the task uses). False when a memory owner has
// retired (the run stops, naming it).
bool Orchestrator::record_edges(uint32_t* kept) {
    uint32_t n = 0;
    for (uint32_t i = 0; i < producer_count_; ++i) {
        const uint64_t entry = producers_[i];
        const uint64_t pid = entry & ~kProducerOwnsMemory;
        const TaskSlot& p = v_.slot(pid);
        if (!maybe_alive(pid) || p.id != pid) {
            if ((entry & kProducerOwnsMemory) != 0) return !memory_gone(pid, "a tensor argument");
            continue;
        }
        if (p.seq != ~0ull && next_seq_ != ~0ull) {
            if (p.seq < v_.block->record_capacity)
                ++v_.at<uint32_t>(v_.block->fanouts_offset)[p.seq];
            // The orchestrator alone writes edges_seen: no read-modify-write.
            uint32_t k = v_.block->edges_seen.load(std::memory_order_relaxed);
            v_.block->edges_seen.store(k + 1, std::memory_order_relaxed);
            if (k < v_.block->edge_capacity) {
                v_.edges()[k] =
                    EdgeRecord{static_cast<uint32_t>(p.seq), static_cast<uint32_t>(next_seq_)};
            }
        }
        if (producer_done(p) && (entry & kProducerOwnsMemory) == 0) continue;
        producers_[n++] = entry;
    }
    *kept = n;
    return true;
}

// Room for `n` dependency entries in `ring`'s pool for its task `number`,
// waiting for a batch when the pool is full.
bool Orchestrator::room_for_entries(int ring, uint64_t number, uint32_t n) {
    const RingSettings& rs = v_.block->rings[ring];
    std::atomic<uint64_t>& last = v_.block->last_alive[ring].value;
    auto pool_room = [&](uint64_t l) {
        const uint64_t tail = l >= number ? dep_head_[ring]
                              : l == 0    ? 0
                                          : v_.slots(ring)[(l - 1) & (rs.window - 1)].dep_end();
        return dep_head_[ring] + n - tail <= rs.dep_pool;
    };
    if (n > rs.dep_pool) {
        report_no_room(ring, Room::kDeps, n, nullptr, false, false);
        return false;
    }
    auto pool_batch_at = [&]() -> uint64_t {
        const uint64_t want = n + rs.dep_pool / kBatchShare;
        auto tail_at = [&](uint64_t l) -> uint64_t {
            if (l >= number) return dep_head_[ring];
            return l == 0 ? 0 : v_.slots(ring)[(l - 1) & (rs.window - 1)].dep_end();
        };
        return first_fit(last.load(std::memory_order_acquire), number, tail_at, [&](uint64_t tail) {
            return dep_head_[ring] + want - tail <= rs.dep_pool;
        });
    };
    return pool_room(last_seen_[ring]) || wait_for_room(ring, Room::kDeps, n, pool_batch_at, [&] {
               return pool_room(last_seen(ring));
           });
}

// One entry per kept producer: a reference on memory owners, and the entry
// on the producer's consumer list unless it is done.
bool Orchestrator::take_entries(const Allocation& a, uint32_t n) {
    const int ring = ring_of(a.id);
    const RingSettings& rs = v_.block->rings[ring];
    TaskSlot& c = *a.slot;
    c.dep_begin = dep_head_[ring];
    for (uint32_t i = 0; i < n; ++i) {
        const uint64_t pid = producers_[i] & ~kProducerOwnsMemory;
        const bool hold = (producers_[i] & kProducerOwnsMemory) != 0;
        uint64_t index = dep_head_[ring]++;
        DepEntry& e = v_.deps(ring)[index % rs.dep_pool];
        e.producer = pid;
        e.consumer = a.id;
        e.next = 0;
        e.holds_ref = 0;
        // The slot still holds the producer: only this thread reuses slots,
        // and it allocated none since the pass above. Reclaimed meanwhile, it
        // has no references left to take and is done.
        TaskSlot& p = v_.slot(pid);
        if (hold) {
            if (!take_owner_ref(p, pid)) {
                c.dep_count = static_cast<uint32_t>(dep_head_[ring] - c.dep_begin);
                return !memory_gone(pid, "a tensor argument");
            }
            e.holds_ref = 1;
        }
        if (producer_done(p)) continue;
        if (push_fanout(p, c, e, task_id_of(ring, index % rs.dep_pool) + 1)) ++linked_;
    }
    c.dep_count = static_cast<uint32_t>(dep_head_[ring] - c.dep_begin);
    return true;
}
