/* A non-PIE executable: its load bias is 0, so offsets are link-time addresses and the
 * symbolizer must not relocate them. */
// LT-OPTIONS: scan=0
// LT-LEAK: unfreed bytes=88 blocks=1 top=nopie_leak file=nopie.c line=11 frame1=main
#include <stdlib.h>

static void *volatile kept;

__attribute__((noinline)) static void nopie_leak(void)
{
  kept = malloc(88);
}

int main(void)
{
  nopie_leak();
  return 0;
}
