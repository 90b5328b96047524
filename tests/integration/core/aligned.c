/* The aligned allocators: posix_memalign (EINVAL for an alignment that is not a power of
 * two multiple of sizeof(void *), leaving the pointer untouched and recording nothing),
 * aligned_alloc, memalign and valloc record the requested size; free finds the block by
 * its aligned address; malloc_usable_size covers the request. */
// LT-OPTIONS: scan=0
// LT-STDOUT: done
// LT-SUMMARY: unfreed bytes=230 blocks=3
// LT-SUMMARY: allocations=4 frees=1
// LT-LEAK: unfreed bytes=100 blocks=1 module=aligned top=main
// LT-LEAK: unfreed bytes=10 blocks=1 module=aligned top=main
// LT-LEAK: unfreed bytes=120 blocks=1 module=aligned top=main
// LT-LEAK-COUNT: 3
#include "lt_test.h"
#include <malloc.h>
#include <stdint.h>

#define ALIGNED(p, a) (((uintptr_t)(p) & ((a)-1)) == 0)

static void *kept[3];

int main(void)
{
  void *marker = (void *)0x1234;
  void *p = marker;
  CHECK(posix_memalign(&p, 3, 100) == EINVAL);
  CHECK(p == marker);
  CHECK(posix_memalign(&p, 4, 100) == EINVAL);
  CHECK(p == marker);
  CHECK(posix_memalign(&p, 64, 100) == 0);
  CHECK(ALIGNED(p, 64));
  CHECK(malloc_usable_size(p) >= 100);
  kept[0] = p;

  void *a = aligned_alloc(128, 256);
  CHECK(a != NULL && ALIGNED(a, 128));
  CHECK(malloc_usable_size(a) >= 256);
  memset(a, 1, 256);
  free(a);

  void *m = memalign(4096, 10);
  CHECK(m != NULL && ALIGNED(m, 4096));
  CHECK(malloc_usable_size(m) >= 10);
  kept[1] = m;

  long page = sysconf(_SC_PAGESIZE);
  void *v = valloc(120);
  CHECK(v != NULL && ALIGNED(v, (uintptr_t)page));
  CHECK(malloc_usable_size(v) >= 120);
  kept[2] = v;
  say("done\n");
  return 0;
}
