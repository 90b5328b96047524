/* fork while four threads allocate and free: every child (which has only the forking
 * thread) can still allocate, free and write its exit report, so none deadlocks on a lock a
 * parent thread held at the fork. 20 children + the parent = 21 reports. symbolize=0 keeps
 * the 21 exit reports cheap. */
// LT-OPTIONS: scan=0:symbolize=0:json=${LT_TEST_DIR}/r.%p.json:log=${LT_TEST_DIR}/log.%p.txt
// LT-REPORTS: 21
// LT-STDOUT: children ok 20
// LT-LEAK@parent: unfreed bytes=77 blocks=1 module=fork_threads
#include "lt_test.h"
#include <pthread.h>
#include <stdatomic.h>
#include <sys/wait.h>

#define THREADS 4
#define CHILDREN 20

static atomic_int stop;
static void *kept;

static void *churn(void *arg)
{
  unsigned seed = (unsigned)(long)arg;
  void *slot[8] = {0};
  while (!atomic_load(&stop)) {
    int k = rand_r(&seed) % 8;
    free(slot[k]);
    slot[k] = malloc(1 + (size_t)(rand_r(&seed) % 4096));
    CHECK(slot[k] != NULL);
  }
  for (int k = 0; k < 8; k++)
    free(slot[k]);
  return NULL;
}

__attribute__((noinline)) static void *leak77(void) { return malloc(77); }

int main(void)
{
  pthread_t th[THREADS];
  for (long t = 0; t < THREADS; t++)
    CHECK(pthread_create(&th[t], NULL, churn, (void *)(t + 1)) == 0);
  int ok = 0;
  for (int c = 0; c < CHILDREN; c++) {
    pid_t pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
      for (int i = 0; i < 1000; i++)
        free(malloc(1 + (size_t)i));
      kept = leak77();
      exit(kept ? 0 : 1);
    }
    int status;
    CHECK(waitpid(pid, &status, 0) == pid);
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
      ok++;
  }
  atomic_store(&stop, 1);
  for (int t = 0; t < THREADS; t++)
    CHECK(pthread_join(th[t], NULL) == 0);
  kept = leak77();
  say("parent=%d\n", (int)getpid());
  say("children ok %d\n", ok);
  return 0;
}
