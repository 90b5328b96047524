/* unwind.h — capturing the stack of an allocation.
 *
 * Functions on the allocation path are placed in the `lt_hot` section (LT_HOT); capture
 * drops every leading frame whose pc lies in that section, so frame 0 is always the
 * code that called the allocation function, however the compiler inlined ours.
 * Safe to call from any thread with the reentrancy guard set (libunwind may allocate). */
#ifndef LT_UNWIND_H
#define LT_UNWIND_H

#include "lt.h"

#define LT_HOT __attribute__((section("lt_hot"), noinline))

/* Must run before the first capture on any thread: sets libunwind's per-thread cache. */
void lt_unwind_init(void);

/* Fills frames[0..max) with return addresses, innermost first; returns how many. */
int lt_unwind_capture(uintptr_t *frames, int max);

#endif
