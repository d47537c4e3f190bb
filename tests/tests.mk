# Tests: C++ tests of the Runtime API and of the scheduler on the simulator,
# Swift tests of the binding and the runner, and the examples end to end.
# Included by the top-level Makefile.

TEST_OUT := $(OUT)/tests
comma := ,
TEST_CXXFLAGS := $(PLATFORM_CXXFLAGS)
# Tests see what a user's program sees: the C API's headers, nothing of the
# runtime's internals (the layout test, which checks the shared layouts,
# excepted).
TEST_INCLUDES := -Iplatform/include/common -Iplatform/include/host -Itests/cpp
TEST_DEFINES := -DTEST_BINARY_DIR='"$(abspath $(TEST_OUT))"' -DRUNTIME_BINARY_DIR='"$(abspath $(OUT))"' \
	-DTEST_SOURCE_DIR='"$(abspath tests/cpp)"'
TEST_CMD := $(call command_record,$(TEST_OUT)/.command,$(CXX) $(TEST_CXXFLAGS) $(TEST_INCLUDES) $(TEST_DEFINES) | $(KERNEL_CXX) $(KERNEL_CXXFLAGS) | $(ORCH_CXX) $(ORCH_CXXFLAGS) $(ORCH_INCLUDES))

ORCHESTRATION_API_TEST := $(TEST_OUT)/orchestration_api_test
SCHEDULER_TEST := $(TEST_OUT)/scheduler_test
LAUNCH_BLOCK_TEST := $(TEST_OUT)/launch_block_test
TM_STRUCTURES_TEST := $(TEST_OUT)/tensormap_structures_test
TM_RINGS_TEST := $(TEST_OUT)/tensormap_rings_test
EVENT_COUNT_TEST := $(TEST_OUT)/event_count_test
TEST_KERNELS := $(patsubst tests/cpp/kernels/%.cpp,$(TEST_OUT)/%.so,$(wildcard tests/cpp/kernels/*.cpp))
TEST_ORCHS := $(patsubst tests/cpp/orchestration/%.cpp,$(TEST_OUT)/%.so,$(wildcard tests/cpp/orchestration/*.cpp))

# Tests that use the host library link it, as a user's program would.
$(ORCHESTRATION_API_TEST) $(SCHEDULER_TEST): $(TEST_OUT)/%: tests/cpp/%.cpp $(HOST_LIB) $(TEST_CMD)
	@mkdir -p $(@D)
	$(call say,TEST,$@)
	$(Q)$(CXX) $(TEST_CXXFLAGS) $(TEST_INCLUDES) $(TEST_DEFINES) -MMD -MP -MF $@.d -MT $@ \
		-o $@ $< -L$(OUT) -Wl,-rpath,$(abspath $(OUT)) -lpto_host -pthread

$(LAUNCH_BLOCK_TEST): tests/cpp/launch_block_test.cpp $(TEST_CMD)
	@mkdir -p $(@D)
	$(call say,TEST,$@)
	$(Q)$(CXX) $(TEST_CXXFLAGS) -Itests/cpp -Iplatform/include/common $(call rt_includes,AICORE) \
		-MMD -MP -MF $@.d -MT $@ -o $@ $< -pthread

# tensormap_and_ringbuffer's data structures on their own (its headers and
# a few sources, whatever RUNTIME is being built). A test built from several
# sources in one command gets its dependency file from a separate -MM pass
# over all of them: -MMD would keep only the last source's headers. The
# sources themselves are left out of it (the rule names them), so a renamed
# source leaves no stale prerequisite behind (.multi.d: files of the older
# form, which named them, are not read).
TM_DIR := runtime/tensormap_and_ringbuffer
TM_TEST_INCLUDES := -Itests/cpp -Iplatform/include/common -Iplatform/include/aicpu \
	-Iplatform/a2a3sim/common -I$(TM_DIR)/common -I$(TM_DIR)/kernel -I$(TM_DIR)/orchestration -I$(TM_DIR)/aicpu \
	-Iruntime/shared
define multi_source_test
	@mkdir -p $(@D)
	$(call say,TEST,$@)
	$(Q)for f in $(filter %.cpp,$^); do $(CXX) $(TEST_CXXFLAGS) $(TM_TEST_INCLUDES) -MM -MP -MT $@ $$f; done \
		| sed 's/[^ :]*\.cpp//g' > $@.multi.d
	$(Q)$(CXX) $(TEST_CXXFLAGS) $(TM_TEST_INCLUDES) -o $@ $(filter %.cpp,$^) -pthread
endef
# The ready queue and the tensor map.
$(TM_STRUCTURES_TEST): tests/cpp/tensormap_structures_test.cpp $(TM_DIR)/aicpu/tensor_map.cpp $(TEST_CMD)
	$(multi_source_test)
# The rings (heap placement, the reclaim watermark), with the simulator's doorbell.
$(TM_RINGS_TEST): tests/cpp/tensormap_rings_test.cpp platform/a2a3sim/common/event_count.cpp \
		platform/a2a3sim/common/time_source.cpp $(TEST_CMD)
	$(multi_source_test)
# The wake primitive, as the simulator implements it, with its test points.
$(EVENT_COUNT_TEST): TEST_CXXFLAGS += -DPTO_EVENT_COUNT_TEST_POINTS
$(EVENT_COUNT_TEST): tests/cpp/event_count_test.cpp platform/a2a3sim/common/event_count.cpp \
		platform/a2a3sim/common/time_source.cpp $(TEST_CMD)
	$(multi_source_test)

# The simulator platform's own parts (thread placement, the thread pool),
# built from their objects in the device program.
SIM_PLATFORM_TEST := $(if $(filter a2a3sim,$(PLATFORM)),$(TEST_OUT)/sim_platform_test)
SIM_PLATFORM_OBJS := $(filter %/sim_thread_placement.o %/sim_thread_pool.o,$(DEVICE_OBJS))
$(TEST_OUT)/sim_platform_test: tests/cpp/sim_platform_test.cpp $(SIM_PLATFORM_OBJS) $(TEST_CMD)
	@mkdir -p $(@D)
	$(call say,TEST,$@)
	$(Q)$(CXX) $(TEST_CXXFLAGS) -Itests/cpp -Iplatform/a2a3sim/device -Iplatform/include/common \
		-MMD -MP -MF $@.d -MT $@ -o $@ $< $(SIM_PLATFORM_OBJS) -pthread

# The fault kernel's faults are undefined behaviour on purpose: UBSan must
# let them reach the runtime's fault handling.
$(TEST_OUT)/fault_kernel.so: TEST_KERNEL_FLAGS := $(if $(filter address,$(SANITIZE)),-fno-sanitize=undefined)
$(TEST_OUT)/%.so: tests/cpp/kernels/%.cpp $(TEST_CMD)
	@mkdir -p $(@D)
	$(call say,KERNEL,$<)
	$(Q)$(KERNEL_CXX) $(KERNEL_CXXFLAGS) -MMD -MP -MF $(@:.so=.d) -MT $@ $(PLATFORM_LDFLAGS) \
		$(TEST_KERNEL_FLAGS) -o $@ $<

$(TEST_OUT)/%.so: tests/cpp/orchestration/%.cpp $(ORCH_OBJS) $(TEST_CMD)
	@mkdir -p $(@D)
	$(call say,ORCH,$<)
	$(Q)$(ORCH_CXX) $(ORCH_CXXFLAGS) $(ORCH_INCLUDES) -Itests/cpp -MMD -MP -MF $(@:.so=.d) -MT $@ \
		$(PLATFORM_LDFLAGS) -Wl,-Bsymbolic -o $@ $< $(ORCH_OBJS) $(PLATFORM_LDLIBS)

-include $(addsuffix .d,$(ORCHESTRATION_API_TEST) $(SCHEDULER_TEST) $(LAUNCH_BLOCK_TEST) $(SIM_PLATFORM_TEST)) \
	$(addsuffix .multi.d,$(TM_STRUCTURES_TEST) $(TM_RINGS_TEST) $(EVENT_COUNT_TEST)) \
	$(TEST_KERNELS:.so=.d) $(TEST_ORCHS:.so=.d)

# ---- benchmark -------------------------------------------------------------
BENCH_OUT := $(OUT)/bench
BENCH := $(BENCH_OUT)/runtime_bench
BENCH_JSON_DIR := $(BUILD_ROOT)/bench

$(BENCH): tests/bench/runtime_bench.cpp tests/bench/bench_graphs.h $(HOST_LIB) $(TEST_CMD)
	@mkdir -p $(@D)
	$(call say,BENCH,$@)
	$(Q)$(CXX) $(TEST_CXXFLAGS) $(TEST_INCLUDES) -MMD -MP -MF $@.d -MT $@ \
		-DBENCH_BINARY_DIR='"$(abspath $(BENCH_OUT))"' -DRUNTIME_BINARY_DIR='"$(abspath $(OUT))"' \
		-DBENCH_RUNTIME='"$(RUNTIME)"' \
		-o $@ $< -L$(OUT) -Wl,-rpath,$(abspath $(OUT)) -lpto_host -pthread

# Each object records the headers it read (-MMD), so a header change
# rebuilds it.
BENCH_DEPFLAGS = -MMD -MP -MF $(@:.so=.d) -MT $@

$(BENCH_OUT)/noop_kernel.so: tests/bench/noop_kernel.cpp
	@mkdir -p $(@D)
	$(Q)$(KERNEL_CXX) $(KERNEL_CXXFLAGS) $(BENCH_DEPFLAGS) $(PLATFORM_LDFLAGS) -o $@ $<

$(BENCH_OUT)/busy_kernel.so: tests/bench/noop_kernel.cpp
	@mkdir -p $(@D)
	$(Q)$(KERNEL_CXX) $(KERNEL_CXXFLAGS) -DBUSY_KERNEL $(BENCH_DEPFLAGS) $(PLATFORM_LDFLAGS) -o $@ $<

# The benchmark's graphs for the runtime being built: bench_orch_<runtime>.cpp
# where the runtime has one, else bench_orch.cpp (host_build_graph's API).
BENCH_ORCH_SRC := $(firstword $(wildcard tests/bench/bench_orch_$(RUNTIME).cpp) tests/bench/bench_orch.cpp)
$(BENCH_OUT)/bench_orch.so: $(BENCH_ORCH_SRC) tests/bench/bench_graphs.h $(ORCH_OBJS)
	@mkdir -p $(@D)
	$(Q)$(ORCH_CXX) $(ORCH_CXXFLAGS) $(ORCH_INCLUDES) $(BENCH_DEPFLAGS) $(PLATFORM_LDFLAGS) \
		-Wl,-Bsymbolic -o $@ $< $(ORCH_OBJS) $(PLATFORM_LDLIBS)

-include $(BENCH).d $(BENCH_OUT)/bench_orch.d $(BENCH_OUT)/noop_kernel.d $(BENCH_OUT)/busy_kernel.d

BENCH_ARGS ?=
.PHONY: bench bench-binaries bench-build-times
bench-binaries: $(BENCH) $(BENCH_OUT)/noop_kernel.so $(BENCH_OUT)/busy_kernel.so $(BENCH_OUT)/bench_orch.so \
	$(RUNTIME_LIBS)

# The runtimes `make bench` measures (every runtime folder), and the sizes
# of the streaming run, through the runtimes that declare <name>_BENCH_STREAM
# (rings at their defaults). Each runtime's runtime.mk names its AICPU
# threads : block_dim pairs (<name>_BENCH_CONFIGS).
BENCH_RUNTIMES ?= $(RUNTIMES)
BENCH_STREAM_SIZES ?= 1000000,10000000
BENCH_STREAM_RUNTIMES := $(foreach r,$(RUNTIMES),$(if $($(r)_BENCH_STREAM),$(r)))
# A runtime's pairs, or the benchmark's own default.
BENCH_CONFIGS_OF = $(or $($(RUNTIME)_BENCH_CONFIGS),1:1$(comma)1:3$(comma)3:3)

# One runtime's scheduler benchmark (RUNTIME=...), into scheduler-<runtime>.json.
# BENCH_LOAD=N measures every graph and launch cell again with N busy
# processes of the benchmark's own running, beside the idle figure.
BENCH_LOAD ?=
.PHONY: bench-scheduler bench-stream
bench-scheduler: bench-binaries
	@mkdir -p $(BENCH_JSON_DIR)
	@echo "== scheduler benchmark, $(RUNTIME): no-op kernels ($$(nproc) cores, $$(uname -m))"
	$(Q)$(BENCH) --configs $(BENCH_CONFIGS_OF) $(if $(BENCH_LOAD),--load $(BENCH_LOAD)) \
		--json $(BENCH_JSON_DIR)/scheduler-$(RUNTIME).json $(BENCH_ARGS)

# A runtime with rings streams graphs of any length through fixed memory:
# independent and chained tasks at 1M and 10M, memory the same.
bench-stream:
	$(Q)$(foreach r,$(BENCH_STREAM_RUNTIMES),$(MAKE) --no-print-directory RUNTIME=$(r) bench-stream-runtime &&) true
.PHONY: bench-stream-runtime
bench-stream-runtime: bench-binaries
	@echo "== streaming through default rings: $(RUNTIME), $(BENCH_STREAM_SIZES) tasks"
	$(Q)$(BENCH) --sizes $(BENCH_STREAM_SIZES) --shapes independent,chain \
		--configs $(lastword $(subst $(comma), ,$(BENCH_CONFIGS_OF))) --repeat 1 \
		--json $(BENCH_JSON_DIR)/stream.json

# make bench: the scheduler benchmark of each runtime, the stream, then cold
# and warm `make run` times and the golden comparison.
# It records the commit, machine and load first and last (context.json) and
# ends by writing docs/performance.md from the JSON; a run narrowed with
# BENCH_ARGS says so in the page's header.
bench:
	$(Q)rm -f $(BENCH_JSON_DIR)/*.json && mkdir -p $(BENCH_JSON_DIR)
	$(Q)python3 tools/docs/bench_context.py start $(BENCH_JSON_DIR)/context.json "BENCH_ARGS=$(BENCH_ARGS)" \
		"BENCH_RUNTIMES=$(BENCH_RUNTIMES)" "BENCH_STREAM_SIZES=$(BENCH_STREAM_SIZES)" "COMPARE_ELEMENTS=$(COMPARE_ELEMENTS)"
	$(Q)$(foreach r,$(BENCH_RUNTIMES),$(MAKE) --no-print-directory RUNTIME=$(r) bench-scheduler &&) true
	$(Q)$(MAKE) --no-print-directory bench-stream
	$(Q)$(MAKE) --no-print-directory bench-build-times
	$(Q)$(MAKE) --no-print-directory bench-compare
	$(Q)python3 tools/docs/bench_context.py end $(BENCH_JSON_DIR)/context.json
	$(Q)$(MAKE) --no-print-directory docs-performance

# Comparing a 1 GiB output (2^28 float32) with its golden; COMPARE_ELEMENTS
# sets the count.
COMPARE_ELEMENTS ?= 268435456
.PHONY: bench-compare
bench-compare: $(DEPS_STAMP) swift-tools
	@echo "== comparing an output with its golden: $(COMPARE_ELEMENTS) float32 elements"
	$(Q)mkdir -p $(BENCH_JSON_DIR) && sh tests/bench/time_compare.sh $(SWIFT_BIN)/pto-run $(PYTHON) \
		$(BENCH_JSON_DIR)/compare.json $(COMPARE_ELEMENTS)

# The benchmark program itself works (every shape, small, twice): its numbers
# are only meaningful from `make bench` on a quiet machine.
BENCH_SMOKE_SHAPES := independent,chain,layered,random,fanout,launch
BENCH_SMOKE_CONFIGS := 1:1,3:3
BENCH_SMOKE_CONFIGS_OF = $(or $($(RUNTIME)_BENCH_SMOKE_CONFIGS),$(BENCH_SMOKE_CONFIGS))
BENCH_SMOKE_SHAPES_OF = $(or $($(RUNTIME)_BENCH_SMOKE_SHAPES),$(BENCH_SMOKE_SHAPES))
.PHONY: check-bench
# Each runtime's benchmark program: its binaries for every runtime measured.
.PHONY: bench-binaries-all check-bench-runtime
bench-binaries-all:
	$(Q)$(foreach r,$(BENCH_RUNTIMES),$(MAKE) --no-print-directory RUNTIME=$(r) bench-binaries &&) true
check-bench:
	$(Q)$(foreach r,$(BENCH_RUNTIMES),$(MAKE) --no-print-directory RUNTIME=$(r) check-bench-runtime &&) true
check-bench-runtime: bench-binaries $(DEPS_STAMP)
	@echo "== benchmark program, $(RUNTIME): every shape at 200 tasks, 2 runs; a 1-task launch, 3 runs"
	$(Q)mkdir -p $(TEST_OUT) && $(BENCH) --sizes 200 --shapes $(BENCH_SMOKE_SHAPES_OF) \
		--configs $(BENCH_SMOKE_CONFIGS_OF) --repeat 2 --launch-repeat 3 --json $(TEST_OUT)/bench-smoke.json >/dev/null
	$(Q)python3 tests/bench/check_bench_output.py $(TEST_OUT)/bench-smoke.json \
		$(BENCH_SMOKE_SHAPES_OF) $(BENCH_SMOKE_CONFIGS_OF) 200 2 3
	@echo "== benchmark program, $(RUNTIME): --load 2 (a chain and a launch beside two busy processes)"
	$(Q)$(BENCH) --sizes 50 --shapes chain,launch --configs 1:1 --repeat 1 --launch-repeat 3 --load 2 \
		--json $(TEST_OUT)/bench-load-smoke.json >/dev/null
	$(Q)python3 tests/bench/check_bench_output.py $(TEST_OUT)/bench-load-smoke.json chain,launch 1:1 50 1 3 2
	$(Q)sh tests/bench/check_no_busy_left.sh $(BENCH)

bench-build-times: $(DEPS_STAMP) swift-tools
	@echo "== make run, cold (example's build folder removed) and warm (nothing changed)"
	$(Q)sh tests/bench/time_make_run.sh "$(MAKE)" $(BENCH_JSON_DIR)/make_run.json $(ALL_EXAMPLES)

.PHONY: check check-cpp check-swift check-examples check-incremental check-fuzz test-binaries

test-binaries: $(ORCHESTRATION_API_TEST) $(SCHEDULER_TEST) $(LAUNCH_BLOCK_TEST) $(SIM_PLATFORM_TEST) \
	$(TM_STRUCTURES_TEST) $(TM_RINGS_TEST) $(EVENT_COUNT_TEST) \
	$(TEST_KERNELS) $(TEST_ORCHS) $(RUNTIME_LIBS)

check-cpp: test-binaries
	@echo "== C++: launch block layouts and ready queue"
	$(Q)$(LAUNCH_BLOCK_TEST)
	@echo "== C++: the wake primitive (event count)"
	$(Q)$(EVENT_COUNT_TEST)
	@echo "== C++: tensormap_and_ringbuffer's ready queue and tensor map"
	$(Q)$(TM_STRUCTURES_TEST)
	@echo "== C++: tensormap_and_ringbuffer's heap placement and reclaim watermark"
	$(Q)$(TM_RINGS_TEST)
	@echo "== C++: orchestration API through init_runtime"
	$(Q)$(ORCHESTRATION_API_TEST)
	@echo "== C++: scheduler on $(PLATFORM)"
	$(Q)$(SCHEDULER_TEST)
	$(if $(SIM_PLATFORM_TEST),@echo "== C++: simulator threads (placement, pool)")
	$(if $(SIM_PLATFORM_TEST),$(Q)$(SIM_PLATFORM_TEST))

# The runner's tests start the built pto-run, so the tools come first.
check-swift: $(DEPS_STAMP) swift-tools $(RUNTIME_LIBS)
	@echo "== Swift: binding and runner"
	$(Q)$(SWIFT) test --scratch-path $(SWIFT_OUT) --disable-swift-testing $(if $(filter 1,$(V)),,--quiet)

# Each runtime's examples (its runtime.mk's <name>_EXAMPLES) over its
# scheduler-thread / block_dim pairs (<name>_CHECK_CONFIGS): built once (make
# example), then run by pto-run for each pair.
ALL_EXAMPLES := $(foreach r,$(RUNTIMES),$($(r)_EXAMPLES))
# $(call run_example_configs,EXAMPLE,CONFIGS,ENV[,SANITIZE[,KERNEL_SOURCE]]): one
# pto-run per configuration, of the example built with that sanitizer (or
# none) from its plain C++ kernels (sim_source) unless told otherwise.
run_example_configs = artifacts=$$($(MAKE) --no-print-directory -s example EXAMPLE=$(1) PRINT_ARTIFACTS=1 \
	SANITIZE=$(4) KERNEL_SOURCE=$(or $(5),sim_source) | sed -n 's/^PTO_ARTIFACTS=//p'); \
	[ -n "$$artifacts" ] || { echo "building $(1) failed"; exit 1; }; \
	for cfg in $(2); do t=$${cfg%%:*}; b=$${cfg\#\#*:}; \
		echo "== example $(1)$(if $(5), ($(5) kernels)), $$t scheduler thread(s), block_dim $$b$(if $(findstring PTO_SIM_RUN_HERE=always,$(3)), (the schedulers run the units))"; \
		env $(3) $(PTO_RUN) $(1) --artifacts $$artifacts --aicpu-threads $$t --block-dim $$b --quiet || exit 1; \
	done
# Each also at its first and last pair with the schedulers running every
# single-core unit themselves (what they do on a busy host; unit_here.h).
check-examples: $(DEPS_STAMP) swift-tools $(RUNTIME_LIBS)
	$(Q)set -e; $(foreach r,$(RUNTIMES),$(foreach ex,$($(r)_EXAMPLES),\
		$(call run_example_configs,$(ex),$($(r)_CHECK_CONFIGS),);\
		$(call run_example_configs,$(ex),$(firstword $($(r)_CHECK_CONFIGS)) $(lastword $($(r)_CHECK_CONFIGS)),PTO_SIM_RUN_HERE=always);))

# The examples whose kernels come in two sources: their PTO-ISA kernels,
# built against the real headers (PTO_ISA_ROOT; by default
# ../shared/third_party/pto-isa), at two configurations.
CHECK_PTO_EXAMPLES ?= $(notdir $(patsubst %/kernels/kernel_config.py,%,$(shell grep -l sim_source kernels/*/kernels/kernel_config.py)))
CHECK_PTO_CONFIGS ?= 1:1 3:3
.PHONY: check-pto-isa
check-pto-isa: $(DEPS_STAMP) swift-tools $(RUNTIME_LIBS)
ifeq ($(PTO_ISA_USABLE),yes)
	$(Q)set -e; mkdir -p $(TEST_OUT); for ex in $(CHECK_PTO_EXAMPLES); do \
		$(MAKE) --no-print-directory -s example EXAMPLE=$$ex KERNEL_SOURCE=source >$(TEST_OUT)/pto-build-$$ex.log 2>&1 \
			|| { cat $(TEST_OUT)/pto-build-$$ex.log; echo "building the PTO-ISA kernels of $$ex failed"; exit 1; }; \
		if grep -qE '^[^ ]+:[0-9]+:[0-9]+: warning:|warnings? generated' $(TEST_OUT)/pto-build-$$ex.log; then cat $(TEST_OUT)/pto-build-$$ex.log; \
			echo "the PTO-ISA build of $$ex printed warnings (above)"; echo "0 passed, 1 failed"; exit 1; fi; \
		echo "the PTO-ISA build of $$ex printed no warning"; done
	$(Q)set -e; $(foreach ex,$(CHECK_PTO_EXAMPLES),$(call run_example_configs,$(ex),$(CHECK_PTO_CONFIGS),,,source);)
	$(Q)grep -q '/include/pto/pto-inst.hpp' $(BUILD_ROOT)/$(PLATFORM)/examples/matmul_example/kernels/1_kernel_matmul_f16.od \
		&& echo "the PTO-ISA headers are dependencies of the kernels built from them" \
		|| { echo "the PTO-ISA headers are not dependencies of matmul_example's kernels"; echo "0 passed, 1 failed"; exit 1; }
	$(Q)sh tests/upstream/check_upstream_sources.sh "$(MAKE)"
else
	@echo "PTO-ISA tests skipped: $(if $(PTO_ISA_ROOT),$(if $(PTO_CXX),PTO_ISA_ROOT=$(PTO_ISA_ROOT) has no include/pto,no C++23 compiler found (install clang++ or set PTO_CXX)),$(if $(wildcard ../shared/third_party/pto-isa/include/pto/.),PTO_ISA_ROOT is set empty,no PTO-ISA headers (../shared/third_party/pto-isa is not there))); set PTO_ISA_ROOT to a PTO-ISA checkout to run them"
	@echo "0 passed, 0 failed"
endif

# The suites runtimes bring of their own (<name>_CHECK_SCRIPT: for
# tensormap_and_ringbuffer its discovery scenarios, rings and named errors).
.PHONY: check-runtime-suites
check-runtime-suites: $(DEPS_STAMP) swift-tools
	$(Q)set -e; $(foreach r,$(RUNTIMES),$(if $($(r)_CHECK_SCRIPT),\
		echo "== $(r): its own suite ($($(r)_CHECK_SCRIPT))"; \
		sh $($(r)_CHECK_SCRIPT) "$(MAKE)" $(PTO_RUN) $(addprefix kernels/,$($(r)_EXAMPLES));))

# Upstream scene tests (test_*.py) from ../shared, through pto-run, make run,
# python test_x.py and pytest; cluster-model folders naming their feature;
# bad scene tests (tests/upstream/).
.PHONY: check-scene-tests
check-scene-tests: $(DEPS_STAMP) swift-tools
	$(Q)sh tests/upstream/check_scene_tests.sh "$(MAKE)" $(PTO_RUN)

# A runtime is a folder: a third one (tests/fixtures/third_runtime/) added to
# a copy of the tree, built, run against its golden, checked to be the
# scheduler that ran, and removed.
.PHONY: check-third-runtime
check-third-runtime: $(DEPS_STAMP) swift-tools
	$(Q)sh tests/runtime_folder/check_third_runtime.sh "$(MAKE)" $(PTO_RUN)

# The documentation matches the tree (tests/docs/check_docs.py): links,
# the commands the guides show, the generated pages, the guide's examples run.
.PHONY: check-docs
check-docs: $(DEPS_STAMP) swift-tools $(DOCS_OUT)/c-api.md
	@echo "== docs: links, commands, generated pages, the guide's examples"
	$(Q)python3 tests/docs/check_docs.py . $(DOCS_OUT)/c-api.md $(SWIFT_BIN)

# Incremental builds: nothing rebuilds when nothing changed; a header, a
# compiler, a flag, PTO_ISA_ROOT rebuild what they affect.
check-incremental: $(RUNTIME_LIBS)
	@echo "== incremental build: what rebuilds, and what does not"
	$(Q)sh tests/check_incremental.sh "$(MAKE)" $(PLATFORM) $(RUNTIME)
	$(Q)sh tests/build/check_probe_cache.sh "$(MAKE)"

# A short fuzzing run of the ELF library; `make fuzz-elf SECONDS=N` for longer.
CHECK_FUZZ_SECONDS ?= 15
check-fuzz:
	@echo "== fuzz: ELF library, $(CHECK_FUZZ_SECONDS) s"
	$(Q)$(MAKE) --no-print-directory fuzz-elf SECONDS=$(CHECK_FUZZ_SECONDS)
	@echo "1 passed, 0 failed"

# Sanitizer runs: the runtime binaries, the C++ tests and the examples built
# with ASan+UBSan or TSan in their own folders. The Swift runner is not
# instrumented, so the sanitizer runtime is preloaded into it. (The C++ tests
# sweep fewer thread/block_dim pairs when built with a sanitizer.)
# One configuration each: ThreadSanitizer at the widest (most threads to
# race), AddressSanitizer at the default.
define sanitizer_check
check-$(1)-cpp:
	@echo "== $(2): build"
	$$(Q)$$(MAKE) --no-print-directory SANITIZE=$(3) test-binaries
	@echo "== $(2): C++ tests"
	$$(Q)$(4) $$(MAKE) --no-print-directory SANITIZE=$(3) run-cpp-tests
check-$(1)-examples:
	@echo "== $(2): examples"
	$$(Q)set -e; preload=$$$$($$(CXX) -print-file-name=$(5)); \
	$$(foreach r,$$(RUNTIMES),$$(foreach ex,$$($$(r)_EXAMPLES),\
		$$(call run_example_configs,$$(ex),$$($$(r)_$(7)_CONFIGS),$(6) LD_PRELOAD=$$$$preload,$(3));\
		$$(call run_example_configs,$$(ex),$$($$(r)_$(7)_CONFIGS),$(6) PTO_SIM_RUN_HERE=always LD_PRELOAD=$$$$preload,$(3));)\
		$$(if $$($$(r)_$(7)_SCRIPT),\
		sh $$($$(r)_$(7)_SCRIPT) "$$(MAKE)" $$(PTO_RUN) $(3) $(6) LD_PRELOAD=$$$$preload;))
check-$(1): check-$(1)-cpp
	$$(Q)$$(MAKE) --no-print-directory check-$(1)-examples
endef
ASAN_ENV := ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:allow_user_segv_handler=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
# atexit_sleep_ms=0: ThreadSanitizer otherwise waits a second in every
# exiting process (each test, each simulated device process).
TSAN_ENV := TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1:report_signal_unsafe=0:history_size=7:atexit_sleep_ms=0
$(eval $(call sanitizer_check,asan,ASan+UBSan,address,$(ASAN_ENV),libasan.so,ASAN_OPTIONS=detect_leaks=0:allow_user_segv_handler=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1,ASAN))
$(eval $(call sanitizer_check,tsan,TSan,thread,$(TSAN_ENV),libtsan.so,$(TSAN_ENV),TSAN))

.PHONY: check-asan check-tsan check-asan-cpp check-tsan-cpp check-asan-examples check-tsan-examples \
	run-cpp-tests
run-cpp-tests: test-binaries
	$(Q)$(LAUNCH_BLOCK_TEST)
	$(Q)$(EVENT_COUNT_TEST)
	$(Q)$(TM_STRUCTURES_TEST)
	$(Q)$(TM_RINGS_TEST)
	$(Q)$(ORCHESTRATION_API_TEST)
	$(Q)$(SCHEDULER_TEST)
	$(if $(SIM_PLATFORM_TEST),$(Q)$(SIM_PLATFORM_TEST))

# ---- a2a3 without a device -------------------------------------------------
# The device platform cannot run here; what can be checked is: its sources
# compile (host and AICPU against declarations of the CANN calls they use,
# AICore against declarations of the AICore intrinsics), and the exact
# command lines Make would run against a toolkit folder.
A2A3_CHECK_FLAGS := -std=c++17 -fsyntax-only -Wall -Wextra -Werror -D__PLATFORM_A2A3__
A2A3_HOST_CHECK := $(A2A3_CHECK_FLAGS) -Iplatform/include/common -Iplatform/include/host \
	-Iplatform/shared/host -Iplatform/a2a3/common -Iplatform/a2a3/host $(call rt_includes,HOST) \
	-Itests/a2a3/cann_stub/include
A2A3_AICPU_CHECK := $(A2A3_CHECK_FLAGS) -Iplatform/include/common -Iplatform/include/aicpu \
	-Iplatform/a2a3/common $(call rt_includes,AICPU) -Itests/a2a3/cann_stub/include
A2A3_AICORE_CHECK := $(A2A3_CHECK_FLAGS) -Iplatform/include/common -Iplatform/include/aicore \
	-Iplatform/a2a3/common $(call rt_includes,AICORE) -include tests/a2a3/cce_stub/cce_intrinsics.h
A2A3_HOST_SRCS := $(call sources_in,platform/shared/host platform/a2a3/common platform/a2a3/host \
	$(addprefix $(RT_DIR)/,$($(RUNTIME)_HOST_DIRS)))
A2A3_AICPU_SRCS := $(call sources_in,platform/shared/aicpu platform/a2a3/common platform/a2a3/aicpu \
	$(addprefix $(RT_DIR)/,$($(RUNTIME)_AICPU_DIRS)))
A2A3_AICORE_SRCS := $(call sources_in,platform/a2a3/aicore $(addprefix $(RT_DIR)/,$($(RUNTIME)_AICORE_DIRS)))

.PHONY: check-a2a3
# Every runtime's sources compile for the device; the gate once; the command
# lines (dry run) of each runtime with one of its examples.
check-a2a3:
	$(Q)$(foreach r,$(RUNTIMES),$(MAKE) --no-print-directory RUNTIME=$(r) check-a2a3-compile &&) true
	@echo "== a2a3: without the toolkit, one line and exit 1, nothing built"
	$(Q)sh tests/a2a3/check_gate.sh "$(MAKE)"
	@echo "== a2a3: command lines against a toolkit folder (dry run)"
	$(Q)set -e; $(foreach r,$(RUNTIMES),$(if $($(r)_A2A3_EXAMPLE),\
		sh tests/a2a3/check_dry_run.sh "$(MAKE)" $($(r)_A2A3_EXPECTED) $($(r)_A2A3_EXAMPLE);))
	@echo "== a2a3: upstream scene tests that run on the device only (dry run)"
	$(Q)sh tests/a2a3/check_scene_dry_run.sh "$(MAKE)"
	@echo "4 passed, 0 failed"

.PHONY: check-a2a3-compile
check-a2a3-compile:
	@echo "== a2a3, $(RUNTIME): host and AICPU sources compile against the CANN declarations"
	$(Q)for f in $(A2A3_HOST_SRCS); do \
		$(CXX) $(A2A3_HOST_CHECK) $$f || { echo "a2a3: $$f does not compile"; exit 1; }; done
	$(Q)for f in $(A2A3_AICPU_SRCS); do \
		$(CXX) $(A2A3_AICPU_CHECK) $$f || { echo "a2a3: $$f does not compile"; exit 1; }; done
	@echo "== a2a3, $(RUNTIME): AICore sources compile against the intrinsic declarations (AIC and AIV)"
	$(Q)for core in __AIC__ __AIV__; do for f in $(A2A3_AICORE_SRCS); do \
		$(CXX) $(A2A3_AICORE_CHECK) -D$$core $$f || \
		{ echo "a2a3: $$f does not compile for $$core"; exit 1; }; done; done
	@echo "2 passed, 0 failed"

# Every runtime's binaries, one sub-make each.
.PHONY: runtimes
runtimes:
	$(Q)$(foreach r,$(RUNTIMES),$(MAKE) --no-print-directory RUNTIME=$(r) runtime &&) true

# make check: every suite as a node of a graph, so that `make check` (which
# runs -j<cores> by default) overlaps suites that do not depend on each
# other: the Swift tools build beside the C++ suites, the sanitizer builds
# beside the Swift tests. Each suite writes its output to build/check/<suite>.log
# and prints it whole when it ends (suites never interleave); the last line
# adds up what every suite reported, with each suite's time.
CHECK_DIR := $(BUILD_ROOT)/check
# Longest first: with as many suites at once as there are cores, the order
# decides how well they pack.
CHECK_SUITES := scene-tests swift tsan-cpp asan-cpp tsan-examples asan-examples examples runtime-suites third-runtime pto-isa cpp fuzz a2a3 bench docs incremental
check_stamp = $(CHECK_DIR)/$(1).done
CHECK_STAMPS := $(foreach s,$(CHECK_SUITES),$(call check_stamp,$(s)))

# What suites need built before they start (one sub-make each, so no two
# suites ever compile the same file): the runtime binaries, then the C++
# tests beside the Swift tools.
$(CHECK_DIR)/runtime-libs.done: | $(DEPS_STAMP)
	$(Q)sh tests/check_suite.sh runtime-libs $(CHECK_DIR) $(MAKE) --no-print-directory runtimes
$(CHECK_DIR)/cpp-binaries.done: $(CHECK_DIR)/runtime-libs.done
	$(Q)sh tests/check_suite.sh cpp-binaries $(CHECK_DIR) $(MAKE) --no-print-directory test-binaries bench-binaries-all
$(CHECK_DIR)/tools.done: | $(DEPS_STAMP)
	$(Q)sh tests/check_suite.sh tools $(CHECK_DIR) $(MAKE) --no-print-directory swift-tools

$(call check_stamp,cpp) $(call check_stamp,bench): $(CHECK_DIR)/cpp-binaries.done
$(call check_stamp,examples) $(call check_stamp,swift) $(call check_stamp,pto-isa) $(call check_stamp,runtime-suites) \
	$(call check_stamp,third-runtime) $(call check_stamp,scene-tests) $(call check_stamp,docs): $(CHECK_DIR)/runtime-libs.done \
	$(CHECK_DIR)/tools.done
# The sanitizer examples run on what the sanitizer's C++ suite built.
$(call check_stamp,asan-examples): $(CHECK_DIR)/tools.done $(call check_stamp,asan-cpp)
$(call check_stamp,tsan-examples): $(CHECK_DIR)/tools.done $(call check_stamp,tsan-cpp)
# Builds the example folders check-examples just built, expecting nothing to do.
$(call check_stamp,incremental): $(call check_stamp,examples)
$(CHECK_STAMPS): | $(DEPS_STAMP)
	$(Q)sh tests/check_suite.sh $(patsubst $(CHECK_DIR)/%.done,%,$@) $(CHECK_DIR) \
		$(MAKE) --no-print-directory check-$(patsubst $(CHECK_DIR)/%.done,%,$@)

.PHONY: check check-suites
check: $(DEPS_STAMP)
	$(Q)rm -rf $(CHECK_DIR) && mkdir -p $(CHECK_DIR) && date +%s > $(CHECK_DIR)/started
	-$(Q)$(MAKE) --no-print-directory -k check-suites
	$(Q)sh tests/check_summary.sh $(CHECK_DIR) $(CHECK_SUITES)
check-suites: $(CHECK_STAMPS)
