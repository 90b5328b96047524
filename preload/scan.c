/* scan.c — reachability verdicts for a report (contract in scan.h): the roots of
 * roots.c fed to the marking engine of mark.c; and the scrub the free path calls. */
#include "scan.h"
#include "mark.h"
#include "roots.h"

#include <string.h>

int lt_scan_classify_self(lt_block_t *blocks, long n, const lt_thread_regs_t *threads,
                          int nthreads, const lt_thread_regs_t *self)
{
  lt_mark_t m;
  int rc = lt_mark_begin(&m, blocks, n);
  if (rc < 0)
    return rc;
  rc = lt_roots_scan(&m, threads, nthreads, self);
  if (rc == 0)
    lt_mark_finish(&m);
  else
    for (long i = 0; i < n; i++)
      blocks[i].kind = LT_KIND_UNFREED;
  lt_mark_end(&m);
  return rc;
}

int lt_scan_classify(lt_block_t *blocks, long n, const lt_thread_regs_t *threads,
                     int nthreads)
{
  return lt_scan_classify_self(blocks, n, threads, nthreads, NULL);
}

/* glibc's chunk size word sits just before the block; bit 1 marks an mmapped chunk.
 * A page-aligned block may be the first thing on its page under another allocator, so
 * its header is not read: it is scrubbed when small. */
void lt_scan_scrub(void *ptr, size_t size)
{
  if (!ptr || !size)
    return;
  if ((uintptr_t)ptr % 4096 == 0) {
    if (size <= 65536)
      memset(ptr, 0, size);
    return;
  }
  if (((const uintptr_t *)ptr)[-1] & 2)
    return;
  memset(ptr, 0, size);
}
