// The seam between a platform's AICPU kernel and the runtime's scheduler:
// the platform's kernel entry calls this once per scheduler thread with the
// device address of the launch block the host prepared. The runtime defines
// it; the platform knows nothing of what the block holds.
#pragma once

extern "C" int aicpu_execute(void* launch_block);
