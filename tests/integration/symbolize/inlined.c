/* -g -O2: the allocating function is inlined into its caller; the one return address
 * expands into two frames, the inner one marked inlined, each with its own line. */
// LT-OPTIONS: scan=0
// LT-LEAK: unfreed bytes=72 blocks=1 top=make_node file=inlined.c line=18 inlined0=1 frame1=build_list inlined1=0
// LT-TEXT: in make_node
// LT-TEXT: [inlined]
#include <stdlib.h>

struct node {
  struct node *next;
  long payload[8];
};

static struct node *volatile head;

static inline __attribute__((always_inline)) struct node *make_node(struct node *next)
{
  struct node *n = malloc(sizeof(*n));
  if (n)
    n->next = next;
  return n;
}

__attribute__((noinline)) static void build_list(void)
{
  head = make_node(head);
  head->payload[0] = 1;
}

int main(void)
{
  build_list();
  return 0;
}
