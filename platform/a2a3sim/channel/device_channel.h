// One end of the control socket between the host library and a simulated
// device's process: whole messages (header + payload) with up to two file
// descriptors, over a SOCK_SEQPACKET socket. Sending is safe from several
// threads at once; receiving belongs to one thread per end.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "sim_device_protocol.h"

struct ReceivedMessage {
    DeviceMessageHeader header{};
    std::vector<uint8_t> payload;
    int fds[kDeviceMessageMaxFds] = {-1, -1};
    int fd_count = 0;

    template <typename T>
    bool payload_as(T* out) const {
        if (payload.size() < sizeof(T)) return false;
        __builtin_memcpy(static_cast<void*>(out), payload.data(), sizeof(T));
        return true;
    }
    void close_fds();
};

// Sends one message; 0, or -errno.
int channel_send(int socket, uint32_t type, uint64_t id, const void* payload, size_t bytes,
                 const int* fds = nullptr, int fd_count = 0);
// The same, waiting at most `timeout_ms` for the other side to make room
// (a peer that stopped reading): -ETIMEDOUT then.
int channel_send_within(int socket, uint32_t type, uint64_t id, const void* payload, size_t bytes,
                        const int* fds, int fd_count, int timeout_ms);

template <typename T>
int channel_send(int socket, uint32_t type, uint64_t id, const T& payload, const int* fds = nullptr,
                 int fd_count = 0) {
    return channel_send(socket, type, id, &payload, sizeof payload, fds, fd_count);
}

// Receives one message: 1, 0 at end of stream (the other side is gone), or
// -errno.
int channel_receive(int socket, ReceivedMessage* out);

// A memory file holding `bytes` (for objects sent to the device); -errno on
// failure.
int memory_file_with(const char* name, const uint8_t* bytes, size_t size);
