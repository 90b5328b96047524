/* A thread that blocks every signal and keeps allocating when the program exits: the exit
 * report (with the scan) must still complete instead of waiting forever for that thread to
 * stop, and the process exits normally. What the report says about the lost block is left
 * open, since a thread that cannot be stopped makes the scan conservative. */
// LT-STDOUT: exiting
// LT-TRIGGER: exit
#include "lt_test.h"
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>

static atomic_long rounds;

static void *deaf(void *arg)
{
  (void)arg;
  sigset_t all;
  sigfillset(&all);
  CHECK(pthread_sigmask(SIG_BLOCK, &all, NULL) == 0);
  void *slot[4] = {0};
  for (unsigned i = 0;; i++) {
    free(slot[i % 4]);
    slot[i % 4] = malloc(1 + i % 300);
    atomic_fetch_add(&rounds, 1);
  }
  return NULL;
}

int main(void)
{
  pthread_t th;
  CHECK(pthread_create(&th, NULL, deaf, NULL) == 0);
  double deadline = lt_test_now() + LT_TEST_WAIT_SECONDS;
  while (atomic_load(&rounds) < 10000) {
    if (lt_test_now() > deadline)
      lt_test_fail("the thread did not start\n");
    lt_test_nap();
  }
  lt_test_sink = malloc(31);
  say("exiting\n");
  exit(0);
}
