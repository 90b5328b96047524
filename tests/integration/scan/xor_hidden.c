/* A pointer stored XORed with a key is no pointer to a conservative scan: direct. */
// LT-SUMMARY: direct bytes=40 blocks=1
// LT-SUMMARY: reachable bytes=0 blocks=0
// LT-SUMMARY: possible bytes=0 blocks=0
// LT-LEAK: direct bytes=40 blocks=1 top=hide
#include "../core/lt_test.h"
#include <stdint.h>

uintptr_t hidden;
#define KEY ((uintptr_t)0x5a5a5a5a5a5a5a5aull)

__attribute__((noinline)) static void hide(void) { hidden = (uintptr_t)malloc(40) ^ KEY; }

int main(void)
{
  hide();
  CHECK(hidden != 0);
  return 0;
}
