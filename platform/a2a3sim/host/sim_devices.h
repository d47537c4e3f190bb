// The simulated devices of this process, by device id: each created on
// first use and stopped (its process asked to quit) when the process exits.
// set_device chooses the device register_kernel loads kernels on first.
#pragma once

class SimulatedDevice;

SimulatedDevice& sim_device(int device_id);
// Calls `visit` on every device created so far.
void sim_devices_each(void (*visit)(SimulatedDevice& device, void* context), void* context);
void sim_set_current_device(int device_id);
int sim_current_device();
