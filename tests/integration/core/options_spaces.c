/* Options separated by spaces as well as colons (sanitizer style) all apply. */
// LT-OPTIONS: scan=0 depth=2  exitcode=4
// LT-EXIT: 4
// LT-LEAK: unfreed bytes=5 blocks=1 nframes=2 top=inner frame1=outer
#include "lt_test.h"

__attribute__((noinline)) static void *inner(void) { return malloc(5); }
__attribute__((noinline)) static void *outer(void) { return inner(); }

int main(void)
{
  lt_test_sink = outer();
  return 0;
}
