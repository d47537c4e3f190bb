# a2a3sim: every binary is a host shared object; kernels are shared objects
# loaded with dlopen. Needs only a C++17 compiler.

# Compilers are found, not assumed; CXX=... on the command line wins.
ifeq ($(origin CXX),default)
CXX := $(firstword $(foreach c,g++ clang++ c++,$(shell command -v $(c) 2>/dev/null)))
endif
ifeq ($(strip $(CXX)),)
$(error no C++ compiler found: install g++ (apt-get install g++) or pass CXX=/path/to/c++)
endif

PLATFORM_CXXFLAGS := -std=c++17 -O2 -g -fPIC -Wall -Wextra -Werror=return-type -pthread
PLATFORM_LDFLAGS := -shared -pthread
PLATFORM_LDLIBS := -ldl

HOST_CXX := $(CXX)
AICPU_CXX := $(CXX)
AICORE_CXX := $(CXX)
ORCH_CXX := $(CXX)
KERNEL_CXX := $(CXX)

HOST_CXXFLAGS := $(PLATFORM_CXXFLAGS)
AICPU_CXXFLAGS := $(PLATFORM_CXXFLAGS)
AICORE_CXXFLAGS := $(PLATFORM_CXXFLAGS)
ORCH_CXXFLAGS := $(PLATFORM_CXXFLAGS)
# Kernels see the AICore qualifiers as empty macros, so device-style sources
# (__aicore__, __gm__) compile unchanged.
KERNEL_CXXFLAGS := $(PLATFORM_CXXFLAGS) -include aicore_qualifiers.h -Iplatform/include/aicore -Iplatform/include/common

# One shared object per kernel: $(1) = func_id.
define platform_kernel_rule
$$(EX_KERNEL_$(1)_OUT): $$(EX_KERNEL_$(1)_SRC)
	@mkdir -p $$(@D)
	$$(call say,KERNEL,$$(EX_KERNEL_$(1)_SRC))
	$$(Q)$$(KERNEL_CXX) $$(KERNEL_CXXFLAGS) -I$$(dir $$(EX_KERNEL_$(1)_SRC)) -MMD -MP -MF $$(@:.so=.d) -MT $$@ \
		$$(PLATFORM_LDFLAGS) -o $$@ $$< $$(PLATFORM_LDLIBS)
endef
