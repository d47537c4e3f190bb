#include "pto_status.h"

#include "export.h"

extern "C" PTO_EXPORT const char* pto_status_name(int code) {
    switch (code) {
        case PTO_OK:
            return "PTO_OK";
        case PTO_ERR_INVALID_ARGUMENT:
            return "PTO_ERR_INVALID_ARGUMENT";
        case PTO_ERR_OUT_OF_MEMORY:
            return "PTO_ERR_OUT_OF_MEMORY";
        case PTO_ERR_LOAD_BINARY:
            return "PTO_ERR_LOAD_BINARY";
        case PTO_ERR_SYMBOL_NOT_FOUND:
            return "PTO_ERR_SYMBOL_NOT_FOUND";
        case PTO_ERR_ORCHESTRATION:
            return "PTO_ERR_ORCHESTRATION";
        case PTO_ERR_LIMIT_EXCEEDED:
            return "PTO_ERR_LIMIT_EXCEEDED";
        case PTO_ERR_UNREGISTERED_KERNEL:
            return "PTO_ERR_UNREGISTERED_KERNEL";
        case PTO_ERR_BAD_LAUNCH_CONFIG:
            return "PTO_ERR_BAD_LAUNCH_CONFIG";
        case PTO_ERR_TIMEOUT:
            return "PTO_ERR_TIMEOUT";
        case PTO_ERR_SCHEDULER:
            return "PTO_ERR_SCHEDULER";
        case PTO_ERR_NOT_INITIALIZED:
            return "PTO_ERR_NOT_INITIALIZED";
        case PTO_ERR_DEVICE:
            return "PTO_ERR_DEVICE";
        case PTO_ERR_INVALID_GRAPH:
            return "PTO_ERR_INVALID_GRAPH";
        case PTO_ERR_KERNEL_FAULT:
            return "PTO_ERR_KERNEL_FAULT";
        case PTO_ERR_BUSY:
            return "PTO_ERR_BUSY";
        case PTO_ERR_DEVICE_LOST:
            return "PTO_ERR_DEVICE_LOST";
        case PTO_ERR_BLOCK_RACE:
            return "PTO_ERR_BLOCK_RACE";
        default:
            return "PTO_ERR_UNKNOWN";
    }
}
