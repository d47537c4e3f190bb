// The device's AICPU cannot run AICore kernels: every unit goes to its
// worker, and pto_run_unit_here is never called (the scheduling core calls
// it only after pto_unit_here_wanted said yes).
#include "unit_here.h"

bool pto_unit_here_wanted(UnitHereWatch* watch) {
    watch->here = false;
    return false;
}

void pto_unit_here_paused(UnitHereWatch*) {}

void pto_run_unit_here(int, uint64_t, UnitHereTimeout, void*) {}
