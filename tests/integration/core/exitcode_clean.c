/* exitcode=23 with no leak at all (everything freed): the program's own status stands. */
// LT-OPTIONS: exitcode=23
// LT-EXIT: 3
// LT-STDOUT: returning 3
// LT-SUMMARY: direct bytes=0 blocks=0
// LT-SUMMARY: indirect bytes=0 blocks=0
// LT-SUMMARY: allocations=3 frees=3 peak_bytes=60
#include "lt_test.h"

int main(void)
{
  char *a = malloc(10), *b = calloc(2, 10), *c = realloc(NULL, 30);
  CHECK(a && b && c);
  free(a);
  free(b);
  free(c);
  say("returning 3\n");
  return 3;
}
