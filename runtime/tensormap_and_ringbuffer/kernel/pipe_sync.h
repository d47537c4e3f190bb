// pipe_sync(): called once after a kernel's last store, so its writes to
// global memory are done before the kernel returns: drains the FIX pipe
// (AIC) or MTE3 (AIV) into the scalar pipe. Include <pto/pto-inst.hpp> and
// `using namespace pto;` first. The core type comes from __DAV_CUBE__ (AIC)
// or __DAV_VEC__ (AIV), which the build defines from the kernel's core_type.
#pragma once

#if defined(__DAV_CUBE__) && defined(__DAV_VEC__) && !defined(__CPU_SIM)
#error "pipe_sync.h: both __DAV_CUBE__ and __DAV_VEC__ are defined; a kernel is built for one core type"
#elif !defined(__DAV_CUBE__) && !defined(__DAV_VEC__)
#error "pipe_sync.h: neither __DAV_CUBE__ (AIC) nor __DAV_VEC__ (AIV) is defined; build the kernel with its core_type"
#endif

#ifndef __aicore__
#define __aicore__
#endif

static __aicore__ inline void pipe_sync() {
#if defined(__DAV_CUBE__)
    set_flag(PIPE_FIX, PIPE_S, EVENT_ID7);
    wait_flag(PIPE_FIX, PIPE_S, EVENT_ID7);
#else
    set_flag(PIPE_MTE3, PIPE_S, EVENT_ID7);
    wait_flag(PIPE_MTE3, PIPE_S, EVENT_ID7);
#endif
}
