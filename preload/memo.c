/* memo.c — per-thread memo of allocation stacks (contract in memo.h). */
#include "memo.h"
#include "mem.h"
#include "stacks.h"
#include "unwind.h"

#define UNW_LOCAL_ONLY
#include <libunwind.h>
#include <pthread.h>

#define ENTRIES 64
#define MAX_DEPTH 64
/* Frames of leaktrace between the memo's own frame and the allocation's caller. */
#define MAX_OWN_FRAMES 16

enum { EMPTY, SEEN, FILLED };

typedef struct entry {
  uintptr_t ra;
  uintptr_t slot;
  uint32_t id;
  uint16_t depth;       /* frames held */
  uint16_t requested;   /* the depth asked for when filled */
  int state;
  uintptr_t frames[MAX_DEPTH];
  uintptr_t slots[MAX_DEPTH];
} entry_t;

typedef struct lt_memo {
  entry_t entries[ENTRIES];
} memo_t;

int lt_memo_enabled;

static inline entry_t *entry_for(memo_t *m, uintptr_t ra, uintptr_t slot)
{
  uint64_t h = (ra ^ (slot << 7)) * 0x9E3779B97F4A7C15ull;
  return &m->entries[h >> 58];
}

/* The first use on a thread: its stack bounds (pthread_getattr_np may allocate: the
 * guard keeps that out of the table) and its entries. 0 when the memo cannot serve. */
static int setup(lt_tstate_t *self)
{
  pthread_attr_t attr;
  void *addr;
  size_t size;
  lt_guard_enter();
  int ok = pthread_getattr_np(pthread_self(), &attr) == 0;
  if (ok) {
    ok = pthread_attr_getstack(&attr, &addr, &size) == 0;
    pthread_attr_destroy(&attr);
  }
  lt_guard_leave();
  if (!ok)
    return 0;
  if (!self->memo && !(self->memo = lt_mem_map(sizeof(memo_t))))
    return 0;
  self->stack_lo = (uintptr_t)addr;
  self->stack_hi = (uintptr_t)addr + size;
  return 1;
}

LT_HOT static uint32_t plain(int depth)
{
  uintptr_t frames[LT_STACK_MAX_DEPTH];
  lt_guard_enter();
  int n = lt_unwind_capture(frames, depth);
  lt_guard_leave();
  return lt_stacks_intern(frames, (uint32_t)n);
}

/* A cursor walk up to the allocation's caller, then depth frames from there, each with
 * the slot its return address was read from. Returns the frame count, or -1. */
static int walk(const entry_t *e, uintptr_t *frames, uintptr_t *slots, int depth)
{
  unw_context_t uc;
  unw_cursor_t c;
  unw_word_t ip = 0, sp = 0;
  if (unw_getcontext(&uc) < 0 || unw_init_local(&c, &uc) < 0)
    return -1;
  int own = 0;
  do {
    if (++own > MAX_OWN_FRAMES || unw_step(&c) <= 0)
      return -1;
    unw_get_reg(&c, UNW_REG_IP, &ip);
    unw_get_reg(&c, UNW_REG_SP, &sp);
  } while (ip != e->ra || sp != e->slot + sizeof(uintptr_t));
  int n = 0;
  for (;;) {
    frames[n] = ip;
    slots[n] = sp - sizeof(uintptr_t);
    if (++n == depth || unw_step(&c) <= 0)
      return n;
    unw_get_reg(&c, UNW_REG_IP, &ip);
    unw_get_reg(&c, UNW_REG_SP, &sp);
  }
}

static int still_there(const entry_t *e)
{
  for (int i = 1; i < e->depth; i++)
    if (*(const uintptr_t *)e->slots[i] != e->frames[i])
      return 0;
  return 1;
}

/* Learn a site's slots and remember it; the slots must all lie on this thread's stack. */
LT_HOT static uint32_t fill(lt_tstate_t *self, entry_t *e, int depth)
{
  lt_guard_enter();
  int n = walk(e, e->frames, e->slots, depth);
  lt_guard_leave();
  int on_stack = n > 0;
  for (int i = 0; i < n && on_stack; i++)
    on_stack = e->slots[i] >= e->slot && e->slots[i] < self->stack_hi;
  if (!on_stack) {
    e->state = SEEN;
    return plain(depth);
  }
  e->depth = (uint16_t)n;
  e->requested = (uint16_t)depth;
  e->id = lt_stacks_intern(e->frames, (uint32_t)n);
  e->state = e->id ? FILLED : SEEN;
  return e->id;
}

LT_HOT uint32_t lt_memo_stack(lt_tstate_t *self, uintptr_t ra, uintptr_t slot, int depth)
{
  if (lt_unlikely(!self->stack_hi) && (!lt_memo_enabled || !setup(self)))
    return plain(depth);
  if (lt_unlikely(depth > MAX_DEPTH || slot < self->stack_lo || slot >= self->stack_hi ||
                  *(const uintptr_t *)slot != ra))
    return plain(depth);
  entry_t *e = entry_for(self->memo, ra, slot);
  if (e->ra == ra && e->slot == slot) {
    if (e->state == FILLED && e->requested == depth && still_there(e))
      return e->id;
    return fill(self, e, depth);
  }
  e->ra = ra;
  e->slot = slot;
  e->state = SEEN;
  return plain(depth);
}

/* The entries stay mapped for the record's next thread; its stack is another. */
void lt_memo_reset(lt_tstate_t *self)
{
  if (self->memo)
    for (int i = 0; i < ENTRIES; i++)
      self->memo->entries[i].state = EMPTY;
  self->stack_lo = self->stack_hi = 0;
}
