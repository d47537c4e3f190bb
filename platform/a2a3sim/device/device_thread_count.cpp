#include "device_thread_count.h"

#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>

namespace {

using CreateFn = int (*)(pthread_t*, const pthread_attr_t*, void* (*)(void*), void*);

thread_local uint64_t t_started = 0;

CreateFn next_create() {
    // The next definition: a sanitizer's interceptor, else the C library's.
    static const CreateFn next = reinterpret_cast<CreateFn>(dlsym(RTLD_NEXT, "pthread_create"));
    return next;
}

}  // namespace

extern "C" __attribute__((visibility("default"))) uint64_t pto_sim_threads_started_here() {
    return t_started;
}

extern "C" __attribute__((visibility("default"))) int pthread_create(pthread_t* thread,
                                                                     const pthread_attr_t* attr,
                                                                     void* (*start)(void*),
                                                                     void* arg) {
    CreateFn create = next_create();
    if (create == nullptr) return EAGAIN;
    int rc = create(thread, attr, start, arg);
    if (rc == 0) ++t_started;
    return rc;
}
