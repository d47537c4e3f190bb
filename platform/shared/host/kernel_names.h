// Names of kernels for diagnostics (pto_name_kernel), by func_id. A name
// handed out stays valid for the life of the process: renaming a func_id
// stores the new name beside the old one instead of overwriting it, so a
// report being written on another thread never reads freed memory.
#pragma once

int set_kernel_name(int func_id, const char* name);
const char* kernel_name(int func_id);

// The core type a func_id's kernel is built for (pto_set_kernel_core_type):
// 0 AIC, 1 AIV, -1 when never said (nothing is checked then).
int set_kernel_core_type(int func_id, int core_type);
int kernel_core_type(int func_id);
