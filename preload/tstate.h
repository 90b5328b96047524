/* tstate.h — per-thread state of the hot path: counters and the stack memo, so malloc
 * and free touch no shared cache line.
 *
 * Each thread's record is found through initial-exec TLS and lives in an mmap'd list
 * that a report walks to add the counters up. A record is registered on the thread's
 * first tracked allocation and handed back (its counts folded into the totals) when the
 * thread exits, for a later thread to reuse. */
#ifndef LT_TSTATE_H
#define LT_TSTATE_H

#include "lt.h"
#include "unwind.h"

typedef struct lt_tstate {
  uint64_t allocations;
  uint64_t frees;
  int64_t unflushed_bytes;   /* live-byte change not yet added to the global count */
  int64_t slack;             /* growth allowed before a flush: up to the known peak */
  struct lt_tstate *next;    /* registry list, never unlinked */
  int in_use;
  lt_unwind_memo_t memo;     /* this thread's last stack and its recent ones (26 KB) */
} lt_tstate_t;

extern __thread lt_tstate_t *lt_tstate_self __attribute__((tls_model("initial-exec"))) LT_HIDDEN;

/* This thread's record, registering it on first use; NULL if no memory. */
lt_tstate_t *lt_tstate_register(void);

static inline lt_tstate_t *lt_tstate_get(void)
{
  lt_tstate_t *t = lt_tstate_self;
  return lt_likely(t != NULL) ? t : lt_tstate_register();
}

/* Slow path of the byte count: flush a thread's change into the global live count and
 * raise the peak. */
void lt_tstate_flush_bytes(lt_tstate_t *t);

/* Live-byte changes stay per-thread up to this many bytes, and never past the peak known
 * so far: the peak is exact for one thread and to within this much per other thread. */
#define LT_TSTATE_FLUSH_BYTES (64 * 1024)

static inline void lt_tstate_count_alloc(lt_tstate_t *t, size_t size)
{
  t->allocations++;
  t->unflushed_bytes += (int64_t)size;
  if (lt_unlikely(t->unflushed_bytes > t->slack))
    lt_tstate_flush_bytes(t);
}

static inline void lt_tstate_count_free(lt_tstate_t *t, size_t size)
{
  t->frees++;
  t->unflushed_bytes -= (int64_t)size;
  if (lt_unlikely(t->unflushed_bytes < -LT_TSTATE_FLUSH_BYTES))
    lt_tstate_flush_bytes(t);
}

/* Totals over every thread, live and gone. */
void lt_tstate_totals(uint64_t *allocations, uint64_t *frees, uint64_t *peak_bytes);

/* Called once threads can be tracked for exit (pthread keys work): from the constructor. */
void lt_tstate_init(void);

/* In a forked child: records of the parent's other threads belong to no one now. */
void lt_tstate_after_fork_child(void);

#endif
