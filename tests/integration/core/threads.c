/* Eight threads allocate and free concurrently (random sizes, random order among a few
 * live slots); each then leaks exactly five 24-byte blocks from one call site, so the exit
 * report has exactly one entry of 40 blocks for that site, and nothing else from the
 * program's own churn. */
// LT-OPTIONS: scan=0
// LT-STDOUT: joined 8
// LT-LEAK: unfreed bytes=960 blocks=40 module=threads top=leak_some frame1=worker
// LT-NO-LEAK: unfreed module=threads blocks=1
#include "lt_test.h"
#include <pthread.h>

#define THREADS 8
#define ROUNDS 50000
#define SLOTS 16
#define LEAKS 5

static pthread_barrier_t start;
static void *leaked[THREADS][LEAKS];

__attribute__((noinline)) static void leak_some(int t)
{
  for (int i = 0; i < LEAKS; i++)
    leaked[t][i] = malloc(24);
}

static void *worker(void *arg)
{
  int t = (int)(long)arg;
  unsigned seed = 12345u + (unsigned)t;
  void *slot[SLOTS] = {0};
  pthread_barrier_wait(&start);
  for (int i = 0; i < ROUNDS; i++) {
    int k = rand_r(&seed) % SLOTS;
    free(slot[k]);
    size_t n = 1 + (size_t)(rand_r(&seed) % 2048);
    switch (rand_r(&seed) % 3) {
    case 0:
      slot[k] = malloc(n);
      break;
    case 1:
      slot[k] = calloc(1, n);
      break;
    default:
      slot[k] = realloc(malloc(8), n);
      break;
    }
    CHECK(slot[k] != NULL);
    ((char *)slot[k])[n - 1] = 1;
  }
  for (int k = 0; k < SLOTS; k++)
    free(slot[k]);
  leak_some(t);
  return NULL;
}

int main(void)
{
  pthread_t th[THREADS];
  CHECK(pthread_barrier_init(&start, NULL, THREADS) == 0);
  for (long t = 0; t < THREADS; t++)
    CHECK(pthread_create(&th[t], NULL, worker, (void *)t) == 0);
  for (int t = 0; t < THREADS; t++)
    CHECK(pthread_join(th[t], NULL) == 0);
  for (int t = 0; t < THREADS; t++)
    for (int i = 0; i < LEAKS; i++)
      CHECK(leaked[t][i] != NULL);
  say("joined %d\n", THREADS);
  return 0;
}
