/* A live report on SIGUSR1 while the program runs (trigger "signal"), then the exit report:
 * with json=...%n two files, each with the blocks live at its moment. */
// LT-OPTIONS: scan=0
// LT-REPORTS: 2
// LT-STDOUT: live report seen
// LT-TRIGGER@1: signal
// LT-SUMMARY@1: unfreed bytes=50 blocks=1
// LT-LEAK@1: unfreed bytes=50 blocks=1 module=signal_report top=main
// LT-TRIGGER@2: exit
// LT-SUMMARY@2: unfreed bytes=120 blocks=2
// LT-LEAK@2: unfreed bytes=50 blocks=1 module=signal_report top=main
// LT-LEAK@2: unfreed bytes=70 blocks=1 module=signal_report top=main
// LT-TEXT: SUMMARY:
#include "lt_test.h"
#include <signal.h>

static void *kept[2];

int main(void)
{
  kept[0] = malloc(50);
  char *tmp = malloc(30);
  free(tmp);
  CHECK(raise(SIGUSR1) == 0);
  lt_test_wait_files("r.", ".json", 1);
  say("live report seen\n");
  kept[1] = malloc(70);
  return 0;
}
