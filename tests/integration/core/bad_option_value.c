/* A bad value (depth must be 1-256): one line on stderr naming the key, the default (32
 * frames) is used, the program runs normally. */
// LT-OPTIONS: scan=0:depth=0
// LT-STDERR: depth
// LT-STDERR-LINES: 1
// LT-STDOUT: ran
// LT-LEAK: unfreed bytes=13 blocks=1 nframes=32 module=bad_option_value top=deep
#include "lt_test.h"

__attribute__((noinline)) static void deep(int n)
{
  if (n == 0)
    lt_test_sink = malloc(13);
  else
    deep(n - 1);
  lt_test_sink = lt_test_sink;
}

int main(void)
{
  deep(40);
  say("ran\n");
  return 0;
}
