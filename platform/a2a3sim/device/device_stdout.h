// The device process's stdout (what kernels print): line buffered, and
// ended with a newline when a launch ends in the middle of a line, so a
// kernel's printf without one never runs into the runner's next line.
#pragma once

// Replaces stdout with a line-buffered stream onto fd 1 that remembers the
// last byte written. Once, at start.
void device_stdout_install();
// Flushes stdout, and writes a newline if the last byte was not one.
void device_stdout_end_line();
// Code the device loaded may fclose(stdout): the stream is then made again.
// True when it had been closed.
bool device_stdout_reinstall_if_closed();
