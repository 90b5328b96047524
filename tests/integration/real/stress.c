/* Stress: 8 threads x 1M malloc/free pairs of random sizes (a few large enough for mmap'd
 * chunks), each thread holding up to 64 blocks at a time, all freed at the end; then each
 * thread leaks exactly three 40-byte blocks. The process must not crash and the exit
 * report must hold exactly those 24 blocks from the program, and count every call (plus
 * the few blocks glibc allocates for the threads themselves). */
// LT-OPTIONS: scan=0
// LT-STDOUT: pairs 8000000
// LT-LEAK: unfreed bytes=960 blocks=24 module=stress top=leak_three frame1=worker
// LT-NO-LEAK: unfreed module=stress blocks=1
// LT-SUMMARY: allocations>=8000024 allocations<=8000100 frees>=8000000 frees<=8000100
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define THREADS 8
#define PAIRS 1000000
#define SLOTS 64
#define LEAKS 3

static pthread_barrier_t start;
static void *leaked[THREADS][LEAKS];
static long done[THREADS];

__attribute__((noinline)) static void leak_three(int t)
{
  for (int i = 0; i < LEAKS; i++)
    leaked[t][i] = malloc(40);
}

static size_t random_size(unsigned *seed)
{
  unsigned r = (unsigned)rand_r(seed);
  if (r % 4096 == 0)
    return 128 * 1024 + r % (256 * 1024);
  if (r % 16 == 0)
    return 1 + r % 16384;
  return 1 + r % 256;
}

static void *worker(void *arg)
{
  int t = (int)(long)arg;
  unsigned seed = 0x9e3779b9u * (unsigned)(t + 1);
  void *slot[SLOTS] = {0};
  pthread_barrier_wait(&start);
  for (long i = 0; i < PAIRS; i++) {
    int k = rand_r(&seed) % SLOTS;
    free(slot[k]);
    size_t n = random_size(&seed);
    char *p = malloc(n);
    if (!p)
      abort();
    p[0] = p[n - 1] = (char)i;
    slot[k] = p;
    done[t]++;
  }
  for (int k = 0; k < SLOTS; k++)
    free(slot[k]);
  leak_three(t);
  return NULL;
}

int main(void)
{
  pthread_t th[THREADS];
  if (pthread_barrier_init(&start, NULL, THREADS) != 0)
    return 99;
  for (long t = 0; t < THREADS; t++)
    if (pthread_create(&th[t], NULL, worker, (void *)t) != 0)
      return 99;
  long pairs = 0;
  for (int t = 0; t < THREADS; t++) {
    if (pthread_join(th[t], NULL) != 0)
      return 99;
    pairs += done[t];
  }
  char line[64];
  int n = snprintf(line, sizeof line, "pairs %ld\n", pairs);
  return write(1, line, (size_t)n) == n ? 0 : 99;
}
