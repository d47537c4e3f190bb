// libelf and libdw (elfutils) for Swift. Found through pkg-config (libdw).
#pragma once

#include <elfutils/libdwfl.h>
#include <gelf.h>
#include <libelf.h>

// An offline Dwfl session (files on disk, not a live process). The callback
// table must outlive the session, hence static storage.
static inline Dwfl* pto_dwfl_begin_offline(void) {
    static const Dwfl_Callbacks callbacks = {
        .find_elf = NULL,
        .find_debuginfo = dwfl_standard_find_debuginfo,
        .section_address = dwfl_offline_section_address,
        .debuginfo_path = NULL,
    };
    return dwfl_begin(&callbacks);
}
