/* exit() while four threads are still allocating and freeing: the exit report stops them
 * (default scan=1), classifies, and the process exits normally. The lost block of main is
 * direct; the threads' live blocks, held on their stacks, are not lost. */
// LT-STDOUT: exiting
// LT-LEAK: direct bytes=99 blocks=1 top=lose_block
// LT-SUMMARY: direct bytes=99 blocks=1
// LT-SUMMARY: indirect bytes=0 blocks=0
#include "lt_test.h"
#include <pthread.h>
#include <stdatomic.h>

#define THREADS 4

static atomic_long rounds[THREADS];

static void *churn(void *arg)
{
  int t = (int)(long)arg;
  unsigned seed = (unsigned)t + 7;
  void *slot[8] = {0};
  for (;;) {
    int k = rand_r(&seed) % 8;
    free(slot[k]);
    slot[k] = malloc(1 + (size_t)(rand_r(&seed) % 512));
    atomic_fetch_add(&rounds[t], 1);
  }
  return NULL;
}

__attribute__((noinline)) static void lose_block(void)
{
  char *p = malloc(99);
  CHECK(p != NULL);
  memset(p, 0, 99);
}

int main(void)
{
  pthread_t th;
  for (long t = 0; t < THREADS; t++)
    CHECK(pthread_create(&th, NULL, churn, (void *)t) == 0);
  /* Exit only once every thread is busy allocating. */
  double deadline = lt_test_now() + LT_TEST_WAIT_SECONDS;
  for (int t = 0; t < THREADS; t++)
    while (atomic_load(&rounds[t]) < 1000) {
      if (lt_test_now() > deadline)
        lt_test_fail("thread %d did not start\n", t);
      lt_test_nap();
    }
  lose_block();
  say("exiting\n");
  exit(0);
}
