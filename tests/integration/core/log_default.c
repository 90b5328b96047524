/* Without log= the text report goes to stderr. */
// LT-OPTIONS: scan=0
// LT-LOG: stderr
// LT-STDERR: Unfreed memory of 8 bytes in 1 block allocated from:
// LT-STDERR: SUMMARY: leaktrace:
// LT-SUMMARY: unfreed bytes=8 blocks=1
#include "lt_test.h"

int main(void)
{
  lt_test_sink = malloc(8);
  return 0;
}
