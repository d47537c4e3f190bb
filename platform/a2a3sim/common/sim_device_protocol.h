// What the host library and a simulated device's process say to each other
// over their control socket (SOCK_SEQPACKET: one message a packet, file
// descriptors along in SCM_RIGHTS). Requests carry an id; the device answers
// every request but kQuit with the same id, and the host waits (bounded) for
// each answer, so a request that fails on the device reaches its caller.
// Requests are carried out in the order they arrive, except launches, which
// run beside later requests and are answered when they end.
//
// Device memory is one shared mapping (a memfd) at the same address in both
// processes, so every address in these messages means the same on both
// sides. The host owns the mapping and what is in it: the device process can
// end at any moment without taking device memory with it.
#pragma once

#include <cstddef>
#include <cstdint>

#include "sim_idle_tuning.h"

constexpr uint32_t kDeviceProtocolVersion = 1;

enum class DeviceRequest : uint32_t {
    kLoadRuntime = 1,   // fds: AICPU object, AICore object; answered by kAck
    kRegisterKernel,    // fd: the kernel's shared object or raw .text; kKernelLoaded
    kReleaseKernel,     // answered by kAck
    kProtect,           // make ranges of device memory accessible or not; answered by kAck
    kReserveHostRange,  // make host address ranges inaccessible here; answered by kAck
    kLaunch,            // answered by kLaunchDone when the launch ends
    kDescribeAddress,   // which loaded object holds a code address; kAddress
    kQuit,              // no answer: the process flushes its output and exits
};

enum class DeviceReply : uint32_t {
    kReady = 100,  // sent once, unasked: the device mapped its memory (or could not)
    kAck,
    kKernelLoaded,
    kLaunchDone,
    kAddress,
    kLastWords,  // sent unasked, at most once, by a process about to end on its own
};

struct DeviceMessageHeader {
    uint32_t type;   // DeviceRequest or DeviceReply
    uint32_t bytes;  // payload bytes after the header
    uint64_t id;
};

constexpr size_t kDeviceMessageMax = 4096;
constexpr int kDeviceMessageMaxFds = 2;
constexpr size_t kDeviceTextMax = 480;

// Command line of the device program: the descriptors it inherits.
constexpr int kDeviceControlFd = 3;
constexpr int kDeviceMemoryFd = 4;

struct DeviceReady {
    int32_t status;  // 0, or why the device cannot serve (message)
    uint32_t protocol_version;
    int32_t error;  // the errno behind a failure (EEXIST: device memory's range is taken here)
    uint32_t reserved;
    char message[kDeviceTextMax];
};

struct DeviceAck {
    int32_t status;  // 0 or a PtoStatus
    uint32_t reserved;
    char message[kDeviceTextMax];
};

struct DeviceLoadRuntime {
    uint64_t runtime_id;  // the host's name for this pair of objects
};

enum class KernelForm : uint32_t { kSharedObject = 0, kText = 1 };

struct DeviceRegisterKernel {
    uint64_t handle;  // the host's name for this registration
    int32_t func_id;
    KernelForm form;
    uint64_t bytes;
    uint64_t entry_offset;  // raw .text: where the entry is
};

struct DeviceKernelLoaded {
    int32_t status;
    uint32_t reserved;
    uint64_t entry;  // the address workers call
    char message[kDeviceTextMax];
};

struct DeviceReleaseKernel {
    uint64_t handle;
};

struct DeviceRange {
    uint64_t address;
    uint64_t bytes;
    uint32_t accessible;  // kProtect: 1 read and write, 0 none
    uint32_t reserved;
};

// kProtect and kReserveHostRange: as many ranges as fit a message.
constexpr size_t kDeviceRangesPerMessage =
    (kDeviceMessageMax - sizeof(DeviceMessageHeader) - 8) / sizeof(DeviceRange);

struct DeviceRanges {
    uint32_t count;
    uint32_t reserved;
    DeviceRange ranges[kDeviceRangesPerMessage];
    size_t bytes() const { return 8 + count * sizeof(DeviceRange); }
};

struct DeviceLaunch {
    uint64_t runtime_id;
    uint64_t entry_argument;  // device address of the runtime's launch block
    // The kernel entries the host wrote for the launch (device address of
    // uint64_t[kernel_count]): each must be a kernel this process loaded,
    // or the launch is refused (entries of an earlier process of the device).
    uint64_t kernel_table;
    uint32_t kernel_count;
    int32_t aicpu_thread_num;
    int32_t block_dim;
    uint32_t place_threads;  // PTO_SIM_AFFINITY: 1 auto, 0 off
    int32_t first_cpu;       // the CPU the launching host thread ran on
    uint32_t reserved;
    SimIdleTuning idle;
    // The CPUs the launching host thread may use (a cpu_set_t's bits): the
    // device's threads run there.
    uint64_t allowed_cpus[16];
};

// Who a failed launch answer is about: the host words each its own way.
enum class DeviceLaunchPart : int32_t {
    kNone = 0,
    kScheduler = 1,   // an AICPU scheduler thread returned the status
    kInitKernel = 2,  // the AICPU init kernel returned it
    kDevice = 3,      // the device process itself (starting threads, ...)
};

struct DeviceLaunchDone {
    int32_t status;                // a failure the launch block does not hold, else 0
    int32_t abandoned_workers;     // bodies still running after the grace
    int32_t failed_part;           // DeviceLaunchPart
    int32_t reserved;
    char message[kDeviceTextMax];  // with a failure: what failed, in words
};

struct DeviceDescribeAddress {
    uint64_t address;       // a code address in the device process
    uint64_t kernel_entry;  // the entry of the kernel the task ran
};

struct DeviceAddress {
    int32_t known;             // an object holds the address
    int32_t in_kernel_object;  // ... and it is the object (or .text copy) of the kernel
    uint64_t offset;           // address minus the object's load address (or .text start)
    uint64_t symbol_offset;    // address minus the symbol's, when a symbol is known
    char object[256];
    char symbol[160];
};

// A device process ending on its own (not asked to by the host): a fatal
// signal that no kernel's fault capture took (the orchestration's, the
// runtime's), or exit() called by code it loaded. The host keeps it with the
// process's death and says whose code it was (a runtime that knows the
// orchestration's object range names the orchestration and the line).
enum class LastWordsKind : int32_t { kSignal = 1, kExit = 2 };
constexpr int kLastWordsFrames = 24;

struct DeviceLastWords {
    int32_t kind;            // LastWordsKind
    int32_t code;            // the signal, or exit()'s status
    uint64_t fault_address;  // SIGSEGV/SIGBUS: the data address
    uint64_t pc;             // a signal: the instruction it came from (0: unknown)
    int32_t thread_id;       // the thread it happened on
    uint32_t frame_count;
    uint64_t frames[kLastWordsFrames];  // return addresses, innermost first
};

// A kernel fault with SIGSYS: the device's descriptor guard refused a call
// of the kernel (device/device_descriptors.h). Its address word says which:
// the call in bits 32..39, the descriptor in the low 32 bits.
enum class DescriptorCall : uint32_t { kClose = 1, kCloseRange = 2, kDup2 = 3, kDup3 = 4 };
