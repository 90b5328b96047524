/* mark.c — the marking engine (contract and rules in mark.h).
 *
 * Each block's marking state is a byte of m->state: LT_KIND_UNFREED while unreached,
 * then POSSIBLE / REACHABLE during propagation, INDIRECT during the clique pass; the
 * kinds are copied to the blocks at the end, where the leaders that remain become
 * DIRECT.
 *
 * On a big heap the time goes to cache misses: each word that falls in the heap's range
 * costs two dependent loads from tables much larger than the caches (its slot, then the
 * span of the block the slot names), and each block to scan is a jump somewhere in the
 * heap. So:
 *  - words that pass the range check wait in a batch; a full batch is resolved in three
 *    passes (prefetch every slot; read the slots and prefetch every span; decide), so
 *    that the misses of the whole batch overlap instead of following one another;
 *  - blocks whose state rose are kept in a bitmap, not on a stack, and swept in address
 *    order, pass after pass until none is left, so the heap is read mostly forwards;
 *  - each block is read once: first only reachable blocks are scanned (a possible
 *    block's words can make nothing reachable), then the possible ones that remain.
 * None of this changes a verdict: propagation computes a least fixed point (a state
 * only rises, and what a block's words do to others depends only on its state, which is
 * the one it is scanned with), so the order in which words are looked up and blocks are
 * scanned is free. The clique pass keeps memcheck's order of leaders (address order);
 * within one clique the set gathered does not depend on the order either. */
#include "mark.h"
#include "mem.h"

#include <errno.h>
#include <sys/mman.h>

#define REGION_GAP ((uintptr_t)1 << 20)
#define MIN_SHIFT 4
#define WORD sizeof(uintptr_t)
#define BATCH 256
#define HUGE_PAGE ((size_t)2 << 20)
#define CHUNK_WORDS 16     /* of the todo bitmap: 1024 blocks */
#define PREFETCH_AHEAD 4   /* blocks */
#define PREFETCH_BYTES 1024

/* Phases of lt_mark_finish (roots come in during the first). */
enum { PHASE_REACHABLE, PHASE_POSSIBLE, PHASE_CLIQUES };

/* Candidate modes, beside LT_MARK_ALLOCATOR_STATE. */
#define DEFINITE 2u /* found in a root or a reachable block */
#define NOWHERE 4u  /* in [lo, hi) but in no region */

struct lt_mark_region {
  uintptr_t start, end;  /* first block's start, last block's end */
  uint32_t first, last;  /* blocks[first..last) */
  unsigned shift;
  uint32_t slot;         /* its ((end - start) >> shift) + 1 slots start at m->slots[slot] */
};

struct lt_mark_span {
  uintptr_t start, end;  /* a zero-sized block ends one byte after its start */
};

struct lt_mark_cand {
  uintptr_t word;
  uint32_t k;     /* first its slot's index, then the slot's block */
  uint32_t last;  /* its region's end in blocks */
  unsigned mode;
};

static inline uintptr_t block_end(const lt_block_t *b) { return b->addr + (b->size ? b->size : 1); }

static unsigned pick_shift(uintptr_t span, long count)
{
  unsigned s = MIN_SHIFT;
  while (s < 40 && (span >> s) > (uintptr_t)(2 * count + 16))
    s++;
  return s;
}

/* Walk the blocks once to cut regions; with out == NULL only count regions and slots. */
static void cut_regions(const lt_block_t *b, long n, lt_mark_region_t *out, uint32_t *slots,
                        long *nregions, size_t *nslots)
{
  long r = 0;
  size_t s = 0;
  for (long i = 0; i < n;) {
    long j = i + 1;
    uintptr_t end = block_end(&b[i]);
    while (j < n && b[j].addr - end <= REGION_GAP) {
      if (block_end(&b[j]) > end)
        end = block_end(&b[j]);
      j++;
    }
    uintptr_t start = b[i].addr;
    unsigned shift = pick_shift(end - start, j - i);
    size_t count = ((end - start) >> shift) + 1;
    if (out) {
      lt_mark_region_t *g = &out[r];
      g->start = start;
      g->end = end;
      g->first = (uint32_t)i;
      g->last = (uint32_t)j;
      g->shift = shift;
      g->slot = (uint32_t)s;
      long k = i;
      for (size_t x = 0; x < count; x++) {
        uintptr_t base = start + ((uintptr_t)x << shift);
        while (k < j && block_end(&b[k]) <= base)
          k++;
        slots[s + x] = (uint32_t)k;
      }
    }
    r++;
    s += count;
    i = j;
  }
  *nregions = r;
  *nslots = s;
}

static size_t align64(size_t x) { return (x + 63) & ~(size_t)63; }

int lt_mark_begin(lt_mark_t *m, lt_block_t *blocks, long n)
{
  m->blocks = blocks;
  m->n = n;
  m->top = 0;
  m->pending = 0;
  m->nbatch = 0;
  m->phase = PHASE_REACHABLE;
  m->leader = -1;
  m->resident_only = 0;
  m->mem = NULL;
  m->mem_bytes = 0;
  m->nregions = 0;
  m->lo = 1;
  m->hi = 0;
  for (long i = 0; i < n; i++)
    blocks[i].kind = LT_KIND_UNFREED;
  if (n == 0)
    return 0;
  long nregions;
  size_t nslots;
  cut_regions(blocks, n, NULL, NULL, &nregions, &nslots);
  size_t un = (size_t)n;
  size_t at_slots = align64(un * sizeof(lt_mark_span_t));
  size_t at_stack = align64(at_slots + nslots * sizeof(uint32_t));
  size_t at_todo = align64(at_stack + (un + 1) * sizeof(uint32_t));
  size_t at_state = align64(at_todo + (un + 63) / 64 * sizeof(uint64_t));
  size_t at_regions = align64(at_state + un);
  size_t at_batch = align64(at_regions + (size_t)nregions * sizeof(lt_mark_region_t));
  size_t bytes = (at_batch + BATCH * sizeof(lt_mark_cand_t) + 4095) & ~(size_t)4095;
  char *mem = lt_mem_map(bytes);
  if (!mem)
    return -ENOMEM;
  /* The tables are read at random: huge pages spare a TLB miss on most lookups (and
   * a page fault every 4 KiB while the index is built). Only advice: may be refused. */
  if (bytes >= 2 * HUGE_PAGE)
    madvise(mem, bytes, MADV_HUGEPAGE);
  m->mem = mem;
  m->mem_bytes = bytes;
  m->spans = (lt_mark_span_t *)mem;
  m->slots = (uint32_t *)(mem + at_slots);
  m->stack = (uint32_t *)(mem + at_stack);
  m->todo = (uint64_t *)(mem + at_todo);
  m->state = (uint8_t *)(mem + at_state);
  m->regions = (lt_mark_region_t *)(mem + at_regions);
  m->batch = (lt_mark_cand_t *)(mem + at_batch);
  for (long i = 0; i < n; i++) {
    m->spans[i].start = blocks[i].addr;
    m->spans[i].end = block_end(&blocks[i]);
    m->state[i] = LT_KIND_UNFREED;
  }
  cut_regions(blocks, n, m->regions, m->slots, &m->nregions, &nslots);
  m->lo = blocks[0].addr;
  m->hi = 0;
  for (long r = 0; r < m->nregions; r++)
    if (m->regions[r].end > m->hi)
      m->hi = m->regions[r].end;
  return 0;
}

/* The region whose [start, end) holds p, or NULL. */
static inline const lt_mark_region_t *region_of(const lt_mark_t *m, uintptr_t p)
{
  const lt_mark_region_t *g = m->regions;
  for (long len = m->nregions; len > 1;) {
    long half = len / 2;
    g = g[half].start <= p ? g + half : g;
    len -= half;
  }
  return p >= g->start && p < g->end ? g : NULL;
}

/* From the first block that may hold p (its slot's), the one that does, or -1. */
static inline long match(const lt_mark_t *m, uintptr_t p, uint32_t k, uint32_t last)
{
  const lt_mark_span_t *s = m->spans;
  for (; k < last && s[k].start <= p; k++)
    if (p < s[k].end)
      return k;
  return -1;
}

long lt_mark_find(const lt_mark_t *m, uintptr_t p)
{
  if (p - m->lo >= m->hi - m->lo)
    return -1;
  const lt_mark_region_t *g = region_of(m, p);
  if (!g)
    return -1;
  return match(m, p, m->slots[g->slot + ((p - g->start) >> g->shift)], g->last);
}

/* The state of block i rose: it is to be scanned, if its state is the one the phase
 * scans. */
static inline void raise_to(lt_mark_t *m, long i, lt_kind_t kind)
{
  m->state[i] = (uint8_t)kind;
  if (kind == LT_KIND_POSSIBLE && m->phase == PHASE_REACHABLE)
    return;
  uint64_t bit = (uint64_t)1 << (i % 64);
  if (!(m->todo[i / 64] & bit)) {
    m->todo[i / 64] |= bit;
    m->pending++;
  }
}

/* memcheck's default heuristics: an interior pointer that a common layout explains
 * (std::string's rep, a length or element count kept before the data) counts as a
 * pointer to the start. */
LT_SCAN_RAW static int heuristic_start(uintptr_t addr, size_t size, uintptr_t p)
{
  if (addr % WORD)
    return 0;
  const uintptr_t *w = (const uintptr_t *)addr;
  if (p == addr + 3 * WORD && size >= 2 * WORD) {
    uintptr_t capacity = w[1];
    if (3 * WORD + capacity + 1 == size && w[0] <= capacity)
      return 1;
  }
  if (p == addr + WORD && size >= WORD) {
    uintptr_t head = w[0];
    if (head > 0 && size - WORD == head) /* length64 */
      return 1;
    if (head > 0 && (size - WORD) % head == 0) /* newarray */
      return 1;
  }
  return 0;
}

/* A pointer to the chunk header that follows the block at addr: glibc places it 16
 * bytes before the next chunk's user pointer, inside the block's last word when it uses
 * all its room. The size word before addr gives the chunk size (low bits are flags;
 * bit 1 is "mmapped", where no chunk follows). */
LT_SCAN_RAW static int allocator_header_ptr(uintptr_t addr, uintptr_t p)
{
  if (addr % 16 || addr < 4096)
    return 0;
  uintptr_t hdr = ((const uintptr_t *)addr)[-1];
  if (hdr & 2)
    return 0;
  uintptr_t chunk = hdr & ~(uintptr_t)7;
  return p == addr - 2 * WORD + chunk;
}

/* Propagation: word v, found with mode, lies in block i. Only the zero-sized blocks
 * have end - start != size, and their one address is their start. */
static inline void consider(lt_mark_t *m, long i, uintptr_t v, unsigned mode)
{
  unsigned st = m->state[i];
  if (st == LT_KIND_REACHABLE)
    return;
  const lt_mark_span_t *s = &m->spans[i];
  int at_start = v == s->start;
  if (!at_start) {
    if ((mode & LT_MARK_ALLOCATOR_STATE) && allocator_header_ptr(s->start, v))
      return;
    at_start = heuristic_start(s->start, s->end - s->start, v);
  }
  if (at_start && (mode & DEFINITE))
    raise_to(m, i, LT_KIND_REACHABLE);
  else if (st == LT_KIND_UNFREED)
    raise_to(m, i, LT_KIND_POSSIBLE);
}

/* The clique pass: every unreached block found is indirect, the leader excepted. */
static inline void gather(lt_mark_t *m, long i)
{
  if (i != m->leader && m->state[i] == LT_KIND_UNFREED) {
    m->state[i] = LT_KIND_INDIRECT;
    m->stack[m->top++] = (uint32_t)i;
  }
}

/* Look up every word of the batch, the misses of each pass overlapping, then apply
 * the rules of the current pass to the blocks found. */
static void resolve(lt_mark_t *m)
{
  lt_mark_cand_t *c = m->batch;
  int nb = m->nbatch;
  m->nbatch = 0;
  for (int j = 0; j < nb; j++) {
    const lt_mark_region_t *g = region_of(m, c[j].word);
    if (!g) {
      c[j].mode |= NOWHERE;
      continue;
    }
    c[j].k = g->slot + (uint32_t)((c[j].word - g->start) >> g->shift);
    c[j].last = g->last;
    __builtin_prefetch(&m->slots[c[j].k]);
  }
  for (int j = 0; j < nb; j++) {
    if (c[j].mode & NOWHERE)
      continue;
    uint32_t k = m->slots[c[j].k];
    c[j].k = k;
    __builtin_prefetch(&m->spans[k]);
    __builtin_prefetch(&m->state[k]);
  }
  for (int j = 0; j < nb; j++) {
    if (c[j].mode & NOWHERE)
      continue;
    long i = match(m, c[j].word, c[j].k, c[j].last);
    if (i < 0)
      continue;
    if (m->phase != PHASE_CLIQUES)
      consider(m, i, c[j].word, c[j].mode);
    else
      gather(m, i);
  }
}

static inline void add(lt_mark_t *m, uintptr_t v, unsigned mode)
{
  lt_mark_cand_t *c = &m->batch[m->nbatch++];
  c->word = v;
  c->mode = mode;
  if (m->nbatch == BATCH)
    resolve(m);
}

/* Most words are not heap addresses: test four at a time before keeping any. */
LT_SCAN_RAW static void scan_words(lt_mark_t *m, const uintptr_t *w, size_t count, unsigned mode)
{
  uintptr_t lo = m->lo, span = m->hi - m->lo;
  size_t k = 0;
  for (; k + 4 <= count; k += 4) {
    uintptr_t a = w[k] - lo, b = w[k + 1] - lo, c = w[k + 2] - lo, d = w[k + 3] - lo;
    if (lt_likely((a >= span) & (b >= span) & (c >= span) & (d >= span)))
      continue;
    for (size_t j = k; j < k + 4; j++)
      if (w[j] - lo < span)
        add(m, w[j], mode);
  }
  for (; k < count; k++)
    if (w[k] - lo < span)
      add(m, w[k], mode);
}

#define PAGE 4096ul
#define SPARSE_BLOCK (16 * PAGE)
static unsigned char block_residency[4096];

/* [s, e) of a large block, its resident pages only: without swap, a page of a block
 * that is not resident was never written (a calloc'd table, a buffer used in part) and
 * reads as zeros, and reading it would cost a page of memory. */
__attribute__((noinline, cold)) static void scan_resident(lt_mark_t *m, uintptr_t s,
                                                          uintptr_t e, unsigned mode)
{
  for (uintptr_t page = s & ~(PAGE - 1); page < e;) {
    size_t pages = (e - page + PAGE - 1) / PAGE;
    if (pages > sizeof(block_residency))
      pages = sizeof(block_residency);
    uintptr_t from = page < s ? s : page;
    if (mincore((void *)page, pages * PAGE, block_residency) != 0) {
      scan_words(m, (const uintptr_t *)from, (e - from) / WORD, mode);
      return;
    }
    for (size_t i = 0; i < pages; i++) {
      uintptr_t ps = page + i * PAGE, pe = ps + PAGE;
      if (block_residency[i] & 1) {
        uintptr_t a = ps < s ? s : ps, z = pe > e ? e : pe;
        scan_words(m, (const uintptr_t *)a, (z - a) / WORD, mode);
      }
    }
    page += pages * PAGE;
  }
}

/* The aligned words of block i. */
static void scan_block(lt_mark_t *m, long i, unsigned mode)
{
  const lt_mark_span_t *b = &m->spans[i];
  uintptr_t s = (b->start + WORD - 1) & ~(uintptr_t)(WORD - 1);
  uintptr_t e = b->end & ~(uintptr_t)(WORD - 1);
  if (e <= s)
    return;
  if (lt_unlikely(m->resident_only && e - s >= SPARSE_BLOCK))
    scan_resident(m, s, e, mode);
  else
    scan_words(m, (const uintptr_t *)s, (e - s) / WORD, mode);
}

void lt_mark_root_words(lt_mark_t *m, const uintptr_t *words, size_t count, unsigned flags)
{
  if (m->n)
    scan_words(m, words, count, DEFINITE | (flags & LT_MARK_ALLOCATOR_STATE));
}

void lt_mark_root_block(lt_mark_t *m, long index)
{
  if (m->state[index] != LT_KIND_REACHABLE)
    raise_to(m, index, LT_KIND_REACHABLE);
}

/* Start reading a block that is to be scanned soon. Inlined by force: as a function
 * of its own, GCC finds it free of side effects and drops the calls. */
__attribute__((always_inline)) static inline void prefetch_block(const lt_mark_t *m, long i)
{
  const lt_mark_span_t *f = &m->spans[i];
  for (uintptr_t a = f->start; a < f->end && a < f->start + PREFETCH_BYTES; a += 64)
    __builtin_prefetch((const void *)a);
}

/* Sweep the todo bitmap in address order, scanning each block with the state it has
 * then, until the bitmap is empty; blocks raised behind the sweep wait for the next
 * pass. The bitmap is taken a chunk at a time into a list (the clique stack, unused
 * until then), so that blocks a few places ahead can be prefetched: the first lines of
 * each (the hardware streams the rest) while the one at hand is read. */
static void sweep(lt_mark_t *m)
{
  size_t words = ((size_t)m->n + 63) / 64;
  uint32_t *list = m->stack;
  resolve(m);
  while (m->pending > 0) {
    for (size_t w0 = 0; w0 < words; w0 += CHUNK_WORDS) {
      size_t w1 = w0 + CHUNK_WORDS < words ? w0 + CHUNK_WORDS : words;
      long len = 0;
      for (size_t w = w0; w < w1; w++) {
        for (uint64_t bits = m->todo[w]; bits; bits &= bits - 1)
          list[len++] = (uint32_t)(w * 64 + (size_t)__builtin_ctzll(bits));
        m->todo[w] = 0;
      }
      m->pending -= len;
      for (long x = 0; x < len; x++) {
        if (x + PREFETCH_AHEAD < len)
          prefetch_block(m, list[x + PREFETCH_AHEAD]);
        long i = list[x];
        scan_block(m, i, m->state[i] == LT_KIND_REACHABLE ? DEFINITE : 0);
      }
    }
    resolve(m);
  }
}

/* Every unreached block found from leader is indirect (the leader itself excepted).
 * The words of several blocks off the stack share a batch. */
static void gather_clique(lt_mark_t *m, long leader)
{
  m->leader = leader;
  m->stack[m->top++] = (uint32_t)leader;
  while (m->top > 0) {
    while (m->top > 0 && m->nbatch < BATCH / 2)
      scan_block(m, m->stack[--m->top], 0);
    resolve(m);
  }
}

void lt_mark_finish(lt_mark_t *m)
{
  if (m->n == 0)
    return;
  sweep(m);
  m->phase = PHASE_POSSIBLE;
  for (long i = 0; i < m->n; i++)
    if (m->state[i] == LT_KIND_POSSIBLE)
      raise_to(m, i, LT_KIND_POSSIBLE);
  sweep(m);
  m->phase = PHASE_CLIQUES;
  /* Leaders come in address order: the next few unreached blocks (most of them still
   * unreached when their turn comes) are prefetched, as in a sweep. */
  long ahead = 0, lead = 0;
  for (long i = 0; i < m->n; i++) {
    if (m->state[i] != LT_KIND_UNFREED)
      continue;
    if (ahead <= i)
      ahead = i + 1, lead = 0;
    else if (lead > 0)
      lead--;
    for (; lead < PREFETCH_AHEAD && ahead < m->n; ahead++)
      if (m->state[ahead] == LT_KIND_UNFREED) {
        prefetch_block(m, ahead);
        lead++;
      }
    gather_clique(m, i);
  }
  for (long i = 0; i < m->n; i++)
    m->blocks[i].kind = m->state[i] == LT_KIND_UNFREED ? LT_KIND_DIRECT : m->state[i];
}

void lt_mark_memory(const lt_mark_t *m, uintptr_t *start, uintptr_t *end)
{
  *start = (uintptr_t)m->mem;
  *end = (uintptr_t)m->mem + m->mem_bytes;
}

void lt_mark_end(lt_mark_t *m)
{
  lt_mem_unmap(m->mem, m->mem_bytes);
  m->mem = NULL;
  m->mem_bytes = 0;
}
