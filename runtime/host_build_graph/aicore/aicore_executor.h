// The AICore worker loop of host_build_graph. The platform's AICore entry
// works out the worker id and core type and calls this.
#pragma once

#include "core_type.h"

class Runtime;

void aicore_execute(Runtime* rt, int worker_id, CoreType core_type);
