/* A live report (SIGUSR1) taken while four threads allocate and free: the world stops
 * and resumes under them, the program finishes its work correctly, the live report's
 * totals are consistent (run_case.py checks the sums), and the exit report is exact:
 * each thread leaves one 64-byte block in a global array (reachable) and loses one
 * 32-byte block whose pointer it XORs away (direct). */
// LT-REPORTS: 2
// LT-TRIGGER@1: signal
// LT-TRIGGER@2: exit
// LT-STDOUT: sums ok
// LT-SUMMARY@2: direct bytes=128 blocks=4
// LT-SUMMARY@2: indirect bytes=0 blocks=0
// LT-SUMMARY@2: possible bytes=0 blocks=0
// LT-LEAK@2: reachable bytes=256 blocks=4 top=keep64
// LT-LEAK@2: direct bytes=128 blocks=4 top=lose32
#include "../core/lt_test.h"
#include <stdint.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>

#define THREADS 4

static atomic_int stop;
static void *kept[THREADS];
static uintptr_t hidden[THREADS];
static long sums[THREADS];

__attribute__((noinline)) static void *keep64(void) { return malloc(64); }
__attribute__((noinline)) static void lose32(int t) { hidden[t] = (uintptr_t)malloc(32) ^ 0xff00ff00ff00ff00ull; }

/* Each thread keeps a ring of blocks filled with known values and checks them before
 * freeing: a scan or a stop that corrupted memory or registers would show. */
static void *churn(void *arg)
{
  int t = (int)(long)arg;
  unsigned seed = (unsigned)t + 7;
  long *slot[16] = {0};
  long expect = 0, got = 0;
  while (!atomic_load(&stop)) {
    int k = rand_r(&seed) % 16;
    if (slot[k]) {
      got += slot[k][0] + slot[k][slot[k][1] - 1];
      free(slot[k]);
    }
    long n = 2 + rand_r(&seed) % 200;
    slot[k] = malloc((size_t)n * sizeof(long));
    CHECK(slot[k] != NULL);
    slot[k][0] = n * 3 + t;
    slot[k][1] = n;
    slot[k][n - 1] = n == 2 ? n : n * 5;
    expect += n * 3 + t + (n == 2 ? n : n * 5);
  }
  for (int k = 0; k < 16; k++)
    if (slot[k]) {
      got += slot[k][0] + slot[k][slot[k][1] - 1];
      free(slot[k]);
    }
  sums[t] = expect == got;
  kept[t] = keep64();
  lose32(t);
  return NULL;
}

int main(void)
{
  pthread_t th[THREADS];
  for (long t = 0; t < THREADS; t++)
    CHECK(pthread_create(&th[t], NULL, churn, (void *)t) == 0);
  CHECK(kill(getpid(), SIGUSR1) == 0);
  lt_test_wait_files("r.", ".json", 1);
  atomic_store(&stop, 1);
  for (int t = 0; t < THREADS; t++)
    CHECK(pthread_join(th[t], NULL) == 0);
  for (int t = 0; t < THREADS; t++)
    CHECK(sums[t] == 1);
  say("sums ok\n");
  return 0;
}
