/* reallocarray: like realloc with n*size bytes; an overflowing n*size fails with ENOMEM
 * and keeps the old block; reallocarray(p, 0, size) frees p like realloc(p, 0). */
// LT-OPTIONS: scan=0
// LT-STDOUT: done
// LT-SUMMARY: unfreed bytes=160 blocks=1
// LT-SUMMARY: allocations-frees=1
// LT-LEAK: unfreed bytes=160 blocks=1 module=reallocarray top=main
// LT-LEAK-COUNT: 1
#include "lt_test.h"
#include <stdint.h>

static volatile size_t huge = SIZE_MAX / 2;

int main(void)
{
  long *p = reallocarray(NULL, 10, 8);
  CHECK(p != NULL);
  for (long i = 0; i < 10; i++)
    p[i] = i;
  p = reallocarray(p, 20, 8);
  CHECK(p != NULL);
  for (long i = 0; i < 10; i++)
    CHECK(p[i] == i);
  errno = 0;
  CHECK(reallocarray(p, huge, 3) == NULL);
  CHECK(errno == ENOMEM);
  for (long i = 0; i < 10; i++)
    CHECK(p[i] == i);
  lt_test_sink = p;

  long *z = malloc(8);
  CHECK(z != NULL);
  CHECK(reallocarray(z, 0, 8) == NULL);
  say("done\n");
  return 0;
}
