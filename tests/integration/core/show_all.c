/* show=all adds reachable blocks to the text report. */
// LT-OPTIONS: show=all
// LT-TEXT: Direct leak of 64 bytes in 1 block allocated from:
// LT-TEXT: Still reachable memory of 48 bytes in 1 block allocated from:
// LT-LEAK: reachable bytes=48 blocks=1 top=main
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
