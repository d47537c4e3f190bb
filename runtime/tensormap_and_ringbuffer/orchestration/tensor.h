// The tensor descriptor of the tensormap_and_ringbuffer runtime, as
// orchestrations and kernels see it (upstream's "tensor.h"): where a tensor's
// data lives, which task created it, and the view (offset, shapes, strides in
// elements) a task works on. Kernels receive the device addresses of these
// descriptors and read their data at buffer.addr + start_offset elements.
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>

enum class DataType : int32_t {
    FLOAT32 = 0,
    FLOAT16 = 1,
    BFLOAT16 = 2,
    INT8 = 3,
    INT16 = 4,
    INT32 = 5,
    INT64 = 6,
    UINT8 = 7,
    UINT16 = 8,
    UINT32 = 9,
    UINT64 = 10,
    BOOL = 11,
};

constexpr uint32_t PTO2_MAX_TENSOR_DIMS = 5;

// Bytes of one element; 0 for a value that is not a DataType.
inline constexpr uint32_t get_element_size(DataType t) {
    switch (t) {
        case DataType::FLOAT32:
        case DataType::INT32:
        case DataType::UINT32:
            return 4;
        case DataType::FLOAT16:
        case DataType::BFLOAT16:
        case DataType::INT16:
        case DataType::UINT16:
            return 2;
        case DataType::INT8:
        case DataType::UINT8:
        case DataType::BOOL:
            return 1;
        case DataType::INT64:
        case DataType::UINT64:
            return 8;
    }
    return 0;
}

inline constexpr const char* data_type_name(DataType t) {
    switch (t) {
        case DataType::FLOAT32:
            return "FLOAT32";
        case DataType::FLOAT16:
            return "FLOAT16";
        case DataType::BFLOAT16:
            return "BFLOAT16";
        case DataType::INT8:
            return "INT8";
        case DataType::INT16:
            return "INT16";
        case DataType::INT32:
            return "INT32";
        case DataType::INT64:
            return "INT64";
        case DataType::UINT8:
            return "UINT8";
        case DataType::UINT16:
            return "UINT16";
        case DataType::UINT32:
            return "UINT32";
        case DataType::UINT64:
            return "UINT64";
        case DataType::BOOL:
            return "BOOL";
    }
    return "unknown";
}

struct TensorBuffer {
    uint64_t addr;  // device address of the whole buffer
    uint64_t size;  // its bytes
};

// 128 bytes, two cache lines; copied by value into each task that uses it.
struct alignas(64) ChipTensor {
    TensorBuffer buffer;
    uint64_t owner_task;    // PTO2TaskId + 1 of the task that created the data, 0 = the host's
    uint64_t start_offset;  // elements from buffer.addr to the view's first element
    uint64_t shapes[PTO2_MAX_TENSOR_DIMS];
    int64_t strides[PTO2_MAX_TENSOR_DIMS];  // elements; outermost first
    uint32_t ndims;
    DataType dtype;
    uint32_t manual_dep;  // 1: tasks using this view take no discovered dependencies
    uint32_t reserved;

    uint32_t element_size() const { return get_element_size(dtype); }
    uint64_t numel() const {
        uint64_t n = 1;
        for (uint32_t i = 0; i < ndims; ++i) n *= shapes[i];
        return n;
    }
    // True when the view's elements are one dense row-major run.
    bool is_contiguous() const {
        int64_t expect = 1;
        for (uint32_t i = ndims; i-- > 0;) {
            if (shapes[i] != 1 && strides[i] != expect) return false;
            expect *= static_cast<int64_t>(shapes[i]);
        }
        return true;
    }
    // The buffer's first byte as T*, as upstream's data_as: it does not add
    // start_offset. The view's first element is data_as<T>() + start_offset
    // (elements of the tensor's dtype, for a T of that size).
    template <typename T>
    T* data_as() const {
        return reinterpret_cast<T*>(buffer.addr);
    }

    // A sub-box of this view: same strides, `shapes` elements per dimension
    // starting `offsets` elements in.
    template <typename S, typename O>
    ChipTensor view(const S* new_shapes, const O* offsets) const {
        ChipTensor t = *this;
        for (uint32_t i = 0; i < ndims; ++i) {
            t.start_offset += static_cast<uint64_t>(offsets[i]) * static_cast<uint64_t>(strides[i]);
            t.shapes[i] = static_cast<uint64_t>(new_shapes[i]);
        }
        return t;
    }
    ChipTensor view(std::initializer_list<uint64_t> new_shapes,
                    std::initializer_list<uint64_t> offsets) const {
        uint64_t s[PTO2_MAX_TENSOR_DIMS] = {}, o[PTO2_MAX_TENSOR_DIMS] = {};
        copy_list(new_shapes, s);
        copy_list(offsets, o);
        return view(s, o);
    }
    // Dimension `dim` cut to [begin, end).
    ChipTensor slice(uint32_t dim, uint64_t begin, uint64_t end) const {
        ChipTensor t = *this;
        t.start_offset += begin * static_cast<uint64_t>(strides[dim]);
        t.shapes[dim] = end - begin;
        return t;
    }
    ChipTensor transpose(uint32_t a, uint32_t b) const {
        ChipTensor t = *this;
        t.shapes[a] = shapes[b];
        t.shapes[b] = shapes[a];
        t.strides[a] = strides[b];
        t.strides[b] = strides[a];
        return t;
    }
    // The same elements under new shapes (row-major); the view must be
    // contiguous. Returns the view unchanged with ndims 0 when it is not or
    // the element counts differ (the runtime refuses such a tensor with
    // INVALID_ARGS when a task uses it).
    template <typename S>
    ChipTensor reshape(const S* new_shapes, uint32_t new_ndims) const {
        ChipTensor t = *this;
        uint64_t n = 1;
        for (uint32_t i = 0; i < new_ndims && i < PTO2_MAX_TENSOR_DIMS; ++i) n *= new_shapes[i];
        if (!is_contiguous() || n != numel() || new_ndims > PTO2_MAX_TENSOR_DIMS) {
            t.ndims = 0;
            return t;
        }
        t.ndims = new_ndims;
        int64_t stride = 1;
        for (uint32_t i = new_ndims; i-- > 0;) {
            t.shapes[i] = static_cast<uint64_t>(new_shapes[i]);
            t.strides[i] = stride;
            stride *= static_cast<int64_t>(new_shapes[i]);
        }
        for (uint32_t i = new_ndims; i < PTO2_MAX_TENSOR_DIMS; ++i) {
            t.shapes[i] = 0;
            t.strides[i] = 0;
        }
        return t;
    }
    ChipTensor reshape(std::initializer_list<uint64_t> new_shapes) const {
        uint64_t s[PTO2_MAX_TENSOR_DIMS] = {};
        copy_list(new_shapes, s);
        return reshape(s, static_cast<uint32_t>(new_shapes.size()));
    }

private:
    static void copy_list(std::initializer_list<uint64_t> from, uint64_t* to) {
        uint32_t i = 0;
        for (uint64_t v : from) {
            if (i < PTO2_MAX_TENSOR_DIMS) to[i++] = v;
        }
    }
};

static_assert(sizeof(ChipTensor) == 128, "the descriptor is two cache lines");

// A dense row-major descriptor of `ndims` dimensions over a whole buffer.
inline ChipTensor make_chip_tensor(uint64_t addr, const uint64_t* shapes, uint32_t ndims,
                                   DataType dtype) {
    ChipTensor t{};
    t.dtype = dtype;
    t.ndims = ndims;
    int64_t stride = 1;
    for (uint32_t i = ndims; i-- > 0;) {
        t.shapes[i] = shapes[i];
        t.strides[i] = stride;
        stride *= static_cast<int64_t>(shapes[i]);
    }
    t.buffer.addr = addr;
    t.buffer.size = static_cast<uint64_t>(stride) * get_element_size(dtype);
    return t;
}

// A scalar argument word as a T and back, bit for bit (upstream's names).
// to_u64 zero-extends: an int32_t -1 becomes 0x00000000FFFFFFFF and a float
// its bit pattern in the low 32 bits.
template <typename T>
inline T from_u64(uint64_t word) {
    static_assert(sizeof(T) <= sizeof(uint64_t), "a scalar argument is at most 64 bits");
    T value;
    __builtin_memcpy(&value, &word, sizeof(T));  // inlined: kernels call no library
    return value;
}

template <typename T>
inline uint64_t to_u64(T value) {
    static_assert(sizeof(T) <= sizeof(uint64_t), "a scalar argument is at most 64 bits");
    uint64_t word = 0;
    __builtin_memcpy(&word, &value, sizeof(T));
    return word;
}
