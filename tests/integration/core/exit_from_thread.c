/* A thread other than main calls exit() while main waits in pthread_join: the exit report
 * is still written, with the blocks of both threads. */
// LT-OPTIONS: scan=0
// LT-STDOUT: thread exits
// LT-LEAK: unfreed bytes=10 blocks=1 top=main
// LT-LEAK: unfreed bytes=20 blocks=1 top=finisher
#include "lt_test.h"
#include <pthread.h>

static void *kept[2];

static void *finisher(void *arg)
{
  (void)arg;
  kept[1] = malloc(20);
  say("thread exits\n");
  exit(0);
}

int main(void)
{
  kept[0] = malloc(10);
  pthread_t th;
  CHECK(pthread_create(&th, NULL, finisher, NULL) == 0);
  pthread_join(th, NULL);
  return 1;
}
