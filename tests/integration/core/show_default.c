/* The text report prints direct, indirect and possible leaks by default, not reachable
 * blocks; the JSON report has every kind. */
// LT-TEXT: Direct leak of 64 bytes in 1 block allocated from:
// LT-NO-TEXT: Still reachable
// LT-LEAK: direct bytes=64 blocks=1 top=lose_block
// LT-LEAK: reachable bytes=48 blocks=1 top=main
// LT-SUMMARY: reachable bytes=48 blocks=1
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
