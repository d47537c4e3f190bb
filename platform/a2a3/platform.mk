# a2a3: Ascend 910B-class device through the CANN toolkit at ASCEND_HOME_PATH.
#   host runtime     host C++ compiler, CANN runtime headers, -lruntime -lascendcl
#   AICPU scheduler  the toolkit's aarch64 cross compiler, a shared object
#   AICore executor  ccec, every source twice (AIC and AIV), ld.lld into one object
#   kernels          ccec, one object each; the device loads only its .text
# Without the toolkit every target says which part is missing, builds
# nothing and exits 1 (make's question mode does the exit code).

ASCEND_HOME_PATH ?=
ASCEND_DEVICE_ARCH ?= aarch64
A2A3_TOOLS := bin/ccec bin/ld.lld tools/hcc/bin/aarch64-target-linux-gnu-gcc \
	tools/hcc/bin/aarch64-target-linux-gnu-g++
A2A3_MISSING := $(if $(strip $(ASCEND_HOME_PATH)),$(strip $(foreach t,$(A2A3_TOOLS),\
	$(if $(wildcard $(ASCEND_HOME_PATH)/$(t)),,$(t)))),ASCEND_HOME_PATH)

ifeq ($(A2A3_MISSING),ASCEND_HOME_PATH)
$(info PLATFORM=a2a3 needs the CANN toolkit: set ASCEND_HOME_PATH to it, e.g. export ASCEND_HOME_PATH=/usr/local/Ascend/ascend-toolkit/latest (nothing was built))
else ifneq ($(A2A3_MISSING),)
$(info PLATFORM=a2a3: ASCEND_HOME_PATH=$(ASCEND_HOME_PATH) has no $(firstword $(A2A3_MISSING)); point it at a CANN toolkit folder (nothing was built))
endif
ifneq ($(A2A3_MISSING),)
PLATFORM_UNAVAILABLE := 1
MAKEFLAGS += -q
endif

ASCEND := $(ASCEND_HOME_PATH)
ifeq ($(origin CXX),default)
CXX := $(firstword $(foreach c,g++ clang++ c++,$(call path_find,$(c))))
endif
CCEC := $(ASCEND)/bin/ccec
AICORE_LD := $(ASCEND)/bin/ld.lld
AICPU_CROSS_CXX := $(ASCEND)/tools/hcc/bin/aarch64-target-linux-gnu-g++

PTO_ISA_ROOT ?=
PTO_ISA_INCLUDES := $(if $(PTO_ISA_ROOT),-I$(PTO_ISA_ROOT)/include -I$(PTO_ISA_ROOT)/include/pto)

HOST_CXX := $(CXX)
AICPU_CXX := $(AICPU_CROSS_CXX)
AICORE_CXX := $(CCEC)
ORCH_CXX := $(CXX)
KERNEL_CXX := $(CCEC)

PLATFORM_CXXFLAGS := -std=c++17 -O2 -g -fPIC -Wall -Wextra -Werror=return-type -pthread -D__PLATFORM_A2A3__
PLATFORM_LDFLAGS := -shared -pthread
PLATFORM_LDLIBS := -ldl
# The host library and the AICPU object export their API only (PTO_EXPORT).
RUNTIME_VISIBILITY := -fvisibility=hidden -fvisibility-inlines-hidden
HOST_CXXFLAGS := $(PLATFORM_CXXFLAGS) $(RUNTIME_VISIBILITY) -I$(ASCEND)/include -I$(ASCEND)/pkg_inc \
	-I$(ASCEND)/pkg_inc/runtime -I$(ASCEND)/pkg_inc/profiling
HOST_LDFLAGS := $(PLATFORM_LDFLAGS) -Wl,--version-script=platform/shared/exports.map
HOST_LDLIBS := -L$(ASCEND)/lib64 -L$(ASCEND)/runtime/lib64 -lruntime -lascendcl -ldl
AICPU_CXXFLAGS := -std=c++17 -O2 -g -fPIC -Wall -Wextra -pthread -D__PLATFORM_A2A3__ $(RUNTIME_VISIBILITY) \
	-I$(ASCEND)/include -I$(ASCEND)/include/toolchain -I$(ASCEND)/pkg_inc/base
AICPU_LDFLAGS := -shared -pthread -Wl,--version-script=platform/shared/exports.map -L$(ASCEND)/$(ASCEND_DEVICE_ARCH)-linux/devlib/linux/aarch64 \
	-L$(ASCEND)/$(ASCEND_DEVICE_ARCH)-linux/devlib/device -L$(ASCEND)/lib64
AICPU_LDLIBS := -ldl
ORCH_CXXFLAGS := $(PLATFORM_CXXFLAGS)

# ccec flags (CONTRACT.md section 4).
CCE_COMMON_FLAGS := -c -O3 -g -x cce -std=c++17 --cce-aicore-only -mllvm -cce-aicore-stack-size=0x8000 \
	-mllvm -cce-aicore-function-stack-size=0x8000 -mllvm -cce-aicore-record-overflow=false \
	-mllvm -cce-aicore-addr-transform -mllvm -cce-aicore-dcci-insert-for-scalar=false -DMEMORY_BASE \
	$(PTO_ISA_INCLUDES)
CCE_AIC_FLAGS := --cce-aicore-arch=dav-c220-cube -D__AIC__
CCE_AIV_FLAGS := --cce-aicore-arch=dav-c220-vec -D__AIV__
AICORE_CXXFLAGS := $(CCE_COMMON_FLAGS) -D__PLATFORM_A2A3__
KERNEL_CXXFLAGS := $(CCE_COMMON_FLAGS)

# The AICore executor: its own time and wait code (no libc on AICore).
PLATFORM_AICORE_DIRS := aicore
PLATFORM_AICORE_BINARY := libpto_aicore.o

# Every AICore source twice, combined per core type with ld.lld -r, then
# linked into one object at address 0.
define platform_aicore_rule
AICORE_SRCS := $$(call sources_in,$$(AICORE_DIRS))
AICORE_AIC_OBJS := $$(patsubst %.cpp,$$(OUT)/aicore-aic/%.o,$$(AICORE_SRCS))
AICORE_AIV_OBJS := $$(patsubst %.cpp,$$(OUT)/aicore-aiv/%.o,$$(AICORE_SRCS))
$$(OUT)/aicore-aic/%.o: %.cpp $$(AICORE_CMD)
	@mkdir -p $$(@D)
	$$(call say,CCEC,$$< (AIC))
	$$(Q)$$(CCEC) $$(AICORE_CXXFLAGS) $$(CCE_AIC_FLAGS) $$(AICORE_INCLUDES) -MMD -MP -o $$@ $$<
$$(OUT)/aicore-aiv/%.o: %.cpp $$(AICORE_CMD)
	@mkdir -p $$(@D)
	$$(call say,CCEC,$$< (AIV))
	$$(Q)$$(CCEC) $$(AICORE_CXXFLAGS) $$(CCE_AIV_FLAGS) $$(AICORE_INCLUDES) -MMD -MP -o $$@ $$<
-include $$(AICORE_AIC_OBJS:.o=.d) $$(AICORE_AIV_OBJS:.o=.d)
$$(OUT)/aicore_aic.o: $$(AICORE_AIC_OBJS)
	$$(Q)$$(AICORE_LD) -r -o $$@ $$^
$$(OUT)/aicore_aiv.o: $$(AICORE_AIV_OBJS)
	$$(Q)$$(AICORE_LD) -r -o $$@ $$^
$$(AICORE_LIB): $$(OUT)/aicore_aic.o $$(OUT)/aicore_aiv.o
	$$(call say,LD.LLD,$$@)
	$$(Q)$$(AICORE_LD) -m aicorelinux -Ttext=0 -static -n -o $$@ $$^
endef

# Kernels: one object each, compiled for their core type.
platform_kernel_outputs = $(EX_KERNEL_$(1)_OBJ)
platform_check_kernels :=
PLATFORM_KERNEL_COMMAND = $(CCEC) $(KERNEL_CXXFLAGS) | $(CCE_AIC_FLAGS) | $(CCE_AIV_FLAGS)

define platform_kernel_rule
$$(EX_KERNEL_$(1)_OBJ): $$(EX_KERNEL_$(1)_SRC) $$(EX_KERNEL_CMD)
	@mkdir -p $$(@D)
	$$(call say,CCEC,$$(EX_KERNEL_$(1)_SRC))
	$$(Q)$$(CCEC) $$(KERNEL_CXXFLAGS) $(if $(filter aic,$(EX_KERNEL_$(1)_CORE)),$$(CCE_AIC_FLAGS),$$(CCE_AIV_FLAGS)) \
		-I$$(dir $$(EX_KERNEL_$(1)_SRC)) $$(addprefix -I,$$(EX_KERNEL_$(1)_INCLUDES)) \
		-MMD -MP -MF $$(@:.o=.od) -MT $$@ -o $$@ $$<
endef
