// Load for the benchmark's --load mode: N processes that each keep a core
// busy (a loop with no system calls), as parallel jobs or a compiler would.
// Bounded: each ends with its parent (parent-death signal) and after
// kMaxSeconds in any case, and stop() (or the destructor) kills and reaps
// them all, so none outlives the cell it loads.
#pragma once

#include <signal.h>
#include <sys/prctl.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <vector>

class BusyProcesses {
public:
    static constexpr unsigned kMaxSeconds = 1800;

    BusyProcesses() = default;
    ~BusyProcesses() { stop(); }
    BusyProcesses(const BusyProcesses&) = delete;
    BusyProcesses& operator=(const BusyProcesses&) = delete;

    // Starts `count` of them; false (none left running) if one cannot start.
    bool start(int count) {
        const pid_t parent = getpid();
        for (int i = 0; i < count; ++i) {
            pid_t pid = fork();
            if (pid < 0) {
                stop();
                return false;
            }
            if (pid == 0) spin(parent);
            pids_.push_back(pid);
        }
        return true;
    }

    void stop() {
        for (pid_t pid : pids_) kill(pid, SIGKILL);
        for (pid_t pid : pids_) {
            int status = 0;
            while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
            }
        }
        pids_.clear();
    }

private:
    [[noreturn]] static void spin(pid_t parent) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != parent) _exit(0);  // the parent is gone already
        alarm(kMaxSeconds);                 // SIGALRM's default action ends it
        for (volatile unsigned long long n = 0;; n = n + 1) {
        }
    }

    std::vector<pid_t> pids_;
};
