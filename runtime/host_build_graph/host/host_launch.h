// One launch of a frozen graph, host side: its launch block (laid out here,
// shared with the device during the run) and what the host reads from it
// afterwards. Holds the graph, so a launch that outlives its handle (an
// abandoned worker on the simulator) keeps the graph's image and device
// memory until it is released.
#pragma once

#include <memory>
#include <vector>

#include "frozen_graph.h"
#include "launch_block.h"
#include "runtime_host_interface.h"

class HostLaunch final : public RuntimeLaunch {
public:
    HostLaunch(std::shared_ptr<FrozenGraph> graph, DeviceBlock block);
    ~HostLaunch() override;

    int kernel_count() const override;
    int32_t kernel_func_id(int slot) const override;
    int first_task_of_kernel(int slot) const override;
    void set_kernel_entry(int slot, uint64_t entry) override;
    int set_kernel_core_type(int slot, int core_type, char* message,
                             size_t message_size) override;
    uint64_t kernel_table() const override { return block_.device + view_.block->kernels_offset; }
    void hold(std::shared_ptr<const void> keep_alive) override;
    const DeviceBlock& block() const override { return block_; }
    void* entry_argument() const override { return reinterpret_cast<void*>(block_.device); }
    int worker_count() const override { return view_.block->worker_count; }
    void abort(int status) override;
    void stop_workers() override;
    int completed_tasks() const override;
    int task_count() const override { return static_cast<int>(view_.block->task_count); }
    int status() const override;
    double stalled_seconds() const override;
    void report_stall(FILE* out, KernelNameLookup names) const override;
    int report_busy(FILE* out, KernelNameLookup names) const;
    int report_silent(FILE* out) const;
    int report_waiting(FILE* out, KernelNameLookup names,
                       const std::vector<TaskRecordView>& records) const;
    void report_diagnosis(FILE* out, int busy, int silent, int waiting, int ready) const;
    bool find_fault(KernelFaultRecord* record) const override;
    int running_tasks(RunningTask* out, int capacity) const override;

    // The host's view of the block, with the graph's host view.
    const LaunchView& view() const { return view_; }
    const FrozenGraph& graph() const { return *graph_; }
    // One task's record (state, worker, times), as of now.
    TaskRecordView record(uint32_t task) const;

private:
    std::shared_ptr<FrozenGraph> graph_;
    DeviceBlock block_;
    LaunchView view_;
    std::vector<std::shared_ptr<const void>> held_;
};

int create_host_launch(const std::shared_ptr<FrozenGraph>& graph,
                       const RuntimeLaunchSettings& settings, std::shared_ptr<RuntimeLaunch>* out,
                       char* message, size_t message_size);
