/* mem.c — anonymous mappings for leaktrace's tables and report buffers, each one
 * registered as owned so the reachability scan never reads it as a root. */
#include "mem.h"
#include "owned.h"

#include <sys/mman.h>

void *lt_mem_map(size_t bytes)
{
  void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
                 -1, 0);
  if (p == MAP_FAILED)
    return NULL;
  lt_owned_add(p, bytes);
  return p;
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
