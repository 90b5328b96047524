/* exitcode=23: the exit report finds a direct leak (a block whose only pointer was lost),
 * so the process exits with 23 although main returns 0. */
// LT-OPTIONS: exitcode=23
// LT-EXIT: 23
// LT-STDOUT: returning 0
// LT-SUMMARY: direct bytes=64 blocks=1
// LT-LEAK: direct bytes=64 blocks=1 top=lose_block frame1=main file=exitcode_leak.c line=15
// LT-TEXT: Direct leak of 64 bytes in 1 block allocated from:
// LT-TEXT: in lose_block
// LT-TEXT: SUMMARY:
#include "lt_test.h"

__attribute__((noinline)) static void lose_block(void)
{
  char *p = malloc(64);
  CHECK(p != NULL);
  memset(p, 0, 64);
}

int main(void)
{
  lose_block();
  say("returning 0\n");
  return 0;
}
