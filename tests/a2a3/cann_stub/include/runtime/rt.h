// Declarations-only stand-in for the CANN runtime calls platform/a2a3/host
// uses, so `make check` can compile those sources (syntax and types) without
// the toolkit. Mirrors the toolkit's signatures; nothing here has a body and
// nothing is linked against it.
#pragma once

#include <cstddef>
#include <cstdint>

extern "C" {

typedef int32_t rtError_t;
typedef void* rtStream_t;
typedef void* rtSmDesc_t;
typedef uint32_t rtMemType_t;
typedef char char_t;

static const rtError_t RT_ERROR_NONE = 0;
static const rtMemType_t RT_MEMORY_HBM = 0x2U;
static const uint32_t RT_DEV_BINARY_MAGIC_ELF = 0x43554245U;
static const uint32_t KERNEL_TYPE_AICPU_KFC = 5U;
static const uint8_t RT_SCHEM_MODE_BATCH = 1U;

typedef enum tagRtMemcpyKind {
    RT_MEMCPY_HOST_TO_HOST = 0,
    RT_MEMCPY_HOST_TO_DEVICE,
    RT_MEMCPY_DEVICE_TO_HOST,
    RT_MEMCPY_DEVICE_TO_DEVICE,
} rtMemcpyKind_t;

typedef struct tagRtHostInputInfo {
    uint32_t addrOffset;
    uint32_t dataOffset;
} rtHostInputInfo_t;

typedef struct tagRtAicpuArgsEx {
    void* args;
    rtHostInputInfo_t* hostInputInfoPtr;
    rtHostInputInfo_t* kernelOffsetInfoPtr;
    uint32_t argsSize;
    uint16_t hostInputInfoNum;
    uint16_t kernelOffsetInfoNum;
    uint32_t soNameAddrOffset;
    uint32_t kernelNameAddrOffset;
    bool isNoNeedH2DCopy;
    uint8_t reserved[3];
} rtAicpuArgsEx_t;

typedef struct tagRtArgsEx {
    void* args;
    rtHostInputInfo_t* hostInputInfoPtr;
    uint32_t argsSize;
    uint32_t tilingAddrOffset;
    uint32_t tilingDataOffset;
    uint16_t hostInputInfoNum;
    uint8_t hasTiling;
    uint8_t isNoNeedH2DCopy;
    uint8_t reserved[4];
} rtArgsEx_t;

typedef struct tagRtTaskCfgInfo {
    uint8_t qos;
    uint8_t partId;
    uint8_t schemMode;
    uint8_t res[1];
    uint32_t blockDimOffset;
} rtTaskCfgInfo_t;

typedef struct tagRtDevBinary {
    uint32_t magic;
    uint32_t version;
    const void* data;
    uint64_t length;
} rtDevBinary_t;

rtError_t rtSetDevice(int32_t devId);
rtError_t rtDeviceReset(int32_t devId);
rtError_t rtStreamCreate(rtStream_t* stm, int32_t priority);
rtError_t rtStreamDestroy(rtStream_t stm);
rtError_t rtStreamSynchronizeWithTimeout(rtStream_t stm, int32_t timeout);
rtError_t rtMalloc(void** devPtr, uint64_t size, rtMemType_t type, const uint16_t moduleId);
rtError_t rtFree(void* devPtr);
rtError_t rtMemcpy(void* dst, uint64_t destMax, const void* src, uint64_t cnt, rtMemcpyKind_t kind);
rtError_t rtAicpuKernelLaunchExWithArgs(const uint32_t kernelType, const char_t* const opName,
                                        const uint32_t blockDim, const rtAicpuArgsEx_t* argsInfo,
                                        rtSmDesc_t* const smDesc, const rtStream_t stm,
                                        const uint32_t flags);
rtError_t rtRegisterAllKernel(const rtDevBinary_t* bin, void** hdl);
rtError_t rtDevBinaryUnRegister(void* hdl);
rtError_t rtKernelLaunchWithHandleV2(void* hdl, const uint64_t tilingKey, uint32_t blockDim,
                                     rtArgsEx_t* argsInfo, rtSmDesc_t* smDesc, rtStream_t stm,
                                     const rtTaskCfgInfo_t* cfgInfo);

}  // extern "C"
