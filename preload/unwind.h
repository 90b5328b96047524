/* unwind.h — capturing and interning the stack of an allocation.
 *
 * Functions on the allocation path are placed in the `lt_hot` section (LT_HOT); capture
 * drops every leading frame whose pc lies in that section, so frame 0 is always the
 * code that called the allocation function, however the compiler inlined ours.
 *
 * The walk follows frame rules from .eh_frame, cached by code address (rules.h), and is
 * memoized per thread: the return addresses of the last stack and the stack slots they
 * were read from. A new walk stops at the first frame found in the memo at the same slot
 * with the same return address, and takes the rest from the memo after checking that
 * every slot it takes still holds its return address: the callers of a frame are the
 * return addresses saved above it, so if those are unchanged the frames are too. Where
 * a frame's rule cannot be followed (no unwind information, a signal frame, a rule
 * given by an expression), libunwind unwinds the whole stack instead. Before any walk,
 * the thread's recent stacks (recent.h) are tried by the caller's frame alone; a stack
 * with a frame of run-time size (its CFA found through rbp) is not kept there, as the
 * slots above such a frame move with its size. The memo's tail has that limit too: a
 * frame above the one met that changed only its alloca size is taken as unchanged. */
#ifndef LT_UNWIND_H
#define LT_UNWIND_H

#include "lt.h"
#include "recent.h"

#define LT_HOT __attribute__((section("lt_hot"), noinline))

/* The memo holds this many frames, more than the default depth of 32 so that a stack
 * met a few frames nearer the top than before still completes from it. Depths beyond
 * it are not memoized: they walk with libunwind every time. */
#define LT_UNWIND_MEMO_DEPTH 64

typedef struct lt_unwind_memo {
  int depth;        /* frames held; 0: nothing to compare with */
  int complete;     /* the last of them is the outermost frame */
  uint32_t stack;   /* the interned id of the first stack_max of them */
  uint32_t outer;   /* that stack's outer record (stacks.h), 0 if none */
  int stack_max;
  uint64_t sized_by_bp; /* bit i: frame i's CFA came from rbp (alloca, a VLA), so the slot
                           of frame i + 1 is not fixed by ra[i] and slot[i] */
  uintptr_t ra[LT_UNWIND_MEMO_DEPTH];
  uintptr_t slot[LT_UNWIND_MEMO_DEPTH]; /* where ra[i] was read: ascending */
  lt_recent_t recent; /* stacks found before the walk (recent.h) */
} lt_unwind_memo_t;

/* Must run before the first capture on any thread: sets libunwind's per-thread cache. */
void lt_unwind_init(void);

/* The interned id of the calling thread's stack, at most max frames (0 when the depot is
 * full). Call with the reentrancy guard set: the libunwind fallback may allocate. */
uint32_t lt_unwind_stack(lt_unwind_memo_t *memo, int max);

#endif
