/* Built by clang, which emits no .debug_aranges unless asked: libdw cannot place the
 * address in a compile unit by itself, the symbolizer's own CU ranges must. -O2 with an
 * inlined allocator, so the DWARF 5 range lists of inlined calls are exercised too. */
// LT-OPTIONS: scan=0
// LT-LEAK: unfreed bytes=40 blocks=1 top=clang_alloc file=clang.c line=16 inlined0=1 frame1=clang_caller inlined1=0
#include <stdlib.h>

struct item {
  long v[5];
};

static struct item *volatile kept;

static inline __attribute__((always_inline)) struct item *clang_alloc(void)
{
  struct item *it = malloc(sizeof(*it));
  if (it)
    it->v[0] = 1;
  return it;
}

__attribute__((noinline)) static void clang_caller(void)
{
  kept = clang_alloc();
  kept->v[1] = 2;
}

int main(void)
{
  clang_caller();
  return 0;
}
