/* A block held by a function's static local (in .bss, like a global) is reachable. */
// LT-SUMMARY: reachable bytes=100 blocks=1
// LT-SUMMARY: direct bytes=0 blocks=0
// LT-LEAK: reachable bytes=100 blocks=1 top=cache
#include "../core/lt_test.h"

__attribute__((noinline)) static char *cache(void)
{
  static char *buffer;
  if (!buffer)
    buffer = malloc(100);
  return buffer;
}

int main(void)
{
  CHECK(cache() == cache());
  return 0;
}
