/* Only a pointer into a block's interior survives: possible, as memcheck says. A
 * pointer one past the end points to no block at all: direct. */
// LT-SUMMARY: possible bytes=64 blocks=1
// LT-SUMMARY: direct bytes=32 blocks=1
// LT-SUMMARY: reachable bytes=0 blocks=0
// LT-LEAK: possible bytes=64 blocks=1 top=keep_interior
// LT-LEAK: direct bytes=32 blocks=1 top=keep_past_end
#include "../core/lt_test.h"

char *inside, *past_end;

__attribute__((noinline)) static void keep_interior(void) { inside = (char *)malloc(64) + 24; }

__attribute__((noinline)) static void keep_past_end(void) { past_end = (char *)malloc(32) + 32; }

int main(void)
{
  keep_interior();
  keep_past_end();
  return 0;
}
