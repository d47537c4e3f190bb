"""Argument directions and data types of upstream's task interface, and the
conversion of a scalar argument to its 64-bit word (SCENETEST.md §4)."""

import ctypes
import struct
from enum import IntEnum


class ArgDirection(IntEnum):
    SCALAR = 0
    IN = 1
    OUT = 2
    INOUT = 3


class DataType(IntEnum):
    """Upstream's DataType codes (tensor.h)."""
    FLOAT32 = 0
    FLOAT16 = 1
    INT32 = 2
    INT16 = 3
    INT8 = 4
    UINT8 = 5
    BFLOAT16 = 6
    INT64 = 7
    UINT64 = 8
    UINT16 = 9
    UINT32 = 10
    BOOL = 11


MASK64 = (1 << 64) - 1


def scalar_to_uint64(value) -> int:
    """The word a scalar argument becomes, as upstream converts it: a Python
    float (numpy float64 included) its float32 bit pattern; c_float and
    c_double their own patterns; other ctypes values their value masked to
    64 bits; anything else int(value) masked (numpy float32 is truncated)."""
    if isinstance(value, ctypes.c_float):
        return struct.unpack("<I", bytes(value))[0]
    if isinstance(value, ctypes.c_double):
        return struct.unpack("<Q", bytes(value))[0]
    if isinstance(value, ctypes._SimpleCData):
        return int(value.value) & MASK64
    if isinstance(value, float):
        return struct.unpack("<I", struct.pack("<f", value))[0]
    return int(value) & MASK64
