/* Blocks that the C library allocates for the program (strdup, strndup, asprintf) are
 * tracked with the library's function as frame 0 and the program's caller next; a FILE
 * opened and closed leaves nothing behind. */
// LT-OPTIONS: scan=0
// LT-SUMMARY: unfreed bytes=17 blocks=3
// LT-LEAK: unfreed bytes=6 blocks=1 module=libc.so.6 frame1=main
// LT-LEAK: unfreed bytes=4 blocks=1 module=libc.so.6 frame1=main
// LT-LEAK: unfreed bytes=7 blocks=1 module=libc.so.6 anyframe=main
// LT-LEAK-COUNT: 3
#include "lt_test.h"

static void *kept[3];

int main(void)
{
  kept[0] = strdup("hello");
  kept[1] = strndup("abcdefgh", 3);
  char *s;
  CHECK(asprintf(&s, "%d-%s", 42, "abc") == 6);
  kept[2] = s;
  FILE *f = fopen("/proc/self/status", "r");
  CHECK(f != NULL);
  char line[256];
  CHECK(fgets(line, sizeof line, f) != NULL);
  CHECK(fclose(f) == 0);
  return 0;
}
