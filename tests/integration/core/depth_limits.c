/* The default depth is 32 frames; depth=256 (the maximum) keeps 256 of a deeper stack. */
// LT-OPTIONS: scan=0:depth=256
// LT-LEAK: unfreed bytes=64 blocks=1 nframes=256 module=depth_limits top=recurse
// LT-LEAK: unfreed bytes=1 blocks=1 module=depth_limits top=recurse frame1=main
#include "lt_test.h"

static void *kept[2];

__attribute__((noinline)) static void *recurse(int n, size_t size)
{
  void *p = n == 0 ? malloc(size) : recurse(n - 1, size);
  lt_test_sink = p;
  return p;
}

int main(void)
{
  kept[0] = recurse(300, 64);
  kept[1] = recurse(0, 1);
  return 0;
}
