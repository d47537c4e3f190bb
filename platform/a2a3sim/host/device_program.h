// Where the simulated device's program is: PTO_SIM_DEVICE_PROGRAM, or
// pto_sim_device next to this host library (Make builds both into the same
// folder).
#pragma once

#include <cstddef>
#include <string>

// 0 and the path of an executable program, or PTO_ERR_DEVICE with the reason.
int sim_device_program(std::string* path, char* message, size_t message_size);
