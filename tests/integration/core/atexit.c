/* The exit report comes after the program's atexit handlers: a block they free is not
 * reported, a block they allocate and keep is. */
// LT-OPTIONS: scan=0
// LT-SUMMARY: unfreed bytes=73 blocks=2
// LT-SUMMARY: allocations=4 frees=2
// LT-LEAK: unfreed bytes=40 blocks=1 module=atexit top=first_handler
// LT-LEAK: unfreed bytes=33 blocks=1 module=atexit top=main
// LT-LEAK-COUNT: 2
#include "lt_test.h"

static void *freed_at_exit, *freed_later, *kept[2];

static void second_handler(void)
{
  free(freed_later);
}

static void first_handler(void)
{
  free(freed_at_exit);
  kept[1] = malloc(40);
}

int main(void)
{
  freed_at_exit = malloc(11);
  freed_later = malloc(22);
  kept[0] = malloc(33);
  /* Handlers run in reverse order of registration. */
  CHECK(atexit(second_handler) == 0);
  CHECK(atexit(first_handler) == 0);
  return 0;
}
