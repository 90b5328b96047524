/* check_hashed.c — the live-block table's hash: exact contents after concurrent inserts and
 * erases, growth under load, tombstone churn that must not grow the table forever,
 * blocks spread over many shards, tables that follow a churned heap's live set, and
 * neighbours toggled by several threads where erases empty slots again (also built with
 * the races widened, as check_hashed_widened). */
#include <check.h>
#include "lt_check.h"
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>

#include "hashed.h"
#include "owned.h"

/* Fake block addresses: distinct, 16-byte aligned, well above the marker values. */
static uintptr_t addr_of(long thread, long i)
{
  return 0x100000000ul + ((uintptr_t)thread << 32) + (uintptr_t)i * 16;
}

START_TEST(insert_erase_snapshot)
{
  for (long i = 0; i < 1000; i++)
    ck_assert_int_eq(lt_hashed_insert(addr_of(0, i), (size_t)i + 1, 7), 0);
  lt_block_t was;
  ck_assert_int_eq(lt_hashed_erase(addr_of(0, 10), &was), 0);
  ck_assert_uint_eq(was.size, 11);
  ck_assert_uint_eq(was.stack, 7);
  ck_assert_int_eq(lt_hashed_erase(addr_of(0, 10), NULL), -ENOENT);
  ck_assert_int_eq(lt_hashed_erase(addr_of(5, 5), NULL), -ENOENT);

  lt_block_t *blocks;
  long n = lt_blocks_snapshot(&blocks);
  ck_assert_int_eq(n, 999);
  for (long i = 1; i < n; i++)
    ck_assert(blocks[i - 1].addr < blocks[i].addr);
  ck_assert_uint_eq(blocks[0].addr, addr_of(0, 0));
  ck_assert_uint_eq(blocks[10].addr, addr_of(0, 11));
  ck_assert_uint_eq(blocks[10].size, 12);
  ck_assert_int_eq(blocks[10].kind, LT_KIND_UNFREED);
  lt_blocks_snapshot_free(blocks);
}
END_TEST

START_TEST(growth_keeps_everything)
{
  const long n = 1000000;
  for (long i = 0; i < n; i++)
    ck_assert_int_eq(lt_hashed_insert(addr_of(1, i), 8, 1), 0);
  for (long i = 0; i < n; i += 2)
    ck_assert_int_eq(lt_hashed_erase(addr_of(1, i), NULL), 0);
  lt_block_t *blocks;
  long got = lt_blocks_snapshot(&blocks);
  ck_assert_int_eq(got, n / 2);
  for (long i = 0; i < got; i++)
    ck_assert_uint_eq(blocks[i].addr, addr_of(1, 2 * i + 1));
  lt_blocks_snapshot_free(blocks);
}
END_TEST

#define THREADS 4
#define PER_THREAD 150000

/* Each thread inserts its own keys, erases two of every three, and leaves the rest. */
static void *worker(void *arg)
{
  long t = (long)arg;
  for (long i = 0; i < PER_THREAD; i++) {
    if (lt_hashed_insert(addr_of(t + 2, i), (size_t)t, (uint32_t)t) != 0)
      return (void *)1;
    if (i % 3 != 0 && lt_hashed_erase(addr_of(t + 2, i), NULL) != 0)
      return (void *)2;
  }
  return NULL;
}

/* Runs fn on THREADS threads, passing each its number; each must return NULL. */
static void run_threads(void *(*fn)(void *))
{
  pthread_t tid[THREADS];
  for (long t = 0; t < THREADS; t++)
    pthread_create(&tid[t], NULL, fn, (void *)t);
  for (long t = 0; t < THREADS; t++) {
    void *rc;
    pthread_join(tid[t], &rc);
    ck_assert_ptr_null(rc);
  }
}

START_TEST(concurrent_exact_contents)
{
  run_threads(worker);
  lt_block_t *blocks;
  long n = lt_blocks_snapshot(&blocks);
  long expected = THREADS * ((PER_THREAD + 2) / 3);
  ck_assert_int_eq(n, expected);
  long per[THREADS] = {0};
  for (long i = 0; i < n; i++) {
    long t = (long)((blocks[i].addr - 0x100000000ul) >> 32) - 2;
    ck_assert(t >= 0 && t < THREADS);
    ck_assert_uint_eq(blocks[i].size, (size_t)t);
    ck_assert_uint_eq((blocks[i].addr & 0xffffffffu) / 16 % 3, 0);
    per[t]++;
  }
  for (long t = 0; t < THREADS; t++)
    ck_assert_int_eq(per[t], (PER_THREAD + 2) / 3);
  lt_blocks_snapshot_free(blocks);
}
END_TEST

/* Threads whose blocks are neighbours in one probe sequence, toggling them at random:
 * every erase must find its block, and the snapshot must hold exactly the blocks left
 * live. The blocks are 8 bytes apart, two to a home slot, so every other insert probes
 * past a neighbour's slot, and 3000 more blocks in the same 64 KiB make the table large
 * enough that erases turn slots back to EMPTY. An insert that claimed a slot past one an
 * erase emptied meanwhile would leave its block unreachable: its erase then fails. */
#define FILLER_BLOCKS 3000
#define HOT_BLOCKS 256
#define TOGGLES 400000
static const uintptr_t granule = 0x500000000000ul;
static unsigned char hot_live[HOT_BLOCKS];

static uintptr_t hot_addr(long j)
{
  return granule + 0xc000 + (uintptr_t)j * 8;
}

static void *toggler(void *arg)
{
  long t = (long)arg;
  uint64_t x = 0x9E3779B97F4A7C15ull * (uint64_t)(t + 1);
  for (long step = 0; step < TOGGLES; step++) {
    long j = (long)(lt_check_random(&x) % (HOT_BLOCKS / THREADS)) * THREADS + t;
    if (hot_live[j] ? lt_hashed_erase(hot_addr(j), NULL) != 0
                    : lt_hashed_insert(hot_addr(j), 8, (uint32_t)t) != 0)
      return (void *)(step + 1);
    hot_live[j] ^= 1;
  }
  return NULL;
}

START_TEST(neighbours_toggle_concurrently)
{
  for (long i = 0; i < FILLER_BLOCKS; i++)
    ck_assert_int_eq(lt_hashed_insert(granule + (uintptr_t)i * 16, 16, 9), 0);
  run_threads(toggler);
  lt_block_t *blocks;
  long n = lt_blocks_snapshot(&blocks), j = FILLER_BLOCKS;
  ck_assert_int_ge(n, FILLER_BLOCKS);
  ck_assert_uint_eq(blocks[FILLER_BLOCKS - 1].addr, granule + (FILLER_BLOCKS - 1) * 16);
  for (long h = 0; h < HOT_BLOCKS; h++) {
    if (!hot_live[h])
      continue;
    ck_assert_int_lt(j, n);
    ck_assert_uint_eq(blocks[j].addr, hot_addr(h));
    j++;
  }
  ck_assert_int_eq(j, n);
  lt_blocks_snapshot_free(blocks);
}
END_TEST

/* A small live set under heavy churn of new addresses: tombstones must be cleaned by
 * same-size rebuilds, not by doubling the table again and again. */
START_TEST(churn_does_not_grow)
{
  for (long i = 0; i < 1000000; i++) {
    ck_assert_int_eq(lt_hashed_insert(addr_of(9, i), 1, 1), 0);
    if (i >= 100)
      ck_assert_int_eq(lt_hashed_erase(addr_of(9, i - 100), NULL), 0);
  }
  uintptr_t start[LT_HASHED_STORAGE_MAX], end[LT_HASHED_STORAGE_MAX];
  int n = lt_hashed_storage(start, end);
  ck_assert_int_ge(n, 1);
  size_t bytes = 0;
  for (int i = 0; i < n; i++)
    bytes += end[i] - start[i];
  ck_assert_uint_le(bytes, (size_t)1 << 20);
  lt_block_t *blocks;
  ck_assert_int_eq(lt_blocks_snapshot(&blocks), 100);
  lt_blocks_snapshot_free(blocks);
}
END_TEST

/* Blocks a power of two apart (1 KiB chunks in a row): a live count once sampled from
 * the address's hash saw all or none of them, sized the next table wrong, and a
 * migration into a full table never ended. */
START_TEST(power_of_two_strides_grow)
{
  for (long i = 0; i < 40000; i++)
    ck_assert_int_eq(lt_hashed_insert(0x55555555a2a0ul + (uintptr_t)i * 1024, 1008, 1), 0);
  lt_block_t *blocks;
  ck_assert_int_eq(lt_blocks_snapshot(&blocks), 40000);
  lt_blocks_snapshot_free(blocks);
}
END_TEST

/* per_region blocks of the given size, stride apart, in each of regions 64 MiB regions
 * from base. */
static void fill_regions(uintptr_t base, uintptr_t regions, long per_region, uintptr_t stride,
                         size_t size, uint32_t stack)
{
  for (uintptr_t r = 0; r < regions; r++)
    for (long i = 0; i < per_region; i++)
      ck_assert_int_eq(lt_hashed_insert(base + (r << 26) + (uintptr_t)i * stride, size, stack), 0);
}

/* Blocks of many 64 MiB regions (arenas) live in tables of their own; a snapshot still
 * holds them all, in address order, and each is found again to be erased. */
START_TEST(regions_have_tables_of_their_own)
{
  const uintptr_t base = 0x200000000000ul;
  fill_regions(base, 64, 1000, 16, 16, 3);
  uintptr_t start[LT_HASHED_STORAGE_MAX], end[LT_HASHED_STORAGE_MAX];
  int n = lt_hashed_storage(start, end);
  ck_assert_int_gt(n, 1);
  for (int i = 0; i < n; i++)
    for (int j = 0; j < i; j++)
      ck_assert(end[i] <= start[j] || end[j] <= start[i]);
  lt_block_t *blocks;
  ck_assert_int_eq(lt_blocks_snapshot(&blocks), 64000);
  for (long i = 1; i < 64000; i++)
    ck_assert(blocks[i - 1].addr < blocks[i].addr);
  lt_blocks_snapshot_free(blocks);
  for (uintptr_t r = 0; r < 64; r++)
    for (long i = 0; i < 1000; i++)
      ck_assert_int_eq(lt_hashed_erase(base + (r << 26) + (uintptr_t)i * 16, NULL), 0);
  ck_assert_int_eq(lt_blocks_snapshot(&blocks), 0);
}
END_TEST

/* CPython's shape: some 70,000 small blocks live at once in one heap, freed and
 * allocated again in random order. A live set just past half of a power of two once
 * took a table of twice that (4 MB here), and its rebuild held the old copy too; the
 * tables now follow the live set in steps of a quarter, and each rebuild copies one
 * segment of the heap. */
START_TEST(churned_heap_tables_stay_small)
{
  const uintptr_t heap = 0x300000000000ul;
  const long slots = 140000;
  static unsigned char live[140000];
  long nlive = 0;
  uint64_t x = 88172645463325252ull;
  for (long step = 0; step < 1500000; step++) {
    long i = (long)(lt_check_random(&x) % (uint64_t)slots);
    uintptr_t a = heap + (uintptr_t)i * 48;
    if (live[i]) {
      ck_assert_int_eq(lt_hashed_erase(a, NULL), 0);
      nlive--;
    } else {
      ck_assert_int_eq(lt_hashed_insert(a, 40, 2), 0);
      nlive++;
    }
    live[i] ^= 1;
  }
  ck_assert_int_gt(nlive, 65536 + 2000);
  uintptr_t start[LT_HASHED_STORAGE_MAX], end[LT_HASHED_STORAGE_MAX];
  int n = lt_hashed_storage(start, end);
  size_t total = 0, largest = 0;
  for (int i = 0; i < n; i++) {
    size_t bytes = end[i] - start[i];
    total += bytes;
    largest = bytes > largest ? bytes : largest;
  }
  ck_assert_uint_le(total, (size_t)nlive * 54); /* blocks.h: at most 53 bytes a block */
  ck_assert_uint_le(largest, total / 4);
  lt_block_t *blocks;
  ck_assert_int_eq(lt_blocks_snapshot(&blocks), nlive);
  lt_blocks_snapshot_free(blocks);
}
END_TEST

/* Every shard in use, each grown through several capacities: all their mappings stay
 * registered as leaktrace's own (the scan must never read a table as roots), and the
 * registry still has room for more. */
START_TEST(every_table_stays_registered)
{
  fill_regions(0x400000000000ul, 24, 12000, 96, 8, 4);
  static char spare_range[8192];
  ck_assert_int_eq(lt_owned_add(spare_range, sizeof spare_range), 0);
  lt_owned_remove(spare_range, sizeof spare_range);
}
END_TEST

int main(void)
{
  Suite *s = suite_create("hashed");
  TCase *tc = tcase_create("table");
  tcase_set_timeout(tc, 120);
#ifdef LT_HASHED_WIDEN_RACES
  tcase_add_test(tc, neighbours_toggle_concurrently);
  suite_add_tcase(s, tc);
  return lt_check_run(s);
#endif
  tcase_add_test(tc, insert_erase_snapshot);
  tcase_add_test(tc, growth_keeps_everything);
  tcase_add_test(tc, concurrent_exact_contents);
  tcase_add_test(tc, neighbours_toggle_concurrently);
  tcase_add_test(tc, churn_does_not_grow);
  tcase_add_test(tc, power_of_two_strides_grow);
  tcase_add_test(tc, regions_have_tables_of_their_own);
  tcase_add_test(tc, churned_heap_tables_stay_small);
  tcase_add_test(tc, every_table_stays_registered);
  suite_add_tcase(s, tc);
  return lt_check_run(s);
}
