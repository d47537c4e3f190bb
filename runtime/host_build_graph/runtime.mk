# host_build_graph: the orchestration builds the task graph on the host.
# Which of this runtime's folders go into which binary, and which header
# folders each binary may include (paths relative to this folder):
#   orchestration/  the API orchestration sources include (runtime.h)
#   common/         layouts the host writes and the device reads (graph
#                   image, launch block, mailboxes, ready queues)
#   host/           graph building, freezing, launches, records (host library)
#   aicpu/          the scheduler (AICPU object)
#   aicore/         the AICore entry over the shared worker loop
#   ../shared/      what every runtime of this tree shares: the mailbox
#                   protocol, scheduler slices, the AICore worker loop
# Orchestration objects link against nothing of the runtime: Runtime's calls
# go through a table the host library hands them.
# How the runner hands golden.py's items to the orchestration: words (one
# uint64_t per item through init_runtime: host pointers, sizes, scalars).
host_build_graph_ARGUMENTS := words
host_build_graph_HOST_DIRS := host
host_build_graph_AICPU_DIRS := aicpu
host_build_graph_AICORE_DIRS := aicore
host_build_graph_ORCH_DIRS :=
host_build_graph_HOST_INCLUDE_DIRS := orchestration common host ../shared
host_build_graph_AICPU_INCLUDE_DIRS := common aicpu ../shared
host_build_graph_AICORE_INCLUDE_DIRS := common ../shared
host_build_graph_ORCH_INCLUDE_DIRS := orchestration

# What make check and make bench run for this runtime (tests/tests.mk reads
# these; no test makefile names a runtime):
#   _EXAMPLES            its examples under kernels/
#   _CHECK_CONFIGS       AICPU threads:block_dim pairs its examples run at
#   _ASAN_CONFIGS, _TSAN_CONFIGS   the pairs under each sanitizer
#   _BENCH_CONFIGS, _BENCH_SMOKE_CONFIGS   the benchmark's pairs (optional:
#                        1:1,1:3,3:3 and 1:1,3:3 by default)
#   _CHECK_SCRIPT        a suite of its own (optional): run as
#                        sh SCRIPT MAKE PTO_RUN kernels/EXAMPLE...
#   _ASAN_SCRIPT, _TSAN_SCRIPT   a suite under each sanitizer (optional): run
#                        as sh SCRIPT MAKE PTO_RUN SANITIZE ENV...
#   _BENCH_STREAM        1: make bench streams graphs through it
#   _A2A3_EXAMPLE, _A2A3_EXPECTED  an example whose a2a3 command lines
#                        (dry run) are compared with a file
host_build_graph_EXAMPLES := vector_example matmul_example paged_attention bgemm
host_build_graph_CHECK_CONFIGS := 1:1 1:3 3:3 3:6 2:4 4:8
host_build_graph_ASAN_CONFIGS := 3:3
host_build_graph_TSAN_CONFIGS := 4:8
host_build_graph_BENCH_CONFIGS := 1:1,1:3,3:3
host_build_graph_BENCH_SMOKE_CONFIGS := 1:1,3:3
host_build_graph_A2A3_EXAMPLE := vector_example
host_build_graph_A2A3_EXPECTED := tests/a2a3/expected_commands.txt
