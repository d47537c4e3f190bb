// The task graph while the orchestration builds it: tasks in chunks (a Task*
// never moves), arguments in an arena, edges in insertion order. Every call
// checks its input and the limits; the first failure is kept with a message
// naming the call, the values and how to fix it.
#pragma once

#include <cstdarg>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "graph_limits.h"
#include "runtime.h"

class GraphBuilder {
public:
    explicit GraphBuilder(const GraphLimits& limits) : limits_(limits) {}

    // The Runtime API's calls; failures are recorded (see error()).
    int add_task(const uint64_t* args, int num_args, int func_id, CoreType core_type);
    void add_successor(int from_task, int to_task);
    Task* task(int id);
    const Task& task(int id) const;
    int task_count() const { return task_count_; }
    int set_limits(int max_tasks, int max_successors, int max_args);
    const GraphLimits& limits() const { return limits_; }

    size_t edge_count() const { return edge_from_.size(); }
    uint32_t edge_from(size_t e) const { return edge_from_[e]; }
    uint32_t edge_to(size_t e) const { return edge_to_[e]; }
    uint64_t arg_words() const { return arg_words_; }

    // Keeps the first failure only: later ones are usually its consequences.
    void fail(int status, const char* fmt, ...) __attribute__((format(printf, 3, 4)));
    void vfail(int status, const char* fmt, va_list ap);
    int error() const { return error_; }
    const std::string& error_message() const { return error_message_; }

private:
    static constexpr int kTaskChunkShift = 12;  // 4096 tasks per chunk
    static constexpr int kTaskChunk = 1 << kTaskChunkShift;
    static constexpr size_t kArgChunkWords = 1 << 16;

    uint64_t* store_args(const uint64_t* args, int num_args);

    GraphLimits limits_;
    int task_count_ = 0;
    std::vector<std::unique_ptr<Task[]>> task_chunks_;
    std::vector<std::unique_ptr<uint64_t[]>> arg_chunks_;
    size_t arg_chunk_left_ = 0;
    uint64_t* arg_next_ = nullptr;
    uint64_t arg_words_ = 0;
    std::vector<uint32_t> edge_from_;
    std::vector<uint32_t> edge_to_;
    int error_ = 0;
    std::string error_message_;
};
