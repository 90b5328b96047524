/* roots.h — where the scan looks for pointers, and what it must never look at.
 *
 * Roots are what valgrind's memcheck scans: every readable and writable mapping of the
 * process (module data and bss after RELRO is made read-only, anonymous memory such as
 * an interpreter's own arenas or the main thread's TLS), each stopped thread's live stack
 * [sp - red zone, top) with its static TLS and its registers, plus the blocks the
 * dynamic linker allocated (DTVs, dynamic TLS, link maps: reachable whatever points to
 * them, as LeakSanitizer treats them). Left out: leaktrace's own data and the memory registered in owned.h, the
 * allocator's heaps (a block is scanned only once reached), the stacks of threads that
 * exited (glibc caches them with stale frames) and the reporter's own frames.
 *
 * Called with the world stopped: no malloc, no locks (so no dl_iterate_phdr, dladdr). */
#ifndef LT_ROOTS_H
#define LT_ROOTS_H

#include "mark.h"
#include "world.h"

/* Feed every root to m (after lt_mark_begin): memory ranges, registers, linker blocks.
 * self: the caller's own stack and registers when they belong to the program (may be
 * NULL). Returns 0 or -errno (the roots are then incomplete). */
int lt_roots_scan(lt_mark_t *m, const lt_thread_regs_t *threads, int nthreads,
                  const lt_thread_regs_t *self);

#endif
