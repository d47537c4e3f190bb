#include "orchestration_name.h"

namespace {
thread_local std::string t_source;
}

void set_orchestration_source(const char* source) {
    t_source = source != nullptr ? source : "";
}

std::string orchestration_display_name(const char* function) {
    std::string name = function != nullptr ? function : "";
    if (!t_source.empty()) name += " (" + t_source + ")";
    return name;
}
