/* world.h — stopping every other thread of the process, the way a conservative
 * collector does it (bdwgc's pthread_stop_world): a reserved real-time signal is sent to
 * each thread found in /proc/self/task; its handler saves the thread's registers and
 * stack pointer, acknowledges, and waits until resumed.
 *
 * Called only by the reporter thread, with the reentrancy guard set. While the world is
 * stopped the caller must not call malloc or take any lock another thread may hold:
 * a stopped thread may be inside the real allocator. */
#ifndef LT_WORLD_H
#define LT_WORLD_H

#include "lt.h"

/* What a stopped thread left for the scan: its registers and the live part of its stack. */
typedef struct lt_thread_regs {
  int tid;
  uintptr_t sp;                 /* lowest live stack address */
  uintptr_t stack_end;          /* one past the highest stack address, 0 when unknown */
  uintptr_t regs[32];           /* general-purpose registers, saved by the handler */
  int nregs;
  int stopped;                  /* 1: stopped by the signal; 0: it could not be stopped
                                   (signal blocked, foreign handler, no answer): sp is
                                   then what /proc/self/task/<tid>/syscall showed, or 0 */
} lt_thread_regs_t;

/* Claim the signal: install the handler unless the program already has one for it.
 * Call once at startup, before the program can install its own handlers; lt_world_stop
 * does it on first use otherwise. Returns 0 or -errno (-EBUSY: the program owns it). */
int lt_world_init(void);

/* Stop every thread but the caller. Returns the number of threads found (>= 0) and
 * points *threads at their saved state (valid until lt_world_resume), or -errno.
 * Never hangs: a thread that does not answer within about a second (it blocks the
 * signal, or is stuck) is listed with stopped = 0 and left running. Threads that
 * start while the world stops are stopped too; threads that exit are dropped. */
int lt_world_stop(const lt_thread_regs_t **threads);
void lt_world_resume(void);


/* The signal the runtime reserves; a program that installs a handler for it loses the
 * ability to be stopped (live reports then fall back to scan without stopping). */
int lt_world_signal(void);

#endif
