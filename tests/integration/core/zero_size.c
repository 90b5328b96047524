/* Zero-size requests return unique blocks in glibc (malloc(0), realloc(NULL, 0),
 * calloc(0, n)); each is tracked as a block of 0 bytes, as valgrind counts them, and freeing
 * one forgets it. */
// LT-OPTIONS: scan=0
// LT-SUMMARY: unfreed bytes=0 blocks=3
// LT-SUMMARY: allocations=4 frees=1
// LT-LEAK: unfreed bytes=0 blocks=1 top=main
// LT-LEAK-COUNT: 3
#include "lt_test.h"

static void *kept[3];

int main(void)
{
  kept[0] = malloc(0);
  kept[1] = realloc(NULL, 0);
  kept[2] = calloc(0, 5);
  for (int i = 0; i < 3; i++)
    CHECK(kept[i] != NULL);
  void *z = malloc(0);
  CHECK(z != NULL);
  free(z);
  return 0;
}
