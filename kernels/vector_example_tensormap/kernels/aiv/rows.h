// Element-wise kernels over views of up to two dimensions: each row is
// contiguous, rows are strides[0] elements apart (a 1-D view is one row).
#pragma once

#include <cstdint>

#include "tensor.h"

struct RowView {
    float* data;
    uint64_t rows, cols;
    int64_t row_stride;

    static RowView of(const ChipTensor* t) {
        RowView v;
        v.data = t->data_as<float>() + t->start_offset;  // data_as is the buffer's start
        if (t->ndims >= 2) {
            v.rows = t->shapes[0];
            v.cols = t->shapes[1];
            v.row_stride = t->strides[0];
        } else {
            v.rows = 1;
            v.cols = t->shapes[0];
            v.row_stride = 0;
        }
        return v;
    }
    float* row(uint64_t r) const { return data + static_cast<int64_t>(r) * row_stride; }
};

inline const ChipTensor* descriptor(int64_t* args, int i) {
    return reinterpret_cast<const ChipTensor*>(args[i]);
}
