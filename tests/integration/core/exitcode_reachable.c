/* exitcode=23 when the only live block is still reachable from a global: not a leak, so the
 * program's own status stands. */
// LT-OPTIONS: exitcode=23
// LT-EXIT: 5
// LT-SUMMARY: reachable bytes=48 blocks=1
// LT-SUMMARY: direct bytes=0 blocks=0
#include "lt_test.h"

static void *global_ref;

int main(void)
{
  global_ref = malloc(48);
  CHECK(global_ref != NULL);
  return 5;
}
