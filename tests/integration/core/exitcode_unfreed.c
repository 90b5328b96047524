/* exitcode=23 with scan=0: every unfreed block counts as a leak, so the process exits 23. */
// LT-OPTIONS: scan=0:exitcode=23
// LT-EXIT: 23
// LT-SUMMARY: unfreed bytes=9 blocks=1
#include "lt_test.h"

int main(void)
{
  lt_test_sink = malloc(9);
  return 0;
}
