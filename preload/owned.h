/* owned.h — the registry of memory leaktrace itself owns (its tables, arenas, report
 * buffers), which the reachability scan must never read as roots: some of it holds
 * block addresses (the live-block table, a snapshot), some of it is large and untouched
 * (the stack depot's reservation).
 *
 * Lock-free and async-signal-safe. Every mapping made through mem.h is registered while
 * it exists; re-registering the same range is fine. */
#ifndef LT_OWNED_H
#define LT_OWNED_H

#include "lt.h"

/* Every table mapping of the live-block table stays registered (a drained one is kept for
 * reuse or for a stalled thread): 256 shards, each through a dozen capacities. */
#define LT_OWNED_MAX 4096

/* Returns 0, or -ENOSPC when the registry is full. */
int lt_owned_add(const void *start, size_t bytes);

/* Forget a range registered with exactly these bounds. */
void lt_owned_remove(const void *start, size_t bytes);

/* Copy the registered ranges; returns how many. */
int lt_owned_list(uintptr_t start[LT_OWNED_MAX], uintptr_t end[LT_OWNED_MAX]);

#endif
