/* mem.h — leaktrace's own memory: anonymous mappings, never the host's allocator. */
#ifndef LT_MEM_H
#define LT_MEM_H

#include "lt.h"

/* Zeroed, page-granular memory; NULL on failure. Untouched pages cost no RSS. */
void *lt_mem_map(size_t bytes);
void lt_mem_unmap(void *ptr, size_t bytes);
/* The smaller of the limits on address space and on private writable memory (ulimit -v,
 * ulimit -d), which leaktrace's mappings count against; SIZE_MAX when there is none. */
size_t lt_mem_limit(void);

/* For a large reservation that can do with less: *bytes, but at most a sixteenth of
 * lt_mem_limit(), halved on failure down to min; *bytes is set to what was mapped. NULL
 * when not even min could be. */
void *lt_mem_map_shrinking(size_t *bytes, size_t min);
/* Give the pages back but keep the range reserved: later reads see zeros. */
void lt_mem_discard(void *ptr, size_t bytes);

#endif
