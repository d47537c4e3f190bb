// What a device process started, found after it ended: every process the
// device's code starts inherits a token in its environment (set when the
// host spawns the device), so one that left the device's process group
// (setsid) is still found, by scanning /proc, and killed. (A process that
// clears its environment as well is out of reach.)
#pragma once

#include <string>
#include <vector>

// A fresh token, and the device program's environment: this process's
// plus PTO_SIM_DEVICE_TOKEN=<token>.
std::string device_descendants_token();
std::vector<std::string> device_environment(const std::string& token);

// Kills (SIGKILL) every process whose environment carries `token`; returns
// how many.
int device_descendants_kill(const std::string& token);
