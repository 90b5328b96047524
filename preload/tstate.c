/* tstate.c — the registry of per-thread records. */
#include "tstate.h"
#include "mem.h"
#include "out.h"

#include <pthread.h>

__thread lt_tstate_t *lt_tstate_self __attribute__((tls_model("initial-exec")));

static lt_tstate_t *registry;    /* every record ever made */
static int64_t live_bytes;
static int64_t peak_bytes;
static int threads_in_use;
/* Counts of threads that have exited, whose records were reused since. */
static uint64_t gone_allocations;
static uint64_t gone_frees;
static pthread_key_t exit_key;
static int exit_key_ready;

/* Records are carved by one fetch-and-add from a region reserved at first use; only the
 * pages that hold records cost memory. A record is some 27 KB, most of it the recent
 * stacks (recent.h): 32768 threads at once reserve 0.9 GB of address space. */
#define MAX_RECORDS ((size_t)1 << 15)
#define MIN_RECORDS ((size_t)64)
static lt_tstate_t *records;
static size_t records_cap; /* MAX_RECORDS, or fewer under a limit on address space */
static size_t records_used;
static int records_state; /* 0: none, 1: mapping, 2: ready, 3: failed */

static lt_tstate_t *new_record(void)
{
  int state = 0;
  if (__atomic_compare_exchange_n(&records_state, &state, 1, 0, __ATOMIC_ACQ_REL,
                                  __ATOMIC_ACQUIRE)) {
    size_t bytes = MAX_RECORDS * sizeof(lt_tstate_t);
    records = lt_mem_map_shrinking(&bytes, MIN_RECORDS * sizeof(lt_tstate_t));
    records_cap = bytes / sizeof(lt_tstate_t);
    if (!records)
      lt_warn("cannot map memory for thread records (ulimit -v or -d?): "
              "no block is tracked");
    else if (records_cap < MAX_RECORDS)
      lt_warn("address space is limited (ulimit -v or -d?): room for %zu threads at once",
              records_cap);
    __atomic_store_n(&records_state, records ? 2 : 3, __ATOMIC_RELEASE);
  }
  while ((state = __atomic_load_n(&records_state, __ATOMIC_ACQUIRE)) == 1)
    __builtin_ia32_pause();
  if (state != 2)
    return NULL;
  size_t i = __atomic_fetch_add(&records_used, 1, __ATOMIC_RELAXED);
  return i < records_cap ? &records[i] : NULL;
}

static lt_tstate_t *reuse_record(void)
{
  for (lt_tstate_t *t = __atomic_load_n(&registry, __ATOMIC_ACQUIRE); t; t = t->next) {
    int free_state = 0;
    if (__atomic_load_n(&t->in_use, __ATOMIC_RELAXED) == 0 &&
        __atomic_compare_exchange_n(&t->in_use, &free_state, 1, 0, __ATOMIC_ACQ_REL,
                                    __ATOMIC_RELAXED))
      return t;
  }
  return NULL;
}

lt_tstate_t *lt_tstate_register(void)
{
  lt_tstate_t *t = reuse_record();
  if (t) {
    lt_recent_clear(&t->memo.recent);
  } else {
    t = new_record();
    if (!t)
      return NULL;
    t->in_use = 1;
    lt_tstate_t *head = __atomic_load_n(&registry, __ATOMIC_ACQUIRE);
    do
      t->next = head;
    while (!__atomic_compare_exchange_n(&registry, &head, t, 0, __ATOMIC_ACQ_REL,
                                        __ATOMIC_ACQUIRE));
  }
  t->memo.depth = 0; /* a previous owner's slots may lie in a stack that is gone */
  lt_tstate_self = t;
  __atomic_fetch_add(&threads_in_use, 1, __ATOMIC_RELAXED);
  if (__atomic_load_n(&exit_key_ready, __ATOMIC_ACQUIRE)) {
    lt_guard_enter();
    pthread_setspecific(exit_key, t);
    lt_guard_leave();
  }
  return t;
}

void lt_tstate_flush_bytes(lt_tstate_t *t)
{
  int64_t now = __atomic_add_fetch(&live_bytes, t->unflushed_bytes, __ATOMIC_RELAXED);
  t->unflushed_bytes = 0;
  int64_t peak = __atomic_load_n(&peak_bytes, __ATOMIC_RELAXED);
  while (now > peak && !__atomic_compare_exchange_n(&peak_bytes, &peak, now, 0,
                                                    __ATOMIC_RELAXED, __ATOMIC_RELAXED))
    ;
  /* Alone, a thread flushes at every new peak, so the peak is exact; with others it
   * keeps its full allowance, or threads at the peak would all fight over this line. */
  int64_t room = (now > peak ? now : peak) - now;
  if (room > LT_TSTATE_FLUSH_BYTES || __atomic_load_n(&threads_in_use, __ATOMIC_RELAXED) > 1)
    room = LT_TSTATE_FLUSH_BYTES;
  t->slack = room;
}

/* A thread exits: its counts move to the totals and its record is free for reuse. */
static void thread_gone(void *arg)
{
  lt_tstate_t *t = arg;
  lt_tstate_flush_bytes(t);
  __atomic_fetch_add(&gone_allocations, t->allocations, __ATOMIC_RELAXED);
  __atomic_fetch_add(&gone_frees, t->frees, __ATOMIC_RELAXED);
  t->allocations = 0;
  t->frees = 0;
  if (lt_tstate_self == t)
    lt_tstate_self = NULL;
  __atomic_fetch_sub(&threads_in_use, 1, __ATOMIC_RELAXED);
  __atomic_store_n(&t->in_use, 0, __ATOMIC_RELEASE);
}

void lt_tstate_init(void)
{
  if (pthread_key_create(&exit_key, thread_gone) == 0) {
    __atomic_store_n(&exit_key_ready, 1, __ATOMIC_RELEASE);
    if (lt_tstate_self)
      pthread_setspecific(exit_key, lt_tstate_self);
  }
}

void lt_tstate_totals(uint64_t *allocations, uint64_t *frees, uint64_t *peak)
{
  uint64_t a = __atomic_load_n(&gone_allocations, __ATOMIC_RELAXED);
  uint64_t f = __atomic_load_n(&gone_frees, __ATOMIC_RELAXED);
  for (lt_tstate_t *t = __atomic_load_n(&registry, __ATOMIC_ACQUIRE); t; t = t->next) {
    a += __atomic_load_n(&t->allocations, __ATOMIC_RELAXED);
    f += __atomic_load_n(&t->frees, __ATOMIC_RELAXED);
  }
  *allocations = a;
  *frees = f;
  int64_t p = __atomic_load_n(&peak_bytes, __ATOMIC_RELAXED);
  *peak = p > 0 ? (uint64_t)p : 0;
}

/* The parent's other threads do not exist in the child; their records would never be
 * handed back, so fold them now. */
void lt_tstate_after_fork_child(void)
{
  for (lt_tstate_t *t = registry; t; t = t->next)
    if (t != lt_tstate_self && t->in_use)
      thread_gone(t);
}
