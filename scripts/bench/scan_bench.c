/* scan_bench.c — the program behind scan.sh: a big heap for the exit report to classify.
 *
 * Allocates BLOCKS (default 1M) blocks of 1000 bytes with malloc (1 GiB at the default),
 * wired like the benchmark of tests/unit/check_scan.c: each block holds two pointers to
 * other blocks' starts, one into another block, one stray value inside the heap's range,
 * and non-pointer data; 1000 globals point to blocks. What the globals do not lead to
 * (about a fifth: possible, indirect and direct blocks) is left for the report. Then
 * prints the CLOCK_REALTIME time at which it calls exit(), in nanoseconds, on stdout.
 *
 * Usage: scan_bench [BLOCKS] */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <time.h>

#define BLOCK_SIZE 1000 /* 1008-byte chunks in glibc */
#define ROOTS 1000

/* Global, so the stores stay: nothing in the program reads it again. */
uintptr_t *roots[ROOTS];

static uint64_t next_random(uint64_t *s)
{
  *s ^= *s << 13;
  *s ^= *s >> 7;
  *s ^= *s << 17;
  return *s;
}

int main(int argc, char **argv)
{
  long n = argc > 1 ? atol(argv[1]) : 1L << 20;
  if (n < ROOTS) {
    fprintf(stderr, "scan_bench: at least %d blocks\n", ROOTS);
    return 2;
  }
  /* The list of blocks is the bench's own bookkeeping, not a root: it lives outside the
   * heap and is unmapped before exit. */
  uintptr_t **all = mmap(NULL, (size_t)n * sizeof *all, PROT_READ | PROT_WRITE,
                         MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (all == MAP_FAILED) {
    perror("scan_bench: mmap");
    return 1;
  }
  for (long i = 0; i < n; i++)
    if (!(all[i] = malloc(BLOCK_SIZE))) {
      perror("scan_bench: malloc");
      return 1;
    }
  uint64_t x = 88172645463325252ull;
  for (long i = 0; i < n; i++) {
    uintptr_t *w = all[i];
    for (size_t k = 0; k < BLOCK_SIZE / sizeof *w; k++)
      w[k] = next_random(&x) & 0xffff;
    uint64_t r = next_random(&x);
    w[3] = (uintptr_t)all[r % (uint64_t)n];
    w[4] = (uintptr_t)all[(r >> 31) % (uint64_t)n];
    w[9] = (uintptr_t)all[(r >> 20) % (uint64_t)n] + 40;
    w[20] = (uintptr_t)all[(r >> 7) % (uint64_t)n] + (r >> 50) % 1008;
  }
  for (int i = 0; i < ROOTS; i++)
    roots[i] = all[(long)i * (n / ROOTS)];
  munmap(all, (size_t)n * sizeof *all);
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  printf("%lld\n", (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec);
  fflush(stdout);
  exit(0);
}
