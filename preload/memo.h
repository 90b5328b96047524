/* memo.h — remembering each thread's recent allocation stacks, so that a hot allocation
 * site costs a handful of loads instead of an unwind and an intern.
 *
 * An entry is keyed by the return address of the allocation call and the stack slot that
 * holds it. It keeps every frame's return address with the slot it was read from, and
 * the stack's depot id. A later allocation with the same key is the same stack if every
 * remembered slot still holds its return address: the callers' frames have not returned
 * since (a frame that returned and was re-entered from the same call site at the same
 * depth is the same frame). The one case this can take for a match wrongly is a caller
 * whose frame size changed (alloca, a variable-length array) with a stale copy of the old
 * return address left at the old slot; its frames above would be the previous ones.
 *
 * Slots are read only when the stack pointer lies inside the thread's own stack, between
 * it and the stack's top: always mapped. On a coroutine or signal stack the memo stands
 * aside. A site is remembered on its second miss (a cursor walk, which learns the slots,
 * costs more than a plain trace); a cold site pays a plain unwind. Per thread, on the
 * allocation path only: no lock, no syscall, no allocation after the first use. */
#ifndef LT_MEMO_H
#define LT_MEMO_H

#include "tstate.h"

/* The stack id for an allocation whose caller returns to ra, stored at slot (the entry
 * point's return-address slot; 0 when unknown). */
uint32_t lt_memo_stack(lt_tstate_t *self, uintptr_t ra, uintptr_t slot, int depth);

/* Set once the process is far enough up for the memo's first use on a thread (it asks
 * for the thread's stack bounds, which may allocate): from the constructor. */
extern int lt_memo_enabled LT_HIDDEN;

/* Forget a thread's memo when its record passes to another thread. */
void lt_memo_reset(lt_tstate_t *self);

#endif
