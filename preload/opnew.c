/* opnew.c — the code ranges of operator new (see opnew.h). */
#include "opnew.h"

#include <dlfcn.h>
#include <link.h>

/* Every replaceable allocating form: plain, array, nothrow and aligned. */
static const char *const names[] = {
  "_Znwm", "_Znam", "_ZnwmRKSt9nothrow_t", "_ZnamRKSt9nothrow_t",
  "_ZnwmSt11align_val_t", "_ZnamSt11align_val_t",
  "_ZnwmSt11align_val_tRKSt9nothrow_t", "_ZnamSt11align_val_tRKSt9nothrow_t",
};

static void add(lt_opnew_t *o, void *fn)
{
  Dl_info info;
  const ElfW(Sym) *sym = NULL;
  if (!fn || o->n == LT_OPNEW_MAX || !dladdr1(fn, &info, (void **)&sym, RTLD_DL_SYMENT) || !sym)
    return;
  uintptr_t start = (uintptr_t)fn, end = start + (sym->st_size ? sym->st_size : 1);
  for (int i = 0; i < o->n; i++)
    if (o->start[i] == start)
      return;
  o->start[o->n] = start;
  o->end[o->n] = end;
  o->n++;
}

/* RTLD_DEFAULT finds the program's own operator new first; RTLD_NEXT, the C++
 * runtime's behind the aligned forms leaktrace itself interposes. */
void lt_opnew_find(lt_opnew_t *out)
{
  out->n = 0;
  for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
    add(out, dlsym(RTLD_DEFAULT, names[i]));
    add(out, dlsym(RTLD_NEXT, names[i]));
  }
}

int lt_opnew_contains(const lt_opnew_t *o, uintptr_t pc)
{
  for (int i = 0; i < o->n; i++)
    if (pc >= o->start[i] && pc < o->end[i])
      return 1;
  return 0;
}
