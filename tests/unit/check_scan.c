/* check_scan.c — the reachability rules on synthetic heaps (mark.h), the root set on
 * this very process (scan.h), and the figure for a 1M-block, 1 GiB heap.
 *
 * Blocks live in an anonymous mapping the test owns; the snapshot is a plain sorted
 * array of lt_block_t, as lt_blocks_snapshot would give. Roots are handed to the engine
 * as word arrays, so each rule is checked in isolation. */
#include "exitframe.h"
#include "mark.h"
#include "owned.h"
#include "scan.h"
#include "world.h"

#include <check.h>
#include "lt_check.h"
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define HEAP_BYTES (1u << 20)

static char *heap;
static lt_block_t blocks[1024];
static long nblocks;

static void heap_setup(void)
{
  heap = mmap(NULL, HEAP_BYTES, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  ck_assert_ptr_ne(heap, MAP_FAILED);
  nblocks = 0;
}

static void heap_teardown(void) { munmap(heap, HEAP_BYTES); }

/* A block at heap + offset (offsets must be given in increasing order). */
static uintptr_t *block(size_t offset, size_t size)
{
  lt_block_t *b = &blocks[nblocks++];
  b->addr = (uintptr_t)heap + offset;
  b->size = size;
  b->stack = 0;
  b->kind = LT_KIND_UNFREED;
  return (uintptr_t *)b->addr;
}

/* Run the engine with roots[0..nroots) as root words (flags for all of them). */
static void classify(const uintptr_t *roots, size_t nroots, unsigned flags)
{
  lt_mark_t m;
  ck_assert_int_eq(lt_mark_begin(&m, blocks, nblocks), 0);
  lt_mark_root_words(&m, roots, nroots, flags);
  lt_mark_finish(&m);
  lt_mark_end(&m);
}

#define KIND(i) ((lt_kind_t)blocks[i].kind)

START_TEST(start_pointer_is_reachable)
{
  uintptr_t *a = block(0x100, 32);
  uintptr_t roots[] = {0, 12345, (uintptr_t)a};
  classify(roots, 3, 0);
  ck_assert_int_eq(KIND(0), LT_KIND_REACHABLE);
}
END_TEST

START_TEST(interior_pointer_is_possible)
{
  uintptr_t *a = block(0x100, 32);
  uintptr_t roots[] = {(uintptr_t)a + 8};
  classify(roots, 1, 0);
  ck_assert_int_eq(KIND(0), LT_KIND_POSSIBLE);
}
END_TEST

START_TEST(one_past_the_end_points_nowhere)
{
  uintptr_t *a = block(0x100, 32);
  uintptr_t roots[] = {(uintptr_t)a + 32, (uintptr_t)a - 8};
  classify(roots, 2, 0);
  ck_assert_int_eq(KIND(0), LT_KIND_DIRECT);
}
END_TEST

START_TEST(nothing_at_all_is_direct)
{
  block(0x100, 32);
  block(0x200, 64);
  block(0x400, 16);
  classify(NULL, 0, 0);
  for (int i = 0; i < 3; i++)
    ck_assert_int_eq(KIND(i), LT_KIND_DIRECT);
}
END_TEST

START_TEST(chain_from_a_lost_block_is_indirect)
{
  uintptr_t *a = block(0x100, 32), *b = block(0x200, 32), *c = block(0x300, 32);
  a[1] = (uintptr_t)b;
  b[0] = (uintptr_t)c + 16; /* interior pointers count too among lost blocks */
  classify(NULL, 0, 0);
  ck_assert_int_eq(KIND(0), LT_KIND_DIRECT);
  ck_assert_int_eq(KIND(1), LT_KIND_INDIRECT);
  ck_assert_int_eq(KIND(2), LT_KIND_INDIRECT);
}
END_TEST

START_TEST(chain_found_in_reverse_address_order)
{
  uintptr_t *a = block(0x100, 32), *b = block(0x200, 32), *c = block(0x300, 32);
  c[0] = (uintptr_t)b;
  b[0] = (uintptr_t)a;
  classify(NULL, 0, 0);
  ck_assert_int_eq(KIND(2), LT_KIND_DIRECT);
  ck_assert_int_eq(KIND(1), LT_KIND_INDIRECT);
  ck_assert_int_eq(KIND(0), LT_KIND_INDIRECT);
}
END_TEST

START_TEST(cycle_has_one_direct_member)
{
  uintptr_t *a = block(0x100, 32), *b = block(0x200, 32), *c = block(0x300, 32);
  a[0] = (uintptr_t)b;
  b[0] = (uintptr_t)c;
  c[0] = (uintptr_t)a;
  classify(NULL, 0, 0);
  ck_assert_int_eq(KIND(0), LT_KIND_DIRECT); /* the lowest address leads, as in memcheck */
  ck_assert_int_eq(KIND(1), LT_KIND_INDIRECT);
  ck_assert_int_eq(KIND(2), LT_KIND_INDIRECT);
}
END_TEST

START_TEST(cycle_hanging_off_a_lost_block)
{
  uintptr_t *a = block(0x100, 32), *b = block(0x200, 32), *top = block(0x300, 32);
  a[0] = (uintptr_t)b;
  b[0] = (uintptr_t)a;
  top[0] = (uintptr_t)a;
  classify(NULL, 0, 0);
  ck_assert_int_eq(KIND(2), LT_KIND_DIRECT);
  ck_assert_int_eq(KIND(0), LT_KIND_INDIRECT);
  ck_assert_int_eq(KIND(1), LT_KIND_INDIRECT);
}
END_TEST

START_TEST(lost_tree)
{
  uintptr_t *node[7];
  for (int i = 0; i < 7; i++)
    node[i] = block(0x100 + 0x100 * (size_t)i, 24);
  for (int i = 0; i < 3; i++) {
    node[i][0] = (uintptr_t)node[2 * i + 1];
    node[i][1] = (uintptr_t)node[2 * i + 2];
  }
  classify(NULL, 0, 0);
  ck_assert_int_eq(KIND(0), LT_KIND_DIRECT);
  for (int i = 1; i < 7; i++)
    ck_assert_int_eq(KIND(i), LT_KIND_INDIRECT);
}
END_TEST

START_TEST(reachable_tree)
{
  uintptr_t *node[7];
  for (int i = 0; i < 7; i++)
    node[i] = block(0x100 + 0x100 * (size_t)i, 24);
  for (int i = 0; i < 3; i++) {
    node[i][0] = (uintptr_t)node[2 * i + 1];
    node[i][1] = (uintptr_t)node[2 * i + 2];
  }
  uintptr_t roots[] = {(uintptr_t)node[0]};
  classify(roots, 1, 0);
  for (int i = 0; i < 7; i++)
    ck_assert_int_eq(KIND(i), LT_KIND_REACHABLE);
}
END_TEST

START_TEST(lost_block_does_not_demote_a_reachable_one)
{
  uintptr_t *a = block(0x100, 32), *b = block(0x200, 32);
  a[0] = (uintptr_t)b;
  uintptr_t roots[] = {(uintptr_t)b};
  classify(roots, 1, 0);
  ck_assert_int_eq(KIND(0), LT_KIND_DIRECT);
  ck_assert_int_eq(KIND(1), LT_KIND_REACHABLE);
}
END_TEST

START_TEST(what_a_possible_block_holds_is_possible)
{
  uintptr_t *a = block(0x100, 32), *b = block(0x200, 32);
  a[2] = (uintptr_t)b;
  uintptr_t roots[] = {(uintptr_t)a + 4};
  classify(roots, 1, 0);
  ck_assert_int_eq(KIND(0), LT_KIND_POSSIBLE);
  ck_assert_int_eq(KIND(1), LT_KIND_POSSIBLE);
}
END_TEST

START_TEST(possible_block_rescanned_when_reached)
{
  uintptr_t *a = block(0x100, 32), *b = block(0x200, 32);
  a[2] = (uintptr_t)b;
  uintptr_t roots[] = {(uintptr_t)a + 4, (uintptr_t)a};
  classify(roots, 2, 0);
  ck_assert_int_eq(KIND(0), LT_KIND_REACHABLE);
  ck_assert_int_eq(KIND(1), LT_KIND_REACHABLE);
}
END_TEST

START_TEST(zero_sized_block_is_pointed_to_by_its_address)
{
  uintptr_t *a = block(0x100, 0);
  block(0x200, 0);
  uintptr_t roots[] = {(uintptr_t)a};
  classify(roots, 1, 0);
  ck_assert_int_eq(KIND(0), LT_KIND_REACHABLE);
  ck_assert_int_eq(KIND(1), LT_KIND_DIRECT);
}
END_TEST

START_TEST(heuristics_of_memcheck)
{
  uintptr_t *len64 = block(0x100, 40);
  len64[0] = 32; /* length of the rest: sqlite's layout */
  uintptr_t *array = block(0x200, 8 + 6 * 4);
  array[0] = 6; /* element count before a new[] array */
  uintptr_t *str = block(0x300, 24 + 10 + 1);
  str[0] = 5;  /* length */
  str[1] = 10; /* capacity */
  uintptr_t *plain = block(0x400, 40);
  plain[0] = 7; /* 32 is not a multiple of 7 */
  uintptr_t roots[] = {(uintptr_t)len64 + 8, (uintptr_t)array + 8, (uintptr_t)str + 24,
                       (uintptr_t)plain + 8};
  classify(roots, 4, 0);
  ck_assert_int_eq(KIND(0), LT_KIND_REACHABLE);
  ck_assert_int_eq(KIND(1), LT_KIND_REACHABLE);
  ck_assert_int_eq(KIND(2), LT_KIND_REACHABLE);
  ck_assert_int_eq(KIND(3), LT_KIND_POSSIBLE);
}
END_TEST

START_TEST(allocator_state_pointer_to_next_chunk_is_ignored)
{
  /* glibc layout: size word before the block; a 24-byte block in a 32-byte chunk; the
   * next chunk's header starts 16 bytes into the block. */
  uintptr_t *a = block(0x110, 24);
  a[-1] = 32 | 1;
  uintptr_t roots[] = {(uintptr_t)a + 16};
  classify(roots, 1, LT_MARK_ALLOCATOR_STATE);
  ck_assert_int_eq(KIND(0), LT_KIND_DIRECT);
  classify(roots, 1, 0);
  ck_assert_int_eq(KIND(0), LT_KIND_POSSIBLE);
  uintptr_t start[] = {(uintptr_t)a};
  classify(start, 1, LT_MARK_ALLOCATOR_STATE);
  ck_assert_int_eq(KIND(0), LT_KIND_REACHABLE);
}
END_TEST

START_TEST(root_block_makes_its_contents_reachable)
{
  uintptr_t *dtv = block(0x100, 32), *tls = block(0x200, 32);
  dtv[1] = (uintptr_t)tls;
  lt_mark_t m;
  ck_assert_int_eq(lt_mark_begin(&m, blocks, nblocks), 0);
  lt_mark_root_block(&m, 0);
  lt_mark_finish(&m);
  lt_mark_end(&m);
  ck_assert_int_eq(KIND(0), LT_KIND_REACHABLE);
  ck_assert_int_eq(KIND(1), LT_KIND_REACHABLE);
}
END_TEST

START_TEST(find_across_regions)
{
  block(0x100, 16);
  block(0x110, 16);
  block(0x300, 100);
  block(HEAP_BYTES - 0x1000, 0x800); /* far enough for another region */
  lt_mark_t m;
  ck_assert_int_eq(lt_mark_begin(&m, blocks, nblocks), 0);
  uintptr_t h = (uintptr_t)heap;
  ck_assert_int_eq(lt_mark_find(&m, h + 0x100), 0);
  ck_assert_int_eq(lt_mark_find(&m, h + 0x10f), 0);
  ck_assert_int_eq(lt_mark_find(&m, h + 0x110), 1);
  ck_assert_int_eq(lt_mark_find(&m, h + 0x120), -1);
  ck_assert_int_eq(lt_mark_find(&m, h + 0x363), 2);
  ck_assert_int_eq(lt_mark_find(&m, h + 0x364), -1);
  ck_assert_int_eq(lt_mark_find(&m, h + HEAP_BYTES - 0x1000 + 0x7ff), 3);
  ck_assert_int_eq(lt_mark_find(&m, h + HEAP_BYTES - 0x800), -1);
  ck_assert_int_eq(lt_mark_find(&m, h), -1);
  ck_assert_int_eq(lt_mark_find(&m, 0), -1);
  lt_mark_end(&m);
}
END_TEST

/* More words to look up than the engine batches at once, in one block: every block it
 * points to is reached, while propagating and while gathering a clique. */
START_TEST(block_full_of_pointers)
{
  const int fan = 600;
  uintptr_t *hub = block(0x100, (size_t)fan * 8);
  for (int i = 0; i < fan; i++)
    hub[i] = (uintptr_t)block(0x2000 + 0x20 * (size_t)i, 16) + (i % 2 ? 4 : 0);
  uintptr_t roots[] = {(uintptr_t)hub};
  classify(roots, 1, 0);
  ck_assert_int_eq(KIND(0), LT_KIND_REACHABLE);
  for (int i = 1; i <= fan; i++) {
    lt_kind_t want = i % 2 ? LT_KIND_REACHABLE : LT_KIND_POSSIBLE; /* hub[i - 1] */
    ck_assert_int_eq(KIND(i), want);
  }
  classify(NULL, 0, 0);
  ck_assert_int_eq(KIND(0), LT_KIND_DIRECT);
  for (int i = 1; i <= fan; i++)
    ck_assert_int_eq(KIND(i), LT_KIND_INDIRECT);
}
END_TEST

/* Each block points to the one below it: reachability runs against address order, one
 * block a step. */
START_TEST(chain_against_address_order)
{
  const int len = 50;
  uintptr_t *prev = NULL;
  for (int i = 0; i < len; i++) {
    uintptr_t *b = block(0x100 + 0x40 * (size_t)i, 32);
    b[1] = (uintptr_t)prev;
    prev = b;
  }
  uintptr_t roots[] = {(uintptr_t)prev};
  classify(roots, 1, 0);
  for (int i = 0; i < len; i++)
    ck_assert_int_eq(KIND(i), LT_KIND_REACHABLE);
  roots[0] = (uintptr_t)prev + 8; /* an interior pointer: possible all the way down */
  classify(roots, 1, 0);
  for (int i = 0; i < len; i++)
    ck_assert_int_eq(KIND(i), LT_KIND_POSSIBLE);
}
END_TEST

/* The rules of mark.h done the plain way, as an oracle: linear lookups, a stack, a
 * block scanned with the state it has when popped. Heuristics aside (the random heaps
 * below never point 8 or 24 bytes into a block). */
static long plain_find(uintptr_t p)
{
  for (long i = 0; i < nblocks; i++)
    if (p >= blocks[i].addr && p < blocks[i].addr + (blocks[i].size ? blocks[i].size : 1))
      return i;
  return -1;
}

static void plain_words(const lt_block_t *b, const uintptr_t **w, size_t *count)
{
  uintptr_t s = (b->addr + 7) & ~(uintptr_t)7, e = (b->addr + b->size) & ~(uintptr_t)7;
  *w = (const uintptr_t *)s;
  *count = e > s ? (e - s) / 8 : 0;
}

static long plain_stack[2 * 1024]; /* a block is pushed at most twice */
static long plain_top;

static void plain_consider(uintptr_t v, int definite, lt_kind_t *kind)
{
  long i = plain_find(v);
  if (i < 0 || kind[i] == LT_KIND_REACHABLE)
    return;
  if (definite && v == blocks[i].addr) {
    kind[i] = LT_KIND_REACHABLE;
    plain_stack[plain_top++] = i;
  } else if (kind[i] == LT_KIND_UNFREED) {
    kind[i] = LT_KIND_POSSIBLE;
    plain_stack[plain_top++] = i;
  }
}

static void plain_classify(const uintptr_t *roots, size_t nroots, lt_kind_t *kind)
{
  for (long i = 0; i < nblocks; i++)
    kind[i] = LT_KIND_UNFREED;
  plain_top = 0;
  for (size_t r = 0; r < nroots; r++)
    plain_consider(roots[r], 1, kind);
  while (plain_top > 0) {
    long b = plain_stack[--plain_top];
    const uintptr_t *w;
    size_t count;
    plain_words(&blocks[b], &w, &count);
    for (size_t k = 0; k < count; k++)
      plain_consider(w[k], kind[b] == LT_KIND_REACHABLE, kind);
  }
  for (long leader = 0; leader < nblocks; leader++) {
    if (kind[leader] != LT_KIND_UNFREED)
      continue;
    plain_stack[plain_top++] = leader;
    while (plain_top > 0) {
      const uintptr_t *w;
      size_t count;
      plain_words(&blocks[plain_stack[--plain_top]], &w, &count);
      for (size_t k = 0; k < count; k++) {
        long i = plain_find(w[k]);
        if (i >= 0 && i != leader && kind[i] == LT_KIND_UNFREED) {
          kind[i] = LT_KIND_INDIRECT;
          plain_stack[plain_top++] = i;
        }
      }
    }
  }
  for (long i = 0; i < nblocks; i++)
    if (kind[i] == LT_KIND_UNFREED)
      kind[i] = LT_KIND_DIRECT;
}

static uint64_t next_random(uint64_t *x)
{
  *x ^= *x << 13;
  *x ^= *x >> 7;
  *x ^= *x << 17;
  return *x;
}

/* Random heaps of up to a thousand blocks (sizes 0 to 200, any alignment, gaps that cut
 * regions), random pointers between them (to starts, into interiors, one past the end)
 * at densities from sparse to dense: the engine's verdicts are the oracle's, block for
 * block. A pointer one past a block's end lands in a gap or on the next block's start,
 * never 8 or 24 bytes into it. */
START_TEST(random_heaps_match_the_plain_rules)
{
  const size_t bytes = 8u << 20;
  char *area = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  ck_assert_ptr_ne(area, MAP_FAILED);
  static lt_kind_t expect[1024];
  uint64_t x = 0x2545F4914F6CDD1Dull;
  for (int round = 0; round < 40; round++) {
    nblocks = 0;
    size_t off = 64;
    while (nblocks < 1024) {
      size_t size = next_random(&x) % 201;
      if (next_random(&x) % 100 == 0)
        off += (size_t)(1 + next_random(&x) % 2) << 20;
      off += next_random(&x) % 24;
      if (off + size + 8 > bytes)
        break;
      lt_block_t *b = &blocks[nblocks++];
      *b = (lt_block_t){(uintptr_t)area + off, size, 0, LT_KIND_UNFREED};
      off += size ? size : 1;
    }
    unsigned density = 2 + (unsigned)(round % 8) * 6;
    for (long i = 0; i < nblocks; i++) {
      const uintptr_t *cw;
      size_t count;
      plain_words(&blocks[i], &cw, &count);
      uintptr_t *w = (uintptr_t *)cw;
      for (size_t k = 0; k < count; k++) {
        uint64_t r = next_random(&x);
        const lt_block_t *t = &blocks[(r >> 8) % (uint64_t)nblocks];
        size_t into = (r >> 40) % (t->size + 1); /* up to one past the end */
        if (into == 8 || into == 24)
          into = 0;
        w[k] = r % 100 >= density ? r >> 48 : r % 3 ? t->addr : t->addr + into;
      }
    }
    uintptr_t roots[8];
    size_t nroots = next_random(&x) % 9;
    for (size_t r = 0; r < nroots; r++)
      roots[r] = blocks[next_random(&x) % (uint64_t)nblocks].addr + (r % 4 == 3 ? 1 : 0);
    plain_classify(roots, nroots, expect);
    classify(roots, nroots, 0);
    for (long i = 0; i < nblocks; i++)
      ck_assert_msg(KIND(i) == expect[i], "round %d block %ld: kind %d, plain rules say %d",
                    round, i, KIND(i), expect[i]);
  }
  munmap(area, bytes);
}
END_TEST

/* The whole root set on this process: a pointer in anonymous memory is a root, one in
 * memory leaktrace registered as its own is not. */
START_TEST(process_roots)
{
  uintptr_t *a = block(0x100, 32), *b = block(0x200, 32), *c = block(0x300, 32);
  (void)c;
  uintptr_t *anon = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  uintptr_t *owned = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  ck_assert_ptr_ne(anon, MAP_FAILED);
  ck_assert_ptr_ne(owned, MAP_FAILED);
  anon[7] = (uintptr_t)a;
  owned[3] = (uintptr_t)b;
  ck_assert_int_eq(lt_owned_add(owned, 4096), 0);
  ck_assert_int_eq(lt_scan_classify(blocks, nblocks, NULL, 0), 0);
  ck_assert_int_eq(KIND(0), LT_KIND_REACHABLE);
  ck_assert_int_eq(KIND(1), LT_KIND_DIRECT);
  ck_assert_int_eq(KIND(2), LT_KIND_DIRECT);
  munmap(anon, 4096);
  munmap(owned, 4096);
}
END_TEST

static int swap_on(void)
{
  FILE *f = fopen("/proc/meminfo", "r");
  char line[256];
  long kb = 1;
  while (f && fgets(line, sizeof(line), f))
    if (sscanf(line, "SwapTotal: %ld", &kb) == 1)
      break;
  if (f)
    fclose(f);
  return kb != 0;
}

static long resident_pages(const void *p, size_t bytes)
{
  static unsigned char vec[4096];
  ck_assert_uint_le(bytes / 4096, sizeof(vec));
  ck_assert_int_eq(mincore((void *)p, bytes, vec), 0);
  long n = 0;
  for (size_t i = 0; i < bytes / 4096; i++)
    n += vec[i] & 1;
  return n;
}

/* Without swap, memory never written reads as zeros: the scan must not read it, since
 * a read faults in a page of memory (on the kernels seen here even a read does). Both
 * a root mapping and a large block that are mostly untouched stay so, also when a
 * thread could not be stopped and memory is copied rather than read in place. */
START_TEST(untouched_memory_is_not_read)
{
  if (swap_on())
    return; /* with swap, a page that is not resident may hold data: all is read */
  const size_t root_bytes = 8 << 20, block_bytes = 2 << 20;
  char *untouched = mmap(NULL, root_bytes, PROT_READ | PROT_WRITE,
                         MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  char *big = mmap(NULL, block_bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                   -1, 0);
  uintptr_t *anon = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                         -1, 0);
  ck_assert(untouched != MAP_FAILED && big != MAP_FAILED && anon != MAP_FAILED);
  anon[5] = (uintptr_t)big;
  ((uintptr_t *)big)[1] = 42; /* its first page is written, the rest is not */
  blocks[0] = (lt_block_t){(uintptr_t)big, block_bytes, 0, LT_KIND_UNFREED};
  nblocks = 1;
  ck_assert_int_eq(lt_scan_classify(blocks, nblocks, NULL, 0), 0);
  ck_assert_int_eq(KIND(0), LT_KIND_REACHABLE);
  ck_assert_int_eq(resident_pages(untouched, root_bytes), 0);
  ck_assert_int_eq(resident_pages(big, block_bytes), 1);
  lt_thread_regs_t running = {.tid = 1, .stopped = 0};
  blocks[0].kind = LT_KIND_UNFREED;
  ck_assert_int_eq(lt_scan_classify(blocks, nblocks, &running, 1), 0);
  ck_assert_int_eq(KIND(0), LT_KIND_REACHABLE);
  ck_assert_int_eq(resident_pages(untouched, root_bytes), 0);
  munmap(untouched, root_bytes);
  munmap(big, block_bytes);
  munmap(anon, 4096);
}
END_TEST

/* A thread stopped by lt_world_stop: a block only its registers point to, and one only
 * a local variable of its live frame points to, are reachable; the caller's own stack
 * is no root. */
static volatile uintptr_t *thread_block_in_reg, *thread_block_on_stack;
static volatile int thread_ready, thread_stop;

static void *holder_main(void *arg)
{
  (void)arg;
  uintptr_t *volatile local = (uintptr_t *)thread_block_on_stack;
  thread_block_on_stack = NULL;
#if defined(__x86_64__)
  uintptr_t in_reg = (uintptr_t)thread_block_in_reg;
  thread_block_in_reg = NULL;
  __asm__ volatile("mov %0, %%r14\n"
                   "movl $1, (%1)\n"
                   "1: cmpl $0, (%2)\n"
                   "je 1b\n"
                   :
                   : "r"(in_reg), "r"(&thread_ready), "r"(&thread_stop)
                   : "r14", "memory", "cc");
#else
  thread_ready = 1;
  while (!thread_stop)
    ;
#endif
  (void)local;
  return NULL;
}

START_TEST(stopped_thread_registers_and_stack_are_roots)
{
  uintptr_t *in_reg = block(0x100, 32), *on_stack = block(0x200, 32), *nowhere = block(0x300, 32);
  thread_block_in_reg = in_reg;
  thread_block_on_stack = on_stack;
  in_reg = on_stack = nowhere = NULL;
  thread_ready = thread_stop = 0;
  ck_assert_int_eq(lt_world_init(), 0);
  pthread_t th;
  ck_assert_int_eq(pthread_create(&th, NULL, holder_main, NULL), 0);
  while (!thread_ready)
    ;
  const lt_thread_regs_t *threads;
  int n = lt_world_stop(&threads);
  ck_assert_int_eq(n, 1);
  int rc = lt_scan_classify(blocks, nblocks, threads, n);
  lt_world_resume();
  thread_stop = 1;
  pthread_join(th, NULL);
  ck_assert_int_eq(rc, 0);
#if defined(__x86_64__)
  ck_assert_int_eq(KIND(0), LT_KIND_REACHABLE);
#endif
  ck_assert_int_eq(KIND(1), LT_KIND_REACHABLE);
  ck_assert_int_eq(KIND(2), LT_KIND_DIRECT);
}
END_TEST

/* At exit, the live stack starts at the frame that called exit(): above the atexit
 * handler's frame, at or below the caller's locals. */
static volatile uintptr_t exit_caller_local;

static void check_exit_frame(void)
{
  uintptr_t here = (uintptr_t)__builtin_frame_address(0);
  uintptr_t sp = lt_exitframe_sp(here);
  _exit(sp > here && sp <= exit_caller_local ? 42 : 1);
}

__attribute__((noinline)) static void call_exit(void)
{
  volatile int local = 0;
  exit_caller_local = (uintptr_t)&local;
  exit(local);
}

START_TEST(exit_frame_is_exits_caller)
{
  atexit(check_exit_frame);
  call_exit();
}
END_TEST

START_TEST(scrub_clears_the_block)
{
  uintptr_t *a = (uintptr_t *)(heap + 0x110);
  a[-1] = 48 | 1;
  for (int i = 0; i < 5; i++)
    a[i] = 0x1234;
  lt_scan_scrub(a, 40);
  for (int i = 0; i < 5; i++)
    ck_assert_uint_eq(a[i], 0);
  a[-1] = 4096 | 2; /* mmapped: left alone */
  a[0] = 0x1234;
  lt_scan_scrub(a, 40);
  ck_assert_uint_eq(a[0], 0x1234);
}
END_TEST

/* CPU time of this thread: the machine is shared, wall time says little. */
static double seconds(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* 1M blocks of 1 KiB in 1 GiB; each holds three pointers to other blocks (two to the
 * start, one inside), one stray heap-looking value and non-pointer data; 1000 root pointers. */
START_TEST(benchmark_1m_blocks_1gib)
{
  const long n = 1L << 20;
  const size_t bsize = 1024;
  char *big = mmap(NULL, (size_t)n * bsize, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  lt_block_t *snap = mmap(NULL, (size_t)n * sizeof(lt_block_t), PROT_READ | PROT_WRITE,
                          MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  ck_assert_ptr_ne(big, MAP_FAILED);
  ck_assert_ptr_ne(snap, MAP_FAILED);
  uint64_t x = 88172645463325252ull;
  for (long i = 0; i < n; i++) {
    uintptr_t *w = (uintptr_t *)(big + (size_t)i * bsize);
    snap[i] = (lt_block_t){(uintptr_t)w, bsize - 16, 1, LT_KIND_UNFREED};
    for (size_t k = 0; k < bsize / 8; k++) {
      w[k] = lt_check_random(&x) & 0xffff;
    }
    w[3] = (uintptr_t)big + (x % (uint64_t)n) * bsize;
    w[4] = (uintptr_t)big + ((x >> 31) % (uint64_t)n) * bsize;
    w[9] = (uintptr_t)big + ((x >> 20) % (uint64_t)n) * bsize + 40;
    w[20] = (uintptr_t)big + ((x >> 7) % ((uint64_t)n * bsize));
  }
  uintptr_t roots[1000];
  for (int i = 0; i < 1000; i++)
    roots[i] = (uintptr_t)big + (size_t)(i * 997) * bsize;
  double t0 = seconds();
  lt_mark_t m;
  ck_assert_int_eq(lt_mark_begin(&m, snap, n), 0);
  double t1 = seconds();
  lt_mark_root_words(&m, roots, 1000, 0);
  lt_mark_finish(&m);
  lt_mark_end(&m);
  double t2 = seconds();
  long count[LT_KIND_COUNT] = {0};
  for (long i = 0; i < n; i++)
    count[snap[i].kind]++;
  printf("scan benchmark: %ld blocks, %zu MiB: index %.3f s, mark+classify %.3f s, total %.3f s CPU "
         "(reachable %ld possible %ld indirect %ld direct %ld)\n",
         n, (size_t)n * bsize >> 20, t1 - t0, t2 - t1, t2 - t0, count[LT_KIND_REACHABLE],
         count[LT_KIND_POSSIBLE], count[LT_KIND_INDIRECT], count[LT_KIND_DIRECT]);
  fflush(stdout);
  ck_assert_int_eq(count[LT_KIND_UNFREED], 0);
  ck_assert_int_gt(count[LT_KIND_REACHABLE], n / 2);
  ck_assert(t2 - t0 < 10.0);
  munmap(big, (size_t)n * bsize);
  munmap(snap, (size_t)n * sizeof(lt_block_t));
}
END_TEST

static Suite *scan_suite(void)
{
  Suite *s = suite_create("scan");
  TCase *rules = tcase_create("rules");
  tcase_add_checked_fixture(rules, heap_setup, heap_teardown);
  tcase_add_test(rules, start_pointer_is_reachable);
  tcase_add_test(rules, interior_pointer_is_possible);
  tcase_add_test(rules, one_past_the_end_points_nowhere);
  tcase_add_test(rules, nothing_at_all_is_direct);
  tcase_add_test(rules, chain_from_a_lost_block_is_indirect);
  tcase_add_test(rules, chain_found_in_reverse_address_order);
  tcase_add_test(rules, cycle_has_one_direct_member);
  tcase_add_test(rules, cycle_hanging_off_a_lost_block);
  tcase_add_test(rules, lost_tree);
  tcase_add_test(rules, reachable_tree);
  tcase_add_test(rules, lost_block_does_not_demote_a_reachable_one);
  tcase_add_test(rules, what_a_possible_block_holds_is_possible);
  tcase_add_test(rules, possible_block_rescanned_when_reached);
  tcase_add_test(rules, zero_sized_block_is_pointed_to_by_its_address);
  tcase_add_test(rules, heuristics_of_memcheck);
  tcase_add_test(rules, allocator_state_pointer_to_next_chunk_is_ignored);
  tcase_add_test(rules, root_block_makes_its_contents_reachable);
  tcase_add_test(rules, find_across_regions);
  tcase_add_test(rules, block_full_of_pointers);
  tcase_add_test(rules, chain_against_address_order);
  tcase_add_test(rules, random_heaps_match_the_plain_rules);
  tcase_add_test(rules, process_roots);
  tcase_add_test(rules, untouched_memory_is_not_read);
  tcase_add_test(rules, stopped_thread_registers_and_stack_are_roots);
  tcase_add_exit_test(rules, exit_frame_is_exits_caller, 42);
  tcase_add_test(rules, scrub_clears_the_block);
  suite_add_tcase(s, rules);
  TCase *bench = tcase_create("benchmark");
  tcase_set_timeout(bench, 120);
  tcase_add_test(bench, benchmark_1m_blocks_1gib);
  suite_add_tcase(s, bench);
  return s;
}

int main(void)
{
  return lt_check_run(scan_suite());
}
