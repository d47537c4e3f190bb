// One launch of tensormap_and_ringbuffer, host side: lays out its launch
// block (rings, queues, mailboxes, records, the orchestrator's map) from the
// ring sizes in force, and reads it afterwards (records, edges, stall and
// fault reports, the orchestration's fatal). Holds the handle's inputs, so
// a launch that outlives its handle keeps the memory its kernels use.
#pragma once

#include <memory>
#include <vector>

#include "ring_layout.h"
#include "ring_settings.h"
#include "runtime_host_interface.h"
#include "tm_session.h"

class TmLaunch final : public RuntimeLaunch {
public:
    TmLaunch(std::shared_ptr<TmInputs> inputs, DeviceBlock block, std::vector<int32_t> func_ids);
    ~TmLaunch() override;

    int kernel_count() const override { return static_cast<int>(func_ids_.size()); }
    int32_t kernel_func_id(int slot) const override { return func_ids_[static_cast<size_t>(slot)]; }
    int first_task_of_kernel(int) const override { return -1; }
    void set_kernel_entry(int slot, uint64_t entry) override;
    int set_kernel_core_type(int slot, int core_type, char* message,
                             size_t message_size) override;
    uint64_t kernel_table() const override;
    void hold(std::shared_ptr<const void> keep_alive) override;
    const DeviceBlock& block() const override { return block_; }
    void* entry_argument() const override { return reinterpret_cast<void*>(block_.device); }
    int worker_count() const override { return static_cast<int>(view_.block->worker_count); }
    void abort(int status) override;
    void stop_workers() override;
    int completed_tasks() const override;
    uint64_t progress_mark() const override;
    // The sizes this launch's rings have.
    PtoRingSizes ring_sizes() const;
    int task_count() const override;
    int status() const override;
    double stalled_seconds() const override;
    void report_stall(FILE* out, KernelNameLookup names) const override;
    bool find_fault(KernelFaultRecord* record) const override;
    int running_tasks(RunningTask* out, int capacity) const override;
    bool describe_failure(char* message, size_t message_size) const override;
    bool orchestration_state(OrchestrationState* out) const override;
    std::string orchestration_name() const override { return inputs_->orchestration_name; }

    // Recorded tasks and edges (the first PTO2_RECORD_TASKS submissions).
    int recorded_tasks() const;
    int recorded_edges() const;
    TaskRecordView record(int seq) const;
    int recorded_blocks() const;
    const TaskSlot* slot_of_seq(uint64_t seq) const;
    const ClusterTask* cluster_task_of(const TaskSlot& s) const;
    void report_cohort(FILE* out, KernelNameLookup names) const;
    bool describe_races(char* message, size_t message_size) const;
    BlockRecordView block_record(int i) const;
    const EdgeRecord& edge(int i) const { return view_.edges()[i]; }
    int submitted() const;
    int completed() const;
    // The orchestration's cost in this launch (zero until it has returned).
    void orchestration_stats(PtoOrchestrationStats* out) const;

private:
    int32_t func_id_of_seq(uint64_t seq) const;
    void report_waiting(FILE* out, KernelNameLookup names) const;

    std::shared_ptr<TmInputs> inputs_;
    DeviceBlock block_;
    TmView view_;
    std::vector<int32_t> func_ids_;
    std::vector<std::shared_ptr<const void>> held_;
};

int create_tm_launch(const std::shared_ptr<TmInputs>& inputs, const std::string& entry_name,
                     const PtoRingSizes& ring_request, const RuntimeLaunchSettings& settings,
                     std::shared_ptr<RuntimeLaunch>* out, char* message, size_t message_size);
