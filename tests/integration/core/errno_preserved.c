/* Successful allocation calls leave errno alone (glibc's do; free() must, POSIX 2024), even
 * when leaktrace does work of its own behind them (first use in a thread, growing its
 * table), and so does a live report interrupting the program. */
// LT-OPTIONS: scan=0
// LT-REPORTS: 2
// LT-STDOUT: errno kept
#include "lt_test.h"
#include <malloc.h>
#include <pthread.h>
#include <signal.h>

#define N 200000
#define MARK 4242

static void *blocks[N];

#define KEEPS_ERRNO(call)                                                  \
  do {                                                                     \
    errno = MARK;                                                          \
    call;                                                                  \
    if (errno != MARK)                                                     \
      lt_test_fail("%s changed errno to %d\n", #call, errno);              \
  } while (0)

static void *exercise(void *arg)
{
  (void)arg;
  for (long i = 0; i < N; i++)
    KEEPS_ERRNO(blocks[i] = malloc(8 + (size_t)(i % 64)));
  for (long i = 0; i < N; i += 2)
    KEEPS_ERRNO(free(blocks[i]));
  for (long i = 1; i < N; i += 2)
    KEEPS_ERRNO(blocks[i] = realloc(blocks[i], 100));
  for (long i = 1; i < N; i += 2)
    KEEPS_ERRNO(free(blocks[i]));
  void *p;
  KEEPS_ERRNO(p = calloc(3, 7));
  KEEPS_ERRNO(free(p));
  KEEPS_ERRNO(p = memalign(64, 10));
  KEEPS_ERRNO(free(p));
  KEEPS_ERRNO(CHECK(posix_memalign(&p, 64, 10) == 0));
  KEEPS_ERRNO(free(p));
  KEEPS_ERRNO(free(NULL));
  return NULL;
}

int main(void)
{
  pthread_t th;
  CHECK(pthread_create(&th, NULL, exercise, NULL) == 0);
  CHECK(pthread_join(th, NULL) == 0);
  exercise(NULL);
  errno = MARK;
  raise(SIGUSR1);
  lt_test_wait_files("r.", ".json", 1);
  if (errno != MARK)
    lt_test_fail("a live report changed errno to %d\n", errno);
  say("errno kept\n");
  return 0;
}
