// The block checker (pto-run --check-blocks, PTO2_CHECK_BLOCKS=1): a task of
// several blocks runs one block at a time, one task at a time; before each
// block the bytes of the tensors the task may write (its OUTPUT and INOUT
// arguments) are copied aside, and after it every byte that changed is
// owned by that block. A byte a second block of the same task changes too
// is a race between the two: on the device they run at once and the result
// depends on timing. Races are recorded (BlockRace, coalesced into ranges)
// and the host fails the launch naming them.
//
// Not checked, each said once on the device log: sync-start tasks (their
// blocks must run together) and tasks whose written bytes exceed the
// checker's budget (PTO2_CHECK_BLOCKS_BYTES). A block that writes a byte
// with the value it already held changes nothing and is not seen.
//
// The task under check is BlockCheckState::task. The thread that claims it
// lays out the spans; the snapshot before a block and the comparison after
// it run on the thread that dispatched the block (its cores' completions
// are its own), and the task moves between threads through its ready
// queue, whose push and pop order these steps.
#pragma once

#include <atomic>
#include <cstdint>
#include <cstring>

#include "device_log.h"
#include "ring_layout.h"
#include "task_lifecycle.h"
#include "tensor.h"

class BlockChecker {
public:
    enum class Turn { kFree, kOneBlock, kWait };
    // check_units_left of a task the checker let go unchecked.
    static constexpr int32_t kUnchecked = -2;
    static constexpr const char* kSyncStartWhy = "its blocks start together (sync start)";

    explicit BlockChecker(const TmView& v) : v_(v), b_(v.block), st_(v.block->check) {}

    bool on() const { return b_->check_arena_bytes != 0; }

    // A task the checker lets run as usual, said on the device log (the
    // first eight of a launch) and counted.
    static void skip(const TmView& v, const TaskSlot& s, ClusterTask& ct, const char* why) {
        ct.check_units_left.store(kUnchecked, std::memory_order_relaxed);
        if (v.block->unchecked.fetch_add(1, std::memory_order_relaxed) < 8) {
            DEV_WARN("--check-blocks: task #%llu (func_id %d, %d blocks) is not checked: %s",
                     static_cast<unsigned long long>(s.seq), s.func_id, ct.block_num, why);
        }
    }

    // How the thread holding task `id` may hand out its blocks (sync-start
    // tasks never come here: the cohort takes them, cohort.h): as usual,
    // one block now (then it lets the task go without pushing it back), or
    // not yet (another task is under check: it puts this one back).
    Turn turn(uint64_t id, const TaskSlot& s, ClusterTask& ct) {
        if (!on() || ct.block_num == 1 ||
            ct.check_units_left.load(std::memory_order_relaxed) == kUnchecked) {
            return Turn::kFree;
        }
        const uint64_t mine = id + 1;
        uint64_t current = st_.task.load(std::memory_order_acquire);
        if (current == mine) return Turn::kOneBlock;
        if (current != 0 ||
            !st_.task.compare_exchange_strong(current, mine, std::memory_order_acq_rel)) {
            return Turn::kWait;
        }
        if (!lay_out(s, ct)) {
            st_.task.store(0, std::memory_order_release);
            lifecycle::ring_schedulers(v_);
            return skip(s, ct, "its written tensors hold more bytes than PTO2_CHECK_BLOCKS_BYTES");
        }
        return Turn::kOneBlock;
    }

    // Right before the one block is dispatched: its kernels to wait for,
    // and the bytes as they are.
    void before_block(ClusterTask& ct) {
        ct.check_units_left.store(slot_count(ct.slot_mask), std::memory_order_relaxed);
        uint8_t* snapshot = v_.check_arena();
        for (uint32_t i = 0; i < st_.spans; ++i) {
            const BlockCheckState::Span& sp = st_.span[i];
            std::memcpy(snapshot + sp.at, reinterpret_cast<const void*>(sp.addr), sp.bytes);
        }
    }

    // A kernel of a block finished. After the block's last one: the bytes
    // it changed are compared and owned, and the task goes back on its
    // queue for its next block, or, after its last, the check moves on.
    void after_unit(const TaskSlot& s, ClusterTask& ct, int block, int queue, int self) {
        if (ct.check_units_left.load(std::memory_order_relaxed) <= 0) return;
        if (ct.check_units_left.fetch_sub(1, std::memory_order_relaxed) != 1) return;
        compare(s, ct, block);
        if (ct.next_block.load(std::memory_order_relaxed) < ct.block_num) {
            // Publishes the owners and next_block; pairs with the next pop.
            lifecycle::push_ready(v_, s, queue);
            lifecycle::wake_idle_scheduler(v_, queue, self);
            return;
        }
        st_.task.store(0, std::memory_order_release);
        lifecycle::ring_schedulers(v_);  // tasks that waited for their turn
    }

private:
    Turn skip(const TaskSlot& s, ClusterTask& ct, const char* why) {
        skip(v_, s, ct, why);
        return Turn::kFree;
    }

    // The written tensors' byte spans, placed in the snapshot, their owner
    // map cleared. False when they do not fit the arena.
    bool lay_out(const TaskSlot& s, const ClusterTask& ct) {
        const auto* words = reinterpret_cast<const uint64_t*>(s.args);
        uint64_t at = 0;
        uint32_t n = 0;
        for (int i = 0; i < ct.tensor_count; ++i) {
            if ((ct.written_mask & (1u << i)) == 0) continue;
            const auto* t = reinterpret_cast<const ChipTensor*>(words[i]);
            const uint64_t es = get_element_size(t->dtype);
            uint64_t last = 0;  // the view's last element, from its first
            for (uint32_t d = 0; d < t->ndims; ++d) last += (t->shapes[d] - 1) * t->strides[d];
            const uint64_t addr = t->buffer.addr + t->start_offset * es;
            const uint64_t bytes = (last + 1) * es;
            // The same view passed twice is watched once.
            bool seen = false;
            for (uint32_t k = 0; k < n && !seen; ++k) seen = st_.span[k].addr == addr && st_.span[k].bytes == bytes;
            if (seen) continue;
            BlockCheckState::Span& sp = st_.span[n++];
            sp.addr = addr;
            sp.bytes = bytes;
            sp.at = at;
            sp.tensor = i;
            sp.elem_size = static_cast<int32_t>(es);
            at += (sp.bytes + 7) / 8 * 8;
        }
        st_.spans = n;
        st_.total = at;
        if (at * 3 > b_->check_arena_bytes) return false;
        std::memset(owners(), 0, at * sizeof(uint16_t));
        return true;
    }

    uint16_t* owners() const {
        return reinterpret_cast<uint16_t*>(v_.check_arena() + st_.total);
    }

    void compare(const TaskSlot& s, const ClusterTask& ct, int block) {
        const uint8_t* snapshot = v_.check_arena();
        uint16_t* owner = owners();
        const uint16_t me = static_cast<uint16_t>(block + 1);
        for (uint32_t i = 0; i < st_.spans; ++i) {
            const BlockCheckState::Span& sp = st_.span[i];
            const auto* now = reinterpret_cast<const uint8_t*>(sp.addr);
            for (uint64_t k = 0; k < sp.bytes; ++k) {
                if (now[k] == snapshot[sp.at + k]) continue;
                uint16_t& o = owner[sp.at + k];
                if (o == 0) {
                    o = me;
                } else if (o != me) {
                    note(s, ct, o - 1, block, sp, sp.addr + k);
                }
            }
        }
        flush();
    }

    // Extends the open race when the byte continues it, else records it and
    // opens a new one.
    void note(const TaskSlot& s, const ClusterTask& ct, int a, int b,
              const BlockCheckState::Span& sp, uint64_t addr) {
        if (open_.end == addr && open_.block_a == a && open_.block_b == b &&
            open_.tensor == sp.tensor && open_.seq == static_cast<int32_t>(s.seq)) {
            ++open_.end;
            return;
        }
        flush();
        open_ = BlockRace{static_cast<int32_t>(s.seq),
                          a,
                          b,
                          sp.tensor,
                          sp.elem_size,
                          {ct.func_ids[0], ct.func_ids[1], ct.func_ids[2]},
                          addr,
                          addr + 1,
                          sp.addr};
    }

    void flush() {
        if (open_.end == 0) return;
        const uint32_t i = b_->races_seen.fetch_add(1, std::memory_order_relaxed);
        if (i < b_->race_capacity) v_.races()[i] = open_;
        open_ = BlockRace{};
    }

    const TmView& v_;
    TmLaunchBlock* b_;
    BlockCheckState& st_;
    BlockRace open_{};
};
