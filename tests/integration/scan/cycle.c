/* An unreachable cycle of three blocks: one member is direct (memcheck picks the lowest
 * address), the other two indirect. */
// LT-SUMMARY: direct bytes=48 blocks=1
// LT-SUMMARY: indirect bytes=96 blocks=2
// LT-SUMMARY: reachable bytes=0 blocks=0
// LT-SUMMARY: possible bytes=0 blocks=0
#include "../core/lt_test.h"

typedef struct ring {
  struct ring *next;
  char payload[40];
} ring_t;

__attribute__((noinline)) static void make_ring(void)
{
  ring_t *a = malloc(sizeof *a), *b = malloc(sizeof *b), *c = malloc(sizeof *c);
  CHECK(a && b && c);
  memset(a, 0, sizeof *a);
  memset(b, 0, sizeof *b);
  memset(c, 0, sizeof *c);
  a->next = b;
  b->next = c;
  c->next = a;
}

int main(void)
{
  make_ring();
  return 0;
}
