/* exitframe.h — where the live stack of the thread running the exit report begins.
 *
 * At exit the reporting thread's stack holds, below the frame that called exit(), the
 * frames of exit's machinery (__run_exit_handlers, _dl_fini, our destructor). Those were
 * pushed where the program's dead frames lay (main's, when main returned) and keep
 * their stale words in slots they never write: scanned, those would make lost blocks
 * look reachable (memcheck skips them as undefined memory). The caller of exit() and
 * everything above it are live program frames and stay roots. */
#ifndef LT_EXITFRAME_H
#define LT_EXITFRAME_H

#include "lt.h"

/* The stack pointer of the frame that called exit(), found by unwinding the calling
 * thread; fallback when exit is not on the stack (a report run by other means). Call
 * before the world stops (the unwinder takes the loader's lock), with the reentrancy
 * guard set (it may allocate). */
uintptr_t lt_exitframe_sp(uintptr_t fallback);

#endif
