/* A block held by a global is reachable; one whose only pointer was dropped is direct. */
// LT-SUMMARY: reachable bytes=48 blocks=1
// LT-SUMMARY: direct bytes=16 blocks=1
// LT-SUMMARY: indirect bytes=0 blocks=0
// LT-SUMMARY: possible bytes=0 blocks=0
// LT-LEAK: reachable bytes=48 blocks=1 top=keep_in_global
// LT-LEAK: direct bytes=16 blocks=1 top=drop
#include "../core/lt_test.h"

void *global_root;

__attribute__((noinline)) static void keep_in_global(void) { global_root = malloc(48); }

__attribute__((noinline)) static void drop(void)
{
  lt_test_sink = malloc(16);
  lt_test_sink = NULL;
}

int main(void)
{
  keep_in_global();
  drop();
  return 0;
}
