/* lt.h — small definitions every runtime file shares: visibility, branch hints,
 * and the reentrancy guard that keeps leaktrace's own allocations out of the table.
 *
 * The guard lives in initial-exec TLS so reading it never calls into the dynamic
 * linker (which could allocate, and so recurse into malloc). */
#ifndef LT_H
#define LT_H

#include <stddef.h>
#include <stdint.h>

#define LT_HIDDEN __attribute__((visibility("hidden")))
#define LT_EXPORT __attribute__((visibility("default")))
#define lt_likely(x) __builtin_expect(!!(x), 1)
#define lt_unlikely(x) __builtin_expect(!!(x), 0)

/* Nonzero while this thread runs leaktrace code that may allocate: the interposed
 * functions then forward to the real allocator without recording anything. */
extern __thread int lt_guard_depth __attribute__((tls_model("initial-exec"))) LT_HIDDEN;

static inline void lt_guard_enter(void) { lt_guard_depth++; }
static inline void lt_guard_leave(void) { lt_guard_depth--; }
static inline int lt_guarded(void) { return lt_guard_depth != 0; }

#endif
