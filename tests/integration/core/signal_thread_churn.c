/* Live reports while threads are being created and joined all the time (each short thread
 * allocates and frees): stopping the world must cope with threads that start or end during
 * the stop. Five live reports and the exit report, all complete; the program's own lost
 * block is counted in each. */
// LT-REPORTS: 6
// LT-STDOUT: reports 5
// LT-TRIGGER@5: signal
// LT-SUMMARY@5: direct bytes=123 blocks=1
// LT-TRIGGER@6: exit
// LT-SUMMARY@6: direct bytes=123 blocks=1
// LT-LEAK@6: direct bytes=123 blocks=1 top=lose_block
#include "lt_test.h"
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>

#define SPAWNERS 2
#define REPORTS 5

static atomic_int stop;
static atomic_long spawned;

__attribute__((noinline)) static void lose_block(void)
{
  char *p = malloc(123);
  CHECK(p != NULL);
  memset(p, 0, 123);
}

__attribute__((noinline)) static void scrub_stack(void)
{
  volatile char buf[64 * 1024];
  for (size_t i = 0; i < sizeof buf; i++)
    buf[i] = 0;
}

static void *short_lived(void *arg)
{
  (void)arg;
  for (int i = 0; i < 50; i++)
    free(malloc(1 + (size_t)i * 8));
  return NULL;
}

static void *spawner(void *arg)
{
  (void)arg;
  while (!atomic_load(&stop)) {
    pthread_t th;
    CHECK(pthread_create(&th, NULL, short_lived, NULL) == 0);
    CHECK(pthread_join(th, NULL) == 0);
    atomic_fetch_add(&spawned, 1);
  }
  return NULL;
}

int main(void)
{
  lose_block();
  scrub_stack();
  pthread_t th[SPAWNERS];
  for (int t = 0; t < SPAWNERS; t++)
    CHECK(pthread_create(&th[t], NULL, spawner, NULL) == 0);
  double deadline = lt_test_now() + LT_TEST_WAIT_SECONDS;
  while (atomic_load(&spawned) < 100) {
    if (lt_test_now() > deadline)
      lt_test_fail("threads are not being spawned\n");
    lt_test_nap();
  }
  for (int r = 1; r <= REPORTS; r++) {
    CHECK(kill(getpid(), SIGUSR1) == 0);
    lt_test_wait_files("r.", ".json", r);
  }
  atomic_store(&stop, 1);
  for (int t = 0; t < SPAWNERS; t++)
    CHECK(pthread_join(th[t], NULL) == 0);
  say("reports %d\n", REPORTS);
  return 0;
}
