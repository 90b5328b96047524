/* recent.h — the stacks a thread allocated from lately, found again without a walk.
 *
 * Programs allocate from a few dozen stacks in turn: an INSERT in sqlite3 goes through
 * some 25 of them, a loop of CPython or perl through as many. The memo of unwind.c holds
 * only the last one, so every other stack was walked from its first frame until it met
 * the memo (5 to 12 frames on those programs) and then interned. This cache keeps, per
 * thread, up to LT_RECENT_SETS x LT_RECENT_WAYS stacks with the stack slots their return
 * addresses were read from, filed by their first frame: the caller's return address and
 * the slot that holds it, both known without a walk. A stack is found again when every
 * one of its slots still holds its return address; that is the memo's own test of the
 * frames it takes (unwind.h), here applied from the first frame on. It proves the stack
 * only where each frame's size is fixed by its return address, so unwind.c keeps no
 * stack that has a frame sized through rbp (alloca, a VLA). With 64 stacks,
 * 99.7% of sqlite3's allocations, 99.5% of perl's and 90% of CPython's are found (traced
 * runs of the benchmark's workloads; twice as many sets found 1% more of CPython's).
 *
 * Per thread, used by that thread only, with its reentrancy guard up: no atomics. A
 * stack of more than LT_RECENT_FRAMES frames is not kept. */
#ifndef LT_RECENT_H
#define LT_RECENT_H

#include "lt.h"

#define LT_RECENT_SETS 16
#define LT_RECENT_WAYS 4
#define LT_RECENT_FRAMES 32

typedef struct lt_recent_stack {
  uintptr_t slot0;  /* where the first return address was read */
  uintptr_t ra0;    /* the first return address */
  uint64_t used;    /* the cache's clock at the last use: the least recent is replaced */
  uint32_t stack;   /* the depot id; 0: the entry is empty */
  uint16_t depth;   /* frames in the stack */
  uint16_t max;     /* the depth limit it was taken under */
  uint32_t above[LT_RECENT_FRAMES - 1]; /* slot of frame i + 1, minus slot0 */
  uintptr_t ra[LT_RECENT_FRAMES - 1];   /* return address of frame i + 1 */
} lt_recent_stack_t;

typedef struct lt_recent {
  uint64_t clock;   /* 64 bits: wrapped, a 32-bit clock made new entries the first out */
  lt_recent_stack_t set[LT_RECENT_SETS][LT_RECENT_WAYS];
} lt_recent_t;

static inline lt_recent_stack_t *lt_recent_set(lt_recent_t *rc, uintptr_t ra0, uintptr_t slot0)
{
  uint64_t h = (uint64_t)(ra0 ^ (slot0 >> 3)) * 0x9E3779B97F4A7C15ull;
  return rc->set[h >> (64 - 4)];
}
_Static_assert(LT_RECENT_SETS == 1 << 4, "the set index takes the hash's top 4 bits");

static inline int lt_recent_holds(const lt_recent_stack_t *e, uintptr_t slot0)
{
  for (int i = 0; i + 1 < e->depth; i++)
    if (*(const uintptr_t *)(slot0 + e->above[i]) != e->ra[i])
      return 0;
  return 1;
}

/* The depot id of the stack whose first return address ra0 was read from slot0, if it
 * is one of the recent ones and still on the stack; else 0. */
static inline uint32_t lt_recent_find(lt_recent_t *rc, uintptr_t ra0, uintptr_t slot0, int max)
{
  lt_recent_stack_t *set = lt_recent_set(rc, ra0, slot0);
  for (int w = 0; w < LT_RECENT_WAYS; w++) {
    lt_recent_stack_t *e = &set[w];
    if (e->ra0 == ra0 && e->slot0 == slot0 && e->max == max && e->stack &&
        lt_recent_holds(e, slot0)) {
      e->used = ++rc->clock;
      return e->stack;
    }
  }
  return 0;
}

/* Keeps stack, whose depth frames are ra[] read from slot[] (ascending), taken under
 * limit max, in place of the least recent entry of its set. */
void lt_recent_keep(lt_recent_t *rc, const uintptr_t *ra, const uintptr_t *slot, int depth,
                    int max, uint32_t stack);

/* Forgets every stack: for a record that a new thread takes over. */
void lt_recent_clear(lt_recent_t *rc);

#endif
