# PTO task-graph runtime: one non-recursive Makefile.
#
#   make build            runtime binaries for PLATFORM/RUNTIME and the Swift tools
#   make run EXAMPLE=x    build the example's C++ and run it end to end
#   make check            everything CI runs
#   make deps             install or check the system packages the build needs
#   make docs             regenerate docs/reference/c-api.md from the C API headers
#   make clean            remove build/
#
# Source folders map to binaries (see runtime/<name>/runtime.mk):
#   host runtime   platform/shared/host + platform/<P>/{common,host} + runtime/<R>/<HOST_DIRS>
#                  (+ the platform's PLATFORM_HOST_DIRS)
#   AICPU          platform/shared/aicpu + platform/<P>/{common,aicpu} + runtime/<R>/<AICPU_DIRS>
#   AICore         platform/<P>/{common,aicore} + runtime/<R>/<AICORE_DIRS>
#   device program the platform's PLATFORM_DEVICE_DIRS, when it names a
#                  PLATFORM_DEVICE_PROGRAM (the simulator's device process)
# Objects mirror the source tree under build/<P>/<R>/<binary>/.

.DEFAULT_GOAL := build
.DELETE_ON_ERROR:
.SUFFIXES:

PLATFORM ?= a2a3sim
# A program on PATH, found without starting a shell.
path_find = $(firstword $(wildcard $(addsuffix /$(1),$(subst :, ,$(PATH)))))
# The Python of every step (the config, golden and scene-test steps):
# PYTHON=/path/to/python on the command line decides for all of them.
ifeq ($(origin PYTHON),undefined)
PYTHON := $(firstword $(foreach p,python3 python,$(call path_find,$(p))))
endif
# An example names the runtime it is written for (kernel_config.py
# RUNTIME_CONFIG); without RUNTIME= that one is built and run. A RUNTIME=
# that differs from the example's is refused by the config step.
ifeq ($(origin RUNTIME),undefined)
ifneq ($(strip $(EXAMPLE)),)
ifeq ($(findstring ',$(EXAMPLE)),)
RUNTIME := $(shell $(PYTHON) tools/example_config.py runtime-of '$(if $(wildcard kernels/$(EXAMPLE)/.),kernels/$(EXAMPLE),$(EXAMPLE))' 2>/dev/null)
endif
endif
endif
RUNTIME := $(or $(RUNTIME),host_build_graph)
DEVICE ?= 0
# Unset: the example's RUNTIME_CONFIG, else 3 and 3 (the runner decides).
AICPU_THREADS ?=
BLOCK_DIM ?=
PTO_RUN_FLAGS ?=
V ?= 0

# Build in parallel by default; an explicit -j on the command line wins, and
# sub-makes follow their parent (recipes that start one pass -j$(NPROC)).
NPROC := $(shell nproc 2>/dev/null || echo 2)
ifeq ($(MAKELEVEL)$(filter -j% --jobserver%,$(MAKEFLAGS)),0)
MAKEFLAGS += -j$(NPROC)
endif

ROOT := $(patsubst %/,%,$(dir $(abspath $(lastword $(MAKEFILE_LIST)))))
BUILD_ROOT := build

ifeq ($(V),1)
Q :=
say :=
else
Q := @
say = @printf '  %-8s %s\n' '$(1)' '$(patsubst $(ROOT)/%,%,$(2))';
endif

# A header the user's code includes from a path with ':' would end every
# later build with "multiple target patterns": the compiler writes such
# paths into dependency files as they are. Escaped, make reads them as paths.
escape_depfile_colons = sed -i 's/\([^\\ ]\):\([^ ]\)/\1\\:\2/g' $(1)

# ---- platform and runtime ---------------------------------------------------
PLATFORMS := $(notdir $(patsubst %/platform.mk,%,$(wildcard platform/*/platform.mk)))
ifeq ($(filter $(PLATFORM),$(PLATFORMS)),)
$(error PLATFORM=$(PLATFORM) is not a platform of this tree; choose one of: $(PLATFORMS))
endif
# PTO-ISA headers: a checkout next to the project (../shared/third_party/
# pto-isa, where CI has one) is the default; PTO_ISA_ROOT= (empty) means none.
PTO_ISA_ROOT ?= $(abspath $(wildcard $(ROOT)/../shared/third_party/pto-isa))
include platform/$(PLATFORM)/platform.mk
# yes when PTO-ISA kernels can be built here (headers and a C++23 compiler).
PTO_ISA_USABLE := $(if $(PTO_ISA_ROOT),$(if $(wildcard $(PTO_ISA_ROOT)/include/pto/.),$(if $(PTO_CXX),yes)))

RUNTIME_MKS := $(wildcard runtime/*/runtime.mk)
RUNTIMES := $(notdir $(patsubst %/runtime.mk,%,$(RUNTIME_MKS)))
include $(RUNTIME_MKS)
ifeq ($(filter $(RUNTIME),$(RUNTIMES)),)
$(error RUNTIME=$(RUNTIME) is not a runtime of this tree; choose one of: $(RUNTIMES))
endif

# SANITIZE=address (ASan + UBSan) or SANITIZE=thread (TSan) builds every C++
# binary with the sanitizer, into folders of their own.
SANITIZE ?=
ifeq ($(SANITIZE),address)
SAN_FLAGS := -O1 -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
SAN_SUFFIX := -asan
else ifeq ($(SANITIZE),thread)
SAN_FLAGS := -O1 -fsanitize=thread -fno-omit-frame-pointer
SAN_SUFFIX := -tsan
else ifneq ($(SANITIZE),)
$(error SANITIZE=$(SANITIZE) is not supported; use SANITIZE=address or SANITIZE=thread)
endif
PLATFORM_CXXFLAGS += $(SAN_FLAGS)
PLATFORM_LDFLAGS += $(SAN_FLAGS)
HOST_CXXFLAGS += $(SAN_FLAGS)
AICPU_CXXFLAGS += $(SAN_FLAGS)
AICORE_CXXFLAGS += $(SAN_FLAGS)
DEVICE_CXXFLAGS += $(SAN_FLAGS)
DEVICE_LDFLAGS += $(SAN_FLAGS)
ORCH_CXXFLAGS += $(SAN_FLAGS)
KERNEL_CXXFLAGS += $(SAN_FLAGS)

HOST_LDFLAGS ?= $(PLATFORM_LDFLAGS)
HOST_LDLIBS ?= $(PLATFORM_LDLIBS)
AICPU_LDFLAGS ?= $(PLATFORM_LDFLAGS)
AICPU_LDLIBS ?= $(PLATFORM_LDLIBS)
AICORE_LDFLAGS ?= $(PLATFORM_LDFLAGS)

PLATFORM_OUT := $(BUILD_ROOT)/$(PLATFORM)$(SAN_SUFFIX)
OUT := $(PLATFORM_OUT)/$(RUNTIME)
RT_DIR := runtime/$(RUNTIME)
rt_dirs = $(addprefix $(RT_DIR)/,$($(RUNTIME)_$(1)_DIRS))

HOST_DIRS := platform/shared/host platform/$(PLATFORM)/common platform/$(PLATFORM)/host \
	$(PLATFORM_HOST_DIRS) $(call rt_dirs,HOST)
AICPU_DIRS := platform/shared/aicpu platform/$(PLATFORM)/common platform/$(PLATFORM)/aicpu $(call rt_dirs,AICPU)
PLATFORM_AICORE_DIRS ?= common aicore
AICORE_DIRS := $(addprefix platform/$(PLATFORM)/,$(PLATFORM_AICORE_DIRS)) $(call rt_dirs,AICORE)
ORCH_DIRS := $(call rt_dirs,ORCH)

# Each binary sees only the headers it may use: the platform's shared
# headers of its kind, the platform's own, and the runtime folders its
# runtime.mk names for it.
rt_includes = $(addprefix -I$(RT_DIR)/,$($(RUNTIME)_$(1)_INCLUDE_DIRS))
# Kernels see the runtime's kernel headers (the descriptor type they get).
KERNEL_CXXFLAGS += $(call rt_includes,KERNEL)
PTO_KERNEL_CXXFLAGS += $(call rt_includes,KERNEL)
HOST_INCLUDES := -Iplatform/include/common -Iplatform/include/host -Iplatform/shared/host \
	-Iplatform/$(PLATFORM)/common -Iplatform/$(PLATFORM)/host $(addprefix -I,$(PLATFORM_HOST_DIRS)) \
	$(call rt_includes,HOST)
AICPU_INCLUDES := -Iplatform/include/common -Iplatform/include/aicpu \
	-Iplatform/$(PLATFORM)/common $(call rt_includes,AICPU)
AICORE_INCLUDES := -Iplatform/include/common -Iplatform/include/aicore \
	-Iplatform/$(PLATFORM)/common $(call rt_includes,AICORE)
ORCH_INCLUDES := -Iplatform/include/common $(call rt_includes,ORCH)

# kbuild's if_changed idea: every output folder records the command line
# its outputs are built with (compiler, flags, include paths, PTO_ISA_ROOT);
# the record is rewritten only when that line changes, and outputs depend on
# it, so `make CXX=clang++` after a g++ build rebuilds what it affects and
# nothing else. $(call command_record,FILE,COMMAND) expands to FILE.
# A dry run (make -n) writes no record: a changed one is forced out of date
# instead, so the dry run shows what would rebuild and changes nothing. (A
# platform whose toolchain is missing writes nothing at all.)
DRY_RUN := $(findstring n,$(firstword -$(MAKEFLAGS)))
command_record = $(strip $(if $(PLATFORM_UNAVAILABLE),,$(if $(call differs,$(file <$(1)),$(2)),$(if $(DRY_RUN),$(eval $(call record_changed,$(1))),$(shell mkdir -p $(dir $(1)))$(file >$(1),$(strip $(2))))))$(1))
# A record that changed, in a dry run: "remade" by a recipe that does
# nothing, so its dependents count as out of date.
define record_changed
$(1): FORCE
	@:
endef
.PHONY: FORCE
FORCE:
differs = $(subst |@|$(strip $(2))|@|,,|@|$(strip $(1))|@|)$(subst |@|$(strip $(1))|@|,,|@|$(strip $(2))|@|)

sources_in = $(sort $(foreach d,$(1),$(wildcard $(d)/*.cpp)))
objects_of = $(patsubst %.cpp,$(OUT)/$(1)/%.o,$(2))

HOST_OBJS := $(call objects_of,host,$(call sources_in,$(HOST_DIRS)))
AICPU_OBJS := $(call objects_of,aicpu,$(call sources_in,$(AICPU_DIRS)))
AICORE_OBJS := $(call objects_of,aicore,$(call sources_in,$(AICORE_DIRS)))
ORCH_OBJS := $(call objects_of,orch,$(call sources_in,$(ORCH_DIRS)))
DEVICE_OBJS := $(call objects_of,device,$(call sources_in,$(PLATFORM_DEVICE_DIRS)))

HOST_LIB := $(OUT)/libpto_host.so
AICPU_LIB := $(OUT)/libpto_aicpu.so
AICORE_LIB := $(OUT)/$(or $(PLATFORM_AICORE_BINARY),libpto_aicore.so)
# The host library finds the device program next to itself.
DEVICE_PROGRAM := $(if $(PLATFORM_DEVICE_PROGRAM),$(OUT)/$(PLATFORM_DEVICE_PROGRAM))
RUNTIME_LIBS := $(HOST_LIB) $(AICPU_LIB) $(AICORE_LIB) $(DEVICE_PROGRAM)

# One pattern rule per binary: each has its own compiler, flags and includes,
# and its command-line record.
HOST_CMD := $(call command_record,$(OUT)/host/.command,$(HOST_CXX) $(HOST_CXXFLAGS) $(HOST_INCLUDES) | $(HOST_LDFLAGS) $(HOST_LDLIBS))
AICPU_CMD := $(call command_record,$(OUT)/aicpu/.command,$(AICPU_CXX) $(AICPU_CXXFLAGS) $(AICPU_INCLUDES) | $(AICPU_LDFLAGS) $(AICPU_LDLIBS))
AICORE_CMD := $(call command_record,$(OUT)/aicore/.command,$(AICORE_CXX) $(AICORE_CXXFLAGS) $(AICORE_INCLUDES) | $(AICORE_LDFLAGS) $(PLATFORM_LDLIBS))
ORCH_CMD := $(call command_record,$(OUT)/orch/.command,$(ORCH_CXX) $(ORCH_CXXFLAGS) $(ORCH_INCLUDES) | $(PLATFORM_LDFLAGS) $(PLATFORM_LDLIBS))
DEVICE_CMD := $(if $(DEVICE_PROGRAM),$(call command_record,$(OUT)/device/.command,$(DEVICE_CXX) $(DEVICE_CXXFLAGS) $(DEVICE_INCLUDES) | $(DEVICE_LDFLAGS) $(DEVICE_LDLIBS)))
define binary_objects
$(OUT)/$(1)/%.o: %.cpp $$($(2)_CMD)
	@mkdir -p $$(@D)
	$$(call say,CXX,$$<)
	$$(Q)$$($(2)_CXX) $$($(2)_CXXFLAGS) $$($(2)_INCLUDES) -MMD -MP -c $$< -o $$@
endef
$(eval $(call binary_objects,host,HOST))
$(eval $(call binary_objects,aicpu,AICPU))
$(eval $(call binary_objects,aicore,AICORE))
$(eval $(call binary_objects,orch,ORCH))
ifneq ($(DEVICE_PROGRAM),)
$(eval $(call binary_objects,device,DEVICE))
endif

# Each binary links with its own tools; a platform may replace the AICore
# step entirely (the device builds it twice and links with ld.lld).
$(HOST_LIB): $(HOST_OBJS) $(HOST_CMD) platform/shared/exports.map
	@mkdir -p $(@D)
	$(call say,LINK,$@)
	$(Q)$(HOST_CXX) $(HOST_LDFLAGS) -o $@ $(HOST_OBJS) $(HOST_LDLIBS)

$(AICPU_LIB): $(AICPU_OBJS) $(AICPU_CMD) platform/shared/exports.map
	@mkdir -p $(@D)
	$(call say,LINK,$@)
	$(Q)$(AICPU_CXX) $(AICPU_LDFLAGS) -o $@ $(AICPU_OBJS) $(AICPU_LDLIBS)

ifeq ($(origin platform_aicore_rule),undefined)
$(AICORE_LIB): $(AICORE_OBJS) $(AICORE_CMD) platform/shared/exports.map
	@mkdir -p $(@D)
	$(call say,LINK,$@)
	$(Q)$(AICORE_CXX) $(AICORE_LDFLAGS) -o $@ $(AICORE_OBJS) $(PLATFORM_LDLIBS)
else
$(eval $(platform_aicore_rule))
endif

ifneq ($(DEVICE_PROGRAM),)
$(DEVICE_PROGRAM): $(DEVICE_OBJS) $(DEVICE_CMD)
	@mkdir -p $(@D)
	$(call say,LINK,$@)
	$(Q)$(DEVICE_CXX) $(DEVICE_LDFLAGS) -o $@ $(DEVICE_OBJS) $(DEVICE_LDLIBS)
endif

.PHONY: runtime
runtime: $(RUNTIME_LIBS)

-include $(HOST_OBJS:.o=.d) $(AICPU_OBJS:.o=.d) $(AICORE_OBJS:.o=.d) $(ORCH_OBJS:.o=.d) \
	$(DEVICE_OBJS:.o=.d)

# ---- dependencies of the build ---------------------------------------------
DEPS_STAMP := $(BUILD_ROOT)/.deps-ok

$(DEPS_STAMP): tools/install_deps.sh
	$(Q)PYTHON=$(PYTHON) sh tools/install_deps.sh
	@mkdir -p $(@D) && touch $@

.PHONY: deps
deps:
	$(Q)PYTHON=$(PYTHON) sh tools/install_deps.sh
	@mkdir -p $(BUILD_ROOT) && touch $(DEPS_STAMP)

# ---- Swift tools -------------------------------------------------------------
SWIFT ?= $(firstword $(call path_find,swift) /opt/swift/usr/bin/swift)
SWIFT_CONFIG ?= debug
SWIFT_OUT := $(BUILD_ROOT)/swift
SWIFT_BIN := $(SWIFT_OUT)/$(SWIFT_CONFIG)
PTO_RUN := $(SWIFT_BIN)/pto-run
SWIFT_SOURCES := Package.swift $(shell find src -name '*.swift' 2>/dev/null)
SWIFT_STAMP := $(SWIFT_OUT)/.tools-$(SWIFT_CONFIG)

# swift build is incremental by itself; the stamp only spares starting it
# when no Swift source changed.
$(SWIFT_STAMP): $(SWIFT_SOURCES) | $(DEPS_STAMP)
	$(call say,SWIFT,build -c $(SWIFT_CONFIG))
	$(Q)$(SWIFT) build --scratch-path $(SWIFT_OUT) -c $(SWIFT_CONFIG) $(if $(filter 1,$(V)),,--quiet)
	@touch $@

.PHONY: swift-tools
swift-tools: $(SWIFT_STAMP)

# ---- fuzzing -------------------------------------------------------------------
# libFuzzer over the ELF library: make fuzz-elf SECONDS=N. New inputs go to
# build/fuzz/elf-corpus; the checked-in seeds stay as they are.
SWIFTC ?= $(dir $(SWIFT))swiftc
FUZZ_OUT := $(BUILD_ROOT)/fuzz
ELF_FUZZER := $(FUZZ_OUT)/elf-fuzzer
SECONDS ?= 60

$(ELF_FUZZER): $(wildcard src/PTOElf/*.swift) $(wildcard src/CElf/*) tests/fuzz/elf/ElfFuzzTarget.swift | $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(call say,FUZZER,$@)
	$(Q)$(SWIFTC) -sanitize=fuzzer,address -parse-as-library -module-name PTOElfFuzz -Isrc/CElf \
		$(filter %.swift,$^) -lelf -ldw -o $@ > $@.log 2>&1 || { cat $@.log; exit 1; }

.PHONY: fuzz-elf
fuzz-elf: $(ELF_FUZZER)
	@case '$(SECONDS)' in ''|*[!0-9]*) echo "fuzz-elf: SECONDS=$(SECONDS) must be a whole number of seconds, e.g. make fuzz-elf SECONDS=60"; exit 1;; esac
	@mkdir -p $(FUZZ_OUT)/elf-corpus && touch $(FUZZ_OUT)/.started
	$(Q)$(ELF_FUZZER) $(FUZZ_OUT)/elf-corpus tests/fuzz/elf/corpus -max_total_time=$(SECONDS) \
		-timeout=10 -rss_limit_mb=2048 -artifact_prefix=$(FUZZ_OUT)/ -print_final_stats=1 \
		> $(FUZZ_OUT)/elf-fuzz.log 2>&1; status=$$?; \
		grep -E '^(#[0-9]+.*(DONE|INITED)|Done |==[0-9]+==|SUMMARY)' $(FUZZ_OUT)/elf-fuzz.log; \
		found=$$(find $(FUZZ_OUT) -maxdepth 1 -newer $(FUZZ_OUT)/.started \
			\( -name 'crash-*' -o -name 'leak-*' -o -name 'timeout-*' -o -name 'oom-*' \)); \
		if [ $$status -ne 0 ] || [ -n "$$found" ]; then \
			echo "fuzz-elf: failed (exit $$status); inputs: $$found; log: $(FUZZ_OUT)/elf-fuzz.log"; exit 1; \
		fi; echo "fuzz-elf: crash-free for $(SECONDS) s"

# ---- examples ----------------------------------------------------------------
# EXAMPLE is a folder name under kernels/ or a path to an example folder.
# (A platform whose toolchain is missing has said so and builds nothing.)
ifneq ($(strip $(EXAMPLE))$(PLATFORM_UNAVAILABLE),)
ifneq ($(PLATFORM_UNAVAILABLE),)
.PHONY: example run
example run:
	@:
else
# Characters make or the shell read as syntax cannot be in the example's
# path (the config step checks the rest, and every source path): refused here,
# before any of them is parsed, naming the character.
comma := ,
hash := \#
ex_raw := $(value EXAMPLE)
EX_PATH_SYNTAX := $(firstword $(if $(word 2,$(ex_raw)),a-space) $(if $(findstring ',$(ex_raw)),a-quote-(')) \
	$(if $(findstring ",$(ex_raw)),a-double-quote-(")) $(if $(findstring $(hash),$(ex_raw)),'$(hash)') \
	$(if $(findstring $$,$(ex_raw)),'$$') $(if $(findstring %,$(ex_raw)),'%') \
	$(if $(findstring :,$(ex_raw)),':') $(if $(findstring ;,$(ex_raw)),';') \
	$(if $(findstring $(comma),$(ex_raw)),a-comma) $(if $(findstring \,$(ex_raw)),a-backslash))
ifneq ($(EX_PATH_SYNTAX),)
$(error example path '$(ex_raw)' contains $(subst -, ,$(EX_PATH_SYNTAX)), which make or the shell would read as syntax; move or rename the folder)
endif
# A scene test may be named by its file instead of its folder (a folder
# with several test_*.py): the folder is the file's.
EX_SCENE_FILE := $(if $(filter %.py,$(EXAMPLE)),$(abspath $(EXAMPLE)))
ifneq ($(EX_SCENE_FILE),)
ifeq ($(wildcard $(EX_SCENE_FILE)),)
$(error example '$(EXAMPLE)' not found: there is no file $(EX_SCENE_FILE); give a scene test's test_*.py, or a folder)
endif
endif
EXAMPLE_DIR := $(if $(EX_SCENE_FILE),$(patsubst %/,%,$(dir $(EX_SCENE_FILE))),$(if $(wildcard kernels/$(EXAMPLE)/.),kernels/$(EXAMPLE),$(EXAMPLE)))
EX_ABS := $(abspath $(EXAMPLE_DIR))
# What make hands the config step and the runner: the file, else the folder.
EX_ARG := $(or $(EX_SCENE_FILE),$(EX_ABS))
ifeq ($(wildcard $(EX_ABS)/.),)
$(error example '$(EXAMPLE)' not found: there is no folder kernels/$(EXAMPLE) nor $(EX_ABS); give a name under kernels/ or a path to an example folder)
endif
# What describes the example: its kernels/kernel_config.py, or an upstream
# scene test's test_*.py (tools/example_config.py reads either).
EX_CONFIG_FILE := $(or $(EX_SCENE_FILE),$(wildcard $(EX_ABS)/kernels/kernel_config.py),$(wildcard $(EX_ABS)/test_*.py))
ifeq ($(EX_CONFIG_FILE),)
$(error example '$(EXAMPLE)' has no kernels/kernel_config.py ($(EX_ABS)/kernels/kernel_config.py) and no test_*.py; an example needs one of them, see docs/guide/writing-an-example.md and docs/guide/upstream-scene-tests.md)
endif
# Examples outside kernels/ get the path's checksum in their build folder so
# two folders with the same name never share outputs.
EX_ID := $(if $(filter $(ROOT)/kernels/%,$(EX_ABS)),$(notdir $(EX_ABS)),$(notdir $(EX_ABS))$(if $(EX_SCENE_FILE),-$(basename $(notdir $(EX_SCENE_FILE))))-$(firstword $(shell printf '%s' '$(EX_ARG)' | cksum)))
EX_OUT := $(ROOT)/$(PLATFORM_OUT)/examples/$(EX_ID)
# Which source of a kernel with two the simulator builds: sim_source (its
# plain C++ twin; the default, which needs nothing more), source (the device
# kernel, PTO-ISA: needs PTO_ISA_ROOT and a C++23 compiler), or auto (source
# when those are there, else the twin). Each choice has a build description
# of its own.
KERNEL_SOURCE ?= sim_source
ifeq ($(filter $(KERNEL_SOURCE),auto source sim_source),)
$(error KERNEL_SOURCE=$(KERNEL_SOURCE) is not a choice; use auto, source or sim_source)
endif
EX_VARIANT := $(KERNEL_SOURCE)$(if $(PTO_ISA_USABLE),-pto)
EX_FRAGMENT := $(EX_OUT)/$(RUNTIME)/example-$(EX_VARIANT).mk
EX_ARTIFACTS := $(EX_OUT)/$(RUNTIME)/artifacts-$(EX_VARIANT).json
EX_ORCH_OUT := $(EX_OUT)/$(RUNTIME)/orchestration.so

# kernel_config.py -> make fragment + artifacts manifest, regenerated when the
# config (or the tool that reads it) changes.
$(EX_FRAGMENT): $(EX_CONFIG_FILE) tools/example_config.py tools/scene_golden.py | $(DEPS_STAMP)
	$(call say,CONFIG,$<)
	$(Q)$(PYTHON) tools/example_config.py make-fragment $(EX_ARG) --platform $(PLATFORM) \
		--runtime $(RUNTIME) --runtimes '$(RUNTIMES)' --arguments $(or $($(RUNTIME)_ARGUMENTS),words) \
		--fragment $@ --manifest $(EX_ARTIFACTS) \
		--kernel-out $(EX_OUT)/kernels --orch-out $(EX_ORCH_OUT) \
		--orch-include-dirs '$(patsubst -I%,%,$(filter -I%,$(ORCH_INCLUDES)))' \
		--orchestrator-threads $(or $($(RUNTIME)_ORCHESTRATOR_THREADS),0) \
		--runtime-out $(abspath $(OUT)) --aicore-binary $(notdir $(AICORE_LIB)) \
		--kernel-source $(KERNEL_SOURCE) --pto-isa $(if $(PTO_ISA_USABLE),yes,no)
	$(Q)test -f $@ || { echo "error: $(EX_CONFIG_FILE) ended the config step before it finished (does it call os._exit()?); kernel_config.py must only define ORCHESTRATION and KERNELS" >&2; exit 2; }
$(EX_ARTIFACTS): $(EX_FRAGMENT)
include $(EX_FRAGMENT)

# What the platform builds per kernel (shared object and/or object file),
# under the kernel folder's command-line record.
EX_KERNEL_CMD := $(call command_record,$(EX_OUT)/kernels/.command,$(PLATFORM_KERNEL_COMMAND))
EX_KERNEL_OUTS := $(foreach id,$(EX_KERNEL_IDS),$(call platform_kernel_outputs,$(id)))
$(eval $(platform_check_kernels))
$(foreach id,$(EX_KERNEL_IDS),$(eval $(call platform_kernel_rule,$(id))))

EX_ORCH_CMD := $(call command_record,$(dir $(EX_ORCH_OUT)).command,$(ORCH_CXX) $(ORCH_CXXFLAGS) $(ORCH_INCLUDES) | $(PLATFORM_LDFLAGS) $(PLATFORM_LDLIBS) $(ORCH_OBJS))
$(EX_ORCH_OUT): $(EX_ORCH_SRC) $(ORCH_OBJS) $(EX_ORCH_CMD)
	@mkdir -p $(@D)
	$(call say,ORCH,$<)
	$(Q)$(ORCH_CXX) $(ORCH_CXXFLAGS) $(ORCH_INCLUDES) -I$(dir $<) -MMD -MP -MF $(@:.so=.d) -MT $@ \
		$(PLATFORM_LDFLAGS) -Wl,-Bsymbolic -o $@ $< $(ORCH_OBJS) $(PLATFORM_LDLIBS)
	$(Q)$(call escape_depfile_colons,$(@:.so=.d))

-include $(EX_ORCH_OUT:.so=.d) $(patsubst %.o,%.od,$(filter %.o,$(EX_KERNEL_OUTS)))

.PHONY: example run
# Everything one run of the example needs. PRINT_ARTIFACTS=1 prints where
# the manifest is (the runner asks for it this way).
example: $(RUNTIME_LIBS) $(EX_ORCH_OUT) $(EX_KERNEL_OUTS) $(EX_ARTIFACTS)
ifeq ($(PRINT_ARTIFACTS),1)
	@echo "PTO_ARTIFACTS=$(EX_ARTIFACTS)"
endif

# The build step holds build/.build.lock, so two runs started together never
# compile the same files at once; the runs themselves go in parallel. It
# stops at its first error (-S) whatever -k the caller's make has: after a
# failed config step there is no description of what to build.
# PTO_RUN_ENV: environment for the runner alone (the sanitizer checks preload
# their runtime into it this way).
BUILD_LOCK := $(BUILD_ROOT)/.build.lock
# Where the user ran make (make -C keeps the shell's PWD): the runner takes
# relative --trace/--graph/--json-summary paths from there. Passed in the
# environment, unexpanded and unquoted, whatever characters the folder has.
export PTO_RUN_CALLER_DIR := $(or $(value PWD),$(CURDIR))
FLOCK := $(call path_find,flock)
run: | $(DEPS_STAMP)
	@mkdir -p $(BUILD_ROOT)
	$(Q)$(if $(FLOCK),$(FLOCK) $(BUILD_LOCK)) $(MAKE) --no-print-directory -S example swift-tools \
		EXAMPLE=$(EX_ARG) PLATFORM=$(PLATFORM) RUNTIME=$(RUNTIME) SANITIZE=$(SANITIZE)
	$(Q)env $(PTO_RUN_ENV) $(PTO_RUN) $(EX_ARG) --artifacts $(EX_ARTIFACTS) --platform $(PLATFORM) \
		--runtime $(RUNTIME) --device $(DEVICE) $(if $(AICPU_THREADS),--aicpu-threads $(AICPU_THREADS)) \
		$(if $(BLOCK_DIM),--block-dim $(BLOCK_DIM)) \
		$(if $(filter command line environment,$(origin PYTHON)),--python $(PYTHON)) $(PTO_RUN_FLAGS)
endif
else
.PHONY: example run
example run:
	@echo "make $@: set EXAMPLE to a folder name under kernels/ or a path, e.g. make $@ EXAMPLE=vector_example"; exit 1
endif

# ---- tests -------------------------------------------------------------------
include tools/docs/docs.mk
include tests/tests.mk

# ---- user entry points -------------------------------------------------------
.PHONY: build clean
build: $(DEPS_STAMP) $(RUNTIME_LIBS) swift-tools

clean:
	rm -rf $(BUILD_ROOT)
