/* signal=none: leaktrace installs no handler (SIGUSR1 keeps its default disposition), and a
 * SIGUSR1 the program ignores produces no report: only the exit report is written. */
// LT-OPTIONS: scan=0:signal=none
// LT-REPORTS: 1
// LT-TRIGGER: exit
// LT-STDOUT: default disposition
#include "lt_test.h"
#include <signal.h>

int main(void)
{
  struct sigaction old;
  CHECK(sigaction(SIGUSR1, NULL, &old) == 0);
  CHECK(!(old.sa_flags & SA_SIGINFO) && old.sa_handler == SIG_DFL);
  say("default disposition\n");
  CHECK(signal(SIGUSR1, SIG_IGN) != SIG_ERR);
  CHECK(raise(SIGUSR1) == 0);
  return 0;
}
