// AICore address-space and function qualifiers. The device compiler (ccec)
// understands them; on the simulator they mean nothing and expand to nothing.
// Simulator kernels get this header force-included, so sources written for
// the device compile unchanged.
#pragma once

#if !defined(__CCE_KT_TEST__) && !defined(__CCE_AICORE__)
#ifndef __aicore__
#define __aicore__
#endif
#ifndef __gm__
#define __gm__
#endif
#ifndef __global__
#define __global__
#endif
#endif
