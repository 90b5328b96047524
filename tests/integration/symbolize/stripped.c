/* A stripped binary (no .symtab, no DWARF) whose debug info lives in a separate file
 * found through .gnu_debuglink next to it (made after linking, see CMakeLists.txt). */
// LT-OPTIONS: scan=0
// LT-LEAK: unfreed bytes=24 blocks=1 top=stripped_leak file=stripped.c line=11 frame1=main
#include <stdlib.h>

static void *volatile kept;

__attribute__((noinline)) static void stripped_leak(void)
{
  kept = malloc(24);
}

int main(void)
{
  stripped_leak();
  return 0;
}
