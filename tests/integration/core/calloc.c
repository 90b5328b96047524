/* calloc: zeroed, recorded with n*size bytes; an overflowing n*size fails with ENOMEM and
 * records nothing. */
// LT-OPTIONS: scan=0
// LT-STDOUT: done
// LT-SUMMARY: unfreed bytes=100 blocks=1
// LT-SUMMARY: allocations=2 frees=1
// LT-LEAK: unfreed bytes=100 blocks=1 module=calloc top=leak_calloc
// LT-LEAK-COUNT: 1
#include "lt_test.h"
#include <stdint.h>

static volatile size_t huge = SIZE_MAX / 2;

__attribute__((noinline)) static char *leak_calloc(void)
{
  return calloc(4, 25);
}

int main(void)
{
  char *p = leak_calloc();
  CHECK(p != NULL);
  for (int i = 0; i < 100; i++)
    CHECK(p[i] == 0);
  lt_test_sink = p;

  char *q = calloc(10, 10);
  CHECK(q != NULL);
  free(q);

  errno = 0;
  CHECK(calloc(huge, 4) == NULL);
  CHECK(errno == ENOMEM);
  errno = 0;
  CHECK(calloc(4, huge) == NULL);
  CHECK(errno == ENOMEM);
  say("done\n");
  return 0;
}
