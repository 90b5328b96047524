/* track.h — what the interposed entry points call to record and forget blocks: the seam
 * between the malloc family and the tables (as heaptrack_malloc is in heaptrack).
 *
 * Lock-free, no syscall and no allocation on the common path. Callers handle the
 * reentrancy guard and bootstrap; these functions assume lt_real is ready. */
#ifndef LT_TRACK_H
#define LT_TRACK_H

#include "blocks.h"

/* Record a new block of size bytes at ptr, with the caller's stack. */
void lt_track_alloc(void *ptr, size_t size);

/* Forget ptr before the real free runs. Returns 0 when it was tracked (and fills *was
 * when non-NULL), -ENOENT otherwise. */
int lt_track_free(void *ptr, lt_block_t *was);

/* Put back a block erased by lt_track_free whose release failed (a failed realloc). */
void lt_track_restore(const lt_block_t *was);

/* Set from the options before the first allocation is tracked. */
extern int lt_track_depth LT_HIDDEN;
/* 1: zero blocks as they are freed, so their stale pointers never make a lost block
 * look reachable to a later scan (set when scan=1). */
extern int lt_track_scrub LT_HIDDEN;
/* 0 once the exit report is taken: what later destructors allocate is never reported. */
extern int lt_track_enabled LT_HIDDEN;

#endif
