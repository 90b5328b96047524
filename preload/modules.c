/* modules.c — the loaded-object list behind frame module/offset. */
#include "modules.h"

#include <errno.h>
#include <link.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int count_one(struct dl_phdr_info *info, size_t size, void *arg)
{
  (void)info;
  (void)size;
  ++*(int *)arg;
  return 0;
}

/* The main program has an empty name in the loader's list. */
static char *path_of(const char *name)
{
  if (name && name[0])
    return strdup(name);
  char buf[4096];
  ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
  if (n <= 0)
    return strdup("?");
  buf[n] = 0;
  return strdup(buf);
}

struct walk {
  lt_modules_t *mods;
  int room;
};

static int add_one(struct dl_phdr_info *info, size_t size, void *arg)
{
  (void)size;
  struct walk *walk = arg;
  lt_modules_t *mods = walk->mods;
  if (mods->count == walk->room)
    return 1;
  uintptr_t lo = UINTPTR_MAX, hi = 0;
  for (int i = 0; i < info->dlpi_phnum; i++) {
    const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
    if (ph->p_type != PT_LOAD)
      continue;
    uintptr_t start = info->dlpi_addr + ph->p_vaddr;
    if (start < lo)
      lo = start;
    if (start + ph->p_memsz > hi)
      hi = start + ph->p_memsz;
  }
  if (hi == 0)
    return 0;
  lt_module_t *m = &mods->list[mods->count];
  m->start = lo;
  m->end = hi;
  m->bias = info->dlpi_addr;
  m->path = path_of(info->dlpi_name);
  if (m->path)
    mods->count++;
  return 0;
}

static int by_start(const void *a, const void *b)
{
  const lt_module_t *x = a, *y = b;
  return x->start < y->start ? -1 : x->start > y->start;
}

int lt_modules_load(lt_modules_t *mods)
{
  int n = 0;
  dl_iterate_phdr(count_one, &n);
  /* Objects loaded between the two walks are not listed; room for a few anyway. */
  mods->list = calloc((size_t)n + 16, sizeof(lt_module_t));
  mods->count = 0;
  if (!mods->list)
    return -ENOMEM;
  struct walk walk = {mods, n + 16};
  dl_iterate_phdr(add_one, &walk);
  qsort(mods->list, (size_t)mods->count, sizeof(lt_module_t), by_start);
  return 0;
}

const lt_module_t *lt_modules_find(const lt_modules_t *mods, uintptr_t pc)
{
  int lo = 0, hi = mods->count - 1;
  while (lo <= hi) {
    int mid = (lo + hi) / 2;
    const lt_module_t *m = &mods->list[mid];
    if (pc < m->start)
      hi = mid - 1;
    else if (pc >= m->end)
      lo = mid + 1;
    else
      return m;
  }
  return NULL;
}

void lt_modules_free(lt_modules_t *mods)
{
  for (int i = 0; i < mods->count; i++)
    free(mods->list[i].path);
  free(mods->list);
  mods->list = NULL;
  mods->count = 0;
}
