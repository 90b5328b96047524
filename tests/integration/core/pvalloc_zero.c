/* glibc 2.36's pvalloc(0) returns a block of 24 usable bytes, not a page: it is recorded
 * as what it is, and its free scrubs those bytes only. Recorded as a page, the scrub of
 * its free wrote over the heap beyond it and glibc aborted ("malloc assertion failure in
 * sysmalloc"). */
// LT-STDOUT: done
// LT-SUMMARY: allocations=3 frees=3
#include "lt_test.h"
#include <malloc.h>

int main(void)
{
  void *p = pvalloc(0);
  CHECK(p != NULL);
  void *q = malloc(100);
  free(p);
  free(q);
  free(malloc(5000));
  say("done\n");
  return 0;
}
