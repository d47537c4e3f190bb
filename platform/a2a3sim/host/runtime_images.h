// The AICPU and AICore objects launches hand over as bytes, kept as memory
// files by content for the life of the process: a caller hands the same
// bytes launch after launch, and a device process (a fresh one after a
// reset too) loads each pair once.
#pragma once

#include <cstddef>
#include <cstdint>

#include "device_images.h"

int runtime_image_for(const uint8_t* aicpu, size_t aicpu_size, const uint8_t* aicore,
                      size_t aicore_size, RuntimeImage* out, char* message, size_t message_size);
