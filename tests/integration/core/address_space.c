/* Under a limit on address space (ulimit -v) that leaktrace's usual reservations (0.9 GB
 * for thread records, 0.5 GB for stacks) would not fit in, it reserves less, says so on
 * one line each, and still reports exactly: it once tracked nothing, silently. */
// LT-ADDRESS-SPACE: 160
// LT-STDERR: address space is limited (ulimit -v or -d?): room for
// LT-STDOUT: done
// LT-SUMMARY: direct bytes=40 blocks=1
// LT-SUMMARY: indirect bytes=24 blocks=1
// LT-SUMMARY: allocations=4 frees=1
// LT-LEAK: direct bytes=40 blocks=1 top=lose_a_list frame1=main
#include "lt_test.h"

__attribute__((noinline)) static void lose_a_list(void)
{
  void **head = malloc(40);
  CHECK(head != NULL);
  head[0] = malloc(24);
  free(malloc(1000));
}

/* puts allocates stdout's buffer: the fourth allocation, reachable. */
int main(void)
{
  lose_a_list();
  puts("done");
  return 0;
}
