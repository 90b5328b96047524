/* The library dlopen.c loads; it stays loaded until exit so the report can name it. */
#include <stdlib.h>

void *volatile plugin_kept;

__attribute__((noinline)) void plugin_leak(void)
{
  plugin_kept = malloc(56);
}
