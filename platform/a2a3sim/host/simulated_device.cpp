#include "simulated_device.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <thread>

#include "device_descendants.h"
#include "device_program.h"
#include "host_buffers.h"
#include "pto_status.h"

extern char** environ;

namespace {

// Bounds of the waits on a device process. Generous: a sanitizer build
// starts and loads several times slower, and a loaded machine slower still.
constexpr auto kStartBound = std::chrono::seconds(30);
constexpr auto kRequestBound = std::chrono::seconds(30);
constexpr auto kGoneBound = std::chrono::seconds(10);
// How long a send may wait for a process that stopped reading its socket.
constexpr int kSendBoundMs = 10'000;
constexpr auto kQuitBound = std::chrono::seconds(3);
// A fresh process maps device memory at the host's address; its own
// (randomised) mappings rarely take that range, and a new try gets a new
// layout.
constexpr int kStartAttempts = 4;
constexpr size_t kKeptLines = 20;
constexpr size_t kLongestKeptLine = 240;

int pidfd_open(pid_t pid) {
#ifdef SYS_pidfd_open
    return static_cast<int>(syscall(SYS_pidfd_open, pid, 0));
#else
    errno = ENOSYS;
    return -1;
#endif
}

int pidfd_kill(int pidfd, pid_t pid) {
#ifdef SYS_pidfd_send_signal
    if (pidfd >= 0)
        return static_cast<int>(syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, nullptr, 0));
#endif
    return kill(pid, SIGKILL);
}

// A descriptor numbered 10 or above, close-on-exec: the device program's
// fixed descriptors (2, 3, 4) can then be filled in any order.
int high_fd(int fd) {
    if (fd < 0) return fd;
    int moved = fcntl(fd, F_DUPFD_CLOEXEC, 10);
    close(fd);
    return moved;
}

void close_fd(int* fd) {
    if (*fd >= 0) close(*fd);
    *fd = -1;
}

std::string signal_text(int sig) {
    const char* abbrev = sigabbrev_np(sig);
    const char* meaning = strsignal(sig);
    char text[96];
    std::snprintf(text, sizeof text, "SIG%s (%s)", abbrev ? abbrev : "?", meaning ? meaning : "?");
    return abbrev ? text : "signal " + std::to_string(sig);
}

void write_all(int fd, const char* data, size_t n) {
    while (n > 0) {
        ssize_t w = write(fd, data, n);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return;
        data += w;
        n -= static_cast<size_t>(w);
    }
}

// Whether process `pid` (a child of this one) has ended, without reaping it.
bool has_exited(pid_t pid) {
    if (pid <= 0) return false;
    siginfo_t info{};
    if (waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOHANG | WNOWAIT) != 0) {
        return errno == ECHILD;  // reaped already
    }
    return info.si_pid == pid;
}

// Waits (a second at most: it has nothing left to do) until a thread of
// this process has exited.
void wait_thread_gone(pid_t tid) {
    if (tid <= 0) return;
    auto until = std::chrono::steady_clock::now() + std::chrono::seconds(1);
    while (syscall(SYS_tgkill, getpid(), tid, 0) == 0 && std::chrono::steady_clock::now() < until) {
        std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
}

template <typename T>
std::string text_of(const T& field) {
    return std::string(field, strnlen(field, sizeof field));
}

}  // namespace

template <typename Done>
bool SimulatedDevice::await_change(std::unique_lock<std::mutex>& lock,
                                   DeviceClock::time_point deadline, Done done) {
    IdleBackoff backoff(WaiterRole::kHost);
    for (;;) {
        // Sampled with the lock held, before the check: a change made after
        // the check is made under the lock too, after this sample, so its
        // notify moves the count and the commit below returns.
        const WaitKey key = changed_.prepare_wait();
        if (done()) return true;
        const DeviceClock::time_point now = DeviceClock::now();
        if (now >= deadline) return false;
        const auto left = std::chrono::duration_cast<std::chrono::nanoseconds>(deadline - now);
        lock.unlock();
        pto_commit_wait(&changed_, key, &backoff, static_cast<uint64_t>(left.count()) + 1);
        lock.lock();
    }
}

struct SimulatedDevice::Process {
    uint64_t generation = 0;
    std::string token = device_descendants_token();  // in its descendants' environment
    pid_t pid = 0;
    int pidfd = -1;
    int socket = -1;         // the host's end
    int device_socket = -1;  // the device's end, until spawned
    int memory_fd = -1;      // device memory, for the device, until spawned
    int err_read = -1;       // the device's stderr
    int err_write = -1;      // its write end, until spawned
    // Guarded by the device's mutex.
    bool got_ready = false;
    DeviceReady ready{};
    bool up = false;  // ready, and serving
    bool alive = true;
    bool death_reported = false;
    std::string reset_reason;
    DeviceDeath death;
    // The supervisor's own.
    std::deque<std::string> lines;
    std::string partial;
    std::atomic<pid_t> supervisor_tid{0};

    ~Process() {
        close_fd(&pidfd);
        close_fd(&socket);
        close_fd(&device_socket);
        close_fd(&memory_fd);
        close_fd(&err_read);
        close_fd(&err_write);
    }

    // Keeps the last lines the device wrote to stderr.
    void keep(const char* data, size_t n) {
        for (size_t i = 0; i < n; ++i) {
            if (data[i] == '\n') {
                lines.push_back(partial);
                partial.clear();
                if (lines.size() > kKeptLines) lines.pop_front();
            } else if (partial.size() < kLongestKeptLine) {
                partial.push_back(data[i]);
            }
        }
    }
};

std::string SimulatedDevice::describe_death(int device_id, const DeviceDeath& death) {
    char text[512];
    if (!death.reset_reason.empty()) {
        std::snprintf(text, sizeof text,
                      "the simulated device %d's process (pid %d) was ended by the host: %s",
                      device_id, static_cast<int>(death.pid), death.reset_reason.c_str());
    } else {
        std::snprintf(text, sizeof text, "the simulated device %d's process (pid %d) %s", device_id,
                      static_cast<int>(death.pid), death.cause.c_str());
    }
    return text;
}

pid_t SimulatedDevice::pid() {
    std::lock_guard<std::mutex> lock(mutex_);
    return current_ && current_->up ? current_->pid : 0;
}

std::shared_ptr<SimulatedDevice::Process> SimulatedDevice::current_up() {
    std::lock_guard<std::mutex> lock(mutex_);
    return current_ && current_->up ? current_ : nullptr;
}

int SimulatedDevice::ensure_running(char* message, size_t message_size) {
    std::lock_guard<std::mutex> start(start_mutex_);
    std::shared_ptr<Process> old;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        old = current_;
    }
    // A process that ended a moment ago may not have been seen by its
    // supervisor yet: asked directly (without reaping it), it is not taken
    // for one that is up.
    if (old && !has_exited(old->pid)) {
        std::lock_guard<std::mutex> lock(mutex_);
        if (old->up && old->alive) return 0;
    }
    if (old) {
        bool reported;
        DeviceDeath death;
        {
            std::unique_lock<std::mutex> lock(mutex_);
            await_change(lock, DeviceClock::now() + kGoneBound, [&] { return !old->alive; });
            reported = old->death_reported;
            death = old->death;
        }
        // Its supervisor's last act was marking it ended; once the thread is
        // gone too, the next supervisor reuses its stack.
        wait_thread_gone(old->supervisor_tid.load());
        if (!reported && !death.cause.empty()) {
            std::string note = "pto: " + describe_death(id_, death) + " between launches";
            for (const std::string& line : death.last_lines) note += "\n    " + line;
            std::fprintf(stderr, "%s\n  a fresh device process takes its place\n", note.c_str());
        }
        std::lock_guard<std::mutex> lock(mutex_);
        current_.reset();
    }
    int rc = PTO_ERR_DEVICE;
    for (int attempt = 1; attempt <= kStartAttempts; ++attempt) {
        std::shared_ptr<Process> p;
        rc = start_process(&p, message, message_size);
        if (rc == 0) break;
        if (p) {
            reset(p->generation, "it could not serve");
            std::lock_guard<std::mutex> lock(mutex_);
            if (current_ == p) current_.reset();
        }
        if (rc != -EEXIST) break;
    }
    if (rc == -EEXIST) rc = PTO_ERR_DEVICE;
    if (rc != 0) return rc;

    // Device memory as it is now, then every change; host buffers named so
    // far are reserved in the new process.
    char why[256];
    DeviceArena* arena = DeviceArena::get(why, sizeof why);
    arena->unsubscribe(this);
    if ((rc = arena->subscribe(this, message, message_size)) != 0) return rc;
    struct Reserving {
        SimulatedDevice* device;
        int rc;
        char* message;
        size_t message_size;
    } reserving{this, 0, message, message_size};
    host_buffers_each(
        [](const HostBuffer& b, void* state) {
            auto* r = static_cast<Reserving*>(state);
            if (r->rc != 0) return;
            r->rc = r->device->reserve_host_range(b.base, b.size, r->message, r->message_size);
        },
        &reserving);
    return reserving.rc;
}

// Starts one process and waits until it is ready. 0; -EEXIST when it could
// not map device memory at the host's address (worth another try); or a
// PtoStatus. `out` is the process, when one was started.
int SimulatedDevice::start_process(std::shared_ptr<Process>* out, char* message,
                                   size_t message_size) {
    DeviceArena* arena = DeviceArena::get(message, message_size);
    if (arena == nullptr) return PTO_ERR_OUT_OF_MEMORY;
    std::string program;
    int rc = sim_device_program(&program, message, message_size);
    if (rc != 0) return rc;

    auto p = std::make_shared<Process>();
    if ((rc = open_channels(*p, *arena, message, message_size)) != 0) return rc;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        p->generation = next_generation_++;
        current_ = p;
        runtimes_.clear();
        kernels_.clear();
    }
    *out = p;
    try {
        // Detached: it ends by itself once the process is gone (its last act,
        // under the mutex, is marking the process ended), and nobody needs
        // to wait for it beyond that.
        std::thread(&SimulatedDevice::supervise, this, p, program).detach();
    } catch (const std::system_error& e) {
        std::lock_guard<std::mutex> lock(mutex_);
        p->alive = false;
        p->death_reported = true;
        std::snprintf(message, message_size, "device %d: cannot start its supervisor thread: %s",
                      id_, e.what());
        return PTO_ERR_DEVICE;
    }
    return await_ready(p, program, message, message_size);
}

// The control socket, the stderr pipe and device memory for a new process.
int SimulatedDevice::open_channels(Process& p, const DeviceArena& arena, char* message,
                                   size_t message_size) {
    int sv[2];
    int pipe_fds[2];
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0) {
        std::snprintf(message, message_size, "device %d: socketpair failed: %s", id_,
                      std::strerror(errno));
        return PTO_ERR_DEVICE;
    }
    p.socket = sv[0];
    p.device_socket = high_fd(sv[1]);
    if (pipe2(pipe_fds, O_CLOEXEC) != 0) {
        std::snprintf(message, message_size, "device %d: pipe failed: %s", id_,
                      std::strerror(errno));
        return PTO_ERR_DEVICE;
    }
    p.err_read = pipe_fds[0];
    p.err_write = high_fd(pipe_fds[1]);
    p.memory_fd = fcntl(arena.fd(), F_DUPFD_CLOEXEC, 10);
    if (p.device_socket < 0 || p.err_write < 0 || p.memory_fd < 0) {
        std::snprintf(message, message_size, "device %d: out of file descriptors: %s", id_,
                      std::strerror(errno));
        return PTO_ERR_DEVICE;
    }
    return 0;
}

// Waits (bounded) until the new process says it is ready, and checks what
// it says. 0, -EEXIST (it could not map device memory at the host's
// address: worth another try) or a PtoStatus.
int SimulatedDevice::await_ready(const std::shared_ptr<Process>& p, const std::string& program,
                                 char* message, size_t message_size) {
    std::unique_lock<std::mutex> lock(mutex_);
    bool settled =
        await_change(lock, DeviceClock::now() + kStartBound, [&] { return p->got_ready || !p->alive; });
    if (p->got_ready && p->ready.status == 0 && p->alive) {
        if (p->ready.protocol_version != kDeviceProtocolVersion) {
            p->death_reported = true;
            std::snprintf(message, message_size,
                          "the simulated device program %s speaks protocol %u, this library %u: "
                          "rebuild both with make",
                          program.c_str(), p->ready.protocol_version, kDeviceProtocolVersion);
            return PTO_ERR_DEVICE;
        }
        p->up = true;
        return 0;
    }
    p->death_reported = true;
    if (p->got_ready) {
        std::snprintf(message, message_size, "simulated device %d: %s", id_,
                      text_of(p->ready.message).c_str());
        return p->ready.error == EEXIST ? -EEXIST : PTO_ERR_DEVICE;
    }
    if (!settled) {
        std::snprintf(message, message_size,
                      "the simulated device %d's process (pid %d, %s) did not report ready within "
                      "%lld s",
                      id_, static_cast<int>(p->pid), program.c_str(),
                      static_cast<long long>(kStartBound.count()));
        return PTO_ERR_DEVICE;
    }
    std::string text = "could not start the simulated device: " + describe_death(id_, p->death);
    for (const std::string& line : p->death.last_lines) text += "\n    " + line;
    std::snprintf(message, message_size, "%s", text.c_str());
    return PTO_ERR_DEVICE;
}

// The supervisor thread of one process: it starts the process, forwards
// its stderr and delivers its answers while it lives, then says how it ended.
void SimulatedDevice::supervise(const std::shared_ptr<Process>& p, const std::string& program) {
    p->supervisor_tid.store(static_cast<pid_t>(syscall(SYS_gettid)));
    pid_t pid = 0;
    int rc = spawn(*p, program, &pid);
    close_fd(&p->device_socket);
    close_fd(&p->err_write);
    close_fd(&p->memory_fd);
    if (rc != 0) {
        ended(p, "could not be started (" + program + ": " + std::strerror(rc) + ")");
        return;
    }
    {
        std::lock_guard<std::mutex> lock(mutex_);
        p->pid = pid;
        p->pidfd = pidfd_open(pid);
    }
    bool socket_open = serve(p);
    // Whatever the device's code started (a kernel's fork, a command it
    // ran) ends with it: its process group, while the unreaped process
    // still holds the group's id.
    kill(-pid, SIGKILL);
    std::string cause = reap(*p);
    // And what left the group (setsid) but kept the token.
    device_descendants_kill(p->token);
    for (;;) {
        ReceivedMessage m;
        if (!socket_open || channel_receive(p->socket, &m) != 1) break;
        deliver(p, std::move(m));
    }
    // Everything the process wrote is in the pipe now; a child it left
    // behind (a sanitizer's symbolizer) may hold the pipe open, so nothing
    // is waited for beyond what is there.
    fcntl(p->err_read, F_SETFL, fcntl(p->err_read, F_GETFL) | O_NONBLOCK);
    char buffer[16384];
    for (;;) {
        ssize_t n = read(p->err_read, buffer, sizeof buffer);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        write_all(2, buffer, static_cast<size_t>(n));
        p->keep(buffer, static_cast<size_t>(n));
    }
    if (!p->partial.empty()) {
        p->lines.push_back(p->partial);
        if (p->lines.size() > kKeptLines) p->lines.pop_front();
        p->partial.clear();
    }
    ended(p, cause);
}

// Starts the device program from this thread (the process's parent-death
// signal is tied to the thread that started it, which lives until the
// process is gone). 0, or an errno.
int SimulatedDevice::spawn(const Process& p, const std::string& program, pid_t* pid) {
    posix_spawn_file_actions_t actions;
    posix_spawnattr_t attributes;
    posix_spawn_file_actions_init(&actions);
    posix_spawnattr_init(&attributes);
    posix_spawn_file_actions_adddup2(&actions, p.err_write, 2);
    posix_spawn_file_actions_adddup2(&actions, p.device_socket, kDeviceControlFd);
    posix_spawn_file_actions_adddup2(&actions, p.memory_fd, kDeviceMemoryFd);
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 34))
    posix_spawn_file_actions_addclosefrom_np(&actions, kDeviceMemoryFd + 1);
#endif
    // Default dispositions and nothing blocked, whatever the host's threads use.
    sigset_t none, all;
    sigemptyset(&none);
    sigfillset(&all);
    posix_spawnattr_setsigmask(&attributes, &none);
    posix_spawnattr_setsigdefault(&attributes, &all);
    // A process group of its own: what its kernels start is in it, and is
    // killed with it (supervise()).
    posix_spawnattr_setpgroup(&attributes, 0);
    posix_spawnattr_setflags(&attributes,
                             POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP);

    std::string device = std::to_string(id_);
    std::string host_pid = std::to_string(getpid());
    char address[32], bytes[32];
    DeviceArena* arena = DeviceArena::get(address, sizeof address);
    std::snprintf(address, sizeof address, "0x%llx",
                  static_cast<unsigned long long>(arena->base()));
    std::snprintf(bytes, sizeof bytes, "%llu", static_cast<unsigned long long>(arena->bytes()));
    const char* argv[] = {program.c_str(),  "--device", device.c_str(), "--host-pid",
                          host_pid.c_str(), "--memory", address,        bytes,
                          nullptr};
    // What the device starts inherits its token: found by it after the
    // device ends, even outside its process group (device_descendants.h).
    std::vector<std::string> env = device_environment(p.token);
    std::vector<char*> envp;
    for (std::string& e : env) envp.push_back(&e[0]);
    envp.push_back(nullptr);
    int rc = posix_spawn(pid, program.c_str(), &actions, &attributes, const_cast<char**>(argv),
                         envp.data());
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attributes);
    return rc;
}

// While the process lives: its stderr forwarded (and kept for reports), its
// answers delivered. Returns whether its socket is still open.
bool SimulatedDevice::serve(const std::shared_ptr<Process>& p) {
    bool socket_open = true;
    bool pipe_open = true;
    char buffer[16384];
    auto forward = [&](bool* open) {
        ssize_t n = read(p->err_read, buffer, sizeof buffer);
        if (n < 0 && (errno == EINTR || errno == EAGAIN)) return;
        if (n <= 0) {
            *open = false;
            return;
        }
        write_all(2, buffer, static_cast<size_t>(n));
        p->keep(buffer, static_cast<size_t>(n));
    };
    for (;;) {
        pollfd fds[3];
        int count = 0, err_at = -1, socket_at = -1, pid_at = -1;
        if (pipe_open) fds[err_at = count++] = pollfd{p->err_read, POLLIN, 0};
        if (socket_open) fds[socket_at = count++] = pollfd{p->socket, POLLIN, 0};
        if (p->pidfd >= 0) fds[pid_at = count++] = pollfd{p->pidfd, POLLIN, 0};
        if (count == 0) break;
        if (poll(fds, static_cast<nfds_t>(count), -1) < 0) {
            if (errno == EINTR) continue;
            break;
        }
        // Output first: lines written before an answer are shown before it.
        if (err_at >= 0 && fds[err_at].revents != 0) forward(&pipe_open);
        if (socket_at >= 0 && fds[socket_at].revents != 0) {
            ReceivedMessage m;
            if (channel_receive(p->socket, &m) == 1) {
                deliver(p, std::move(m));
            } else {
                socket_open = false;
            }
        }
        if (pid_at >= 0 && fds[pid_at].revents != 0) break;
        if (p->pidfd < 0 && !socket_open) break;  // no pidfd: end-of-file tells
    }
    return socket_open;
}

// The ended process's status, in words.
std::string SimulatedDevice::reap(const Process& p) {
    siginfo_t info{};
    int waited;
    do {
        waited = waitid(P_PID, static_cast<id_t>(p.pid), &info, WEXITED);
    } while (waited != 0 && errno == EINTR);
    if (waited != 0) return "ended (its exit status was collected elsewhere in this process)";
    if (info.si_code == CLD_EXITED) return "exited with code " + std::to_string(info.si_status);
    return "was killed by " + signal_text(info.si_status);
}

void SimulatedDevice::deliver(const std::shared_ptr<Process>& p, ReceivedMessage&& m) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (m.header.type == static_cast<uint32_t>(DeviceReply::kReady)) {
        m.payload_as(&p->ready);
        p->got_ready = true;
        pto_notify(&changed_);
        return;
    }
    if (m.header.type == static_cast<uint32_t>(DeviceReply::kLastWords)) {
        // Kept for the death that follows (ended() copies it).
        if (m.payload_as(&p->death.last_words)) p->death.has_last_words = true;
        return;
    }
    auto it = pending_.find(m.header.id);
    if (it == pending_.end() || it->second->generation != p->generation) {
        m.close_fds();
        return;  // given up on
    }
    it->second->reply = std::move(m);
    it->second->done = true;
    pto_notify(&changed_);
}

void SimulatedDevice::ended(const std::shared_ptr<Process>& p, const std::string& cause) {
    std::lock_guard<std::mutex> lock(mutex_);
    p->alive = false;
    p->up = false;
    p->death.pid = p->pid;
    p->death.cause = cause;
    // A process the host reset was stopped, whatever it said meanwhile.
    if (!p->reset_reason.empty()) p->death.has_last_words = false;
    p->death.last_lines.assign(p->lines.begin(), p->lines.end());
    p->death.reset_reason = p->reset_reason;
    for (auto& [id, pending] : pending_) {
        if (pending->generation == p->generation && !pending->done) {
            pending->lost = true;
            pending->death = p->death;
            p->death_reported = true;  // that request's caller reports it
        }
    }
    pto_notify(&changed_);
}

int SimulatedDevice::send(DeviceRequest type, const void* payload, size_t bytes, const int* fds,
                          int fd_count, Ticket* ticket, char* message, size_t message_size) {
    std::shared_ptr<Process> p;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        if (current_ && current_->up) p = current_;
        if (!p) {
            std::snprintf(message, message_size,
                          "the simulated device %d has no process (it ended); the next launch "
                          "starts a fresh one",
                          id_);
            return PTO_ERR_DEVICE_LOST;
        }
        ticket->id = next_request_++;
        ticket->generation = p->generation;
        auto pending = std::make_shared<Pending>();
        pending->generation = p->generation;
        pending_[ticket->id] = std::move(pending);
    }
    int rc = channel_send_within(p->socket, static_cast<uint32_t>(type), ticket->id, payload, bytes,
                                 fds, fd_count, kSendBoundMs);
    if (rc != 0) {
        // The process is gone (or going): once its supervisor has seen it
        // end, say how it ended.
        DeviceDeath death;
        ReceivedMessage ignored;
        if (wait(*ticket, DeviceClock::now() + kGoneBound, &ignored, &death) == Outcome::kLost) {
            std::snprintf(message, message_size, "%s", describe_death(id_, death).c_str());
        } else {
            abandon(*ticket);
            std::snprintf(message, message_size,
                          "sending a request to the simulated device %d's process failed: %s", id_,
                          std::strerror(-rc));
        }
        return PTO_ERR_DEVICE_LOST;
    }
    return 0;
}

SimulatedDevice::Outcome SimulatedDevice::wait(const Ticket& ticket,
                                               DeviceClock::time_point deadline,
                                               ReceivedMessage* reply, DeviceDeath* death) {
    std::unique_lock<std::mutex> lock(mutex_);
    auto it = pending_.find(ticket.id);
    if (it == pending_.end()) return Outcome::kLost;
    std::shared_ptr<Pending> pending = it->second;
    await_change(lock, deadline, [&] { return pending->done || pending->lost; });
    if (pending->done) {
        *reply = std::move(pending->reply);
        pending_.erase(ticket.id);
        return Outcome::kReplied;
    }
    if (pending->lost) {
        if (death != nullptr) *death = pending->death;
        pending_.erase(ticket.id);
        return Outcome::kLost;
    }
    return Outcome::kTimedOut;
}

void SimulatedDevice::abandon(const Ticket& ticket) {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = pending_.find(ticket.id);
    if (it == pending_.end()) return;
    it->second->reply.close_fds();
    pending_.erase(it);
}

int SimulatedDevice::call(DeviceRequest type, const void* payload, size_t bytes, const int* fds,
                          int fd_count, const char* what, ReceivedMessage* reply, char* message,
                          size_t message_size) {
    Ticket ticket;
    int rc = send(type, payload, bytes, fds, fd_count, &ticket, message, message_size);
    if (rc != 0) return rc;
    DeviceDeath death;
    switch (wait(ticket, DeviceClock::now() + kRequestBound, reply, &death)) {
        case Outcome::kReplied:
            return 0;
        case Outcome::kLost: {
            std::string text = std::string(what) + ": " + describe_death(id_, death);
            for (const std::string& line : death.last_lines) text += "\n    " + line;
            std::snprintf(message, message_size, "%s", text.c_str());
            return PTO_ERR_DEVICE_LOST;
        }
        case Outcome::kTimedOut:
            break;
    }
    abandon(ticket);
    std::string why =
        std::string(what) + " got no answer within " + std::to_string(kRequestBound.count()) + " s";
    reset(ticket.generation, why);
    std::snprintf(message, message_size,
                  "%s; the simulated device %d was reset (the next use starts a fresh one)",
                  why.c_str(), id_);
    return PTO_ERR_DEVICE;
}

void SimulatedDevice::post(DeviceRequest type, const void* payload, size_t bytes) {
    if (std::shared_ptr<Process> p = current_up()) {
        channel_send(p->socket, static_cast<uint32_t>(type), 0, payload, bytes);
    }
}

void SimulatedDevice::reset(uint64_t generation, const std::string& why) {
    std::shared_ptr<Process> p;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        if (!current_ || current_->generation != generation || !current_->alive) return;
        p = current_;
        p->reset_reason = why;
        p->death_reported = true;
        p->up = false;            // nothing new is sent to it
        if (p->pid == 0) return;  // not spawned (yet): its supervisor ends it
        pidfd_kill(p->pidfd, p->pid);
    }
    std::unique_lock<std::mutex> lock(mutex_);
    await_change(lock, DeviceClock::now() + kGoneBound, [&] { return !p->alive; });
}

int SimulatedDevice::ensure_runtime(const RuntimeImage& image, char* message, size_t message_size) {
    uint64_t generation;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        if (runtimes_.count(image.id) != 0) return 0;
        generation = current_ ? current_->generation : 0;
    }
    DeviceLoadRuntime request{image.id};
    int fds[2] = {image.aicpu_fd, image.aicore_fd};
    ReceivedMessage reply;
    int rc = call(DeviceRequest::kLoadRuntime, &request, sizeof request, fds, 2,
                  "loading the runtime's AICPU and AICore objects", &reply, message, message_size);
    if (rc != 0) return rc;
    DeviceAck ack{};
    if (!reply.payload_as(&ack)) {
        std::snprintf(message, message_size, "device %d: malformed answer to a runtime load", id_);
        return PTO_ERR_DEVICE;
    }
    if (ack.status != 0) {
        std::snprintf(message, message_size, "%s", text_of(ack.message).c_str());
        return ack.status;
    }
    std::lock_guard<std::mutex> lock(mutex_);
    if (current_ && current_->generation == generation) runtimes_.insert(image.id);
    return 0;
}

int SimulatedDevice::kernel_entry(const KernelImage& kernel, uint64_t* entry, char* message,
                                  size_t message_size) {
    uint64_t generation;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        auto it = kernels_.find(kernel.handle);
        if (it != kernels_.end()) {
            *entry = it->second;
            return 0;
        }
        generation = current_ ? current_->generation : 0;
    }
    DeviceRegisterKernel request{kernel.handle, kernel.func_id, kernel.form, kernel.bytes,
                                 kernel.entry_offset};
    std::string what = "loading kernel func_id " + std::to_string(kernel.func_id);
    ReceivedMessage reply;
    int rc = call(DeviceRequest::kRegisterKernel, &request, sizeof request, &kernel.fd, 1,
                  what.c_str(), &reply, message, message_size);
    if (rc != 0) return rc;
    DeviceKernelLoaded loaded{};
    if (!reply.payload_as(&loaded)) {
        std::snprintf(message, message_size, "device %d: malformed answer to a kernel load", id_);
        return PTO_ERR_DEVICE;
    }
    if (loaded.status != 0) {
        std::snprintf(message, message_size, "%s", text_of(loaded.message).c_str());
        return loaded.status;
    }
    *entry = loaded.entry;
    std::lock_guard<std::mutex> lock(mutex_);
    if (current_ && current_->generation == generation) kernels_[kernel.handle] = loaded.entry;
    return 0;
}

SimulatedDevice::Ticket SimulatedDevice::queue(DeviceRequest type, const void* payload,
                                                size_t bytes) {
    std::lock_guard<std::mutex> lock(mutex_);
    Ticket ticket;
    if (!current_ || !current_->up) return ticket;
    ticket.id = next_request_++;
    ticket.generation = current_->generation;
    auto pending = std::make_shared<Pending>();
    pending->generation = current_->generation;
    pending_[ticket.id] = std::move(pending);
    const auto* bytes_of = static_cast<const uint8_t*>(payload);
    outbox_.push_back(Outgoing{type, std::vector<uint8_t>(bytes_of, bytes_of + bytes), ticket,
                               current_});
    return ticket;
}

// One thread at a time sends the outbox, in order, without the mutex held
// while it sends; a thread that finds another sending leaves its requests
// to it and waits for its answer.
void SimulatedDevice::flush() {
    std::unique_lock<std::mutex> lock(mutex_);
    if (flushing_) return;
    flushing_ = true;
    while (!outbox_.empty()) {
        Outgoing out = std::move(outbox_.front());
        outbox_.pop_front();
        lock.unlock();
        int rc = channel_send_within(out.process->socket, static_cast<uint32_t>(out.type),
                                     out.ticket.id, out.payload.data(), out.payload.size(),
                                     nullptr, 0, kSendBoundMs);
        lock.lock();
        if (rc != 0) {
            auto it = pending_.find(out.ticket.id);
            if (it != pending_.end()) it->second->send_error = rc;
            pto_notify(&changed_);
        }
    }
    flushing_ = false;
}

int SimulatedDevice::await_ack(const Ticket& ticket, const char* what, char* message,
                               size_t message_size) {
    if (ticket.id == 0) return 0;
    flush();
    ReceivedMessage reply;
    DeviceDeath death;
    Outcome outcome = Outcome::kTimedOut;
    {
        // A request that could not be sent is answered by the process's end
        // (its supervisor sees it go), or by nothing: then the wait bounds it.
        std::unique_lock<std::mutex> lock(mutex_);
        auto it = pending_.find(ticket.id);
        if (it != pending_.end() && it->second->send_error != 0) {
            lock.unlock();
            outcome = wait(ticket, DeviceClock::now() + kGoneBound, &reply, &death);
        }
    }
    if (outcome != Outcome::kLost) {
        outcome = wait(ticket, DeviceClock::now() + kRequestBound, &reply, &death);
    }
    switch (outcome) {
        case Outcome::kLost:
            return 0;  // nothing to apply in a process that ended
        case Outcome::kReplied: {
            DeviceAck ack{};
            if (!reply.payload_as(&ack)) {
                std::snprintf(message, message_size, "device %d: malformed answer to %s", id_, what);
                return PTO_ERR_DEVICE;
            }
            if (ack.status != 0) {
                std::snprintf(message, message_size, "device %d, %s: %s", id_, what,
                              text_of(ack.message).c_str());
            }
            return ack.status;
        }
        case Outcome::kTimedOut:
            break;
    }
    abandon(ticket);
    std::string why = std::string(what) + " got no answer within " +
                      std::to_string(kRequestBound.count()) + " s";
    reset(ticket.generation, why);
    std::snprintf(message, message_size,
                  "%s; the simulated device %d was reset (the next use starts a fresh one)",
                  why.c_str(), id_);
    return PTO_ERR_DEVICE;
}

void SimulatedDevice::forget_kernel(uint64_t handle) {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        if (kernels_.erase(handle) == 0) return;
    }
    DeviceReleaseKernel request{handle};
    Ticket ticket = queue(DeviceRequest::kReleaseKernel, &request, sizeof request);
    char message[512];
    // Called when the last holder of a replaced kernel lets go: there is no
    // caller to hand a failure to, so it is said on stderr.
    if (await_ack(ticket, "releasing a replaced kernel", message, sizeof message) != 0) {
        std::fprintf(stderr, "[pto] %s\n", message);
    }
}

ProtectionTicket SimulatedDevice::queue_protection(const DeviceRanges& ranges) {
    Ticket t = queue(DeviceRequest::kProtect, &ranges, ranges.bytes());
    return ProtectionTicket{t.id, t.generation};
}

int SimulatedDevice::await_protection(const ProtectionTicket& ticket, char* message,
                                      size_t message_size) {
    return await_ack(Ticket{ticket.id, ticket.generation}, "changing device memory access",
                     message, message_size);
}

int SimulatedDevice::reserve_host_range(uint64_t base, size_t size, char* message,
                                        size_t message_size) {
    DeviceRanges ranges{};
    ranges.count = 1;
    ranges.ranges[0] = DeviceRange{base, size, 0, 0};
    Ticket ticket = queue(DeviceRequest::kReserveHostRange, &ranges, ranges.bytes());
    return await_ack(ticket, "reserving a host buffer's range", message, message_size);
}

void SimulatedDevice::stop() {
    std::shared_ptr<Process> p;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        p = current_;
    }
    if (!p) return;
    post(DeviceRequest::kQuit, nullptr, 0);
    bool gone;
    {
        std::unique_lock<std::mutex> lock(mutex_);
        gone = await_change(lock, DeviceClock::now() + kQuitBound, [&] { return !p->alive; });
    }
    if (!gone) reset(p->generation, "the host is exiting");
}

void SimulatedDevice::forget_after_fork() {
    std::shared_ptr<Process> p = current_;
    if (!p) return;
    close_fd(&p->socket);
    close_fd(&p->err_read);
    close_fd(&p->pidfd);
    // The parent's supervisor may hold it too (in the parent): never freed here.
    new std::shared_ptr<Process>(std::move(p));
}
