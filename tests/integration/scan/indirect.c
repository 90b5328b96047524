/* A block held only by a lost block is indirect; the lost holder is direct. */
// LT-SUMMARY: direct bytes=32 blocks=1
// LT-SUMMARY: indirect bytes=64 blocks=1
// LT-SUMMARY: reachable bytes=0 blocks=0
// LT-LEAK: direct bytes=32 blocks=1 top=make_holder
// LT-LEAK: indirect bytes=64 blocks=1 top=make_held
#include "../core/lt_test.h"

__attribute__((noinline)) static void *make_held(void) { return malloc(64); }

__attribute__((noinline)) static void **make_holder(void) { return malloc(32); }

__attribute__((noinline)) static void build_and_lose(void)
{
  void **holder = make_holder();
  memset(holder, 0, 32);
  holder[1] = make_held();
  lt_test_sink = holder;
  lt_test_sink = NULL;
}

int main(void)
{
  build_and_lose();
  return 0;
}
