/* exitcode=23 replaces the program's own failure status too when leaks are found: a
 * program calling exit(5) with a leak exits 23. */
// LT-OPTIONS: scan=0:exitcode=23
// LT-EXIT: 23
// LT-STDOUT: exit 5
// LT-SUMMARY: unfreed bytes=3 blocks=1
#include "lt_test.h"

int main(void)
{
  lt_test_sink = malloc(3);
  say("exit 5\n");
  exit(5);
}
