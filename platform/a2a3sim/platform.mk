# a2a3sim: the runtime binaries are host shared objects; kernels are shared
# objects loaded with dlopen. Each simulated device is a process of its own
# (the pto_sim_device program, from device/), which loads the AICPU, AICore
# and kernel objects and runs launches; the host library talks to it
# through channel/. Needs only a C++17 compiler.

# Compilers are found, not assumed; CXX=... on the command line wins.
ifeq ($(origin CXX),default)
CXX := $(firstword $(foreach c,g++ clang++ c++,$(call path_find,$(c))))
endif
ifeq ($(strip $(CXX)),)
$(error no C++ compiler found: install g++ (apt-get install g++) or pass CXX=/path/to/c++)
endif

# EXTRA_CXXFLAGS: the user's own flags for every C++ compile (make run
# EXTRA_CXXFLAGS=-O0 ...); a change rebuilds what they reach.
EXTRA_CXXFLAGS ?=
PLATFORM_CXXFLAGS := -std=c++17 -O2 -g -fPIC -Wall -Wextra -Werror=return-type -pthread $(EXTRA_CXXFLAGS)
PLATFORM_LDFLAGS := -shared -pthread
PLATFORM_LDLIBS := -ldl
RUNTIME_EXPORTS := -Wl,--version-script=platform/shared/exports.map

HOST_CXX := $(CXX)
DEVICE_CXX := $(CXX)
AICPU_CXX := $(CXX)
AICORE_CXX := $(CXX)
ORCH_CXX := $(CXX)
KERNEL_CXX := $(CXX)

# The runtime binaries export their API and nothing else (PTO_EXPORT): the
# AICPU and AICore objects never bind to the host library's copies of the
# functions they share with it, and their own calls skip the PLT.
# Orchestrations and kernels keep default visibility (their entry points
# carry no export marking).
RUNTIME_VISIBILITY := -fvisibility=hidden -fvisibility-inlines-hidden
HOST_CXXFLAGS := $(PLATFORM_CXXFLAGS) $(RUNTIME_VISIBILITY)
# The host library keeps a supervisor thread per device process while the
# process is up; it runs the library's code, so a dlclose must not unmap it
# under them.
HOST_LDFLAGS = $(PLATFORM_LDFLAGS) $(RUNTIME_EXPORTS) -Wl,-z,nodelete
AICPU_LDFLAGS = $(PLATFORM_LDFLAGS) $(RUNTIME_EXPORTS)
AICORE_LDFLAGS = $(PLATFORM_LDFLAGS) $(RUNTIME_EXPORTS)
AICPU_CXXFLAGS := $(PLATFORM_CXXFLAGS) $(RUNTIME_VISIBILITY)
# The device program: its own folder, the control channel it shares with
# the host library, and the platform's common headers (limits, the launch
# arguments, the protocol).
PLATFORM_HOST_DIRS := platform/a2a3sim/channel
PLATFORM_DEVICE_PROGRAM := pto_sim_device
PLATFORM_DEVICE_DIRS := platform/a2a3sim/device platform/a2a3sim/channel
DEVICE_CXXFLAGS := $(PLATFORM_CXXFLAGS) $(RUNTIME_VISIBILITY)
DEVICE_INCLUDES := -Iplatform/include/common -Iplatform/a2a3sim/common -Iplatform/a2a3sim/channel \
	-Iplatform/a2a3sim/device
# The program exports the calls its descriptor guard defines
# (device/device_descriptors.h), so the code it loads binds to them.
DEVICE_LDFLAGS := -pthread -Wl,--dynamic-list=platform/a2a3sim/device/interposed_symbols.list
DEVICE_LDLIBS := -ldl
AICORE_CXXFLAGS := $(PLATFORM_CXXFLAGS) $(RUNTIME_VISIBILITY)
ORCH_CXXFLAGS := $(PLATFORM_CXXFLAGS)
# Kernels see the AICore qualifiers as empty macros, so device-style sources
# (__aicore__, __gm__) compile unchanged.
# On an x86 CPU with F16C, float16 conversions compile to its instructions
# instead of calls into libgcc (which a kernel loaded as raw .text, the
# device's way, could not make).
# Loops that zero or copy stay loops (g++ would call memset/memcpy, which
# raw .text cannot reach either; a device compiler never calls them).
# Both, and the PTO-ISA compiler's probes, come from probes.mk's cache.
include platform/a2a3sim/probes.mk
KERNEL_F16C := $(PROBED_KERNEL_F16C)
KERNEL_NO_LIBCALLS := $(PROBED_KERNEL_NO_LIBCALLS)
KERNEL_CXXFLAGS := $(PLATFORM_CXXFLAGS) $(KERNEL_F16C) $(KERNEL_NO_LIBCALLS) -include aicore_qualifiers.h -Iplatform/include/aicore -Iplatform/include/common

# Kernels written against the PTO-ISA tile library (they include <pto/...>)
# build with its CPU simulation: C++23, by the first compiler found that
# accepts it (g++ 12 cannot compile the PTO-ISA headers; clang++ 21 can).
# The headers come in as system headers: a run shows warnings of the user's
# kernel, not of the library.
PTO_ISA_ROOT ?=
PTO_CXX ?= $(PROBED_PTO_CXX)
# (-Wno-pass-failed: clang reports loops of the library's CPU model it was
# asked to vectorise and could not; -isystem does not cover that kind.)
# bfloat16: the PTO-ISA headers need C++23 <stdfloat>'s std::bfloat16_t, or
# they compute bfloat16 as _Float16; a standard library without <stdfloat>
# gets platform/a2a3sim/compat/stdfloat (the compiler's __bf16).
PTO_BF16_FLAGS := $(if $(PROBED_PTO_BF16_NATIVE),,-isystem platform/a2a3sim/compat -D__STDCPP_BFLOAT16_T__=1)
# A bfloat16 conversion compiles to a call (__truncsfbf2) that libgcc 12
# lacks: a PTO-ISA kernel links clang's builtins archive statically when the
# compiler has one (only the routines it calls are taken).
PTO_KERNEL_BUILTINS := $(PROBED_PTO_BUILTINS)
PTO_KERNEL_CXXFLAGS = $(filter-out -std=c++17,$(PLATFORM_CXXFLAGS)) -std=c++23 -D__CPU_SIM $(PTO_BF16_FLAGS) \
	$(if $(findstring clang,$(PTO_CXX)),-Wno-pass-failed) \
	-DPTO_CPU_MAX_THREADS=1 -include aicore_qualifiers.h -Iplatform/include/aicore \
	-Iplatform/include/common -isystem $(PTO_ISA_ROOT)/include -isystem $(PTO_ISA_ROOT)/include/pto

# Stops before building anything when a PTO-ISA kernel cannot be built: one
# line naming the kernel and what to set, exit 1 (make's question mode).
pto_isa_problem = $(if $(PTO_ISA_ROOT),$(if $(wildcard $(PTO_ISA_ROOT)/include/pto/.),$(if $(PTO_CXX),,\
  no C++23 compiler found for PTO-ISA kernel $(EX_KERNEL_$(1)_SRC); install clang++ or pass PTO_CXX=/path/to/clang++),\
  PTO_ISA_ROOT=$(PTO_ISA_ROOT) has no include/pto folder; point it at a PTO-ISA checkout (kernel $(EX_KERNEL_$(1)_SRC) needs it)),\
  kernel $(EX_KERNEL_$(1)_SRC) (func_id $(1)) includes PTO-ISA headers <pto/...>: set PTO_ISA_ROOT to a PTO-ISA checkout$(comma) e.g. make run EXAMPLE=$(EXAMPLE) PTO_ISA_ROOT=/path/to/pto-isa)
comma := ,
PTO_ISA_FIRST_BAD = $(firstword $(foreach id,$(EX_KERNEL_IDS),$(if $(EX_KERNEL_$(id)_PTO),$(if $(call pto_isa_problem,$(id)),$(id)))))
define platform_check_kernels
ifneq ($$(PTO_ISA_FIRST_BAD),)
$$(info $$(strip $$(call pto_isa_problem,$$(PTO_ISA_FIRST_BAD))))
MAKEFLAGS += -q
endif
endef

platform_kernel_outputs = $(EX_KERNEL_$(1)_OUT) $(EX_KERNEL_$(1)_OBJ)
# What every kernel's build depends on, recorded per example (a changed
# PTO_ISA_ROOT or PTO_CXX rebuilds the kernels).
PLATFORM_KERNEL_COMMAND = $(KERNEL_CXX) $(KERNEL_CXXFLAGS) | $(PTO_CXX) $(PTO_KERNEL_CXXFLAGS) | $(PLATFORM_LDFLAGS) $(PLATFORM_LDLIBS) | $(PTO_KERNEL_BUILTINS)

# A PTO-ISA kernel's dependencies include the system headers (-MD): the
# PTO-ISA headers come in as system headers, and an update of them must
# rebuild the kernels. Each kernel is compiled once, to an object file (whose .text is what
# `pto-run --kernel-load text` loads, the device's way), and linked from it
# into the shared object the simulator loads by default: one compile, so a
# compile error shows once. $(1) = func_id.
# Each kernel is built for its core type (__DAV_CUBE__ for AIC,
# __DAV_VEC__ for AIV, as the device compiler defines them) with the
# include folders its config adds (EX_KERNEL_<id>_INCLUDES).
define platform_kernel_rule
$$(EX_KERNEL_$(1)_OBJ): $$(EX_KERNEL_$(1)_SRC) $$(EX_KERNEL_CMD)
	@mkdir -p $$(@D)
	$$(call say,KERNEL,$$(EX_KERNEL_$(1)_SRC))
	$$(Q)$(if $(EX_KERNEL_$(1)_PTO),$$(PTO_CXX) $$(PTO_KERNEL_CXXFLAGS),$$(KERNEL_CXX) $$(KERNEL_CXXFLAGS)) \
		$(if $(filter aic,$(EX_KERNEL_$(1)_CORE)),-D__DAV_CUBE__,-D__DAV_VEC__) \
		-I$$(dir $$(EX_KERNEL_$(1)_SRC)) $$(addprefix -I,$$(EX_KERNEL_$(1)_INCLUDES)) \
		$(if $(EX_KERNEL_$(1)_PTO),-MD,-MMD) -MP -MF $$(@:.o=.od) -MT $$@ -c -o $$@ $$<
	$$(Q)$$(call escape_depfile_colons,$$(@:.o=.od))

$$(EX_KERNEL_$(1)_OUT): $$(EX_KERNEL_$(1)_OBJ)
	$$(Q)$(if $(EX_KERNEL_$(1)_PTO),$$(PTO_CXX),$$(KERNEL_CXX)) $$(PLATFORM_LDFLAGS) -o $$@ $$< \
		$(if $(EX_KERNEL_$(1)_PTO),$$(PTO_KERNEL_BUILTINS)) $$(PLATFORM_LDLIBS)
endef
