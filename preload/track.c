/* track.c — recording and forgetting blocks on the allocation path. */
#include "track.h"
#include "tstate.h"
#include "unwind.h"
#include "out.h"

#include <errno.h>

int lt_track_depth = 32;
int lt_track_enabled = 1;
int lt_track_scrub;
static int warned_full;

/* Once per process: the host keeps running, only tracking stops. */
static void table_full(void)
{
  if (!__atomic_exchange_n(&warned_full, 1, __ATOMIC_RELAXED))
    lt_warn("out of memory for the live-block table; some blocks are no longer tracked");
}

/* The reentrancy guard stays up through the table operations too: a signal handler's
 * malloc on this thread then goes untracked rather than wait on a slot that this very
 * call holds (hashed.c). */
LT_HOT void lt_track_alloc(void *ptr, size_t size)
{
  lt_tstate_t *self = lt_tstate_get();
  if (lt_unlikely(!self))
    return;
  lt_guard_enter();
  uint32_t stack = lt_unwind_stack(&self->memo, lt_track_depth);
  int rc = lt_blocks_insert((uintptr_t)ptr, size, stack);
  lt_guard_leave();
  if (lt_unlikely(rc < 0)) {
    table_full();
    return;
  }
  lt_tstate_count_alloc(self, size);
}

LT_HOT int lt_track_free(void *ptr, lt_block_t *was)
{
  lt_block_t block, *out = was ? was : &block;
  lt_guard_enter();
  int rc = lt_blocks_erase((uintptr_t)ptr, out);
  lt_guard_leave();
  if (rc < 0)
    return -ENOENT;
  lt_tstate_t *self = lt_tstate_get();
  if (lt_likely(self != NULL))
    lt_tstate_count_free(self, out->size);
  return 0;
}

void lt_track_restore(const lt_block_t *was)
{
  lt_tstate_t *self = lt_tstate_get();
  lt_guard_enter();
  int rc = lt_blocks_insert(was->addr, was->size, was->stack);
  lt_guard_leave();
  if (rc < 0) {
    table_full();
    return;
  }
  if (self) {
    self->frees--;
    self->unflushed_bytes += (int64_t)was->size;
  }
}
