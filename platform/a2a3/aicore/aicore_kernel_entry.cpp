// The AICore executor's entry on the device: one kernel for every block,
// built twice (AIC and AIV); the toolkit names the two builds with the
// _0_mix_aic / _0_mix_aiv suffixes. Each core works out its worker id as
// CONTRACT.md section 7 states and runs the worker loop over the launch
// block the host prepared.
#include "aicore_entry.h"
#include "aicore_qualifiers.h"

extern "C" __global__ __aicore__ void aicore_executor(__gm__ void* launch_block) {
#if defined(__AIC__)
    const int worker = static_cast<int>(get_block_idx());
    const CoreType type = CoreType::AIC;
#else
    const int worker =
        static_cast<int>(get_block_idx() * get_subblockdim() + get_subblockid() + get_block_num());
    const CoreType type = CoreType::AIV;
#endif
    aicore_execute(launch_block, worker, type);
}
