/* scan.h — reachability: valgrind memcheck's verdicts for every live block.
 *
 * Roots: writable data of every loaded module (leaktrace's own excluded), every thread's
 * registers and live stack, thread-local storage. Marking is conservative and
 * word-aligned: a pointer to a block's start makes it reachable, a pointer only into
 * its interior makes it possible. Unreached blocks pointed to by other unreached blocks
 * are indirect, the rest direct; one member of each unreachable cycle is direct.
 *
 * Called by the reporter with the world stopped (world.h): it neither allocates with
 * malloc nor takes locks. */
#ifndef LT_SCAN_H
#define LT_SCAN_H

#include "blocks.h"
#include "world.h"

/* blocks[0..n) sorted by address (as lt_blocks_snapshot gives them); sets each kind.
 * threads: the stopped threads' state from lt_world_stop. The caller's own stack is not
 * a root (a dedicated reporter thread holds no program pointers). Returns 0 or -errno
 * (blocks then keep LT_KIND_UNFREED). */
int lt_scan_classify(lt_block_t *blocks, long n, const lt_thread_regs_t *threads,
                     int nthreads);

/* The same, when the caller's frames above self->sp belong to the program and are
 * roots: an exit report run from exit() (self->sp = lt_exitframe_sp(...), nregs = 0:
 * exit's caller and its callers stay live, the dead frames below do not).
 * Passing the same as one more lt_thread_regs_t with stopped = 0 is equivalent. */
int lt_scan_classify_self(lt_block_t *blocks, long n, const lt_thread_regs_t *threads,
                          int nthreads, const lt_thread_regs_t *self);

/* Called by free just before the real free, with the size the block was allocated
 * with: zeroes the block so that the stale pointers it holds do not reappear inside the
 * next block the allocator carves from the same memory (valgrind avoids them by not
 * scanning undefined memory; a conservative scan cannot tell). Blocks that glibc
 * mmapped go back to the kernel and are left alone. Async-signal-safe. */
void lt_scan_scrub(void *ptr, size_t size);

#endif
