/* collect.h — taking a report of the live blocks, now, on the calling thread.
 *
 * Called by the reporter thread (live reports) and by the exiting thread (the exit
 * report); one at a time (control.c serialises them). Stops and resumes the world when
 * scanning; allocates only while the world runs. */
#ifndef LT_COLLECT_H
#define LT_COLLECT_H

#include "lt.h"

typedef enum { LT_TRIGGER_EXIT, LT_TRIGGER_SIGNAL } lt_trigger_t;

/* Remember the program's stderr, for text reports when no log is set: from the
 * constructor. */
void lt_collect_init(void);

/* caller_sp: at exit, the exiting thread's stack pointer where its own (program) frames
 * end, so its live stack above it is scanned as a root; 0 for the reporter thread.
 * Returns how many blocks are lost (direct + indirect; every unfreed block when not
 * scanned), or -errno. */
long lt_collect_report(lt_trigger_t trigger, uintptr_t caller_sp);

#endif
