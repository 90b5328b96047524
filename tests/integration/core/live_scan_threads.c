/* A live report with the reachability scan (the default) while four threads allocate and
 * free: each thread lost exactly one 48-byte block before it started churning, and the
 * blocks it churns are held by its stack, so every live report finds exactly four direct
 * leaks, however the threads were caught. The size is a multiple of 16 on purpose: with
 * 40 bytes, glibc's next chunk header lies inside the block's last 8 bytes, and a free
 * list or top-chunk pointer to that neighbour (in libc's main_arena, a root) made the
 * block look possibly reachable under load. At exit, after the threads ended, one of them is
 * sometimes seen as possible under load (an interior pointer found in memory the threads
 * left behind), so the exit report only has to keep them all unreachable. */
// LT-REPORTS: 4
// LT-STDOUT: reports 3
// LT-TRIGGER@1: signal
// LT-SUMMARY@1: direct bytes=192 blocks=4
// LT-SUMMARY@2: direct bytes=192 blocks=4
// LT-SUMMARY@3: direct bytes=192 blocks=4
// LT-LEAK@3: direct bytes=192 blocks=4 top=lose_block frame1=churn
// LT-TRIGGER@4: exit
// LT-NO-LEAK@4: reachable top=lose_block
#include "lt_test.h"
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>

#define THREADS 4
#define REPORTS 3

static atomic_int stop;
static atomic_int started;

__attribute__((noinline)) static void lose_block(void)
{
  char *p = malloc(48);
  CHECK(p != NULL);
  memset(p, 0, 48);
}

/* Overwrites the dead stack below the caller, where copies of the lost pointer left by
 * lose_block and by the first malloc of the thread (arena setup, deep) would otherwise make
 * the block look reachable to a conservative scan: a thread stopped deep inside malloc has
 * that stale region inside its live frames. */
__attribute__((noinline)) static void scrub_stack(void)
{
  volatile char buf[64 * 1024];
  for (size_t i = 0; i < sizeof buf; i++)
    buf[i] = 0;
}

static void *churn(void *arg)
{
  unsigned seed = (unsigned)(long)arg + 1;
  void *slot[8] = {0};
  lose_block();
  scrub_stack();
  atomic_fetch_add(&started, 1);
  while (!atomic_load(&stop)) {
    int k = rand_r(&seed) % 8;
    free(slot[k]);
    slot[k] = malloc(1 + (size_t)(rand_r(&seed) % 1024));
    CHECK(slot[k] != NULL);
  }
  for (int k = 0; k < 8; k++)
    free(slot[k]);
  return NULL;
}

int main(void)
{
  pthread_t th[THREADS];
  for (long t = 0; t < THREADS; t++)
    CHECK(pthread_create(&th[t], NULL, churn, (void *)t) == 0);
  double deadline = lt_test_now() + LT_TEST_WAIT_SECONDS;
  while (atomic_load(&started) < THREADS) {
    if (lt_test_now() > deadline)
      lt_test_fail("threads did not start\n");
    lt_test_nap();
  }
  for (int r = 1; r <= REPORTS; r++) {
    CHECK(kill(getpid(), SIGUSR1) == 0);
    lt_test_wait_files("r.", ".json", r);
  }
  atomic_store(&stop, 1);
  for (int t = 0; t < THREADS; t++)
    CHECK(pthread_join(th[t], NULL) == 0);
  say("reports %d\n", REPORTS);
  return 0;
}
