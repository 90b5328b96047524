/* An unknown key: one line on stderr naming it, the other options still apply, the program
 * runs normally. */
// LT-OPTIONS: scan=0:nosuchkey=1
// LT-STDERR: nosuchkey
// LT-STDERR-LINES: 1
// LT-STDOUT: ran
// LT-SUMMARY: unfreed bytes=12 blocks=1
#include "lt_test.h"

int main(void)
{
  lt_test_sink = malloc(12);
  say("ran\n");
  return 0;
}
