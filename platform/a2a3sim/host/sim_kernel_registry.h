// Kernels registered with the simulator: each is a shared object whose
// `kernel_entry` is called by the workers. Registrations last until the
// library is unloaded, across any number of runs.
#pragma once

#include <cstddef>
#include <cstdint>

int sim_register_kernel(int func_id, const uint8_t* bin, size_t size, char* message,
                        size_t message_size);
// Registers a kernel the device's way: only its .text bytes, copied into
// executable memory and entered at `entry_offset`.
int sim_register_kernel_text(int func_id, const uint8_t* text, size_t size, uint64_t entry_offset,
                             char* message, size_t message_size);
// If `pc` lies in a kernel registered as .text: its func_id and offset.
bool sim_text_kernel_at(uint64_t pc, int* func_id, uint64_t* offset);
// Entry address of a registered kernel, 0 when none.
uint64_t sim_kernel_address(int func_id);
// Names a kernel for diagnostics (kept across re-registration).
int sim_name_kernel(int func_id, const char* name);
// The kernel's name, or nullptr.
const char* sim_kernel_name(int func_id);
// Keeps every loaded kernel mapped for the rest of the process, for when a
// worker thread may still be inside one.
void sim_pin_kernels();
