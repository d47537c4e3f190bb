// A tile of a batched matrix as a kernel sees it: the descriptor's last two
// dimensions are rows and columns (a view {1, rows, cols} of a (batch, M, N)
// tensor, or a dense rows x cols tile).
#pragma once

#include <cstdint>

#include "tensor.h"

template <typename T>
struct Tile {
    T* data;
    uint64_t rows, cols;
    int64_t ld;  // elements between rows

    static Tile of(int64_t* args, int i) {
        const ChipTensor* t = reinterpret_cast<const ChipTensor*>(args[i]);
        const uint32_t r = t->ndims >= 2 ? t->ndims - 2 : 0;
        // data_as is the buffer's start (upstream's), the view starts start_offset in.
        return Tile{t->data_as<T>() + t->start_offset, t->ndims >= 2 ? t->shapes[r] : 1, t->shapes[t->ndims - 1],
                    t->ndims >= 2 ? t->strides[r] : 0};
    }
    T* row(uint64_t i) const { return data + static_cast<int64_t>(i) * ld; }
};
