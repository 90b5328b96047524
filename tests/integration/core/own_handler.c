/* A program with its own SIGUSR1 handler keeps it; with signal=USR2 leaktrace reports on
 * SIGUSR2 instead, and SIGUSR1 produces no report. */
// LT-OPTIONS: scan=0:signal=USR2
// LT-REPORTS: 2
// LT-STDOUT: own handler ran 2 times
// LT-TRIGGER@1: signal
// LT-SUMMARY@1: unfreed bytes=16 blocks=1
// LT-TRIGGER@2: exit
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
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_usr1;
  sigemptyset(&sa.sa_mask);
  CHECK(sigaction(SIGUSR1, &sa, NULL) == 0);
  lt_test_sink = malloc(16);
  CHECK(raise(SIGUSR1) == 0);
  CHECK(handled == 1);
  CHECK(raise(SIGUSR2) == 0);
  lt_test_wait_files("r.", ".json", 1);
  CHECK(raise(SIGUSR1) == 0);
  say("own handler ran %d times\n", (int)handled);
  return 0;
}
