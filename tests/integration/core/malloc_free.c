/* malloc and free: exact unfreed totals, allocation/free counts and the peak; free(NULL)
 * is a no-op that is not counted; malloc_usable_size works on tracked blocks. */
// LT-OPTIONS: scan=0
// LT-STDOUT: done
// LT-SUMMARY: unfreed bytes=148 blocks=4
// LT-SUMMARY: allocations=15 frees=11 allocations-frees=4
// LT-SUMMARY: peak_bytes=1000148
// LT-LEAK: unfreed bytes=48 blocks=3 module=malloc_free top=leak_three frame1=main
// LT-LEAK: unfreed bytes=100 blocks=1 module=malloc_free top=leak_hundred file=malloc_free.c line=24
// LT-LEAK-COUNT: 2
#include "lt_test.h"
#include <malloc.h>

static void *kept[4];

__attribute__((noinline)) static void leak_three(void)
{
  for (int i = 0; i < 3; i++)
    kept[i] = malloc(16);
}

__attribute__((noinline)) static void leak_hundred(void)
{
  kept[3] = malloc(100);
}

__attribute__((noinline)) static void churn(void)
{
  for (int i = 0; i < 10; i++) {
    char *p = malloc(10 + i);
    CHECK(p != NULL);
    memset(p, i, 10 + i);
    CHECK(malloc_usable_size(p) >= (size_t)(10 + i));
    lt_test_sink = p;
    free(p);
  }
}

int main(void)
{
  leak_three();
  leak_hundred();
  for (int i = 0; i < 4; i++) {
    CHECK(kept[i] != NULL);
    CHECK(malloc_usable_size(kept[i]) >= (i < 3 ? 16u : 100u));
  }
  /* The peak: 148 live bytes plus this block. */
  char *big = malloc(1000000);
  CHECK(big != NULL);
  memset(big, 1, 1000000);
  free(big);
  churn();
  free(NULL);
  free(NULL);
  CHECK(malloc_usable_size(NULL) == 0);
  say("done\n");
  return 0;
}
