/* symload.c — finding and loading libleaktrace-symbolize.so on demand. */
#include "symload.h"
#include "out.h"

#include <dlfcn.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

static lt_symbolizer_t symbolizer;
static int state; /* 0: not tried, 1: loaded, -1: failed */

int lt_path_beside_runtime(const char *relative, char *out, size_t size)
{
  Dl_info info;
  if (!dladdr((void *)lt_symload, &info) || !info.dli_fname)
    return -1;
  const char *slash = strrchr(info.dli_fname, '/');
  int dir = slash ? (int)(slash - info.dli_fname) : 1;
  int n = snprintf(out, size, "%.*s/%s", dir, slash ? info.dli_fname : ".", relative);
  return n > 0 && (size_t)n < size ? 0 : -1;
}

const lt_symbolizer_t *lt_symload(void)
{
  if (state)
    return state > 0 ? &symbolizer : NULL;
  state = -1;
  char path[PATH_MAX];
  if (lt_path_beside_runtime("libleaktrace-symbolize.so", path, sizeof(path)) < 0)
    return NULL;
  void *handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
  if (!handle) {
    lt_warn("cannot load the symbolizer (%s); frames keep module and offset only", dlerror());
    return NULL;
  }
  *(void **)&symbolizer.open = dlsym(handle, "lt_sym_open");
  *(void **)&symbolizer.close = dlsym(handle, "lt_sym_close");
  *(void **)&symbolizer.lookup = dlsym(handle, "lt_sym_lookup");
  if (!symbolizer.open || !symbolizer.close || !symbolizer.lookup) {
    lt_warn("%s lacks the lt_sym_* entry points; frames keep module and offset only", path);
    return NULL;
  }
  state = 1;
  return &symbolizer;
}
