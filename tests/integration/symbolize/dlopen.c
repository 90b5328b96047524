/* A leak from inside a shared library the program dlopens: frame 0 is in the library,
 * with its function, file and line; the next frame is the program's call into it. */
// LT-OPTIONS: scan=0
// LT-LEAK: unfreed bytes=56 blocks=1 top=plugin_leak file=dlopen_plugin.c line=8 module=libltsym_plugin.so frame1=main
#include <dlfcn.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(void)
{
  /* The plugin is built next to this program. */
  char path[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", path, sizeof(path) - 64);
  if (n <= 0)
    return 1;
  path[n] = '\0';
  strcpy(strrchr(path, '/') + 1, "libltsym_plugin.so");
  void *h = dlopen(path, RTLD_NOW);
  if (!h) {
    fprintf(stderr, "dlopen: %s\n", dlerror());
    return 1;
  }
  void (*leak)(void) = (void (*)(void))dlsym(h, "plugin_leak");
  if (!leak)
    return 1;
  leak();
  return 0;
}
