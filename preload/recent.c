/* recent.c — filling the cache of recent stacks (contract in recent.h). */
#include "recent.h"

#include <string.h>

void lt_recent_keep(lt_recent_t *rc, const uintptr_t *ra, const uintptr_t *slot, int depth,
                    int max, uint32_t stack)
{
  if (stack == 0 || depth < 1 || depth > LT_RECENT_FRAMES ||
      slot[depth - 1] - slot[0] > UINT32_MAX)
    return;
  lt_recent_stack_t *set = lt_recent_set(rc, ra[0], slot[0]);
  lt_recent_stack_t *e = &set[0];
  for (int w = 1; w < LT_RECENT_WAYS; w++)
    if (set[w].used < e->used)
      e = &set[w];
  e->slot0 = slot[0];
  e->ra0 = ra[0];
  e->stack = stack;
  e->used = ++rc->clock;
  e->depth = (uint16_t)depth;
  e->max = (uint16_t)max;
  for (int i = 1; i < depth; i++) {
    e->above[i - 1] = (uint32_t)(slot[i] - slot[0]);
    e->ra[i - 1] = ra[i];
  }
}

void lt_recent_clear(lt_recent_t *rc)
{
  memset(rc, 0, sizeof *rc);
}
