/* A program that installs its own SIGUSR1 handler while leaktrace uses SIGUSR1 (the
 * default): the program's handler runs, and the program is not disturbed. */
// LT-OPTIONS: scan=0
// LT-STDOUT: own handler ran 1 times
// LT-SUMMARY: unfreed bytes=16 blocks=1
#include "lt_test.h"
#include <signal.h>

static volatile sig_atomic_t handled;

static void on_usr1(int sig)
{
  (void)sig;
  handled++;
}

int main(void)
{
  CHECK(signal(SIGUSR1, on_usr1) != SIG_ERR);
  lt_test_sink = malloc(16);
  CHECK(raise(SIGUSR1) == 0);
  say("own handler ran %d times\n", (int)handled);
  return 0;
}
