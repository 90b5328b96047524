/* mem.c — anonymous mappings for leaktrace's tables and report buffers. */
#include "mem.h"

#include <sys/mman.h>

void *lt_mem_map(size_t bytes)
{
  void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
                 -1, 0);
  return p == MAP_FAILED ? NULL : p;
}

void lt_mem_unmap(void *ptr, size_t bytes)
{
  if (ptr)
    munmap(ptr, bytes);
}

void lt_mem_discard(void *ptr, size_t bytes)
{
  madvise(ptr, bytes, MADV_DONTNEED);
}
