#include "device_service.h"

#include <dlfcn.h>
#include <poll.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <thread>

#include "device_launch.h"
#include "device_sync.h"
#include "pto_status.h"

namespace {

template <typename T>
void copy_text(T& field, const std::string& text) {
    std::snprintf(field, sizeof field, "%s", text.c_str());
}

}  // namespace

int DeviceService::serve() {
    for (;;) {
        // While launches run, wake now and then to answer for workers that
        // never leave their kernel.
        int wait_ms = launches_.sweep();
        pollfd control{socket_, POLLIN, 0};
        int ready = poll(&control, 1, wait_ms);
        if (ready < 0 && errno != EINTR) return 1;
        if (ready <= 0) continue;
        ReceivedMessage m;
        int rc = channel_receive(socket_, &m);
        if (rc <= 0) return rc == 0 ? 0 : 1;  // the host is gone
        note_request();
        switch (static_cast<DeviceRequest>(m.header.type)) {
            case DeviceRequest::kLoadRuntime:
                load_runtime(m);
                break;
            case DeviceRequest::kRegisterKernel:
                register_kernel(m);
                break;
            case DeviceRequest::kReleaseKernel: {
                DeviceReleaseKernel r{};
                if (!m.payload_as(&r)) {
                    ack(m.header.id, PTO_ERR_INVALID_ARGUMENT, "release kernel: short request");
                    break;
                }
                kernels_.release(r.handle);
                ack(m.header.id, 0, "");
                break;
            }
            case DeviceRequest::kProtect:
            case DeviceRequest::kReserveHostRange:
                change_ranges(m);
                break;
            case DeviceRequest::kLaunch:
                launch(m);
                break;
            case DeviceRequest::kDescribeAddress:
                describe(m);
                break;
            case DeviceRequest::kQuit:
                return 0;
            default:
                ack(m.header.id, PTO_ERR_INVALID_ARGUMENT,
                    "unknown request " + std::to_string(m.header.type));
                break;
        }
        m.close_fds();  // whatever a handler did not take
    }
}

// Every request gets an answer (the host waits for it, bounded): a
// protection the process could not apply reaches the host's caller.
void DeviceService::change_ranges(const ReceivedMessage& m) {
    DeviceRanges ranges{};
    size_t n = m.payload.size() < sizeof ranges ? m.payload.size() : sizeof ranges;
    std::memcpy(&ranges, m.payload.data(), n);
    if (n < 8 || ranges.bytes() > n) {
        ack(m.header.id, PTO_ERR_INVALID_ARGUMENT, "ranges: malformed request");
        return;
    }
    if (m.header.type == static_cast<uint32_t>(DeviceRequest::kProtect)) {
        std::string message;
        int status = memory_.protect(ranges, &message);
        ack(m.header.id, status, message);
    } else {
        memory_.reserve_host_ranges(ranges);
        ack(m.header.id, 0, "");
    }
}

void DeviceService::ack(uint64_t id, int status, const std::string& message) {
    DeviceAck a{};
    a.status = status;
    copy_text(a.message, message);
    channel_send(socket_, static_cast<uint32_t>(DeviceReply::kAck), id, a);
}

void DeviceService::load_runtime(ReceivedMessage& m) {
    DeviceLoadRuntime r{};
    if (!m.payload_as(&r) || m.fd_count != 2) {
        ack(m.header.id, PTO_ERR_INVALID_ARGUMENT, "load runtime: two objects expected");
        return;
    }
    std::string message;
    int rc = runtimes_.load(r.runtime_id, m.fds[0], m.fds[1], &message);
    m.fd_count = 0;  // taken
    ack(m.header.id, rc, message);
}

void DeviceService::register_kernel(ReceivedMessage& m) {
    DeviceRegisterKernel r{};
    DeviceKernelLoaded reply{};
    std::string message;
    if (!m.payload_as(&r) || m.fd_count != 1) {
        reply.status = PTO_ERR_INVALID_ARGUMENT;
        message = "register kernel: one object expected";
    } else {
        reply.status = kernels_.load(r, m.fds[0], &reply.entry, &message);
        m.fd_count = 0;  // taken
    }
    copy_text(reply.message, message);
    channel_send(socket_, static_cast<uint32_t>(DeviceReply::kKernelLoaded), m.header.id, reply);
}

void DeviceService::launch(ReceivedMessage& m) {
    DeviceLaunch request{};
    RuntimeEntryPoints entry{};
    DeviceLaunchDone refused{};
    if (!m.payload_as(&request)) {
        refused.status = PTO_ERR_INVALID_ARGUMENT;
        copy_text(refused.message, "launch: short request");
    } else if (!runtimes_.find(request.runtime_id, &entry)) {
        refused.status = PTO_ERR_INVALID_ARGUMENT;
        copy_text(refused.message, "launch: runtime objects not loaded");
    } else {
        const auto* table = reinterpret_cast<const uint64_t*>(request.kernel_table);
        for (uint32_t i = 0; i < request.kernel_count; ++i) {
            if (!kernels_.is_entry(table[i])) {
                refused.status = PTO_ERR_DEVICE_LOST;
                copy_text(refused.message,
                          "this launch's kernel entries belong to an earlier process of the "
                          "device (it was reset while the launch was being prepared); launch "
                          "again");
                break;
            }
        }
    }
    uint64_t id = m.header.id;
    if (refused.status != 0) {
        channel_send(socket_, static_cast<uint32_t>(DeviceReply::kLaunchDone), id, refused);
        return;
    }
    launches_.start(id, request, entry);
}

void DeviceService::describe(ReceivedMessage& m) {
    DeviceDescribeAddress q{};
    DeviceAddress a{};
    if (m.payload_as(&q)) {
        DeviceKernels::Place p = kernels_.place_of(q.address, q.kernel_entry);
        a.known = p.known;
        a.in_kernel_object = p.in_kernel;
        a.offset = p.offset;
        Dl_info at{};
        bool located = !p.text && dladdr(reinterpret_cast<void*>(q.address), &at) != 0 &&
                       at.dli_fbase != nullptr;
        if (p.text) {
            std::snprintf(a.object, sizeof a.object, "(.text of func_id %d)", p.func_id);
        } else if (p.func_id >= 0) {
            std::snprintf(a.object, sizeof a.object, "(shared object of func_id %d)", p.func_id);
        } else if (located) {
            const char* name = runtimes_.name_of(at.dli_fbase);
            std::snprintf(a.object, sizeof a.object, "%s",
                          name ? name : (at.dli_fname ? at.dli_fname : ""));
        }
        if (located && at.dli_sname != nullptr) {
            std::snprintf(a.symbol, sizeof a.symbol, "%s", at.dli_sname);
            a.symbol_offset = q.address - reinterpret_cast<uint64_t>(at.dli_saddr);
        }
    }
    channel_send(socket_, static_cast<uint32_t>(DeviceReply::kAddress), m.header.id, a);
}
