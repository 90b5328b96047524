/* Threads that used thread-local storage and exited: glibc keeps their stacks, with the
 * DTVs the dynamic linker allocated, in a cache. Those blocks must never show as lost
 * (the linker's allocations are roots, as in LeakSanitizer), and nothing else leaks. */
// LT-SUMMARY: direct bytes=0 blocks=0
// LT-SUMMARY: indirect bytes=0 blocks=0
// LT-SUMMARY: possible bytes=0 blocks=0
// LT-STDOUT: joined 6
#include "../core/lt_test.h"
#include <pthread.h>

static __thread long counter[16];

static void *worker(void *arg)
{
  long n = (long)arg;
  for (int i = 0; i < 16; i++)
    counter[i] = n + i;
  void *p = malloc(100);
  free(p);
  return (void *)counter[3];
}

int main(void)
{
  int joined = 0;
  for (int round = 0; round < 3; round++) {
    pthread_t th[2];
    for (long i = 0; i < 2; i++)
      CHECK(pthread_create(&th[i], NULL, worker, (void *)i) == 0);
    for (int i = 0; i < 2; i++) {
      CHECK(pthread_join(th[i], NULL) == 0);
      joined++;
    }
  }
  say("joined %d\n", joined);
  return 0;
}
