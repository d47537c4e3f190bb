# What the compilers here can do, probed once and kept in the build tree
# ($(PROBE_CACHE)), keyed by the compilers (path, size, modification time)
# and the probe set: a warm make starts no compiler before it has something
# to compile. A changed compiler, CXX=... or PTO_CXX=... probes again.
#
# In: CXX (found or given), PTO_CXX when the user gives it.
# Out: PROBED_KERNEL_F16C, PROBED_KERNEL_NO_LIBCALLS, PROBED_PTO_CXX, PROBED_PTO_BF16_NATIVE, PROBED_PTO_BUILTINS.

define newline


endef

# The probe set's version: bump it when a probe below changes.
PROBE_SET := 1
PROBE_CACHE := $(BUILD_ROOT)/a2a3sim/.probes.mk

# (path_find: the Makefile's PATH search, no shell.)
program_path = $(if $(findstring /,$(1)),$(wildcard $(1)),$(call path_find,$(1)))

probe_user_pto_cxx := $(if $(filter command line environment override,$(origin PTO_CXX)),$(PTO_CXX))
probe_candidates := $(if $(probe_user_pto_cxx),$(probe_user_pto_cxx),clang++ g++ c++)
probe_files := $(sort $(realpath $(foreach c,$(CXX) $(probe_candidates),$(call program_path,$(c)))))
# One process: stat reads what identifies each compiler's build.
PROBE_KEY_NOW := set$(PROBE_SET) CXX=$(CXX) PTO_CXX=$(probe_user_pto_cxx) \
	$(if $(probe_files),$(shell stat -L -c '%n:%s:%Y' $(probe_files) 2>/dev/null))

-include $(PROBE_CACHE)

ifneq ($(strip $(PROBED_KEY)),$(strip $(PROBE_KEY_NOW)))
# On an x86 CPU with F16C, float16 conversions compile to its instructions.
probe_f16c := $(if $(filter x86_64,$(shell uname -m)),$(if $(shell grep -qw f16c /proc/cpuinfo 2>/dev/null && echo y),-mf16c))
# Loops that zero or copy stay loops (g++ would call memset/memcpy, which
# raw .text cannot reach either; a device compiler never calls them).
probe_no_libcalls := $(shell $(CXX) -fno-tree-loop-distribute-patterns -x c++ -fsyntax-only /dev/null >/dev/null 2>&1 \
	&& echo -fno-tree-loop-distribute-patterns)
# PTO-ISA kernels need C++23: the first compiler found that accepts it
# (g++ 12 cannot compile the PTO-ISA headers; clang++ 21 can).
cxx23_ok = $(shell printf 'int main(){}' | $(1) -std=c++23 -x c++ -fsyntax-only - >/dev/null 2>&1 && echo yes)
probe_pto_cxx := $(firstword $(foreach c,$(probe_candidates),$(if $(call program_path,$(c)),$(if $(call cxx23_ok,$(c)),$(c)))))
# bfloat16: does the standard library have <stdfloat>'s std::bfloat16_t?
probe_bf16 := $(if $(probe_pto_cxx),$(shell printf '\043include <stdfloat>\n\043ifndef __STDCPP_BFLOAT16_T__\n\043error no bfloat16\n\043endif\n' \
	| $(probe_pto_cxx) -std=c++23 -x c++ -fsyntax-only - >/dev/null 2>&1 && echo native))
# clang's builtins archive (for __truncsfbf2, which libgcc 12 lacks).
probe_builtins := $(if $(findstring clang,$(probe_pto_cxx)),$(wildcard $(shell $(probe_pto_cxx) --rtlib=compiler-rt \
	-print-libgcc-file-name 2>/dev/null)))
# The key goes last: a file cut short by a concurrent make has none and is
# probed again. A dry run (make -n) writes nothing.
ifeq ($(findstring n,$(firstword -$(MAKEFLAGS))),)
$(shell mkdir -p $(dir $(PROBE_CACHE)))
$(file >$(PROBE_CACHE),PROBED_KERNEL_F16C := $(probe_f16c)$(newline)PROBED_KERNEL_NO_LIBCALLS := $(probe_no_libcalls)$(newline)PROBED_PTO_CXX := $(probe_pto_cxx)$(newline)PROBED_PTO_BF16_NATIVE := $(probe_bf16)$(newline)PROBED_PTO_BUILTINS := $(probe_builtins)$(newline)PROBED_KEY := $(strip $(PROBE_KEY_NOW)))
endif
PROBED_KERNEL_F16C := $(probe_f16c)
PROBED_KERNEL_NO_LIBCALLS := $(probe_no_libcalls)
PROBED_PTO_CXX := $(probe_pto_cxx)
PROBED_PTO_BF16_NATIVE := $(probe_bf16)
PROBED_PTO_BUILTINS := $(probe_builtins)
endif
