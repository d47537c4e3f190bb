# tensormap_and_ringbuffer: the orchestration runs on the device side, on
# the last AICPU thread, while the other threads schedule; dependencies are
# found from what each task reads and writes; memory lives in rings
# reclaimed as tasks retire. Folders (relative to this one):
#   orchestration/  the API orchestrations and kernels include
#                   (pto_orchestration_api.h, tensor.h)
#   common/         layouts the host lays out and the device uses (the launch
#                   block with its rings, ready queues, the tensor map's entries)
#   host/           handles, arguments in device memory, launch blocks,
#                   records (host library)
#   aicpu/          the orchestrator and the schedulers (AICPU object)
#   aicore/         the AICore entry over the shared worker loop
#   ../shared/      what every runtime of this tree shares
# Kernels of this runtime include tensor.h for the descriptor they receive.
# How the runner hands golden.py's items to the orchestration: typed (each
# tensor with its kind, dtype and shape, through pto_init_runtime_args).
tensormap_and_ringbuffer_ARGUMENTS := typed
tensormap_and_ringbuffer_HOST_DIRS := host
tensormap_and_ringbuffer_AICPU_DIRS := aicpu
tensormap_and_ringbuffer_AICORE_DIRS := aicore
tensormap_and_ringbuffer_ORCH_DIRS :=
tensormap_and_ringbuffer_HOST_INCLUDE_DIRS := orchestration common kernel host ../shared
tensormap_and_ringbuffer_AICPU_INCLUDE_DIRS := orchestration common aicpu kernel ../shared
tensormap_and_ringbuffer_AICORE_INCLUDE_DIRS := common kernel ../shared
tensormap_and_ringbuffer_ORCH_INCLUDE_DIRS := orchestration
tensormap_and_ringbuffer_KERNEL_INCLUDE_DIRS := orchestration kernel
# One AICPU thread of a launch with more than one runs the orchestration;
# the others schedule, and the blocks must split evenly over them.
tensormap_and_ringbuffer_ORCHESTRATOR_THREADS := 1

# What make check and make bench run for this runtime (the names are
# explained in runtime/host_build_graph/runtime.mk). One AICPU thread
# orchestrates beside the schedulers, so its pairs differ.
tensormap_and_ringbuffer_EXAMPLES := vector_example_tensormap paged_attention_tensormap \
	bgemm_tensormap
tensormap_and_ringbuffer_CHECK_CONFIGS := 1:1 1:3 2:2 3:4 4:3 4:6
tensormap_and_ringbuffer_ASAN_CONFIGS := 3:2
tensormap_and_ringbuffer_TSAN_CONFIGS := 4:6
tensormap_and_ringbuffer_BENCH_CONFIGS := 1:1,2:3,4:3
tensormap_and_ringbuffer_BENCH_SMOKE_CONFIGS := 1:1,4:3
# Its benchmark also has the cluster model's blocks (the sizes count blocks).
tensormap_and_ringbuffer_BENCH_SMOKE_SHAPES := independent,chain,layered,random,fanout,aiv-blocks,mix-blocks,launch
tensormap_and_ringbuffer_CHECK_SCRIPT := tests/tensormap/check_tensormap.sh
tensormap_and_ringbuffer_ASAN_SCRIPT := tests/tensormap/check_hazards_sanitized.sh
tensormap_and_ringbuffer_TSAN_SCRIPT := tests/tensormap/check_hazards_sanitized.sh
tensormap_and_ringbuffer_BENCH_STREAM := 1
tensormap_and_ringbuffer_A2A3_EXAMPLE := vector_example_tensormap
tensormap_and_ringbuffer_A2A3_EXPECTED := tests/a2a3/expected_commands_tensormap.txt
