/* A block allocated inside a signal handler: its stack goes through the signal frame back
 * into the interrupted code. */
// LT-OPTIONS: scan=0
// LT-LEAK: unfreed bytes=55 blocks=1 top=on_signal anyframe=interrupted
// LT-LEAK: unfreed bytes=55 blocks=1 top=on_signal anyframe=main
#include "lt_test.h"
#include <signal.h>

static void *volatile kept;

static void on_signal(int sig)
{
  (void)sig;
  kept = malloc(55);
}

__attribute__((noinline)) static void interrupted(void)
{
  CHECK(raise(SIGALRM) == 0);
}

int main(void)
{
  CHECK(signal(SIGALRM, on_signal) != SIG_ERR);
  interrupted();
  CHECK(kept != NULL);
  return 0;
}
