/* opnew.h — where C++'s operator new lives, so that a report can start a C++
 * allocation's stack at the code that said `new`, not inside the operator. */
#ifndef LT_OPNEW_H
#define LT_OPNEW_H

#include "lt.h"

#define LT_OPNEW_MAX 32

typedef struct lt_opnew {
  int n;
  uintptr_t start[LT_OPNEW_MAX], end[LT_OPNEW_MAX];
} lt_opnew_t;

/* The code ranges of every operator new variant loaded now (a program's own, the C++
 * runtime's). Taken once per report: a few dlsym calls, where asking dladdr of every
 * frame cost a linear walk of the module's symbols each (30% of a cc1 run). */
void lt_opnew_find(lt_opnew_t *out);

int lt_opnew_contains(const lt_opnew_t *o, uintptr_t pc);

#endif
