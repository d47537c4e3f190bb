#include "kernel_names.h"

#include <mutex>
#include <string>
#include <unordered_map>
#include <unordered_set>

#include "pto_status.h"

namespace {

struct Names {
    std::mutex mutex;
    std::unordered_set<std::string> interned;  // node-based: entries never move
    std::unordered_map<int, const char*> by_func_id;
    std::unordered_map<int, int> core_types;
};

Names& names() {
    static Names* n = new Names;  // outlives static destruction (late reports)
    return *n;
}

}  // namespace

int set_kernel_name(int func_id, const char* name) {
    if (name == nullptr) return PTO_ERR_INVALID_ARGUMENT;
    Names& n = names();
    std::lock_guard<std::mutex> lock(n.mutex);
    n.by_func_id[func_id] = n.interned.insert(name).first->c_str();
    return 0;
}

const char* kernel_name(int func_id) {
    Names& n = names();
    std::lock_guard<std::mutex> lock(n.mutex);
    auto it = n.by_func_id.find(func_id);
    return it == n.by_func_id.end() ? nullptr : it->second;
}

int set_kernel_core_type(int func_id, int core_type) {
    if (core_type != 0 && core_type != 1) return PTO_ERR_INVALID_ARGUMENT;
    Names& n = names();
    std::lock_guard<std::mutex> lock(n.mutex);
    n.core_types[func_id] = core_type;
    return 0;
}

int kernel_core_type(int func_id) {
    Names& n = names();
    std::lock_guard<std::mutex> lock(n.mutex);
    auto it = n.core_types.find(func_id);
    return it == n.core_types.end() ? -1 : it->second;
}
