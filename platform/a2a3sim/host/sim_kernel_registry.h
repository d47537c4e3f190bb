// Kernels registered with the simulator, by func_id: a shared object whose
// `kernel_entry` the workers call, or raw .text in executable memory.
// Registrations last until the library is unloaded. Each entry is shared:
// a launch holds the kernels it resolved, so replacing a func_id's kernel
// while a launch runs it unloads nothing until that launch has ended.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

int sim_register_kernel(int func_id, const uint8_t* bin, size_t size, char* message,
                        size_t message_size);
// Registers a kernel the device's way: only its .text bytes, copied into
// executable memory and entered at `entry_offset`.
int sim_register_kernel_text(int func_id, const uint8_t* text, size_t size, uint64_t entry_offset,
                             char* message, size_t message_size);
// Entry address of a registered kernel and what keeps it loaded; false when
// none is registered.
bool sim_kernel_entry(int func_id, uint64_t* entry, std::shared_ptr<const void>* keep_alive);
// If `pc` lies in a kernel registered as .text (now or by an earlier
// registration some launch still holds): its func_id and offset.
bool sim_text_kernel_at(uint64_t pc, int* func_id, uint64_t* offset);
