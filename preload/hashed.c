/* hashed.c — the live-block table's lock-free hash (contract in hashed.h).
 *
 * The table is sharded by 64 MiB of address space, the size of a glibc thread arena's
 * heap: threads that allocate from their own arenas then write to tables of their own,
 * and no cache line bounces between their cores (in one shared table two threads'
 * blocks sat side by side in every line: two threads of a malloc/free churn each took
 * 0.75 s for the 4M steps one thread alone did in 0.30 s). Each region is split again
 * into 16 segments by 64 KiB granules, so that a rebuild copies a sixteenth of a heap's
 * table, not all of it: while it runs both copies are resident, and the host's peak
 * memory counts them (CPython's churn peaked 4 MB higher with one table per region).
 * Each shard, one segment of one region, grows on its own, so it stays as dense as its
 * live blocks ask for. Everything below describes one shard.
 *
 * Open addressing with linear probing over 16-byte slots: the key, then the block's
 * size and stack id packed in one word. A slot's key word carries its state: an
 * address, or one of the small markers below. Every state change of a key is a single
 * CAS, and only the thread that owns a state writes the payload:
 *
 *   EMPTY/TOMB --insert--> BUSY --payload written--> addr --erase--> CLEARING
 *   CLEARING --next slot EMPTY--> EMPTY, else --> TOMB
 *   addr --migration--> addr|MOVING --copied to the new table--> SEALED
 *   EMPTY --migration--> SEALED_EMPTY,  TOMB --migration--> SEALED
 *
 * An erased slot whose next slot is EMPTY becomes EMPTY again, and so may the
 * tombstones just before it: no probe can have passed it to reach a key further on.
 * That holds against a concurrent insert by a handshake: the eraser marks its slot
 * CLEARING before it reads the next one, and an insert that claimed a slot reads back
 * every slot its probe passed; one of the two always sees the other, and an insert that
 * finds a slot of its probe EMPTY (once a CLEARING one has settled) gives its claim up
 * as a tombstone and probes again. Cleared tombstones make same-size rebuilds rarer:
 * CPython's churn rebuilt its tables 290 times (now 139), each time paying for a fresh
 * mapping's pages.
 *
 * Growth publishes a table a quarter larger or less, as often as needed to hold the live
 * blocks in 3/8 of its slots (or one of the same size, when tombstones and not live
 * blocks fill it), so that a rebuild, which moves at most 5/8 of a table, follows at
 * least a quarter of it taken by inserts; every operation moves one chunk of
 * the old table across before doing its own work. Erase looks in the old table first,
 * then the new, and starts over if a newer table appeared meanwhile, so a block in
 * flight is never missed. No operation takes a lock. Waits are short, on a slot another
 * thread is a few stores from settling (BUSY, MOVING, CLEARING), except one: an insert
 * into a new table already 7/8 full while a descheduled thread still carries a chunk of
 * the old one yields until that chunk lands, rather than take the room the chunk needs.
 * A signal handler's malloc that interrupts a table operation on its own thread is not
 * tracked (track.c keeps the reentrancy guard up), so it never waits on that operation;
 * its free could, where glibc's own free may already deadlock.
 *
 * Tables are described by a ring of descriptors named by a generation number, read
 * seqlock-style. A drained table's mapping is kept for a later table of the same size
 * (a large one with its pages given back to the kernel), never unmapped: a thread
 * stalled inside an old table therefore stays in bounds and never faults. An
 * insert that claimed a slot checks afterwards that its table is still live, and if not
 * turns the slot into a tombstone (always safe: it only lengthens probe chains) and
 * tries again; an erase that finds its key wherever it looks has found the right one,
 * since keys are unique. */
#include "hashed.h"
#include "mem.h"

#include <errno.h>
#include <sched.h>
#include <sys/mman.h>

enum {
  KEY_EMPTY = 0,
  KEY_TOMB = 2,
  KEY_BUSY = 4,
  KEY_SEALED_EMPTY = 6,
  KEY_SEALED = 8,
  KEY_CLEARING = 10,
  KEY_FIRST_ADDRESS = 16,
};
#define MOVING ((uintptr_t)1)

/* A test build widens the windows in which an insert and an erase race over
 * neighbouring slots (check_hashed_widened in tests/unit), so that a machine of two
 * cores meets those races within a test's run. */
#ifdef LT_HASHED_WIDEN_RACES
#define RACE_WINDOW(when) \
  do {                    \
    if (when)             \
      sched_yield();      \
  } while (0)
#else
#define RACE_WINDOW(when) ((void)0)
#endif

#define INITIAL_CAP ((size_t)1 << 10)
#define REGION_BITS 4
#define SEGMENT_BITS 4
#define SHARDS (1u << (REGION_BITS + SEGMENT_BITS))
#define REGION_SHIFT 26  /* 64 MiB: glibc's HEAP_MAX_SIZE on 64-bit */
#define SEGMENT_SHIFT 16 /* 64 KiB granules of a region take turns between its segments */
#define CHUNK_MAX ((size_t)256)
#define SAMPLE_MASK 7u /* one key in 8 is counted: keeps the counters' cache lines cool */
#define EXACT_CAP ((size_t)1 << 12) /* up to this capacity every key is counted */
#define LONG_PROBE 1024 /* four runs: past this the table needs rebuilding */
/* A migration moves a table a chunk at a time, 256 slots, or a sixteenth of a smaller
 * table. The eighth of a new table kept for migrators (reserved_for_migration) then holds
 * two chunks, as many keys as two descheduled migrators can still carry: with chunks of
 * 256 a table of 1024 slots kept less than one, and a migrator resuming into a full
 * table spun forever. */
static inline size_t chunk_of(size_t cap)
{
  return cap / 16 < CHUNK_MAX ? cap / 16 : CHUNK_MAX;
}

typedef struct slot {
  uintptr_t key;
  uint64_t val; /* size << 24 | stack */
} slot_t;

#define STACK_BITS 24
#define MAX_SIZE ((((uint64_t)1) << (64 - STACK_BITS)) - 1)

/* The fields every operation reads sit apart from the counters that sampled operations
 * write: sharing a cache line, the two made every malloc on one core miss on the other. */
typedef struct table {
  uint64_t gen;         /* 0 while being (re)built */
  int retired;          /* drained: slots no longer hold anything */
  slot_t *slots;
  size_t cap;
  unsigned sample_mask; /* counted keys: those whose hash has these bits clear */
  size_t used_sampled __attribute__((aligned(64))); /* EMPTY slots consumed, sampled keys */
  uint64_t next_chunk __attribute__((aligned(64))); /* gen << 32 | next chunk to move */
  size_t done_chunks;
} __attribute__((aligned(64))) table_t;

#define RING 8

/* One shard: the generations of its newest table and of the one being drained. Its
 * ring of table descriptors, named by generation and read seqlock-style, is kept apart
 * (rings[]): a report reads every shard's generations, and on this kernel even a read
 * makes a page resident, so the shards that were never used must cost no more than
 * these few words. */
typedef struct shard {
  uint64_t cur_gen;  /* the newest table; 0: none yet */
  uint64_t src_gen;  /* the table being drained into the newest, or 0 */
  int growing;
} __attribute__((aligned(64))) shard_t;

/* A consistent copy of a descriptor, taken at the start of an operation. */
typedef struct view {
  shard_t *sh;
  table_t *t;
  uint64_t gen;
  slot_t *slots;
  size_t cap;
  unsigned sample_mask;
} view_t;

#define SPARE_SLOTS 4
static shard_t shards[SHARDS];
static table_t rings[SHARDS][RING];

static inline table_t *table_of(shard_t *sh, uint64_t gen)
{
  return &rings[sh - shards][gen % RING];
}
_Static_assert(LT_HASHED_STORAGE_MAX == 2 * SHARDS, "a table and its migration source per shard");

/* Capacities are 4, 5, 6 or 7 times a power of two: a table grows by a quarter or less
 * at a time, so that it can follow its live blocks closely (with only powers of two, a
 * live set just past half of a table took a table twice as large). */
static inline unsigned class_of(size_t cap)
{
  unsigned e = 61u - (unsigned)__builtin_clzll(cap);
  return e * 4 + (unsigned)(cap >> e) - 4;
}

static inline size_t next_class(size_t cap)
{
  unsigned e = 61u - (unsigned)__builtin_clzll(cap);
  return cap + ((size_t)1 << e);
}

#define CLASSES 256
/* Discarded mappings kept for reuse, by capacity class. */
static slot_t *spare[CLASSES][SPARE_SLOTS];

/* The operations of insert and erase, inlined into them even where the compiler would
 * not: out of line, the calls and the views copied through memory were a third of a
 * malloc/free pair's instructions in the table. */
#define HOT_INLINE inline __attribute__((always_inline))

#define load(p) __atomic_load_n((p), __ATOMIC_ACQUIRE)
#define store(p, v) __atomic_store_n((p), (v), __ATOMIC_RELEASE)
#define cas(p, e, d) \
  __atomic_compare_exchange_n((p), (e), (d), 0, __ATOMIC_SEQ_CST, __ATOMIC_ACQUIRE)

/* A block's first slot keeps the heap's locality: each 4 KiB of heap owns a run of 256
 * slots at a hashed place, and a block sits in its run by its address. Blocks
 * allocated or freed one after another are then mostly neighbours in the table too,
 * sharing cache lines and read ahead by the hardware prefetcher: on CPython's churn
 * 20% faster than a hash of the whole address. Malloc alignment (16 bytes) keeps at
 * most one block a slot of its run for glibc; an allocator that packs two 8-byte
 * blocks into 16 bytes can at worst overfill a run twice. */
#define RUN_HEAP_SHIFT 12
#define RUN_SLOTS ((size_t)1 << (RUN_HEAP_SHIFT - 4))

static inline size_t first_slot(uintptr_t addr, const view_t *v)
{
  uint64_t run = (uint64_t)(addr >> RUN_HEAP_SHIFT) * 0x9E3779B97F4A7C15ull;
  size_t i = (size_t)(((unsigned __int128)run * v->cap) >> 64) + ((addr >> 4) & (RUN_SLOTS - 1));
  return i < v->cap ? i : i - v->cap;
}

static inline size_t next_slot(size_t i, const view_t *v)
{
  return ++i < v->cap ? i : 0;
}

static inline size_t prev_slot(size_t i, const view_t *v)
{
  return i == 0 ? v->cap - 1 : i - 1;
}

/* A shard is one segment of a region. Neighbouring 64 MiB regions (a brk heap,
 * consecutive arenas) land in different regions' shards: a multiplicative hash spreads
 * consecutive numbers evenly. Within a region, 64 KiB granules are spread over its
 * segments the same way, so that each table holds a sixteenth of a heap: a table's
 * rebuild keeps its old and new copies at once, and the host's peak memory pays for
 * that copy of one segment, not of the whole heap's table. */
static inline shard_t *shard_of(uintptr_t addr)
{
  uint64_t region = (uint64_t)(addr >> REGION_SHIFT) * 0x9E3779B97F4A7C15ull;
  uint64_t granule = (uint64_t)(addr >> SEGMENT_SHIFT) * 0x9E3779B97F4A7C15ull;
  return &shards[(region >> (64 - REGION_BITS)) << SEGMENT_BITS |
                 granule >> (64 - SEGMENT_BITS)];
}

/* Is the key one of the sampled ones the table's counters follow? Decided by the top
 * bits of a multiplicative hash: its low bits stay fixed for addresses a power of two
 * apart (1 KiB blocks in a row), which were then all sampled or none. Small tables count
 * every key: a sample of a few hundred keys is too rough to keep the eighth of the table
 * that migrations need. */
static inline int sampled(const view_t *v, uintptr_t key)
{
  uint64_t h = (uint64_t)(key >> 3) * 0x9E3779B97F4A7C15ull;
  return ((h >> 61) & v->sample_mask) == 0;
}

/* A sampled count scaled to an estimate of the real one. */
static inline size_t estimate(const view_t *v, long sampled_count)
{
  return (size_t)(sampled_count < 0 ? 0 : sampled_count) * (v->sample_mask + 1);
}

/* Sizes beyond 1 TiB, which no allocator hands out, are recorded as 1 TiB - 1. */
static inline uint64_t make_val(size_t size, uint32_t stack)
{
  uint64_t s = size < MAX_SIZE ? size : MAX_SIZE;
  return (s << STACK_BITS) | (stack & ((1u << STACK_BITS) - 1));
}

static inline void cpu_relax(unsigned *spins)
{
  if (++*spins % 64 == 0)
    sched_yield();
  else
    __builtin_ia32_pause();
}

/* Small mappings stay resident between uses and are cleared on reuse. Larger ones are
 * given back to the kernel, since sixteen segments' spares kept resident cost CPython's
 * churn 2 MB of peak memory; when reused they are faulted in with one call, as fresh ones
 * are: a table rebuilt often (churn of new addresses) otherwise paid a page fault per
 * page per rebuild, 0.08 s of system time on that churn. */
#define RESIDENT_SPARE_BYTES ((size_t)64 << 10)

/* A reused mapping may still be read by a thread stalled in the table it held, which
 * then finds its view stale: the clearing stores are atomic, like every other store
 * such a thread can meet. */
static void clear_slots(slot_t *m, size_t cap)
{
  for (size_t i = 0; i < cap; i++) {
    __atomic_store_n(&m[i].key, KEY_EMPTY, __ATOMIC_RELAXED);
    __atomic_store_n(&m[i].val, 0, __ATOMIC_RELAXED);
  }
}

static slot_t *take_mapping(size_t cap)
{
  unsigned class = class_of(cap);
  size_t bytes = cap * sizeof(slot_t);
  for (int i = 0; i < SPARE_SLOTS; i++) {
    slot_t *m = __atomic_exchange_n(&spare[class][i], NULL, __ATOMIC_ACQ_REL);
    if (m) {
      if (bytes <= RESIDENT_SPARE_BYTES)
        clear_slots(m, cap);
      else
        madvise(m, bytes, MADV_POPULATE_WRITE);
      return m;
    }
  }
  slot_t *m = lt_mem_map(bytes);
  if (m)
    madvise(m, bytes, MADV_POPULATE_WRITE);
  return m;
}

static void give_mapping(slot_t *m, size_t cap)
{
  size_t bytes = cap * sizeof(slot_t);
  if (bytes > RESIDENT_SPARE_BYTES)
    lt_mem_discard(m, bytes);
  unsigned class = class_of(cap);
  for (int i = 0; i < SPARE_SLOTS; i++) {
    slot_t *none = NULL;
    if (__atomic_compare_exchange_n(&spare[class][i], &none, m, 0, __ATOMIC_ACQ_REL,
                                    __ATOMIC_RELAXED))
      return;
  }
  /* Beyond the spares, the range stays reserved for any stalled thread; its pages go. */
  if (bytes <= RESIDENT_SPARE_BYTES)
    lt_mem_discard(m, bytes);
}

/* Build generation gen in its ring descriptor. Called with the shard's `growing` held. */
static int build(shard_t *sh, uint64_t gen, size_t cap)
{
  table_t *t = table_of(sh, gen);
  slot_t *slots = take_mapping(cap);
  if (!slots)
    return -ENOMEM;
  __atomic_store_n(&t->gen, 0, __ATOMIC_SEQ_CST);
  t->retired = 0;
  store(&t->slots, slots);
  store(&t->cap, cap);
  store(&t->sample_mask, cap <= EXACT_CAP ? 0u : SAMPLE_MASK);
  t->used_sampled = 0;
  t->next_chunk = (uint64_t)(uint32_t)gen << 32;
  t->done_chunks = 0;
  store(&t->gen, gen);
  return 0;
}

/* Seqlock read of generation gen's descriptor; 0 when it has been reused since. The
 * fields are read with acquire so that the second read of gen cannot move above them. */
static HOT_INLINE int view_of(shard_t *sh, uint64_t gen, view_t *v)
{
  table_t *t = table_of(sh, gen);
  if (load(&t->gen) != gen)
    return 0;
  v->sh = sh;
  v->t = t;
  v->gen = gen;
  v->slots = load(&t->slots);
  v->cap = load(&t->cap);
  v->sample_mask = load(&t->sample_mask);
  return load(&t->gen) == gen;
}

/* After claiming a slot: is the table still the one the view describes, and live? */
static HOT_INLINE int still_live(const view_t *v)
{
  return __atomic_load_n(&v->t->gen, __ATOMIC_SEQ_CST) == v->gen &&
         !__atomic_load_n(&v->t->retired, __ATOMIC_SEQ_CST);
}

/* Claim free slot s (its key k, EMPTY or TOMB) for key; counts an EMPTY one taken. */
static HOT_INLINE int claim(const view_t *v, slot_t *s, uintptr_t k, uintptr_t key)
{
  if (!cas(&s->key, &k, KEY_BUSY))
    return 0;
  if (k == KEY_EMPTY && sampled(v, key))
    __atomic_fetch_add(&v->t->used_sampled, 1, __ATOMIC_RELAXED);
  return 1;
}

/* After claiming slot i: has no slot the probe passed (first to i - 1) been emptied by
 * an erase meanwhile? Read downwards, so that a slot read here as taken cannot be
 * emptied later: clearing it needs the slot above it EMPTY, and that one was read
 * taken first. A CLEARING slot is waited out: nearly always it settles as a tombstone
 * (giving the claim up for it turned hundreds of EMPTY slots into tombstones in a review's
 * stress). Small tables never empty a slot, so there is nothing to read back. */
static HOT_INLINE int probe_intact(const view_t *v, size_t first, size_t i)
{
  if (v->sample_mask == 0)
    return 1;
  unsigned spins = 0;
  while (i != first) {
    i = prev_slot(i, v);
    uintptr_t k;
    while ((k = __atomic_load_n(&v->slots[i].key, __ATOMIC_SEQ_CST)) == KEY_CLEARING)
      cpu_relax(&spins);
    if (k == KEY_EMPTY || k == KEY_SEALED_EMPTY)
      return 0;
  }
  return 1;
}

/* Put a key into the table being filled by a migration (no one seals it meanwhile).
 * The caller guarantees the key is not already there. */
static void place(const view_t *v, uintptr_t key, uint64_t val)
{
  size_t first = first_slot(key, v);
  unsigned spins = 0;
  for (size_t i = first;;) {
    slot_t *s = &v->slots[i];
    uintptr_t k = load(&s->key);
    if (k == KEY_CLEARING) {
      cpu_relax(&spins);
      continue;
    }
    if (k != KEY_EMPTY && k != KEY_TOMB) {
      i = next_slot(i, v);
      continue;
    }
    RACE_WINDOW(i != first);
    if (!claim(v, s, k, key))
      continue;
    if (!probe_intact(v, first, i)) {
      store(&s->key, KEY_TOMB);
      i = first;
      continue;
    }
    s->val = val;
    store(&s->key, key);
    return;
  }
}

/* Move one slot of a table being drained into dst, leaving it sealed. */
static void seal_slot(slot_t *s, const view_t *dst)
{
  unsigned spins = 0;
  for (;;) {
    uintptr_t k = load(&s->key);
    switch (k) {
    case KEY_EMPTY:
      if (cas(&s->key, &k, KEY_SEALED_EMPTY))
        return;
      continue;
    case KEY_TOMB:
      if (cas(&s->key, &k, KEY_SEALED))
        return;
      continue;
    case KEY_BUSY:     /* an insert is writing its payload: a few stores away */
    case KEY_CLEARING: /* an erase is reading the next slot */
      cpu_relax(&spins);
      continue;
    case KEY_SEALED_EMPTY:
    case KEY_SEALED:
      return;
    default:
      if (k & MOVING)
        return;
      if (cas(&s->key, &k, k | MOVING)) {
        place(dst, k, s->val);
        store(&s->key, KEY_SEALED);
        return;
      }
    }
  }
}

static void finish_migration(const view_t *src)
{
  __atomic_store_n(&src->t->retired, 1, __ATOMIC_SEQ_CST);
  store(&src->sh->src_gen, 0);
  give_mapping(src->slots, src->cap);
}

/* Move one chunk of the drained table, if any is left. The slot each block goes to is
 * fetched MOVE_AHEAD blocks early: that load was 90% of the time spent moving. */
#define MOVE_AHEAD 8
static void help_migrate(const view_t *src, const view_t *dst)
{
  size_t chunk = chunk_of(src->cap), nchunks = src->cap / chunk;
  /* The cursor carries its table's generation: a thread whose view went stale before
   * it got here must not take a chunk of the table rebuilt in the same descriptor. A
   * chunk once taken keeps the table from being drained, so done_chunks needs no tag. */
  uint64_t cursor = load(&src->t->next_chunk), c;
  do {
    c = (uint32_t)cursor;
    if (cursor >> 32 != (uint32_t)src->gen || c >= nchunks)
      return;
  } while (!cas(&src->t->next_chunk, &cursor, cursor + 1));
  size_t end = (c + 1) * chunk;
  for (size_t i = c * chunk; i < end; i++) {
    if (i + MOVE_AHEAD < end) {
      uintptr_t ahead = load(&src->slots[i + MOVE_AHEAD].key);
      if (ahead >= KEY_FIRST_ADDRESS)
        __builtin_prefetch(&dst->slots[first_slot(ahead & ~MOVING, dst)], 1);
    }
    seal_slot(&src->slots[i], dst);
  }
  if (__atomic_add_fetch(&src->t->done_chunks, 1, __ATOMIC_ACQ_REL) == nchunks)
    finish_migration(src);
}

/* Live blocks and taken slots (anything not EMPTY), counted when a rebuild is asked
 * for rather than kept as running counts: a live count that every insert and erase
 * updated cost two locked instructions per malloc/free pair, 6% of a malloc/free
 * churn's time, and erases that clear tombstones would have needed a third. The count
 * reads each slot once, a small part of the rebuild it may spare or that follows. */
static void count_slots(const view_t *v, size_t *live, size_t *taken)
{
  *live = *taken = 0;
  for (size_t i = 0; i < v->cap; i++) {
    uintptr_t k = load(&v->slots[i].key);
    *live += k >= KEY_FIRST_ADDRESS;
    *taken += k != KEY_EMPTY;
  }
}

/* Unless forced, first count: when it was the count of taken slots, which cleared
 * tombstones never lower, that ran ahead, lower it and rebuild nothing. Otherwise start
 * draining the current table into a new one, unless another thread already is. The new
 * size follows the live count: a table full of tombstones is rebuilt in place. */
static void grow(const view_t *cur, int force)
{
  shard_t *sh = cur->sh;
  int expected = 0;
  if (!cas(&sh->growing, &expected, 1))
    return;
  if (load(&sh->cur_gen) == cur->gen && load(&sh->src_gen) == 0) {
    size_t counted = load(&cur->t->used_sampled), live, taken;
    count_slots(cur, &live, &taken);
    size_t cap = cur->cap;
    if (!force && live <= cap / 8 * 3 && taken <= cap / 2) {
      /* Inserts counted meanwhile stay counted (perhaps twice: never too few). */
      size_t now = taken / (cur->sample_mask + 1);
      if (counted > now)
        __atomic_fetch_sub(&cur->t->used_sampled, counted - now, __ATOMIC_RELAXED);
    } else {
      while (live > cap / 8 * 3)
        cap = next_class(cap);
      if (build(sh, cur->gen + 1, cap) == 0) {
        store(&sh->src_gen, cur->gen);
        store(&sh->cur_gen, cur->gen + 1);
      }
    }
  }
  store(&sh->growing, 0);
}

/* The first insert builds the first table; others arriving meanwhile wait for it.
 * Returns 0, or -ENOMEM when it cannot be mapped. */
static int first_table(shard_t *sh)
{
  unsigned spins = 0;
  while (load(&sh->cur_gen) == 0) {
    int expected = 0;
    if (cas(&sh->growing, &expected, 1)) {
      int rc = load(&sh->cur_gen) == 0 ? build(sh, 1, INITIAL_CAP) : 0;
      if (rc == 0 && load(&sh->cur_gen) == 0)
        store(&sh->cur_gen, 1);
      store(&sh->growing, 0);
      if (rc < 0)
        return rc;
    } else {
      cpu_relax(&spins);
    }
  }
  return 0;
}

/* Views of the newest table and of the one being drained (has_src), after moving one
 * chunk of the latter. 0: no table yet. */
static HOT_INLINE int enter(shard_t *sh, view_t *cur, view_t *src, int *has_src)
{
  for (;;) {
    uint64_t cg = load(&sh->cur_gen);
    if (cg == 0)
      return 0;
    uint64_t sg = load(&sh->src_gen);
    /* The pair must describe one migration: a stale newest table with the source of a
     * later migration would move that source's blocks into a drained table. */
    if (load(&sh->cur_gen) != cg || !view_of(sh, cg, cur))
      continue;
    *has_src = sg != 0 && sg != cg && view_of(sh, sg, src);
    if (*has_src)
      help_migrate(src, cur);
    return 1;
  }
}

/* Linear probes lengthen fast with the load: at 3/4, perl's inserts probed 8.8 slots
 * on average and its erases 4.2. Rebuilt at 5/8 and grown to hold the live blocks in
 * 3/8, perl runs 14% fewer instructions and 7-19% less time (three A/B runs; sqlite3
 * 6%), for 3% more of CPython's peak memory. Holding them in 7/16 instead saved perl 11%
 * of its instructions for 2% more memory. */
static int too_full(const view_t *v)
{
  return estimate(v, (long)load(&v->t->used_sampled)) > v->cap / 8 * 5;
}

/* Past this, inserts stop taking empty slots until the table is replaced: the last
 * eighth is kept for the keys that migrators still carry (a chunk each), so a migrator
 * that was descheduled mid-chunk always finds room when it resumes. */
static int reserved_for_migration(const view_t *v)
{
  return estimate(v, (long)load(&v->t->used_sampled)) > v->cap / 8 * 7;
}

/* 1: inserted; 0: the table is being drained or was retired, or a rebuild was asked
 * for: try the newest. */
static HOT_INLINE int insert_in(const view_t *v, uintptr_t addr, uint64_t val)
{
  size_t first = first_slot(addr, v), probes = 0;
  unsigned spins = 0;
  for (size_t i = first;;) {
    slot_t *s = &v->slots[i];
    uintptr_t k = load(&s->key);
    if (k == KEY_CLEARING) {
      cpu_relax(&spins);
      continue;
    }
    if (k == KEY_EMPTY || k == KEY_TOMB) {
      if (k == KEY_EMPTY && reserved_for_migration(v)) {
        grow(v, 0);
        return 0;
      }
      RACE_WINDOW(i != first);
      if (!claim(v, s, k, addr))
        continue;
      if (!still_live(v)) {
        store(&s->key, KEY_TOMB);
        return 0;
      }
      if (!probe_intact(v, first, i)) {
        store(&s->key, KEY_TOMB);
        i = first;
        probes = 0;
        continue;
      }
      s->val = val;
      store(&s->key, addr);
      if (k == KEY_EMPTY && too_full(v))
        grow(v, 0);
      return 1;
    }
    if (k == KEY_SEALED || k == KEY_SEALED_EMPTY)
      return 0;
    if (++probes == LONG_PROBE || probes > v->cap) {
      grow(v, 1);
      if (probes > v->cap)
        return 0;
    }
    i = next_slot(i, v);
  }
}

int lt_hashed_insert(uintptr_t addr, size_t size, uint32_t stack)
{
  uint64_t val = make_val(size, stack);
  shard_t *sh = shard_of(addr);
  unsigned spins = 0;
  for (;;) {
    view_t cur, src;
    int has_src;
    if (lt_unlikely(!enter(sh, &cur, &src, &has_src)) &&
        (first_table(sh) < 0 || !enter(sh, &cur, &src, &has_src)))
      return -ENOMEM;
    if (insert_in(&cur, addr, val))
      return 0;
    /* Give the new table or a migration under way the time to appear or finish. */
    if (load(&sh->cur_gen) == cur.gen)
      cpu_relax(&spins);
  }
}

/* Only tables that count taken slots by sample clear tombstones. A small table counts
 * every EMPTY slot taken with a locked add, where a churn that gets back the address it
 * just freed reuses its tombstone for nothing; and a small table is rebuilt in resident
 * memory, without the page faults that clearing spares large ones. */
static inline uintptr_t erased_mark(const view_t *v)
{
  return v->sample_mask != 0 ? KEY_CLEARING : KEY_TOMB;
}

/* An erased slot (CLEARING) becomes EMPTY when the next slot is EMPTY, and then so may
 * the tombstones before it, CLEAR_BACK at most; otherwise it is a tombstone. */
#define CLEAR_BACK 8
static void release(const view_t *v, size_t i)
{
  for (int n = 0;; n++) {
    RACE_WINDOW(1);
    uintptr_t next = __atomic_load_n(&v->slots[next_slot(i, v)].key, __ATOMIC_SEQ_CST);
    if (next != KEY_EMPTY)
      break;
    store(&v->slots[i].key, KEY_EMPTY);
    i = prev_slot(i, v);
    uintptr_t k = load(&v->slots[i].key);
    if (n == CLEAR_BACK || k != KEY_TOMB || !cas(&v->slots[i].key, &k, KEY_CLEARING))
      return;
  }
  store(&v->slots[i].key, KEY_TOMB);
}

static HOT_INLINE void fill(lt_block_t *out, uintptr_t addr, const slot_t *s)
{
  uint64_t val = s->val;
  out->addr = addr;
  out->size = val >> STACK_BITS;
  out->stack = (uint32_t)(val & ((1u << STACK_BITS) - 1));
  out->kind = LT_KIND_UNFREED;
}

/* 0: erased; -ENOENT: not in this table (or it moved on to a newer one). */
static HOT_INLINE int erase_in(const view_t *v, uintptr_t addr, lt_block_t *out)
{
  size_t probes = 0;
  for (size_t i = first_slot(addr, v); probes++ <= v->cap; i = next_slot(i, v)) {
    slot_t *s = &v->slots[i];
    uintptr_t k = load(&s->key);
    if (k == KEY_EMPTY || k == KEY_SEALED_EMPTY)
      return -ENOENT;
    if ((k & ~MOVING) != addr)
      continue;
    if (out)
      fill(out, addr, s);
    if (k == addr && cas(&s->key, &k, erased_mark(v))) {
      if (erased_mark(v) == KEY_CLEARING)
        release(v, i);
      return 0;
    }
    /* Being moved to the newer table: wait until it is there. */
    unsigned spins = 0;
    while (load(&s->key) == (addr | MOVING))
      cpu_relax(&spins);
    return -ENOENT;
  }
  return -ENOENT;
}

int lt_hashed_erase(uintptr_t addr, lt_block_t *out)
{
  shard_t *sh = shard_of(addr);
  for (;;) {
    view_t cur, src;
    int has_src;
    if (!enter(sh, &cur, &src, &has_src))
      return -ENOENT;
    if (has_src && erase_in(&src, addr, out) == 0)
      return 0;
    if (erase_in(&cur, addr, out) == 0)
      return 0;
    if (load(&sh->cur_gen) == cur.gen)
      return -ENOENT;
  }
}

static long collect(const view_t *v, lt_block_t *out, long room)
{
  long n = 0;
  for (size_t i = 0; i < v->cap && n < room; i++) {
    const slot_t *s = &v->slots[i];
    uintptr_t k = load(&s->key);
    if (k < KEY_FIRST_ADDRESS)
      continue;
    if (out)
      fill(&out[n], k & ~MOVING, s);
    n++;
  }
  return n;
}

/* Views of every table that may hold blocks: each shard's newest and the one it is
 * draining. Returns how many were written (at most LT_HASHED_STORAGE_MAX). */
static int all_views(view_t *views)
{
  int n = 0;
  for (unsigned i = 0; i < SHARDS; i++) {
    shard_t *sh = &shards[i];
    uint64_t cg = load(&sh->cur_gen), sg = load(&sh->src_gen);
    if (cg == 0 || !view_of(sh, cg, &views[n]))
      continue;
    n++;
    if (sg != 0 && sg != cg && view_of(sh, sg, &views[n]))
      n++;
  }
  return n;
}

long lt_hashed_collect(lt_block_t *out, long room)
{
  view_t views[LT_HASHED_STORAGE_MAX];
  int nviews = all_views(views);
  long n = 0;
  for (int i = 0; i < nviews; i++)
    n += collect(&views[i], out ? out + n : NULL, room - n);
  return n;
}

int lt_hashed_storage(uintptr_t start[LT_HASHED_STORAGE_MAX], uintptr_t end[LT_HASHED_STORAGE_MAX])
{
  view_t views[LT_HASHED_STORAGE_MAX];
  int n = all_views(views);
  for (int i = 0; i < n; i++) {
    start[i] = (uintptr_t)views[i].slots;
    end[i] = (uintptr_t)(views[i].slots + views[i].cap);
  }
  return n;
}

/* In the child, the parent's other threads are gone: any BUSY slot they left will never
 * be completed, and any chunk they claimed will never be finished. */
static void shard_after_fork_child(shard_t *sh)
{
  store(&sh->growing, 0);
  view_t cur, src;
  uint64_t cg = load(&sh->cur_gen), sg = load(&sh->src_gen);
  if (cg == 0 || !view_of(sh, cg, &cur))
    return;
  for (size_t i = 0; i < cur.cap; i++)
    if (cur.slots[i].key == KEY_BUSY || cur.slots[i].key == KEY_CLEARING)
      cur.slots[i].key = KEY_TOMB;
  if (sg == 0 || sg == cg || !view_of(sh, sg, &src))
    return;
  for (size_t i = 0; i < src.cap; i++) {
    slot_t *s = &src.slots[i];
    uintptr_t k = s->key;
    if (k == KEY_BUSY || k == KEY_CLEARING) {
      s->key = KEY_SEALED;
    } else if (k >= KEY_FIRST_ADDRESS && (k & MOVING)) {
      /* Its mover vanished, before or after copying it: drop any copy, place it anew. */
      erase_in(&cur, k & ~MOVING, NULL);
      place(&cur, k & ~MOVING, s->val);
      s->key = KEY_SEALED;
    } else {
      seal_slot(s, &cur);
    }
  }
  finish_migration(&src);
}

void lt_hashed_after_fork_child(void)
{
  for (unsigned i = 0; i < SHARDS; i++)
    shard_after_fork_child(&shards[i]);
}
