/* modules.h — which loaded object holds a code address, and at what offset.
 *
 * A list taken with dl_iterate_phdr when a report is built (the world running: it
 * allocates). The offset of a pc is pc minus the object's load bias, the address the
 * symbolizer and `addr2line -e module` expect. */
#ifndef LT_MODULES_H
#define LT_MODULES_H

#include "lt.h"

typedef struct lt_module {
  uintptr_t start;     /* lowest PT_LOAD address */
  uintptr_t end;       /* one past the highest */
  uintptr_t bias;
  char *path;
} lt_module_t;

typedef struct lt_modules {
  lt_module_t *list;   /* sorted by start */
  int count;
} lt_modules_t;

int lt_modules_load(lt_modules_t *mods);
const lt_module_t *lt_modules_find(const lt_modules_t *mods, uintptr_t pc);
void lt_modules_free(lt_modules_t *mods);

#endif
