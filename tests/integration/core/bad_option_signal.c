/* A bad signal name: one line on stderr naming the key; the default (SIGUSR1) is used. */
// LT-OPTIONS: scan=0:signal=NOSUCHSIG
// LT-STDERR: signal
// LT-STDERR-LINES: 1
// LT-REPORTS: 2
// LT-TRIGGER@1: signal
// LT-TRIGGER@2: exit
#include "lt_test.h"
#include <signal.h>

int main(void)
{
  CHECK(raise(SIGUSR1) == 0);
  lt_test_wait_files("r.", ".json", 1);
  return 0;
}
