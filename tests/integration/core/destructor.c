/* The exit report comes after the program's own ELF destructors: a block freed in one is
 * not reported (as valgrind, which reports after everything ran). A block allocated by a
 * constructor, before main, is tracked. */
// LT-OPTIONS: scan=0
// LT-SUMMARY: unfreed bytes=77 blocks=2
// LT-LEAK: unfreed bytes=33 blocks=1 module=destructor top=main
// LT-LEAK: unfreed bytes=44 blocks=1 module=destructor top=setup
#include "lt_test.h"

static void *freed_in_destructor, *kept, *from_constructor;

__attribute__((constructor)) static void setup(void)
{
  from_constructor = malloc(44);
}

__attribute__((destructor)) static void cleanup(void)
{
  free(freed_in_destructor);
}

int main(void)
{
  freed_in_destructor = malloc(22);
  kept = malloc(33);
  return 0;
}
