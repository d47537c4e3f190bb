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
