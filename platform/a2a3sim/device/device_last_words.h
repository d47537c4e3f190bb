// What a device process says before it ends on its own: a fatal signal
// outside any kernel's fault capture (the orchestration's code, the
// runtime's) or exit() called by code it loaded. One DeviceLastWords message
// on the control socket, then the signal's default action (or the exit)
// goes on: the process ends as it would have, and the host knows where.
#pragma once

// Installs the handlers; `control_fd` is where the message goes. Call once,
// before any launch (the AICore fault capture chains to these handlers for
// faults outside kernels).
void device_last_words_install(int control_fd);
// In a forked copy of this process: it says nothing (the device is the
// parent, alive).
void device_last_words_silence();
