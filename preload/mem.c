/* mem.c — anonymous mappings for leaktrace's tables and report buffers, each one
 * registered as owned so the reachability scan never reads it as a root. */
#include "mem.h"
#include "owned.h"

#include <stdint.h>
#include <sys/mman.h>
#include <sys/resource.h>

void *lt_mem_map(size_t bytes)
{
  void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
                 -1, 0);
  if (p == MAP_FAILED)
    return NULL;
  lt_owned_add(p, bytes);
  return p;
}

/* Since Linux 4.7 private writable mappings count against RLIMIT_DATA, MAP_NORESERVE
 * or not. */
size_t lt_mem_limit(void)
{
  size_t limit = SIZE_MAX;
  int kinds[] = {RLIMIT_AS, RLIMIT_DATA};
  for (int i = 0; i < 2; i++) {
    struct rlimit r;
    if (getrlimit(kinds[i], &r) == 0 && r.rlim_cur != RLIM_INFINITY && r.rlim_cur < limit)
      limit = r.rlim_cur;
  }
  return limit;
}

/* A reservation takes at most a sixteenth of the limit, so that the ones made later (the
 * scan's, at report time) and the program's own still find room. */
void *lt_mem_map_shrinking(size_t *bytes, size_t min)
{
  size_t want = *bytes, limit = lt_mem_limit();
  while (want / 2 >= min && want > limit / 16)
    want /= 2;
  for (; want >= min && want > 0; want /= 2) {
    void *p = lt_mem_map(want);
    if (p) {
      *bytes = want;
      return p;
    }
  }
  return NULL;
}

void lt_mem_unmap(void *ptr, size_t bytes)
{
  if (ptr) {
    lt_owned_remove(ptr, bytes);
    munmap(ptr, bytes);
  }
}

void lt_mem_discard(void *ptr, size_t bytes)
{
  madvise(ptr, bytes, MADV_DONTNEED);
}
