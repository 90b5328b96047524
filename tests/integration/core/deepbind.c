/* A library opened with RTLD_DEEPBIND (as php opens its extensions) would bind malloc and
 * free to glibc's own, past the preload: a block it frees would stay in the table and be
 * reported, and what it allocates would be unseen. leaktrace opens it without the flag,
 * and the library still resolves through the program's RUNPATH ($ORIGIN here). */
// LT-SUMMARY: direct bytes=0 blocks=0
// LT-LEAK: reachable bytes=40 blocks=1 top=deepbind_keep
// LT-NO-LEAK-FROM: main
// LT-STDOUT: released
#include "lt_test.h"

#include <dlfcn.h>

int main(void)
{
  void *block = malloc(24);
  CHECK(block != NULL);
  void *lib = dlopen("libltdeepbind.so", RTLD_NOW | RTLD_DEEPBIND);
  CHECK(lib != NULL);
  void (*release)(void *) = (void (*)(void *))dlsym(lib, "deepbind_release");
  void (*keep)(void) = (void (*)(void))dlsym(lib, "deepbind_keep");
  CHECK(release != NULL && keep != NULL);
  release(block);
  block = NULL;
  keep();
  say("released\n");
  return 0;
}
