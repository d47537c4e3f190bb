// Checks scheduler threads and block_dim against the platform limits and
// each other (CONTRACT.md section 5); the same rules on every platform.
#pragma once

#include <cstddef>

int check_launch_config(int aicpu_thread_num, int block_dim, char* message, size_t message_size);
