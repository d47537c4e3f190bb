// The AICPU object's copy of the idle timings, set by the host per launch.
#include "export.h"
#include "sim_idle_tuning.h"

extern "C" PTO_EXPORT void sim_set_idle_tuning(const SimIdleTuning* tuning) {
    if (tuning != nullptr) sim_idle_tuning_store(*tuning);
}
