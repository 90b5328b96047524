/* log= with %p: the text report goes to a file named with the pid. */
// LT-OPTIONS: scan=0:log=${LT_TEST_DIR}/log.%p.txt
// LT-FILE: log.{pid}.txt
// LT-TEXT: SUMMARY:
// LT-SUMMARY: unfreed bytes=10 blocks=1
#include "lt_test.h"

int main(void)
{
  lt_test_sink = malloc(10);
  say("pid=%d\n", (int)getpid());
  return 0;
}
