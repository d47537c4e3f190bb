// What a scheduler prints when a run stops making progress: enough to tell a
// deadlocked graph from a hung kernel without a debugger.
#pragma once

class Runtime;

void report_stalled_run(Runtime* rt, double seconds_without_progress);
