#include "device_channel.h"

#include <poll.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

void ReceivedMessage::close_fds() {
    for (int i = 0; i < fd_count; ++i) {
        if (fds[i] >= 0) close(fds[i]);
        fds[i] = -1;
    }
    fd_count = 0;
}

namespace {

// Sends one message: blocking when timeout_ms < 0, else waiting at most
// that long for room.
int send_message(int socket, uint32_t type, uint64_t id, const void* payload, size_t bytes,
                 const int* fds, int fd_count, int timeout_ms) {
    if (bytes + sizeof(DeviceMessageHeader) > kDeviceMessageMax || fd_count > kDeviceMessageMaxFds)
        return -EMSGSIZE;
    DeviceMessageHeader header{type, static_cast<uint32_t>(bytes), id};
    iovec parts[2] = {{&header, sizeof header}, {const_cast<void*>(payload), bytes}};
    msghdr msg{};
    msg.msg_iov = parts;
    msg.msg_iovlen = bytes > 0 ? 2 : 1;
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int) * kDeviceMessageMaxFds)] = {};
    if (fd_count > 0) {
        msg.msg_control = control;
        msg.msg_controllen = CMSG_SPACE(sizeof(int) * fd_count);
        cmsghdr* c = CMSG_FIRSTHDR(&msg);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(sizeof(int) * fd_count);
        std::memcpy(CMSG_DATA(c), fds, sizeof(int) * fd_count);
    }
    const int flags = MSG_NOSIGNAL | (timeout_ms >= 0 ? MSG_DONTWAIT : 0);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    for (;;) {
        ssize_t n = sendmsg(socket, &msg, flags);
        if (n >= 0) return 0;
        if (errno == EINTR) continue;
        if (timeout_ms < 0 || (errno != EAGAIN && errno != EWOULDBLOCK)) return -errno;
        // Sample the time left, then wait for room at most that long.
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) return -ETIMEDOUT;
        pollfd room{socket, POLLOUT, 0};
        if (poll(&room, 1, static_cast<int>(left.count()) + 1) < 0 && errno != EINTR) return -errno;
    }
}

}  // namespace

int channel_send(int socket, uint32_t type, uint64_t id, const void* payload, size_t bytes,
                 const int* fds, int fd_count) {
    return send_message(socket, type, id, payload, bytes, fds, fd_count, -1);
}

int channel_send_within(int socket, uint32_t type, uint64_t id, const void* payload, size_t bytes,
                        const int* fds, int fd_count, int timeout_ms) {
    return send_message(socket, type, id, payload, bytes, fds, fd_count,
                        timeout_ms < 0 ? 0 : timeout_ms);
}

int channel_receive(int socket, ReceivedMessage* out) {
    uint8_t buffer[kDeviceMessageMax];
    iovec part{buffer, sizeof buffer};
    msghdr msg{};
    msg.msg_iov = &part;
    msg.msg_iovlen = 1;
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int) * kDeviceMessageMaxFds)] = {};
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    ssize_t n;
    do {
        n = recvmsg(socket, &msg, MSG_CMSG_CLOEXEC);
    } while (n < 0 && errno == EINTR);
    if (n < 0) return -errno;
    if (n == 0) return 0;
    *out = ReceivedMessage{};
    for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
        if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
        int count = static_cast<int>((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));
        for (int i = 0; i < count; ++i) {
            int fd;
            std::memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof fd);
            if (out->fd_count < kDeviceMessageMaxFds) {
                out->fds[out->fd_count++] = fd;
            } else {
                close(fd);
            }
        }
    }
    if (static_cast<size_t>(n) < sizeof(DeviceMessageHeader)) {
        out->close_fds();
        return -EPROTO;
    }
    std::memcpy(&out->header, buffer, sizeof out->header);
    size_t payload = static_cast<size_t>(n) - sizeof(DeviceMessageHeader);
    if (payload != out->header.bytes) {
        out->close_fds();
        return -EPROTO;
    }
    out->payload.assign(buffer + sizeof(DeviceMessageHeader), buffer + n);
    return 1;
}

int memory_file_with(const char* name, const uint8_t* bytes, size_t size) {
    int fd = memfd_create(name, MFD_CLOEXEC);
    if (fd < 0) return -errno;
    size_t written = 0;
    while (written < size) {
        ssize_t n = write(fd, bytes + written, size - written);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            int error = n < 0 ? errno : EIO;
            close(fd);
            return -error;
        }
        written += static_cast<size_t>(n);
    }
    return fd;
}
