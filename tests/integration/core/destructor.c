/* The exit report comes after the program's own ELF destructors: a block freed in one is
 * not reported (as valgrind, which reports after everything ran). */
// LT-OPTIONS: scan=0
// LT-SUMMARY: unfreed bytes=33 blocks=1
// LT-LEAK: unfreed bytes=33 blocks=1 module=destructor top=main
#include "lt_test.h"

static void *freed_in_destructor, *kept;

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
