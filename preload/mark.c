/* mark.c — the marking engine (contract and rules in mark.h).
 *
 * A block's kind field doubles as its marking state: LT_KIND_UNFREED while unreached,
 * then POSSIBLE / REACHABLE during propagation, INDIRECT during the clique pass, and
 * DIRECT for the leaders that remain. The mark stack holds block indices; a block is
 * pushed only when its state rises, which bounds the stack at two entries a block. */
#include "mark.h"
#include "mem.h"

#include <errno.h>

#define REGION_GAP ((uintptr_t)1 << 20)
#define MIN_SHIFT 4
#define WORD sizeof(uintptr_t)

struct lt_mark_region {
  uintptr_t start, end;  /* first block's start, last block's end */
  long first, last;      /* blocks[first..last) */
  unsigned shift;
  uint32_t *slot;        /* (end - start) >> shift, plus one, entries */
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
      g->first = i;
      g->last = j;
      g->shift = shift;
      g->slot = slots + s;
      long k = i;
      for (size_t x = 0; x < count; x++) {
        uintptr_t base = start + ((uintptr_t)x << shift);
        while (k < j && block_end(&b[k]) <= base)
          k++;
        g->slot[x] = (uint32_t)k;
      }
    }
    r++;
    s += count;
    i = j;
  }
  *nregions = r;
  *nslots = s;
}

int lt_mark_begin(lt_mark_t *m, lt_block_t *blocks, long n)
{
  m->blocks = blocks;
  m->n = n;
  m->top = 0;
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
  size_t done_words = (size_t)(n + 63) / 64;
  size_t bytes = (size_t)nregions * sizeof(lt_mark_region_t) + done_words * sizeof(uint64_t) +
                 nslots * sizeof(uint32_t) + (size_t)(2 * n + 1) * sizeof(uint32_t);
  bytes = (bytes + 4095) & ~(size_t)4095;
  char *mem = lt_mem_map(bytes);
  if (!mem)
    return -ENOMEM;
  m->mem = mem;
  m->mem_bytes = bytes;
  m->regions = (lt_mark_region_t *)mem;
  m->done = (uint64_t *)(mem + (size_t)nregions * sizeof(lt_mark_region_t));
  m->slots = (uint32_t *)(m->done + done_words);
  m->stack = m->slots + nslots;
  cut_regions(blocks, n, m->regions, m->slots, &m->nregions, &nslots);
  m->lo = blocks[0].addr;
  m->hi = m->regions[m->nregions - 1].end;
  for (long r = 0; r < m->nregions; r++)
    if (m->regions[r].end > m->hi)
      m->hi = m->regions[r].end;
  return 0;
}

long lt_mark_find(const lt_mark_t *m, uintptr_t p)
{
  if (p - m->lo >= m->hi - m->lo)
    return -1;
  long lo = 0, hi = m->nregions;
  while (hi - lo > 1) {
    long mid = lo + (hi - lo) / 2;
    if (m->regions[mid].start <= p)
      lo = mid;
    else
      hi = mid;
  }
  const lt_mark_region_t *g = &m->regions[lo];
  if (p < g->start || p >= g->end)
    return -1;
  const lt_block_t *b = m->blocks;
  for (long k = g->slot[(p - g->start) >> g->shift]; k < g->last && b[k].addr <= p; k++)
    if (p < block_end(&b[k]))
      return k;
  return -1;
}

static inline void push(lt_mark_t *m, long i) { m->stack[m->top++] = (uint32_t)i; }

/* memcheck's default heuristics: an interior pointer that a common layout explains
 * (std::string's rep, a length or element count kept before the data) counts as a
 * pointer to the start. */
LT_SCAN_RAW static int heuristic_start(const lt_block_t *b, uintptr_t p)
{
  if (b->addr % WORD)
    return 0;
  const uintptr_t *w = (const uintptr_t *)b->addr;
  if (p == b->addr + 3 * WORD && b->size >= 2 * WORD) {
    uintptr_t capacity = w[1];
    if (3 * WORD + capacity + 1 == b->size && w[0] <= capacity)
      return 1;
  }
  if (p == b->addr + WORD && b->size >= WORD) {
    uintptr_t head = w[0];
    if (head > 0 && b->size - WORD == head) /* length64 */
      return 1;
    if (head > 0 && (b->size - WORD) % head == 0) /* newarray */
      return 1;
  }
  return 0;
}

/* A pointer to the chunk header that follows block b: glibc places it 16 bytes before
 * the next chunk's user pointer, inside b's last word when b uses all its room. The
 * size word before b's start gives the chunk size (low bits are flags; bit 1 is
 * "mmapped", where no chunk follows). */
LT_SCAN_RAW static int allocator_header_ptr(const lt_block_t *b, uintptr_t p)
{
  if (b->addr % 16 || b->addr < 4096)
    return 0;
  uintptr_t hdr = ((const uintptr_t *)b->addr)[-1];
  if (hdr & 2)
    return 0;
  uintptr_t chunk = hdr & ~(uintptr_t)7;
  return p == b->addr - 2 * WORD + chunk;
}

static inline void consider(lt_mark_t *m, uintptr_t v, int definite, unsigned flags)
{
  if (lt_likely(v - m->lo >= m->hi - m->lo))
    return;
  long i = lt_mark_find(m, v);
  if (i < 0)
    return;
  lt_block_t *b = &m->blocks[i];
  if (b->kind == LT_KIND_REACHABLE)
    return;
  int at_start = v == b->addr;
  if (!at_start) {
    if ((flags & LT_MARK_ALLOCATOR_STATE) && allocator_header_ptr(b, v))
      return;
    at_start = heuristic_start(b, v);
  }
  if (at_start && definite) {
    b->kind = LT_KIND_REACHABLE;
    push(m, i);
  } else if (b->kind == LT_KIND_UNFREED) {
    b->kind = LT_KIND_POSSIBLE;
    push(m, i);
  }
}

/* Most words are not heap addresses: test four at a time before looking any up. */
LT_SCAN_RAW static void scan_words(lt_mark_t *m, const uintptr_t *w, size_t count,
                                   int definite, unsigned flags)
{
  uintptr_t lo = m->lo, span = m->hi - m->lo;
  size_t k = 0;
  for (; k + 4 <= count; k += 4) {
    uintptr_t a = w[k] - lo, b = w[k + 1] - lo, c = w[k + 2] - lo, d = w[k + 3] - lo;
    if (lt_likely((a >= span) & (b >= span) & (c >= span) & (d >= span)))
      continue;
    for (size_t j = k; j < k + 4; j++)
      if (w[j] - lo < span)
        consider(m, w[j], definite, flags);
  }
  for (; k < count; k++)
    if (w[k] - lo < span)
      consider(m, w[k], definite, flags);
}

/* The aligned words of a block. */
static void block_words(const lt_block_t *b, const uintptr_t **w, size_t *count)
{
  uintptr_t s = (b->addr + WORD - 1) & ~(uintptr_t)(WORD - 1);
  uintptr_t e = (b->addr + b->size) & ~(uintptr_t)(WORD - 1);
  *w = (const uintptr_t *)s;
  *count = e > s ? (e - s) / WORD : 0;
}

void lt_mark_root_words(lt_mark_t *m, const uintptr_t *words, size_t count, unsigned flags)
{
  if (m->n)
    scan_words(m, words, count, 1, flags);
}

void lt_mark_root_block(lt_mark_t *m, long index)
{
  lt_block_t *b = &m->blocks[index];
  if (b->kind == LT_KIND_REACHABLE)
    return;
  b->kind = LT_KIND_REACHABLE;
  push(m, index);
}

/* A block pushed as possible and raised to reachable before it was popped sits twice
 * on the stack: the done bitmap makes the second pop free. */
static void propagate(lt_mark_t *m)
{
  while (m->top > 0) {
    uint32_t i = m->stack[--m->top];
    lt_block_t *b = &m->blocks[i];
    /* Blocks leave the stack in no address order: start fetching the next two (their
     * entries, then their first line) while this one is scanned. */
    if (m->top >= 2)
      __builtin_prefetch(&m->blocks[m->stack[m->top - 2]]);
    if (m->top >= 1)
      __builtin_prefetch((const void *)m->blocks[m->stack[m->top - 1]].addr);
    int definite = b->kind != LT_KIND_POSSIBLE;
    uint64_t bit = (uint64_t)1 << (i % 64);
    if (definite && (m->done[i / 64] & bit))
      continue;
    if (definite)
      m->done[i / 64] |= bit;
    const uintptr_t *w;
    size_t count;
    block_words(b, &w, &count);
    scan_words(m, w, count, definite, 0);
  }
}

/* Every unreached block found from leader is indirect (the leader itself excepted). */
LT_SCAN_RAW static void gather_clique(lt_mark_t *m, long leader)
{
  push(m, leader);
  uintptr_t lo = m->lo, span = m->hi - m->lo;
  while (m->top > 0) {
    const uintptr_t *w;
    size_t count;
    block_words(&m->blocks[m->stack[--m->top]], &w, &count);
    for (size_t k = 0; k < count; k++) {
      uintptr_t v = w[k];
      if (lt_likely(v - lo >= span))
        continue;
      long i = lt_mark_find(m, v);
      if (i >= 0 && i != leader && m->blocks[i].kind == LT_KIND_UNFREED) {
        m->blocks[i].kind = LT_KIND_INDIRECT;
        push(m, i);
      }
    }
  }
}

void lt_mark_finish(lt_mark_t *m)
{
  propagate(m);
  for (long i = 0; i < m->n; i++)
    if (m->blocks[i].kind == LT_KIND_UNFREED)
      gather_clique(m, i);
  for (long i = 0; i < m->n; i++)
    if (m->blocks[i].kind == LT_KIND_UNFREED)
      m->blocks[i].kind = LT_KIND_DIRECT;
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
