/* Without depth=, a stack deeper than 32 frames keeps exactly 32. */
// LT-OPTIONS: scan=0
// LT-LEAK: unfreed bytes=64 blocks=1 nframes=32 module=depth_default top=recurse
#include "lt_test.h"

__attribute__((noinline)) static void *recurse(int n)
{
  void *p = n == 0 ? malloc(64) : recurse(n - 1);
  lt_test_sink = p;
  return p;
}

int main(void)
{
  recurse(40);
  return 0;
}
