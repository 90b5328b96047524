/* owned.c — the registry of leaktrace's own memory (contract in owned.h).
 *
 * An entry is claimed with a fetch-and-add on the count and published by storing its end
 * last, with release order; a reader skips entries whose end is still 0. */
#include "owned.h"

#include <errno.h>

static uintptr_t starts[LT_OWNED_MAX];
static uintptr_t ends[LT_OWNED_MAX];
static int used;

int lt_owned_add(const void *start, size_t bytes)
{
  uintptr_t s = (uintptr_t)start, e = s + bytes;
  int n = __atomic_load_n(&used, __ATOMIC_ACQUIRE);
  for (int i = 0; i < n && i < LT_OWNED_MAX; i++)
    if (__atomic_load_n(&ends[i], __ATOMIC_ACQUIRE) == e && starts[i] == s)
      return 0;
  int i = __atomic_fetch_add(&used, 1, __ATOMIC_ACQ_REL);
  if (i >= LT_OWNED_MAX)
    return -ENOSPC;
  starts[i] = s;
  __atomic_store_n(&ends[i], e, __ATOMIC_RELEASE);
  return 0;
}

int lt_owned_list(uintptr_t start[LT_OWNED_MAX], uintptr_t end[LT_OWNED_MAX])
{
  int n = __atomic_load_n(&used, __ATOMIC_ACQUIRE), k = 0;
  for (int i = 0; i < n && i < LT_OWNED_MAX; i++) {
    uintptr_t e = __atomic_load_n(&ends[i], __ATOMIC_ACQUIRE);
    if (e) {
      start[k] = starts[i];
      end[k++] = e;
    }
  }
  return k;
}
