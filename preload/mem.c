/* mem.c — anonymous mappings for leaktrace's tables and report buffers, each one
 * registered as owned so the reachability scan never reads it as a root. */
#include "mem.h"
#include "owned.h"

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

/* A reservation takes at most a sixteenth of a limit on address space, so that the ones
 * made later (the scan's, at report time) and the program's own still find room. */
void *lt_mem_map_shrinking(size_t *bytes, size_t min)
{
  struct rlimit as;
  size_t want = *bytes;
  if (getrlimit(RLIMIT_AS, &as) == 0 && as.rlim_cur != RLIM_INFINITY)
    while (want / 2 >= min && want > as.rlim_cur / 16)
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
