/* stress.c — the benchmark's allocator stress: THREADS threads each run ITERATIONS steps
 * of replacing a random slot of a private 4096-slot table with a fresh block of 8..1032
 * bytes (mostly small, some larger), so malloc and free each run ITERATIONS times per
 * thread with a realistic live set. Usage: stress THREADS ITERATIONS */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SLOTS 4096

static long iterations;

/* xorshift: cheap, per thread, so the generator never becomes the bottleneck. */
static uint64_t next_random(uint64_t *s) {
  *s ^= *s << 13;
  *s ^= *s >> 7;
  *s ^= *s << 17;
  return *s;
}

static void *churn(void *arg) {
  uint64_t seed = 0x9e3779b97f4a7c15ull * ((uintptr_t)arg + 1);
  char **slot = calloc(SLOTS, sizeof *slot);
  for (long i = 0; i < iterations; i++) {
    uint64_t r = next_random(&seed);
    size_t k = r % SLOTS;
    size_t size = (r >> 32) % 16 == 0 ? 8 + (r >> 40) % 1024 : 8 + (r >> 40) % 120;
    free(slot[k]);
    slot[k] = malloc(size);
    slot[k][0] = (char)i;
  }
  for (size_t k = 0; k < SLOTS; k++)
    free(slot[k]);
  free(slot);
  return NULL;
}

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: stress THREADS ITERATIONS\n");
    return 2;
  }
  int threads = atoi(argv[1]);
  iterations = atol(argv[2]);
  if (threads < 1 || threads > 64 || iterations < 1) {
    fprintf(stderr, "stress: THREADS must be 1..64 and ITERATIONS positive\n");
    return 2;
  }
  pthread_t tid[64];
  for (int t = 0; t < threads; t++)
    if (pthread_create(&tid[t], NULL, churn, (void *)(uintptr_t)t) != 0) {
      fprintf(stderr, "stress: pthread_create failed\n");
      return 1;
    }
  for (int t = 0; t < threads; t++)
    pthread_join(tid[t], NULL);
  return 0;
}
