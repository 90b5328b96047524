/* A block whose only pointer lived in a block since freed is direct. The freed block's
 * memory is handed out again to a block that is kept but never written: its stale
 * contents must not make the lost block reachable (memcheck ignores undefined memory;
 * leaktrace scrubs blocks as they are freed). */
// LT-SUMMARY: direct bytes=56 blocks=1
// LT-SUMMARY: reachable bytes=80 blocks=1
// LT-SUMMARY: possible bytes=0 blocks=0
// LT-SUMMARY: indirect bytes=0 blocks=0
// LT-LEAK: direct bytes=56 blocks=1 top=lose_through_free
#include "../core/lt_test.h"

void **kept;

__attribute__((noinline)) static void lose_through_free(void)
{
  void **holder = malloc(80);
  CHECK(holder != NULL);
  memset(holder, 0, 80);
  holder[5] = malloc(56);
  free(holder);
  kept = malloc(80); /* same size: glibc gives the freed chunk back */
}

int main(void)
{
  lose_through_free();
  return 0;
}
