// What every C API entry point does around its body: no C++ exception
// crosses extern "C", and a failure's message lands in pto_last_error().
#pragma once

#include <exception>
#include <new>

#include "last_error.h"
#include "pto_status.h"

template <typename F>
int guarded(const char* what, F body) {
    try {
        return body();
    } catch (const std::bad_alloc&) {
        set_last_error("%s: out of host memory", what);
        return PTO_ERR_OUT_OF_MEMORY;
    } catch (const std::exception& e) {
        set_last_error("%s: internal failure: %s", what, e.what());
        return PTO_ERR_DEVICE;
    } catch (...) {
        set_last_error("%s: internal failure (an exception that is not a std::exception)", what);
        return PTO_ERR_DEVICE;
    }
}

// A failure's message becomes pto_last_error(); a success leaves it empty
// (a nested call's failure, inside an orchestration, does not linger).
inline int report(int rc, const char* message) {
    if (rc != 0) {
        set_last_error("%s", message);
    } else {
        clear_last_error();
    }
    return rc;
}
