/* _exit skips exit handlers: no report at all, and the status is the program's. */
// LT-OPTIONS: scan=0
// LT-EXIT: 7
// LT-REPORTS: 0
#include "lt_test.h"

int main(void)
{
  lt_test_sink = malloc(10);
  _exit(7);
}
