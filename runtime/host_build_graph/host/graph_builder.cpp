#include "graph_builder.h"

#include <cstdio>
#include <cstring>

#include "pto_status.h"

void GraphBuilder::vfail(int status, const char* fmt, va_list ap) {
    if (error_ != 0) return;
    error_ = status;
    char text[768];
    std::vsnprintf(text, sizeof text, fmt, ap);
    error_message_ = text;
}

void GraphBuilder::fail(int status, const char* fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vfail(status, fmt, ap);
    va_end(ap);
}

uint64_t* GraphBuilder::store_args(const uint64_t* args, int num_args) {
    auto n = static_cast<size_t>(num_args);
    if (n > arg_chunk_left_) {
        size_t words = n > kArgChunkWords ? n : kArgChunkWords;
        arg_chunks_.push_back(std::unique_ptr<uint64_t[]>(new uint64_t[words]));
        arg_next_ = arg_chunks_.back().get();
        arg_chunk_left_ = words;
    }
    uint64_t* stored = arg_next_;
    if (n > 0) std::memcpy(stored, args, n * sizeof(uint64_t));
    arg_next_ += n;
    arg_chunk_left_ -= n;
    arg_words_ += n;
    return stored;
}

int GraphBuilder::add_task(const uint64_t* args, int num_args, int func_id, CoreType core_type) {
    if (task_count_ >= limits_.max_tasks) {
        fail(PTO_ERR_LIMIT_EXCEEDED,
             "add_task: the graph already has %d tasks, the limit (func_id %d not "
             "added); " PTO_RAISE_LIMIT_HINT("--max-tasks"),
             limits_.max_tasks, func_id);
        return -1;
    }
    if (num_args < 0 || num_args > limits_.max_args) {
        fail(PTO_ERR_LIMIT_EXCEEDED,
             "add_task: %d arguments for func_id %d; a task takes 0..%d; " PTO_RAISE_LIMIT_HINT(
                 "--max-args"),
             num_args, func_id, limits_.max_args);
        return -1;
    }
    if (num_args > 0 && args == nullptr) {
        fail(PTO_ERR_INVALID_ARGUMENT,
             "add_task: func_id %d has %d arguments but the args pointer is null", func_id,
             num_args);
        return -1;
    }
    if (core_type != CoreType::AIC && core_type != CoreType::AIV) {
        fail(PTO_ERR_INVALID_ARGUMENT,
             "add_task: func_id %d has core type %d; use CoreType::AIC or CoreType::AIV", func_id,
             static_cast<int>(core_type));
        return -1;
    }
    if (func_id < 0) {
        fail(PTO_ERR_INVALID_ARGUMENT, "add_task: func_id %d is negative", func_id);
        return -1;
    }
    if (arg_words_ + static_cast<uint64_t>(num_args) > UINT32_MAX) {
        fail(PTO_ERR_LIMIT_EXCEEDED,
             "add_task: the graph's tasks hold %llu argument words in all, the most one graph can "
             "(func_id %d not added)",
             static_cast<unsigned long long>(arg_words_), func_id);
        return -1;
    }
    int id = task_count_;
    if ((id & (kTaskChunk - 1)) == 0) {
        task_chunks_.push_back(std::unique_ptr<Task[]>(new Task[kTaskChunk]));
    }
    Task& t = task_chunks_.back()[id & (kTaskChunk - 1)];
    t.task_id = id;
    t.func_id = func_id;
    t.num_args = num_args;
    t.core_type = core_type;
    t.args = store_args(args, num_args);
    t.fanin = 0;
    t.fanout_count = 0;
    ++task_count_;
    return id;
}

Task* GraphBuilder::task(int id) {
    if (id < 0 || id >= task_count_) return nullptr;
    return &task_chunks_[static_cast<size_t>(id) >> kTaskChunkShift][id & (kTaskChunk - 1)];
}

const Task& GraphBuilder::task(int id) const {
    return task_chunks_[static_cast<size_t>(id) >> kTaskChunkShift][id & (kTaskChunk - 1)];
}

void GraphBuilder::add_successor(int from_task, int to_task) {
    if (task_count_ == 0) {
        fail(PTO_ERR_INVALID_GRAPH,
             "add_successor(%d, %d): the graph has no tasks yet; add tasks before their edges",
             from_task, to_task);
        return;
    }
    if (from_task < 0 || from_task >= task_count_ || to_task < 0 || to_task >= task_count_) {
        fail(PTO_ERR_INVALID_GRAPH,
             "add_successor(%d, %d): task ids must be in 0..%d (tasks added so far)", from_task,
             to_task, task_count_ - 1);
        return;
    }
    if (from_task == to_task) {
        fail(PTO_ERR_INVALID_GRAPH, "add_successor(%d, %d): a task cannot depend on itself",
             from_task, to_task);
        return;
    }
    Task& from = *task(from_task);
    if (from.fanout_count >= limits_.max_successors) {
        fail(PTO_ERR_LIMIT_EXCEEDED,
             "add_successor(%d, %d): task %d already has %d successors, the "
             "limit; " PTO_RAISE_LIMIT_HINT("--max-successors"),
             from_task, to_task, from_task, limits_.max_successors);
        return;
    }
    if (edge_from_.size() >= UINT32_MAX) {
        fail(PTO_ERR_LIMIT_EXCEEDED,
             "add_successor(%d, %d): the graph already has %zu edges, the most one graph can",
             from_task, to_task, edge_from_.size());
        return;
    }
    edge_from_.push_back(static_cast<uint32_t>(from_task));
    edge_to_.push_back(static_cast<uint32_t>(to_task));
    ++from.fanout_count;
    ++task(to_task)->fanin;
}

int GraphBuilder::set_limits(int max_tasks, int max_successors, int max_args) {
    char reason[160];
    if (graph_limits_invalid(max_tasks, max_successors, max_args, reason, sizeof reason)) {
        fail(PTO_ERR_INVALID_ARGUMENT, "set_graph_limits: %s", reason);
        return -1;
    }
    if (max_tasks < task_count_) {
        fail(PTO_ERR_INVALID_ARGUMENT,
             "set_graph_limits: %d tasks is below the %d tasks the graph already has", max_tasks,
             task_count_);
        return -1;
    }
    limits_ = GraphLimits{max_tasks, max_successors, max_args};
    return 0;
}
