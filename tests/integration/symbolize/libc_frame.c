/* A block allocated inside libc: frame 0 is libc's strdup, named through the debug info
 * libc6-dbg installs under /usr/lib/debug/.build-id; the program's call follows. */
// LT-OPTIONS: scan=0
// LT-LEAK: unfreed bytes=12 blocks=1 top=__strdup file=strdup.c module=libc.so.6 frame1=main
#include <stdlib.h>
#include <string.h>

static char *volatile kept;

int main(void)
{
  kept = strdup("eleven char");
  return 0;
}
