/* A million live blocks, half of them then freed: the table grows and the exit report
 * counts every one exactly. */
// LT-OPTIONS: scan=0
// LT-SUMMARY: unfreed bytes=16000000 blocks=500001
// LT-SUMMARY: allocations=1000001 frees=500000
// LT-LEAK: unfreed bytes=8000000 blocks=500000 top=fill
// LT-LEAK: unfreed bytes=8000000 blocks=1 top=main
#include "lt_test.h"

#define N 1000000

static void **blocks;

__attribute__((noinline)) static void fill(void)
{
  for (long i = 0; i < N; i++) {
    blocks[i] = malloc(16);
    CHECK(blocks[i] != NULL);
  }
}

int main(void)
{
  blocks = malloc(N * sizeof *blocks);
  CHECK(blocks != NULL);
  fill();
  for (long i = 0; i < N; i += 2)
    free(blocks[i]);
  return 0;
}
