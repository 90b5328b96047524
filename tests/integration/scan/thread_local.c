/* Blocks held by thread-local variables are reachable: the main thread's static TLS, and
 * that of a thread still running at exit (it lives at the top of the thread's stack
 * mapping). A thread-local of an exited thread is gone with the thread: direct. */
// LT-SUMMARY: direct bytes=24 blocks=1
// LT-SUMMARY: indirect bytes=0 blocks=0
// LT-SUMMARY: possible bytes=0 blocks=0
// LT-LEAK: reachable bytes=40 blocks=1 top=main_tls
// LT-LEAK: reachable bytes=88 blocks=1 top=worker_tls
// LT-LEAK: direct bytes=24 blocks=1 top=gone_tls
#include "../core/lt_test.h"
#include <pthread.h>

static __thread void *tls_root;
static int ready_pipe[2];

__attribute__((noinline)) static void main_tls(void) { tls_root = malloc(40); }
__attribute__((noinline)) static void worker_tls(void) { tls_root = malloc(88); }
__attribute__((noinline)) static void gone_tls(void) { tls_root = (char *)malloc(24); }

static void *worker(void *arg)
{
  (void)arg;
  worker_tls();
  CHECK(write(ready_pipe[1], "x", 1) == 1);
  for (;;)
    pause(); /* still running when main returns */
  return NULL;
}

static void *short_lived(void *arg)
{
  (void)arg;
  gone_tls();
  return NULL;
}

int main(void)
{
  CHECK(pipe(ready_pipe) == 0);
  main_tls();
  pthread_t th;
  CHECK(pthread_create(&th, NULL, short_lived, NULL) == 0);
  CHECK(pthread_join(th, NULL) == 0);
  CHECK(pthread_create(&th, NULL, worker, NULL) == 0);
  char c;
  CHECK(read(ready_pipe[0], &c, 1) == 1);
  return 0;
}
