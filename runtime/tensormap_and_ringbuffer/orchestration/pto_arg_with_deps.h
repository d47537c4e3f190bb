// Upstream's header for CoreTaskArgsWithDeps and add_dep; both come with
// pto_orchestration_api.h, so including this as well is harmless.
#pragma once

#include "pto_orchestration_api.h"
