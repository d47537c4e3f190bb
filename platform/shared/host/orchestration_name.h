// The name diagnostics give an orchestration: its function, and the source
// file the caller named with pto_name_orchestration (per thread, for the
// init_runtime calls that follow on it).
#pragma once

#include <string>

// null or "" forgets the name.
void set_orchestration_source(const char* source);
// "build_example_graph (kernels/orchestration/example_orch.cpp)", or the
// function alone when this thread named no source.
std::string orchestration_display_name(const char* function);
