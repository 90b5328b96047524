/* Blocks held by a dlopen'd library's global and by its thread-local variable (dynamic
 * TLS, which the dynamic linker allocates) are reachable. */
// LT-SUMMARY: direct bytes=0 blocks=0
// LT-SUMMARY: indirect bytes=0 blocks=0
// LT-SUMMARY: possible bytes=0 blocks=0
// LT-LEAK: reachable bytes=72 blocks=1 top=dlib_keep
// LT-LEAK: reachable bytes=136 blocks=1 top=dlib_keep_tls
#include "../core/lt_test.h"
#include <dlfcn.h>

int main(void)
{
  void *lib = dlopen(DLIB_PATH, RTLD_NOW);
  CHECK(lib != NULL);
  void (*keep)(void) = (void (*)(void))dlsym(lib, "dlib_keep");
  void (*keep_tls)(void) = (void (*)(void))dlsym(lib, "dlib_keep_tls");
  CHECK(keep && keep_tls);
  keep();
  keep_tls();
  return 0;
}
