/* A block held only by a local variable of another thread, still running at exit, is
 * reachable (its live stack is a root); a block whose pointer sat only in the dead frames
 * of a thread that exited is direct. */
// LT-SUMMARY: direct bytes=72 blocks=1
// LT-SUMMARY: indirect bytes=0 blocks=0
// LT-SUMMARY: possible bytes=0 blocks=0
// LT-LEAK: reachable bytes=120 blocks=1 top=hold_on_stack
// LT-LEAK: direct bytes=72 blocks=1 top=exited_holder
#include "../core/lt_test.h"
#include <pthread.h>

static int ready_pipe[2];

__attribute__((noinline)) static void hold_on_stack(void)
{
  void *volatile local = malloc(120);
  CHECK(write(ready_pipe[1], "x", 1) == 1);
  for (;;)
    pause();
  lt_test_sink = local;
}

static void *worker(void *arg)
{
  (void)arg;
  hold_on_stack();
  return NULL;
}

__attribute__((noinline)) static void exited_holder(void)
{
  void *volatile local = malloc(72);
  (void)local;
}

static void *short_lived(void *arg)
{
  (void)arg;
  exited_holder();
  return NULL;
}

int main(void)
{
  CHECK(pipe(ready_pipe) == 0);
  pthread_t th;
  CHECK(pthread_create(&th, NULL, short_lived, NULL) == 0);
  CHECK(pthread_join(th, NULL) == 0);
  CHECK(pthread_create(&th, NULL, worker, NULL) == 0);
  char c;
  CHECK(read(ready_pipe[0], &c, 1) == 1);
  return 0;
}
