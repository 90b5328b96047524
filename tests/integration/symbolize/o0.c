/* -g -O0: frame 0 names the function, file and line of the allocation call, and the
 * caller follows with the line of its call. */
// LT-OPTIONS: scan=0
// LT-LEAK: unfreed bytes=48 blocks=1 top=leak_here file=o0.c line=12 frame1=main inlined0=0
// LT-TEXT: in leak_here
#include <stdlib.h>

static void *volatile kept;

__attribute__((noinline)) static void leak_here(void)
{
  kept = malloc(48);
}

int main(void)
{
  leak_here();
  return 0;
}
