#include "runtime_images.h"

#include <cstdio>
#include <cstring>
#include <memory>
#include <mutex>
#include <vector>

#include "device_channel.h"
#include "elf_bounds.h"
#include "pto_status.h"

namespace {

struct ObjectImage {
    std::vector<uint8_t> bytes;
    int fd = -1;
    const uint8_t* last_seen_at = nullptr;  // where the caller's copy was last time
};

std::mutex g_mutex;
std::vector<std::unique_ptr<ObjectImage>>& images() {
    static auto* all = new std::vector<std::unique_ptr<ObjectImage>>;  // for the process's life
    return *all;
}

// The index of the image of these bytes (made the first time), or -1.
int image_for(const uint8_t* bytes, size_t size, const char* what, char* message,
              size_t message_size, int* rc) {
    auto& all = images();
    // Compared in full (a rebuild of the same size in the same buffer must
    // not pass for the old one): ~10 us for the AICPU object here. The image
    // last seen at this address is tried first, as a caller hands the same
    // buffer launch after launch.
    auto same = [&](const ObjectImage& c) {
        return c.bytes.size() == size && std::memcmp(c.bytes.data(), bytes, size) == 0;
    };
    for (size_t i = 0; i < all.size(); ++i) {
        if (all[i]->last_seen_at == bytes && same(*all[i])) return static_cast<int>(i);
    }
    for (size_t i = 0; i < all.size(); ++i) {
        if (same(*all[i])) {
            all[i]->last_seen_at = bytes;
            return static_cast<int>(i);
        }
    }
    if ((*rc = check_shared_object_bytes(bytes, size, what, message, message_size)) != 0) return -1;
    auto image = std::make_unique<ObjectImage>();
    image->fd = memory_file_with(what, bytes, size);
    if (image->fd < 0) {
        std::snprintf(message, message_size, "%s: cannot keep its %zu bytes in a memory file: %s",
                      what, size, std::strerror(-image->fd));
        *rc = PTO_ERR_OUT_OF_MEMORY;
        return -1;
    }
    image->bytes.assign(bytes, bytes + size);
    image->last_seen_at = bytes;
    all.push_back(std::move(image));
    return static_cast<int>(all.size() - 1);
}

}  // namespace

int runtime_image_for(const uint8_t* aicpu, size_t aicpu_size, const uint8_t* aicore,
                      size_t aicore_size, RuntimeImage* out, char* message, size_t message_size) {
    if (aicpu == nullptr || aicpu_size == 0 || aicore == nullptr || aicore_size == 0) {
        std::snprintf(message, message_size,
                      "launch_runtime: the AICPU and AICore binaries are required (%s is empty)",
                      aicpu == nullptr || aicpu_size == 0 ? "the AICPU scheduler binary"
                                                          : "the AICore executor binary");
        return PTO_ERR_INVALID_ARGUMENT;
    }
    std::lock_guard<std::mutex> lock(g_mutex);
    int rc = 0;
    int a = image_for(aicpu, aicpu_size, "AICPU scheduler binary", message, message_size, &rc);
    if (a < 0) return rc;
    int b = image_for(aicore, aicore_size, "AICore executor binary", message, message_size, &rc);
    if (b < 0) return rc;
    out->id = (static_cast<uint64_t>(a) << 32) | static_cast<uint64_t>(b);
    out->aicpu_fd = images()[static_cast<size_t>(a)]->fd;
    out->aicore_fd = images()[static_cast<size_t>(b)]->fd;
    return 0;
}
