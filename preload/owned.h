/* owned.h — the registry of memory leaktrace itself owns (its tables, arenas, report
 * buffers), which the reachability scan must never read as roots: some of it holds
 * block addresses (the live-block table, a snapshot), some of it is large and untouched
 * (the stack depot's reservation).
 *
 * Lock-free and async-signal-safe; entries are never removed, so register memory that
 * lives as long as the process (or re-register the same range: duplicates are fine). */
#ifndef LT_OWNED_H
#define LT_OWNED_H

#include "lt.h"

#define LT_OWNED_MAX 32

/* Returns 0, or -ENOSPC when the registry is full. */
int lt_owned_add(const void *start, size_t bytes);

/* Copy the registered ranges; returns how many. */
int lt_owned_list(uintptr_t start[LT_OWNED_MAX], uintptr_t end[LT_OWNED_MAX]);

#endif
