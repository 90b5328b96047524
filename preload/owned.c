/* owned.c — the registry of leaktrace's own memory (contract in owned.h).
 *
 * A free entry (start 0) is claimed with a CAS on its start and published by storing its
 * end last, with release order; a reader skips entries whose start or end is 0. Removal
 * clears the end first, then frees the entry. */
#include "owned.h"

#include <errno.h>

static uintptr_t starts[LT_OWNED_MAX];
static uintptr_t ends[LT_OWNED_MAX];
/* Entries at and past this were never claimed: scans stop here, and the pages of the
 * arrays beyond it are never touched (reading one would make it resident). */
static int claimed_end;

int lt_owned_add(const void *start, size_t bytes)
{
  uintptr_t s = (uintptr_t)start, e = s + bytes;
  int n = __atomic_load_n(&claimed_end, __ATOMIC_ACQUIRE);
  for (int i = 0; i < n; i++)
    if (__atomic_load_n(&ends[i], __ATOMIC_ACQUIRE) == e &&
        __atomic_load_n(&starts[i], __ATOMIC_RELAXED) == s)
      return 0;
  for (int i = 0; i < LT_OWNED_MAX; i++) {
    uintptr_t none = 0;
    if (__atomic_load_n(&starts[i], __ATOMIC_RELAXED) == 0 &&
        __atomic_compare_exchange_n(&starts[i], &none, s, 0, __ATOMIC_ACQ_REL,
                                    __ATOMIC_RELAXED)) {
      __atomic_store_n(&ends[i], e, __ATOMIC_RELEASE);
      int end = __atomic_load_n(&claimed_end, __ATOMIC_RELAXED);
      while (end < i + 1 && !__atomic_compare_exchange_n(&claimed_end, &end, i + 1, 0,
                                                         __ATOMIC_RELEASE, __ATOMIC_RELAXED))
        ;
      return 0;
    }
  }
  return -ENOSPC;
}

void lt_owned_remove(const void *start, size_t bytes)
{
  uintptr_t s = (uintptr_t)start, e = s + bytes;
  int n = __atomic_load_n(&claimed_end, __ATOMIC_ACQUIRE);
  for (int i = 0; i < n; i++)
    if (__atomic_load_n(&starts[i], __ATOMIC_ACQUIRE) == s &&
        __atomic_load_n(&ends[i], __ATOMIC_ACQUIRE) == e) {
      __atomic_store_n(&ends[i], 0, __ATOMIC_RELEASE);
      __atomic_store_n(&starts[i], 0, __ATOMIC_RELEASE);
      return;
    }
}

int lt_owned_list(uintptr_t start[LT_OWNED_MAX], uintptr_t end[LT_OWNED_MAX])
{
  int k = 0, n = __atomic_load_n(&claimed_end, __ATOMIC_ACQUIRE);
  for (int i = 0; i < n; i++) {
    uintptr_t e = __atomic_load_n(&ends[i], __ATOMIC_ACQUIRE);
    uintptr_t s = __atomic_load_n(&starts[i], __ATOMIC_ACQUIRE);
    if (e && s && s < e) {
      start[k] = s;
      end[k++] = e;
    }
  }
  return k;
}
