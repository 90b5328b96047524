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
 * threads: the stopped threads' state from lt_world_stop; self_sp: the caller's
 * stack pointer (its own live stack is a root too, unless it is the reporter thread,
 * which holds no program pointers). Returns 0 or -errno (blocks then keep
 * LT_KIND_UNFREED). */
int lt_scan_classify(lt_block_t *blocks, long n, const lt_thread_regs_t *threads,
                     int nthreads);

#endif
