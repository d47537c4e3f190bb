// What a binary exports. Every binary is built with hidden visibility, so
// only functions marked PTO_EXPORT are its API: the host library's C API,
// the AICPU object's kernel entries, the simulated AICore's entry. Nothing
// else binds across binaries, and calls inside a binary never go through
// the PLT.
#pragma once

#define PTO_EXPORT __attribute__((visibility("default")))
