/* Live reports taken while four threads allocate and free: the process survives five
 * SIGUSR1 reports (sent to the process, so any thread may take the signal), every report is
 * complete and consistent (run_case.py checks each one's sums), and the exit report is
 * exact. */
// LT-OPTIONS: scan=0
// LT-REPORTS: 6
// LT-STDOUT: reports 5
// LT-TRIGGER@1: signal
// LT-TRIGGER@5: signal
// LT-TRIGGER@6: exit
// LT-LEAK@6: unfreed bytes=256 blocks=4 module=signal_threads top=leak64 frame1=churn
#include "lt_test.h"
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>

#define THREADS 4
#define REPORTS 5

static atomic_int stop;
static void *kept[THREADS];

__attribute__((noinline)) static void *leak64(void) { return malloc(64); }

static void *churn(void *arg)
{
  int t = (int)(long)arg;
  unsigned seed = (unsigned)t + 1;
  void *slot[8] = {0};
  while (!atomic_load(&stop)) {
    int k = rand_r(&seed) % 8;
    free(slot[k]);
    slot[k] = malloc(1 + (size_t)(rand_r(&seed) % 1024));
    CHECK(slot[k] != NULL);
  }
  for (int k = 0; k < 8; k++)
    free(slot[k]);
  kept[t] = leak64();
  return NULL;
}

int main(void)
{
  pthread_t th[THREADS];
  for (long t = 0; t < THREADS; t++)
    CHECK(pthread_create(&th[t], NULL, churn, (void *)t) == 0);
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
