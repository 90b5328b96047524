/* A lost binary tree of 15 nodes: its root is direct, the 14 other nodes indirect. */
// LT-SUMMARY: direct bytes=24 blocks=1
// LT-SUMMARY: indirect bytes=336 blocks=14
// LT-SUMMARY: reachable bytes=0 blocks=0
// LT-SUMMARY: possible bytes=0 blocks=0
#include "../core/lt_test.h"

typedef struct node {
  struct node *left, *right;
  long value;
} node_t;

__attribute__((noinline)) static node_t *build(int depth)
{
  if (depth == 0)
    return NULL;
  node_t *n = malloc(sizeof(node_t));
  CHECK(n != NULL);
  n->value = depth;
  n->left = build(depth - 1);
  n->right = build(depth - 1);
  return n;
}

int main(void)
{
  lt_test_sink = build(4);
  lt_test_sink = NULL;
  return 0;
}
