// The binaries the C++ tests load the way a user's program does: the host
// library is linked, the AICPU and AICore objects, orchestrations and
// kernels are read as bytes and handed to the C API.
#pragma once

#include <dirent.h>

#include <cstdint>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "pto_runtime_c_api.h"
#include "test_harness.h"

#ifndef TEST_BINARY_DIR
#error "TEST_BINARY_DIR must name the folder with the test kernels and orchestrations"
#endif
#ifndef RUNTIME_BINARY_DIR
#error "RUNTIME_BINARY_DIR must name the folder with libpto_aicpu.so and libpto_aicore.so"
#endif

inline std::vector<uint8_t> read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    REQUIRE(in.good());
    return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), {});
}

inline const std::vector<uint8_t>& aicpu_binary() {
    static const std::vector<uint8_t> bytes = read_file(RUNTIME_BINARY_DIR "/libpto_aicpu.so");
    return bytes;
}

inline const std::vector<uint8_t>& aicore_binary() {
    static const std::vector<uint8_t> bytes = read_file(RUNTIME_BINARY_DIR "/libpto_aicore.so");
    return bytes;
}

inline std::vector<uint8_t> test_binary(const std::string& name) {
    return read_file(std::string(TEST_BINARY_DIR "/") + name);
}

// One Runtime handle in zero-filled memory, as a caller of the C API holds it.
struct RuntimeBlock {
    std::vector<uint8_t> memory = std::vector<uint8_t>(get_runtime_size() + 64, 0);
    void* handle() {
        return reinterpret_cast<void*>((reinterpret_cast<uintptr_t>(memory.data()) + 63) &
                                       ~uintptr_t{63});
    }
};

inline int launch(RuntimeBlock& block, int threads, int block_dim, int device = 0) {
    return launch_runtime(block.handle(), threads, block_dim, device, aicpu_binary().data(),
                          aicpu_binary().size(), aicore_binary().data(), aicore_binary().size());
}

// The records of every task of a handle's graph (after a launch: its times).
inline std::vector<PtoTaskRecord> task_records(RuntimeBlock& block) {
    int tasks = 0, edges = 0;
    REQUIRE(pto_graph_size(block.handle(), &tasks, &edges) == 0);
    std::vector<PtoTaskRecord> records(static_cast<size_t>(tasks));
    REQUIRE(pto_get_task_records(block.handle(), records.data(), tasks) == tasks);
    return records;
}

// Entries of a /proc folder of this process (open descriptors, threads).
inline int count_entries(const char* folder) {
    int n = 0;
    if (DIR* d = opendir(folder)) {
        while (dirent* e = readdir(d)) n += e->d_name[0] != '.';
        closedir(d);
    }
    return n;
}
