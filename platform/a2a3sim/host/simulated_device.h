// One simulated device, from the host's side: its device process (the
// pto_sim_device program), started the first time the device is used and
// kept between launches, and the control socket to it.
//
// A supervisor thread per process starts it (so that the process's
// parent-death signal follows that thread, which lives exactly as long as
// the process), then reads the process's answers, forwards what it writes
// to stderr (keeping its last lines), and notices at once when it ends
// (pidfd): every request waiting on it is then told the device was lost,
// with the signal or exit code and those last lines.
//
// A process that ended (or was reset: SIGKILL after a hung kernel) is
// replaced by a fresh one at the next use, and gets the runtime objects and
// kernels it needs from the host's copies, without the caller.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "device_arena.h"
#include "device_channel.h"
#include "device_images.h"
#include "event_count.h"
#include "sim_device_protocol.h"

using DeviceClock = std::chrono::steady_clock;

// How a device process ended.
struct DeviceDeath {
    pid_t pid = 0;
    std::string cause;                    // "killed by SIGABRT (Aborted)", "exited with code 3"
    std::vector<std::string> last_lines;  // its last lines on stderr
    std::string reset_reason;             // the host ended it, and why
    bool has_last_words = false;          // it said where it ended (DeviceLastWords)
    DeviceLastWords last_words{};
};

class SimulatedDevice final : public ProtectionSink {
public:
    explicit SimulatedDevice(int id) : id_(id) {}
    SimulatedDevice(const SimulatedDevice&) = delete;
    SimulatedDevice& operator=(const SimulatedDevice&) = delete;

    int id() const { return id_; }
    // Starts a device process unless one is up. One that ended since the
    // last use is reported on stderr (unless a launch reported it already)
    // and replaced. 0, or a PtoStatus with the reason.
    int ensure_running(char* message, size_t message_size);
    // The process that is up now, or 0.
    pid_t pid();

    // A request in flight, tied to the process it was sent to.
    struct Ticket {
        uint64_t id = 0;
        uint64_t generation = 0;
    };
    int send(DeviceRequest type, const void* payload, size_t bytes, const int* fds, int fd_count,
             Ticket* ticket, char* message, size_t message_size);
    enum class Outcome { kReplied, kTimedOut, kLost };
    // Waits for the answer until `deadline`; kLost (with how the process
    // ended) when it ended first.
    Outcome wait(const Ticket& ticket, DeviceClock::time_point deadline, ReceivedMessage* reply,
                 DeviceDeath* death);
    // Gives up on a ticket (its answer, if any, is dropped).
    void abandon(const Ticket& ticket);
    // send + wait, bounded: a process that does not answer `what` in time is
    // reset. 0, PTO_ERR_DEVICE_LOST (the process ended) or PTO_ERR_DEVICE.
    int call(DeviceRequest type, const void* payload, size_t bytes, const int* fds, int fd_count,
             const char* what, ReceivedMessage* reply, char* message, size_t message_size);
    // A request without an answer (kQuit); dropped when no process is up.
    void post(DeviceRequest type, const void* payload, size_t bytes);
    // A request answered by kAck, queued in order without blocking (callers
    // may hold locks of their own); a ticket with id 0 when no process is up.
    Ticket queue(DeviceRequest type, const void* payload, size_t bytes);
    // Sends what is queued (in order, by whichever waiter gets there first)
    // and waits, bounded, for `ticket`'s answer: 0; the device's status and
    // message; or PTO_ERR_DEVICE when it did not answer in time (it is reset).
    // A process that ended meanwhile is not an error: the next one starts
    // from the whole state.
    int await_ack(const Ticket& ticket, const char* what, char* message, size_t message_size);

    // Ends the process of `generation` (if it is still up) and waits until
    // it is gone; `why` goes into the report of requests it leaves unanswered.
    void reset(uint64_t generation, const std::string& why);

    // What the process up now has loaded: the runtime objects, loaded on
    // demand; a kernel's entry address there, loaded on demand.
    int ensure_runtime(const RuntimeImage& image, char* message, size_t message_size);
    int kernel_entry(const KernelImage& kernel, uint64_t* entry, char* message,
                     size_t message_size);
    // A kernel registration went away: the process up now releases its copy.
    void forget_kernel(uint64_t handle);

    ProtectionTicket queue_protection(const DeviceRanges& ranges) override;
    int await_protection(const ProtectionTicket& ticket, char* message,
                         size_t message_size) override;
    // Makes a host buffer's range inaccessible in the process up now.
    int reserve_host_range(uint64_t base, size_t size, char* message, size_t message_size);

    // At process exit: asks the process to quit and waits (bounded) until
    // it is gone, ending it if need be.
    void stop();
    // In a forked child: the process and threads belong to the parent; the
    // child closes its copies of the descriptors and forgets them.
    void forget_after_fork();

    // Text for a message: "the simulated device 0's process (pid 123)".
    static std::string describe_death(int device_id, const DeviceDeath& death);

private:
    struct Process;
    struct Pending {
        uint64_t generation = 0;
        bool done = false;
        bool lost = false;
        int send_error = 0;  // -errno: it could not be sent
        ReceivedMessage reply;
        DeviceDeath death;
    };
    // A queued request, sent by flush() in queue order.
    struct Outgoing {
        DeviceRequest type;
        std::vector<uint8_t> payload;
        Ticket ticket;
        std::shared_ptr<Process> process;
    };
    void flush();

    int start_process(std::shared_ptr<Process>* out, char* message, size_t message_size);
    int open_channels(Process& p, const DeviceArena& arena, char* message, size_t message_size);
    int await_ready(const std::shared_ptr<Process>& p, const std::string& program, char* message,
                    size_t message_size);
    void supervise(const std::shared_ptr<Process>& p, const std::string& program);
    int spawn(const Process& p, const std::string& program, pid_t* pid);
    bool serve(const std::shared_ptr<Process>& p);
    static std::string reap(const Process& p);
    void deliver(const std::shared_ptr<Process>& p, ReceivedMessage&& m);
    void ended(const std::shared_ptr<Process>& p, const std::string& cause);
    std::shared_ptr<Process> current_up();
    // Waits, with `lock` held on entry and exit but released while waiting,
    // until `done()` holds or `deadline` passes; returns done().
    template <typename Done>
    bool await_change(std::unique_lock<std::mutex>& lock, DeviceClock::time_point deadline, Done done);

    const int id_;
    std::mutex start_mutex_;  // one thread starts a process at a time
    std::mutex mutex_;        // everything below
    // Notified after every change to the state below that a thread waits
    // for (a reply, a process up or gone); the same event count the device's
    // schedulers and workers wait on.
    EventCount changed_;
    std::shared_ptr<Process> current_;
    uint64_t next_generation_ = 1;
    uint64_t next_request_ = 1;
    std::unordered_map<uint64_t, std::shared_ptr<Pending>> pending_;
    std::deque<Outgoing> outbox_;
    bool flushing_ = false;  // a thread is sending the outbox
    // What the current process loaded.
    std::unordered_set<uint64_t> runtimes_;
    std::unordered_map<uint64_t, uint64_t> kernels_;  // registration handle -> entry
};
