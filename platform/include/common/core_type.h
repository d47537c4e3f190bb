// Core types of the a2a3 architecture. Shared by every binary and by
// orchestration sources, so it stays a plain C++ header with no dependencies.
#pragma once

#include <cstdint>

// AIC = cube core (matrix), AIV = vector core. Values are part of the ABI:
// orchestration code passes them to Runtime::add_task and the simulator's
// workers report them in the handshake mailbox.
enum class CoreType : int32_t { AIC = 0, AIV = 1 };

inline const char* core_type_name(CoreType t) {
    return t == CoreType::AIC ? "AIC" : t == CoreType::AIV ? "AIV" : "unknown";
}
