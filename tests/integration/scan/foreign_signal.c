/* The program takes leaktrace's stop signal for itself: threads cannot be stopped, the
 * exit report still comes (never hangs), a thread asleep in a syscall still has its live
 * stack scanned (its sp read from /proc), and the program's handler is never called. */
// LT-STDOUT: handler calls 0
// LT-SUMMARY: direct bytes=16 blocks=1
// LT-SUMMARY: indirect bytes=0 blocks=0
// LT-SUMMARY: possible bytes=0 blocks=0
// LT-LEAK: reachable bytes=120 blocks=1 top=hold_on_stack
// LT-LEAK: direct bytes=16 blocks=1 top=drop
#include "../core/lt_test.h"
#include <pthread.h>
#include <signal.h>

static int ready_pipe[2];
static volatile int handler_calls;

static void own_handler(int sig)
{
  (void)sig;
  handler_calls++;
}

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

__attribute__((noinline)) static void drop(void)
{
  lt_test_sink = malloc(16);
  lt_test_sink = NULL;
}

int main(void)
{
  /* Every real-time signal, so whichever leaktrace reserves is taken. */
  for (int sig = SIGRTMIN; sig <= SIGRTMAX; sig++)
    signal(sig, own_handler);
  CHECK(pipe(ready_pipe) == 0);
  pthread_t th;
  CHECK(pthread_create(&th, NULL, worker, NULL) == 0);
  char c;
  CHECK(read(ready_pipe[0], &c, 1) == 1);
  struct timespec nap = {0, 50 * 1000 * 1000};
  nanosleep(&nap, NULL); /* let it block in pause() */
  drop();
  say("handler calls %d\n", handler_calls);
  return 0;
}
