/* show=reachable prints only reachable blocks: the direct leak stays out of the text report
 * (and in the JSON report). */
// LT-OPTIONS: show=reachable
// LT-TEXT: Still reachable memory of 48 bytes in 1 block allocated from:
// LT-NO-TEXT: Direct leak
// LT-LEAK: direct bytes=64 blocks=1 top=lose_block
#include "lt_test.h"

static void *global_ref;

__attribute__((noinline)) static void lose_block(void)
{
  char *p = malloc(64);
  CHECK(p != NULL);
  memset(p, 0, 64);
}

int main(void)
{
  global_ref = malloc(48);
  lose_block();
  return 0;
}
