/* pvalloc rounds the size of the allocation up to a multiple of the page size (pvalloc(3)),
 * so the block it returns is a whole page, and that is what is recorded (as LeakSanitizer
 * does). */
// LT-OPTIONS: scan=0
// LT-STDOUT: page=4096
// LT-SUMMARY: unfreed bytes=4096 blocks=1
// LT-LEAK: unfreed bytes=4096 blocks=1 module=pvalloc top=main
#include "lt_test.h"
#include <malloc.h>
#include <stdint.h>

int main(void)
{
  long page = sysconf(_SC_PAGESIZE);
  void *p = pvalloc(100);
  CHECK(p != NULL && ((uintptr_t)p & (uintptr_t)(page - 1)) == 0);
  CHECK(malloc_usable_size(p) >= (size_t)page);
  memset(p, 1, (size_t)page);
  lt_test_sink = p;
  say("page=%ld\n", page);
  return 0;
}
