/* larson.c — the benchmark's server-style allocator workload, after Larson & Krishnan's
 * description (written here from that description, not from any other implementation).
 *
 * Usage: larson THREADS GENERATIONS OPS
 * THREADS chains run at once. Each chain owns an array of SLOTS blocks, first filled by
 * the main thread. A chain's thread does OPS steps of freeing the block of a random slot
 * and allocating one of 8..1000 bytes in its place, then starts a new thread, hands it
 * the array (and its random state) and exits; GENERATIONS threads in all per chain. So
 * most blocks are freed by a thread other than the one that allocated them, and threads
 * come and go all the time, as in a server that hands connections to fresh workers. The
 * work is fixed (THREADS x GENERATIONS x OPS steps, each chain's sequence of sizes and
 * slots set by its own xorshift seed), so wall time is the measure. At the end the main
 * thread frees every block and prints a checksum of the bytes it read back, equal from
 * run to run for the same arguments. */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define SLOTS 1000
#define MIN_SIZE 8
#define MAX_SIZE 1000
#define MAX_THREADS 64

struct chain {
  char *slot[SLOTS];
  uint64_t seed;
  uint64_t checksum;
  long generation;         /* of the thread that runs the chain now */
  pthread_t *tid;          /* GENERATIONS entries: entry g is written by the thread of
                              generation g - 1 (the main thread for 0), read by main */
};

static long generations;
static long ops;

/* xorshift: cheap and per chain, so the generator neither serializes the threads nor
 * costs more than the allocator it drives. */
static uint64_t next_random(uint64_t *s) {
  *s ^= *s << 13;
  *s ^= *s >> 7;
  *s ^= *s << 17;
  return *s;
}

/* A fresh block of a random size whose first and last bytes are written, so that its
 * memory is touched as a server's buffer would be. */
static char *new_block(struct chain *c) {
  uint64_t r = next_random(&c->seed);
  size_t size = MIN_SIZE + (r >> 33) % (MAX_SIZE - MIN_SIZE + 1);
  char *p = malloc(size);
  if (p) {
    p[0] = (char)r;
    p[size - 1] = (char)(r >> 8);
  }
  return p;
}

/* Reads a block's first byte into the checksum (so neither the write nor the block can be
 * optimized away) and frees it. */
static void drop_block(struct chain *c, char *p) {
  if (p)
    c->checksum = c->checksum * 31 + (unsigned char)p[0];
  free(p);
}

/* Returns non-NULL when it started the chain's next thread. */
static void *worker(void *arg) {
  struct chain *c = arg;
  for (long i = 0; i < ops; i++) {
    size_t k = next_random(&c->seed) % SLOTS;
    drop_block(c, c->slot[k]);
    c->slot[k] = new_block(c);
  }
  /* Hand the chain on: the next thread's id goes to its own entry, which main reads only
   * after joining this thread, so no two threads write the same place. */
  long next = c->generation + 1;
  if (next == generations)
    return NULL;
  c->generation = next;
  return pthread_create(&c->tid[next], NULL, worker, c) == 0 ? c : NULL;
}

int main(int argc, char **argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: larson THREADS GENERATIONS OPS\n");
    return 2;
  }
  int threads = atoi(argv[1]);
  generations = atol(argv[2]);
  ops = atol(argv[3]);
  if (threads < 1 || threads > MAX_THREADS || generations < 1 || ops < 1) {
    fprintf(stderr, "larson: THREADS must be 1..%d, GENERATIONS and OPS positive\n",
            MAX_THREADS);
    return 2;
  }
  struct chain *chains = calloc(threads, sizeof *chains);
  if (!chains)
    return 1;
  for (int t = 0; t < threads; t++) {
    struct chain *c = &chains[t];
    c->seed = 0x9e3779b97f4a7c15ull * (uint64_t)(t + 1);
    c->tid = calloc(generations, sizeof *c->tid);
    if (!c->tid)
      return 1;
    for (size_t k = 0; k < SLOTS; k++)
      c->slot[k] = new_block(c);
  }
  for (int t = 0; t < threads; t++)
    if (pthread_create(&chains[t].tid[0], NULL, worker, &chains[t]) != 0) {
      fprintf(stderr, "larson: pthread_create failed\n");
      return 1;
    }
  /* Follow each chain: once generation g is joined, it has either started g + 1 (and
   * written its id) or failed to. */
  int failed = 0;
  uint64_t checksum = 0;
  for (int t = 0; t < threads; t++) {
    struct chain *c = &chains[t];
    for (long g = 0; g < generations; g++) {
      void *handed_on;
      pthread_join(c->tid[g], &handed_on);
      if (!handed_on && g + 1 < generations) {
        failed = 1;
        break;
      }
    }
    for (size_t k = 0; k < SLOTS; k++)
      drop_block(c, c->slot[k]);
    checksum = checksum * 1000003 + c->checksum;
    free(c->tid);
  }
  free(chains);
  if (failed) {
    fprintf(stderr, "larson: pthread_create failed in a worker\n");
    return 1;
  }
  printf("larson: %d thread(s) x %ld generations x %ld ops, checksum %016llx\n", threads,
         generations, ops, (unsigned long long)checksum);
  return 0;
}
