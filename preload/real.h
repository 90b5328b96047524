/* real.h — the allocator leaktrace forwards to, and the pool that serves memory before
 * it is known.
 *
 * The next definitions of the malloc family (glibc's, or jemalloc/tcmalloc when the
 * program links one) are found with dlsym(RTLD_NEXT) on first use. dlsym itself may call
 * calloc before that lookup returns; such early requests, and any made while the lookup
 * runs, are served from a static bootstrap pool. Pool blocks are never recorded, never
 * given back, and recognised by address so free and realloc pass them over safely. */
#ifndef LT_REAL_H
#define LT_REAL_H

#include "lt.h"

typedef struct lt_real {
  void *(*malloc)(size_t);
  void (*free)(void *);
  void *(*calloc)(size_t, size_t);
  void *(*realloc)(void *, size_t);
  void *(*reallocarray)(void *, size_t, size_t);
  int (*posix_memalign)(void **, size_t, size_t);
  void *(*aligned_alloc)(size_t, size_t);
  void *(*memalign)(size_t, size_t);
  void *(*valloc)(size_t);
  void *(*pvalloc)(size_t);
  size_t (*malloc_usable_size)(void *);
  /* Nonzero when every one of them is glibc's: no two of its live blocks then lie closer
   * than 32 bytes (its smallest chunk), which the direct map (shadow.h) relies on. */
  int glibc;
} lt_real_t;

extern lt_real_t lt_real LT_HIDDEN;

/* Nonzero once lt_real holds every function. */
extern int lt_real_ready_flag LT_HIDDEN;

/* Resolve lt_real. Returns 1 when it is ready; 0 when the caller must use the pool
 * (the resolution is under way, on this thread or another). */
int lt_real_resolve(void);

static inline int lt_real_ready(void) { return lt_likely(__atomic_load_n(&lt_real_ready_flag, __ATOMIC_ACQUIRE)); }

/* Bootstrap pool: align is a power of two >= 16. NULL when exhausted. */
void *lt_pool_alloc(size_t size, size_t align);
int lt_pool_owns(const void *ptr);
/* Usable size of a pool block. */
size_t lt_pool_size(const void *ptr);

#endif
