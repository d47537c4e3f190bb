// Names the user code that ended the process: an orchestration that calls
// exit() while init_runtime runs it would otherwise end the program with its
// status and no word. While a scope is open, exit() prints one line naming
// the orchestration and the status to stderr (the status is kept).
#pragma once

class OrchestrationExitWatch {
public:
    // `what`: e.g. "orchestration /path/orchestration.cpp"; copied.
    explicit OrchestrationExitWatch(const char* what);
    ~OrchestrationExitWatch();
    OrchestrationExitWatch(const OrchestrationExitWatch&) = delete;
    OrchestrationExitWatch& operator=(const OrchestrationExitWatch&) = delete;

private:
    bool outermost_;
};
