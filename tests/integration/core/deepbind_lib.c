/* deepbind_lib.c — a library the deepbind test opens with RTLD_DEEPBIND: it frees a block
 * the program allocated, and allocates one it keeps. */
#include <stdlib.h>

void *deepbind_kept;

void deepbind_release(void *p)
{
  free(p);
}

void deepbind_keep(void)
{
  deepbind_kept = malloc(40);
}
