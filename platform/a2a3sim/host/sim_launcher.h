// Runs one launch on the simulator: AICPU scheduler threads and AICore worker
// threads, all host threads, over the given Runtime.
#pragma once

#include <cstddef>

#include "launch_config.h"

int sim_launch(const LaunchRequest& request, char* message, size_t message_size);
