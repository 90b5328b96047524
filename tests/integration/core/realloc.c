/* realloc: realloc(NULL, n) allocates; growing (in place or moved, also into an mmap'd
 * chunk) and shrinking keep the contents and move the record; realloc(p, 0) frees p and
 * returns NULL (glibc 2.36, see realloc(3)); a failed realloc returns NULL with ENOMEM and
 * leaves the old block allocated and recorded. */
// LT-OPTIONS: scan=0
// LT-STDOUT: done
// LT-SUMMARY: unfreed bytes=96 blocks=3
// LT-SUMMARY: allocations-frees=3
// LT-LEAK: unfreed bytes=24 blocks=1 module=realloc top=main
// LT-LEAK: unfreed bytes=40 blocks=1 module=realloc top=main
// LT-LEAK: unfreed bytes=32 blocks=1 module=realloc top=main
// LT-LEAK-COUNT: 3
#include "lt_test.h"
#include <stdint.h>

static volatile size_t huge = SIZE_MAX - 4096;
static void *kept[3];

static void fill(char *p, size_t n)
{
  for (size_t i = 0; i < n; i++)
    p[i] = (char)(i * 7 + 1);
}

static void check_filled(const char *p, size_t n)
{
  for (size_t i = 0; i < n; i++)
    CHECK(p[i] == (char)(i * 7 + 1));
}

int main(void)
{
  kept[0] = realloc(NULL, 24);
  CHECK(kept[0] != NULL);

  /* A failed realloc keeps the old block. */
  char *s = malloc(32);
  CHECK(s != NULL);
  fill(s, 32);
  errno = 0;
  CHECK(realloc(s, huge) == NULL);
  CHECK(errno == ENOMEM);
  check_filled(s, 32);
  kept[1] = s;

  /* Grow a little (often in place), grow into an mmap'd chunk (moves), shrink back. */
  char *p = realloc(NULL, 10);
  CHECK(p != NULL);
  fill(p, 10);
  p = realloc(p, 20);
  CHECK(p != NULL);
  check_filled(p, 10);
  fill(p, 20);
  p = realloc(p, 300000);
  CHECK(p != NULL);
  check_filled(p, 20);
  fill(p, 300000);
  p = realloc(p, 40);
  CHECK(p != NULL);
  check_filled(p, 40);
  kept[2] = p;

  /* realloc(p, 0) frees p. */
  char *z = malloc(64);
  CHECK(z != NULL);
  CHECK(realloc(z, 0) == NULL);
  say("done\n");
  return 0;
}
