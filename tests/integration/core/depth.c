/* depth=3 keeps three frames per stack, so two blocks allocated by the same code at
 * different recursion depths share one truncated stack: one entry of two blocks. */
// LT-OPTIONS: scan=0:depth=3
// LT-LEAK: unfreed bytes=128 blocks=2 nframes=3 module=depth top=recurse frame1=recurse frame2=recurse
// LT-LEAK-COUNT: 1
#include "lt_test.h"

static void *kept[2];

__attribute__((noinline)) static void *recurse(int n)
{
  void *p = n == 0 ? malloc(64) : recurse(n - 1);
  lt_test_sink = p;
  return p;
}

int main(void)
{
  kept[0] = recurse(10);
  kept[1] = recurse(12);
  return 0;
}
