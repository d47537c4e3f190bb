// A tensor view as a matrix, for kernels that take descriptors: the last
// dimension is the columns; the rows are the one outer dimension longer than
// 1 (a view such as {1, rows, 1, cols} of a 4-D cache is a matrix of rows x
// cols). Element (r, c) sits at data + r * row_stride + c * col_stride.
#pragma once

#include <cstdint>

#include "tensor.h"

// The view's first element (data_as gives the buffer's start, as upstream).
template <typename T>
inline T* first_element(const ChipTensor* t) {
    return t->data_as<T>() + t->start_offset;
}

template <typename T>
struct MatrixView {
    T* data;
    uint64_t rows, cols;
    int64_t row_stride, col_stride;

    static MatrixView of(const ChipTensor* t) {
        MatrixView v{first_element<T>(t), 1, 1, 0, 1};
        if (t->ndims == 0) return v;
        const uint32_t last = t->ndims - 1;
        v.cols = t->shapes[last];
        v.col_stride = t->strides[last];
        for (uint32_t i = 0; i < last; ++i) {
            if (t->shapes[i] > 1) {
                v.rows = t->shapes[i];
                v.row_stride = t->strides[i];
            }
        }
        return v;
    }
    T& at(uint64_t r, uint64_t c) const {
        return data[static_cast<int64_t>(r) * row_stride + static_cast<int64_t>(c) * col_stride];
    }
};

inline const ChipTensor* descriptor(int64_t* args, int i) {
    return reinterpret_cast<const ChipTensor*>(args[i]);
}
