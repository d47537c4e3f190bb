#include "ring_settings.h"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "pto_status.h"

namespace {

constexpr uint32_t kDefaultWindow = 16384;
constexpr uint64_t kDefaultHeap = 256ull << 20;
constexpr uint32_t kDefaultDepPool = 16384;
constexpr uint32_t kDefaultMapEntries = 65536;
constexpr uint32_t kMapBuckets = 4096;
constexpr uint32_t kDefaultRecords = 65536;

// Parses "N" or "N,N,N,N" (with K/M/G when `sizes`) into four values.
bool parse_four(const char* text, bool sizes, uint64_t out[4]) {
    const char* p = text;
    int count = 0;
    uint64_t values[4];
    while (count < 4) {
        errno = 0;
        char* end = nullptr;
        if (*p < '0' || *p > '9') return false;
        unsigned long long v = std::strtoull(p, &end, 10);
        if (errno != 0 || end == p) return false;
        p = end;
        if (sizes && (*p == 'K' || *p == 'k' || *p == 'M' || *p == 'm' || *p == 'G' || *p == 'g')) {
            int shift = (*p == 'K' || *p == 'k') ? 10 : (*p == 'M' || *p == 'm') ? 20 : 30;
            if (v > (~0ull >> shift)) return false;
            v <<= shift;
            ++p;
        }
        values[count++] = v;
        if (*p == '\0') break;
        if (*p != ',') return false;
        ++p;
    }
    if (*p != '\0') return false;
    if (count == 1) {
        for (int i = 0; i < 4; ++i) out[i] = values[0];
        return true;
    }
    if (count != 4) return false;
    for (int i = 0; i < 4; ++i) out[i] = values[i];
    return true;
}

bool power_of_two(uint64_t v) {
    return v != 0 && (v & (v - 1)) == 0;
}

}  // namespace

// The defaults, and what the environment changes.
static int read_ring_environment(RingSizes* out, char* message, size_t message_size);

int check_ring_request(const PtoRingSizes& q, char* message, size_t message_size) {
    for (int r = 0; r < 4; ++r) {
        const uint32_t w = q.task_window[r];
        if (w != 0 && (!power_of_two(w) || w < 4 || w > (1u << 24))) {
            std::snprintf(message, message_size,
                          "pto_set_ring_sizes: task_window[%d] = %u: give a power of two from 4 "
                          "to 16777216 (0 keeps the default)",
                          r, w);
            return PTO_ERR_INVALID_ARGUMENT;
        }
        const uint32_t d = q.dep_pool[r];
        if (d > (1u << 26)) {
            std::snprintf(message, message_size,
                          "pto_set_ring_sizes: dep_pool[%d] = %u: give 1 to 67108864 (0 keeps "
                          "the default)",
                          r, d);
            return PTO_ERR_INVALID_ARGUMENT;
        }
        const uint64_t h = q.heap_bytes[r];
        if (h != 0 && (h < 4096 || h % 1024 != 0 || h > (64ull << 30))) {
            std::snprintf(message, message_size,
                          "pto_set_ring_sizes: heap_bytes[%d] = %llu: give a multiple of 1024 "
                          "from 4096 to 64G (0 keeps the default)",
                          r, static_cast<unsigned long long>(h));
            return PTO_ERR_INVALID_ARGUMENT;
        }
    }
    const uint32_t entries = q.tensormap_entries;
    if (entries != 0 && (entries < 16 || entries > (1u << 24))) {
        std::snprintf(message, message_size,
                      "pto_set_ring_sizes: tensormap_entries = %u: give 16 to 16777216 (0 keeps "
                      "the default)",
                      q.tensormap_entries);
        return PTO_ERR_INVALID_ARGUMENT;
    }
    if (q.reserved != 0) {
        std::snprintf(message, message_size, "pto_set_ring_sizes: reserved must be 0");
        return PTO_ERR_INVALID_ARGUMENT;
    }
    return 0;
}

PtoRingSizes ring_sizes_of(const RingSizes& s) {
    PtoRingSizes out{};
    for (int r = 0; r < 4; ++r) {
        out.task_window[r] = s.window[r];
        out.dep_pool[r] = s.dep_pool[r];
        out.heap_bytes[r] = s.heap[r];
    }
    out.tensormap_entries = s.map_entries;
    return out;
}

int read_ring_sizes(const PtoRingSizes& request, RingSizes* out, char* message,
                    size_t message_size) {
    int rc = read_ring_environment(out, message, message_size);
    if (rc != 0 || (rc = check_ring_request(request, message, message_size)) != 0) return rc;
    for (int r = 0; r < 4; ++r) {
        if (request.task_window[r] != 0) out->window[r] = request.task_window[r];
        if (request.dep_pool[r] != 0) out->dep_pool[r] = request.dep_pool[r];
        if (request.heap_bytes[r] != 0) out->heap[r] = request.heap_bytes[r];
    }
    if (request.tensormap_entries != 0) out->map_entries = request.tensormap_entries;
    return 0;
}

static int read_ring_environment(RingSizes* out, char* message, size_t message_size) {
    RingSizes s{};
    for (int r = 0; r < 4; ++r) {
        s.window[r] = kDefaultWindow;
        s.heap[r] = kDefaultHeap;
        s.dep_pool[r] = kDefaultDepPool;
    }
    s.map_entries = kDefaultMapEntries;
    s.map_buckets = kMapBuckets;
    s.record_tasks = kDefaultRecords;
    uint64_t v[4];
    if (const char* e = std::getenv("PTO2_RING_TASK_WINDOW")) {
        bool ok = parse_four(e, false, v);
        for (int r = 0; ok && r < 4; ++r)
            ok = power_of_two(v[r]) && v[r] >= 4 && v[r] <= (1u << 24);
        if (!ok) {
            std::snprintf(message, message_size,
                          "PTO2_RING_TASK_WINDOW=%s: give a power of two from 4 to 16777216, or "
                          "four of them separated by commas (one per ring)",
                          e);
            return PTO_ERR_INVALID_ARGUMENT;
        }
        for (int r = 0; r < 4; ++r) s.window[r] = static_cast<uint32_t>(v[r]);
    }
    if (const char* e = std::getenv("PTO2_RING_HEAP")) {
        bool ok = parse_four(e, true, v);
        for (int r = 0; ok && r < 4; ++r)
            ok = v[r] >= 4096 && v[r] % 1024 == 0 && v[r] <= (64ull << 30);
        if (!ok) {
            std::snprintf(message, message_size,
                          "PTO2_RING_HEAP=%s: give bytes per ring (a multiple of 1024 from 4096 "
                          "to 64G; K, M and G suffixes work), or four values separated by commas",
                          e);
            return PTO_ERR_INVALID_ARGUMENT;
        }
        for (int r = 0; r < 4; ++r) s.heap[r] = v[r];
    }
    if (const char* e = std::getenv("PTO2_RING_DEP_POOL")) {
        bool ok = parse_four(e, false, v);
        for (int r = 0; ok && r < 4; ++r) ok = v[r] >= 1 && v[r] <= (1u << 26);
        if (!ok) {
            std::snprintf(message, message_size,
                          "PTO2_RING_DEP_POOL=%s: give dependency entries per ring (1 to "
                          "67108864), or four values separated by commas",
                          e);
            return PTO_ERR_INVALID_ARGUMENT;
        }
        for (int r = 0; r < 4; ++r) s.dep_pool[r] = static_cast<uint32_t>(v[r]);
    }
    auto one_value = [&](const char* name, uint64_t low, uint64_t high, uint32_t* into) {
        const char* e = std::getenv(name);
        if (e == nullptr) return true;
        bool ok =
            parse_four(e, false, v) && v[0] == v[1] && v[0] == v[3] && v[0] >= low && v[0] <= high;
        if (!ok || std::strchr(e, ',') != nullptr) {
            std::snprintf(message, message_size, "%s=%s: give one number from %llu to %llu", name,
                          e, static_cast<unsigned long long>(low),
                          static_cast<unsigned long long>(high));
            return false;
        }
        *into = static_cast<uint32_t>(v[0]);
        return true;
    };
    if (!one_value("PTO2_TENSORMAP_ENTRIES", 16, 1u << 24, &s.map_entries))
        return PTO_ERR_INVALID_ARGUMENT;
    if (!one_value("PTO2_RECORD_TASKS", 0, 1u << 24, &s.record_tasks))
        return PTO_ERR_INVALID_ARGUMENT;
    s.check_bytes = 0;
    if (const char* e = std::getenv("PTO2_CHECK_BLOCKS")) {
        if (std::strcmp(e, "1") == 0) {
            s.check_bytes = 64ull << 20;
        } else if (std::strcmp(e, "0") != 0 && *e != '\0') {
            std::snprintf(message, message_size, "PTO2_CHECK_BLOCKS=%s: give 1 (check) or 0", e);
            return PTO_ERR_INVALID_ARGUMENT;
        }
    }
    if (const char* e = std::getenv("PTO2_CHECK_BLOCKS_BYTES"); e != nullptr && s.check_bytes != 0) {
        uint64_t four[4] = {};
        if (std::strchr(e, ',') != nullptr || !parse_four(e, true, four) || four[0] < 4096 ||
            four[0] > (16ull << 30)) {
            std::snprintf(message, message_size,
                          "PTO2_CHECK_BLOCKS_BYTES=%s: give bytes from 4096 to 16G (K/M/G suffixes)", e);
            return PTO_ERR_INVALID_ARGUMENT;
        }
        s.check_bytes = four[0];
    }
    if (const char* e = std::getenv("PTO2_ORCH_SERIAL")) {
        if (std::strcmp(e, "1") == 0) {
            s.serial = true;
        } else if (std::strcmp(e, "0") != 0 && *e != '\0') {
            std::snprintf(message, message_size, "PTO2_ORCH_SERIAL=%s: give 1 (serialise) or 0", e);
            return PTO_ERR_INVALID_ARGUMENT;
        }
    }
    *out = s;
    return 0;
}
