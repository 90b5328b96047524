/* stacks.c — the stack depot (contract in stacks.h).
 *
 * A stack is one record, or for a deep stack two: its first frames, and the record of
 * the rest, itself interned and shared by every stack that ends the same way. Records
 * live in one arena reserved with mmap at first use and handed out by a single
 * fetch-and-add; a record's id is its offset in the arena in 32-byte units, so lookup by
 * id needs no table. Ids fit the 24 bits the live-block table keeps for them: 512 MiB of
 * records, some 2.4 million stacks of 20 frames that share nothing, more when they share
 * their outer frames. Records are chained from a fixed array
 * of bucket heads; a new record is published with one CAS on its bucket's head, after
 * its contents are written. Two threads interning the same new record at once may both
 * publish it: the later one finds the earlier on its retry and gives its record up (the
 * arena space is simply lost). */
#include "stacks.h"
#include "mem.h"
#include "out.h"

#include <string.h>

typedef struct record {
  uint64_t hash;
  uint32_t next;   /* id of the next record in the bucket, 0 at the end */
  uint32_t outer;  /* the record of the frames beyond these, 0 if none */
  uint32_t depth;  /* frames held here */
  uintptr_t frames[];
} record_t;

/* A stack deeper than INNER keeps its first INNER frames in a record of its own that
 * names the record of the rest. Stacks from one call site share their outer frames:
 * CPython's churn interns 11,000 stacks of 28 frames on average, and 1,100 distinct
 * outer parts of them (2.8 MB stored whole, 1.3 MB split). 9 frames fill a record's
 * 96 bytes exactly. */
#define INNER LT_STACKS_INNER
_Static_assert(sizeof(record_t) + INNER * sizeof(uintptr_t) == 3 * 32,
               "an inner record fills 3 units");

#define UNIT 32
#define ARENA_BYTES ((size_t)UNIT << 24)
#define ARENA_MIN_BYTES ((size_t)1 << 20)
/* 256 KiB of heads, all of them touched soon (a stack's bucket is random); four times
 * as many cost CPython's churn 0.75 MB of peak memory for its 11,000 stacks. A million
 * distinct stacks would make chains of 15 on average. */
#define BUCKETS ((size_t)1 << 16)

static char *arena;
static uint64_t arena_bytes; /* ARENA_BYTES, or less under a limit on address space */
static uint64_t arena_used = UNIT; /* offset 0 is id 0: no stack */
static uint32_t *buckets;
static uint64_t interned;
static int setup_state; /* 0: not set up, 1: setting up, 2: ready, 3: failed */

#define MIX(lane, frame) ((lane) = ((lane) ^ (frame)) * 0x100000001b3ull)

/* Four independent lanes, so the multiplies of successive frames overlap. Named
 * variables, not an array: indexed by the tail's counter, an array lived in memory and
 * every multiply waited on a store (the loop was 40% of interning on CPython). */
static uint64_t hash_frames(const uintptr_t *frames, uint32_t depth, uint32_t outer)
{
  uint64_t a = 0xcbf29ce484222325ull ^ depth, b = 0x9e3779b97f4a7c15ull ^ outer,
           c = 0xc2b2ae3d27d4eb4full, d = 0x165667b19e3779f9ull;
  uint32_t i = 0;
  for (; i + 4 <= depth; i += 4) {
    MIX(a, frames[i]);
    MIX(b, frames[i + 1]);
    MIX(c, frames[i + 2]);
    MIX(d, frames[i + 3]);
  }
  if (i < depth)
    MIX(a, frames[i++]);
  if (i < depth)
    MIX(b, frames[i++]);
  if (i < depth)
    MIX(c, frames[i]);
  uint64_t h = a ^ (b >> 7) ^ (c << 11) ^ (d >> 17);
  h *= 0x9e3779b97f4a7c15ull;
  return h ^ (h >> 29);
}

static int setup(void)
{
  int state = __atomic_load_n(&setup_state, __ATOMIC_ACQUIRE);
  if (lt_likely(state == 2))
    return 1;
  int expected = 0;
  if (__atomic_compare_exchange_n(&setup_state, &expected, 1, 0, __ATOMIC_ACQ_REL,
                                  __ATOMIC_ACQUIRE)) {
    size_t bytes = ARENA_BYTES;
    arena = lt_mem_map_shrinking(&bytes, ARENA_MIN_BYTES);
    arena_bytes = bytes;
    buckets = lt_mem_map(BUCKETS * sizeof(uint32_t));
    if (!arena || !buckets)
      lt_warn("cannot map memory for allocation stacks (ulimit -v or -d?): "
              "no block is tracked");
    else if (bytes < ARENA_BYTES)
      lt_warn("address space is limited (ulimit -v or -d?): "
              "room for %zu MiB of allocation stacks", bytes >> 20);
    __atomic_store_n(&setup_state, arena && buckets ? 2 : 3, __ATOMIC_RELEASE);
  }
  while ((state = __atomic_load_n(&setup_state, __ATOMIC_ACQUIRE)) == 1)
    __builtin_ia32_pause();
  return state == 2;
}

static inline record_t *record_at(uint32_t id)
{
  return (record_t *)(arena + (size_t)id * UNIT);
}

static uint32_t find(uint32_t id, uint64_t h, const uintptr_t *frames, uint32_t depth,
                     uint32_t outer)
{
  for (; id; id = record_at(id)->next) {
    record_t *r = record_at(id);
    if (r->hash == h && r->depth == depth && r->outer == outer &&
        (depth == 0 || memcmp(r->frames, frames, depth * sizeof(uintptr_t)) == 0))
      return id;
  }
  return 0;
}

/* The record of frames[0..depth) followed by the stack of record outer (0: none). */
static uint32_t intern_record(const uintptr_t *frames, uint32_t depth, uint32_t outer)
{
  uint64_t h = hash_frames(frames, depth, outer);
  uint32_t *bucket = &buckets[h & (BUCKETS - 1)];
  uint32_t head = __atomic_load_n(bucket, __ATOMIC_ACQUIRE);
  uint32_t id = find(head, h, frames, depth, outer);
  if (lt_likely(id))
    return id;

  size_t bytes = (sizeof(record_t) + depth * sizeof(uintptr_t) + UNIT - 1) & ~(size_t)(UNIT - 1);
  uint64_t off = __atomic_fetch_add(&arena_used, bytes, __ATOMIC_RELAXED);
  if (off + bytes > arena_bytes)
    return 0;
  id = (uint32_t)(off / UNIT);
  record_t *r = record_at(id);
  r->hash = h;
  r->outer = outer;
  r->depth = depth;
  if (depth)
    memcpy(r->frames, frames, depth * sizeof(uintptr_t));
  for (;;) {
    r->next = head;
    if (__atomic_compare_exchange_n(bucket, &head, id, 0, __ATOMIC_RELEASE, __ATOMIC_ACQUIRE))
      break;
    /* Someone published first: it may be this very record. */
    uint32_t found = find(head, h, frames, depth, outer);
    if (found)
      return found;
  }
  __atomic_fetch_add(&interned, 1, __ATOMIC_RELAXED);
  return id;
}

uint32_t lt_stacks_intern_known(const uintptr_t *frames, uint32_t depth, uint32_t *outer)
{
  if (lt_unlikely(!setup()))
    return 0;
  if (depth <= INNER) {
    *outer = 0;
    return intern_record(frames, depth, 0);
  }
  if (!*outer && !(*outer = intern_record(frames + INNER, depth - INNER, 0)))
    return 0;
  return intern_record(frames, INNER, *outer);
}

uint32_t lt_stacks_intern(const uintptr_t *frames, uint32_t depth)
{
  uint32_t outer = 0;
  return lt_stacks_intern_known(frames, depth, &outer);
}

uint32_t lt_stacks_get(uint32_t id, uintptr_t frames[LT_STACK_MAX_DEPTH])
{
  if (id == 0 || !arena || (uint64_t)id * UNIT >= __atomic_load_n(&arena_used, __ATOMIC_ACQUIRE))
    return 0;
  uint32_t n = 0;
  for (record_t *r = record_at(id);; r = record_at(r->outer)) {
    for (uint32_t i = 0; i < r->depth && n < LT_STACK_MAX_DEPTH; i++)
      frames[n++] = r->frames[i];
    if (!r->outer)
      return n;
  }
}

void lt_stacks_usage(uint64_t *count, uint64_t *bytes)
{
  *count = __atomic_load_n(&interned, __ATOMIC_RELAXED);
  *bytes = __atomic_load_n(&arena_used, __ATOMIC_RELAXED);
}
