# host_build_graph: the orchestration builds the task graph on the host.
# Which of this runtime's folders go into which binary (paths relative to
# this folder). ORCH is linked into every orchestration shared object so that
# its Runtime::add_task & co. resolve without the host library being global.
host_build_graph_HOST_DIRS := host runtime
host_build_graph_AICPU_DIRS := aicpu runtime
host_build_graph_AICORE_DIRS := aicore
host_build_graph_ORCH_DIRS := runtime
host_build_graph_INCLUDE_DIRS := runtime aicpu aicore host
