// Kernels registered with the simulator, by func_id: a shared object whose
// `kernel_entry` the workers call, or raw .text entered at an offset. The
// host keeps each registration's bytes (a memory file) and loads it into a
// device process the first time a launch there needs it; register_kernel
// loads it on the current device at once (set_device), so a kernel that
// does not load is reported by the call that registered it.
//
// Registrations are shared: a launch holds the kernels it resolved, so
// replacing a func_id's kernel while a launch runs it unloads nothing until
// that launch has ended.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

int sim_register_kernel(int func_id, const uint8_t* bin, size_t size, char* message,
                        size_t message_size);
int sim_register_kernel_text(int func_id, const uint8_t* text, size_t size, uint64_t entry_offset,
                             char* message, size_t message_size);
// The entry address of func_id's kernel in device `device_id`'s process
// (loading it there if needed) and what keeps it loaded. 0;
// PTO_ERR_UNREGISTERED_KERNEL when none is registered; or the failure.
// The func_ids registered now, ascending.
std::vector<int32_t> sim_registered_func_ids();
int sim_kernel_entry(int device_id, int func_id, uint64_t* entry,
                     std::shared_ptr<const void>* keep_alive, char* message, size_t message_size);
