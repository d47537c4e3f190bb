// A small test harness in the libuv manner: every test runs in its own forked
// process with a time limit, so a crash or hang fails that test alone.
// Ends with the line "N passed, N failed".
#pragma once

#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

// Present when the test is built with AddressSanitizer (LeakSanitizer).
extern "C" int __lsan_do_recoverable_leak_check() __attribute__((weak));

namespace harness {

struct TestCase {
    const char* name;
    void (*body)();
};

inline std::vector<TestCase>& registry() {
    static std::vector<TestCase> tests;
    return tests;
}

struct Registrar {
    Registrar(const char* name, void (*body)()) { registry().push_back({name, body}); }
};

// Where failed expectations are written: the stderr the test started with,
// so a test that redirects fd 2 (to capture what the library prints) still
// shows why it failed, even when a REQUIRE ends it before it restores fd 2.
inline FILE*& report_stream_slot() {
    static FILE* stream = nullptr;
    return stream;
}

inline FILE* report_stream() {
    return report_stream_slot() != nullptr ? report_stream_slot() : stderr;
}

inline int& failures() {
    static int count = 0;
    return count;
}

// A test that leaves memory behind on purpose (a hung kernel still uses it)
// opts out of the leak check.
inline bool& leaks_expected() {
    static bool expected = false;
    return expected;
}

inline int run_all(int argc, char** argv, unsigned timeout_seconds = 120) {
    const char* filter = argc > 1 ? argv[1] : nullptr;
    int passed = 0;
    int failed = 0;
    for (const TestCase& t : registry()) {
        if (filter && std::strstr(t.name, filter) == nullptr) continue;
        std::printf("[ RUN  ] %s\n", t.name);
        std::fflush(stdout);
        auto started = std::chrono::steady_clock::now();
        pid_t pid = fork();
        if (pid == 0) {
            alarm(timeout_seconds);
            int original_stderr = dup(2);
            if (original_stderr >= 0) {
                report_stream_slot() = fdopen(original_stderr, "w");
                if (report_stream_slot() != nullptr)
                    setvbuf(report_stream_slot(), nullptr, _IONBF, 0);
            }
            t.body();
            if (__lsan_do_recoverable_leak_check != nullptr && !leaks_expected() &&
                __lsan_do_recoverable_leak_check() != 0) {
                std::fprintf(stderr, "%s: LeakSanitizer found leaks (above)\n", t.name);
                ++failures();
            }
            std::fflush(stdout);
            std::fflush(stderr);
            _exit(failures() == 0 ? 0 : 1);
        }
        int status = 0;
        waitpid(pid, &status, 0);
        double seconds =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
        if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
            std::printf("[  OK  ] %s (%.2f s)\n", t.name, seconds);
            ++passed;
        } else {
            if (WIFSIGNALED(status)) {
                std::printf("[ FAIL ] %s (killed by signal %d%s)\n", t.name, WTERMSIG(status),
                            WTERMSIG(status) == SIGALRM ? ": time limit" : "");
            } else {
                std::printf("[ FAIL ] %s\n", t.name);
            }
            ++failed;
        }
        std::fflush(stdout);
    }
    std::printf("%d passed, %d failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}

}  // namespace harness

#define TEST(name)                                                  \
    static void test_##name();                                      \
    static harness::Registrar registrar_##name(#name, test_##name); \
    static void test_##name()

#define EXPECT_TRUE(cond)                                                                      \
    do {                                                                                       \
        if (!(cond)) {                                                                         \
            std::fprintf(harness::report_stream(), "%s:%d: expected %s\n", __FILE__, __LINE__, \
                         #cond);                                                               \
            ++harness::failures();                                                             \
        }                                                                                      \
    } while (0)

#define EXPECT_EQ(a, b)                                                                         \
    do {                                                                                        \
        auto va_ = (a);                                                                         \
        auto vb_ = (b);                                                                         \
        if (!(va_ == vb_)) {                                                                    \
            std::fprintf(harness::report_stream(), "%s:%d: expected %s == %s (%lld vs %lld)\n", \
                         __FILE__, __LINE__, #a, #b, static_cast<long long>(va_),               \
                         static_cast<long long>(vb_));                                          \
            ++harness::failures();                                                              \
        }                                                                                       \
    } while (0)

#define EXPECT_STREQ(a, b)                                                                      \
    do {                                                                                        \
        std::string sa_ = (a);                                                                  \
        std::string sb_ = (b);                                                                  \
        if (sa_ != sb_) {                                                                       \
            std::fprintf(harness::report_stream(),                                              \
                         "%s:%d: expected\n  \"%s\"\nto equal\n  \"%s\"\n", __FILE__, __LINE__, \
                         sa_.c_str(), sb_.c_str());                                             \
            ++harness::failures();                                                              \
        }                                                                                       \
    } while (0)

#define EXPECT_CONTAINS(haystack, needle)                                                        \
    do {                                                                                         \
        std::string h_ = (haystack);                                                             \
        if (h_.find(needle) == std::string::npos) {                                              \
            std::fprintf(harness::report_stream(), "%s:%d: expected \"%s\" to contain \"%s\"\n", \
                         __FILE__, __LINE__, h_.c_str(), needle);                                \
            ++harness::failures();                                                               \
        }                                                                                        \
    } while (0)

// Stops the test at the first failed requirement.
#define REQUIRE(cond)                                                                          \
    do {                                                                                       \
        if (!(cond)) {                                                                         \
            std::fprintf(harness::report_stream(), "%s:%d: required %s\n", __FILE__, __LINE__, \
                         #cond);                                                               \
            std::fflush(harness::report_stream());                                             \
            _exit(1);                                                                          \
        }                                                                                      \
    } while (0)
