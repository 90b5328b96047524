/* Everything is freed: every kind is zero. */
// LT-SUMMARY: direct bytes=0 blocks=0
// LT-SUMMARY: indirect bytes=0 blocks=0
// LT-SUMMARY: possible bytes=0 blocks=0
// LT-SUMMARY: reachable bytes=0 blocks=0
// LT-LEAK-COUNT: 0
#include "../core/lt_test.h"

int main(void)
{
  void *p[100];
  for (int i = 0; i < 100; i++)
    p[i] = malloc((size_t)i * 8 + 1);
  for (int i = 0; i < 100; i++)
    free(p[i]);
  void **list = calloc(4, sizeof(void *));
  list[0] = realloc(NULL, 10);
  free(list[0]);
  free(list);
  return 0;
}
