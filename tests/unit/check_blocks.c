/* check_blocks.c — the live-block table as a whole: glibc-spaced blocks in the direct map,
 * blocks packed closer, huge ones and far addresses in the hash, exact snapshots over
 * both, threads racing for one entry, a snapshot that reads only pages blocks wrote, and
 * regions past the maps' limit or past a memory limit's share. */
#include <check.h>
#include "lt_check.h"
#include <errno.h>
#include <pthread.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

#include "blocks.h"
#include "hashed.h"
#include "real.h"
#include "shadow.h"

static const uintptr_t heap = 0x560000000000ul;

/* Bytes of the hash's tables: 0 while every block sits in the direct map. */
static size_t hashed_bytes(void)
{
  uintptr_t start[LT_HASHED_STORAGE_MAX], end[LT_HASHED_STORAGE_MAX];
  size_t bytes = 0;
  for (int i = 0, n = lt_hashed_storage(start, end); i < n; i++)
    bytes += end[i] - start[i];
  return bytes;
}

/* Snapshot and compare with the blocks expected, in order. */
static void expect_snapshot(const uintptr_t *addr, const size_t *size, long n)
{
  lt_block_t *blocks;
  ck_assert_int_eq(lt_blocks_snapshot(&blocks), n);
  for (long i = 0; i < n; i++) {
    ck_assert_uint_eq(blocks[i].addr, addr[i]);
    ck_assert_uint_eq(blocks[i].size, size[i]);
    ck_assert_int_eq(blocks[i].kind, LT_KIND_UNFREED);
  }
  lt_blocks_snapshot_free(blocks);
}

/* The plain-store insert is chosen for glibc's malloc only: under a sanitizer, whose
 * allocator comes first, it must not be. */
START_TEST(resolved_allocator_is_glibc)
{
  ck_assert_int_eq(lt_real_resolve(), 1);
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
  ck_assert_int_eq(lt_real.glibc, 0);
#else
  ck_assert_int_eq(lt_real.glibc, 1);
#endif
}
END_TEST

/* Blocks 32 bytes apart, as glibc's smallest chunks lie, each in an entry of its own:
 * the hash is never used, in either mode of insert. */
static void glibc_spacing(int glibc)
{
  lt_real.glibc = glibc;
  static uintptr_t addr[3000];
  static size_t size[3000];
  for (long i = 0; i < 3000; i++) {
    addr[i] = heap + 0x10 + (uintptr_t)i * 32;
    size[i] = (size_t)i % 24 + 1;
    ck_assert_int_eq(lt_blocks_insert(addr[i], size[i], (uint32_t)i), 0);
  }
  ck_assert_uint_eq(hashed_bytes(), 0);
  lt_block_t was;
  ck_assert_int_eq(lt_blocks_erase(addr[7], &was), 0);
  ck_assert_uint_eq(was.addr, addr[7]);
  ck_assert_uint_eq(was.size, size[7]);
  ck_assert_uint_eq(was.stack, 7);
  ck_assert_int_eq(lt_blocks_erase(addr[7], NULL), -ENOENT);
  ck_assert_int_eq(lt_blocks_erase(addr[8] + 16, NULL), -ENOENT);
  ck_assert_int_eq(lt_blocks_erase(heap + ((uintptr_t)1 << 30), NULL), -ENOENT);
  for (long i = 7; i < 2999; i++) {
    addr[i] = addr[i + 1];
    size[i] = size[i + 1];
  }
  expect_snapshot(addr, size, 2999);
}

START_TEST(glibc_spaced_blocks_use_the_map_alone)
{
  glibc_spacing(1);
}
END_TEST

START_TEST(glibc_spaced_blocks_claimed_by_cas)
{
  glibc_spacing(0);
}
END_TEST

/* An allocator that packs blocks 8 and 16 bytes apart: the neighbour of a block that
 * took an entry goes to the hash, and both are found again, erased in any order. */
START_TEST(packed_blocks_share_entries_through_the_hash)
{
  lt_real.glibc = 0;
  static uintptr_t addr[4000];
  static size_t size[4000];
  for (long i = 0; i < 4000; i++) {
    addr[i] = heap + (uintptr_t)i * (i < 2000 ? 8 : 16);
    size[i] = 8;
    ck_assert_int_eq(lt_blocks_insert(addr[i], 8, 1), 0);
  }
  ck_assert_uint_gt(hashed_bytes(), 0);
  long n = 0;
  for (long i = 0; i < 4000; i++) {
    if (i % 3 == 0) {
      ck_assert_int_eq(lt_blocks_erase(addr[i], NULL), 0);
      continue;
    }
    addr[n] = addr[i];
    size[n++] = 8;
  }
  expect_snapshot(addr, size, n);
  for (long i = 0; i < n; i++)
    ck_assert_int_eq(lt_blocks_erase(addr[i], NULL), 0);
  expect_snapshot(NULL, NULL, 0);
}
END_TEST

/* Sizes the map's entry cannot hold, addresses past its regions: kept exactly, by the
 * hash, and sorted among the map's blocks in a snapshot. */
START_TEST(huge_and_far_blocks_are_kept)
{
  uintptr_t addr[4] = {heap, heap + 32, heap + 64, (uintptr_t)1 << 47 | 0x40};
  size_t size[4] = {100, LT_SHADOW_SIZE_LIMIT, (size_t)1 << 39, 24};
  for (int i = 0; i < 4; i++)
    ck_assert_int_eq(lt_blocks_insert(addr[i], size[i], 5), 0);
  expect_snapshot(addr, size, 4);
  lt_block_t was;
  ck_assert_int_eq(lt_blocks_erase(addr[1], &was), 0);
  ck_assert_uint_eq(was.size, LT_SHADOW_SIZE_LIMIT);
  ck_assert_int_eq(lt_blocks_erase(addr[3], &was), 0);
  ck_assert_uint_eq(was.size, 24);
}
END_TEST

/* Threads take turns at the same entries: each owns the blocks 8 bytes past another's
 * in every 32 bytes, so each insert races with a neighbour's for the entry, the loser
 * going to the hash. Every erase must find its block, and the end state be exact. */
#define THREADS 4
#define SPAN 2048
#define TOGGLES 200000
static unsigned char live[THREADS][SPAN];

static uintptr_t racer_addr(long t, long j)
{
  return heap + ((uintptr_t)1 << 26) + (uintptr_t)j * 32 + (uintptr_t)t * 8;
}

static void *racer(void *arg)
{
  long t = (long)arg;
  uint64_t x = 0x9E3779B97F4A7C15ull * (uint64_t)(t + 1);
  for (long step = 0; step < TOGGLES; step++) {
    long j = (long)(lt_check_random(&x) % SPAN);
    if (live[t][j] ? lt_blocks_erase(racer_addr(t, j), NULL) != 0
                   : lt_blocks_insert(racer_addr(t, j), (size_t)t + 1, (uint32_t)t) != 0)
      return (void *)(step + 1);
    live[t][j] ^= 1;
  }
  return NULL;
}

START_TEST(threads_race_for_one_entry)
{
  lt_real.glibc = 0;
  pthread_t tid[THREADS];
  for (long t = 0; t < THREADS; t++)
    ck_assert_int_eq(pthread_create(&tid[t], NULL, racer, (void *)t), 0);
  for (long t = 0; t < THREADS; t++) {
    void *failed;
    pthread_join(tid[t], &failed);
    ck_assert_ptr_null(failed);
  }
  static uintptr_t addr[THREADS * SPAN];
  static size_t size[THREADS * SPAN];
  long n = 0;
  for (long j = 0; j < SPAN; j++)
    for (long t = 0; t < THREADS; t++)
      if (live[t][j]) {
        addr[n] = racer_addr(t, j);
        size[n++] = (size_t)t + 1;
      }
  expect_snapshot(addr, size, n);
}
END_TEST

/* Pages of a region's map become resident only where blocks start, and a snapshot does
 * not read the others: two blocks 32 MiB apart cost the bitmap's page and one page each. */
START_TEST(snapshot_reads_only_written_pages)
{
  uintptr_t addr[2] = {heap + 0x10, heap + ((uintptr_t)1 << 25) + 0x10};
  size_t size[2] = {16, 32};
  for (int i = 0; i < 2; i++)
    ck_assert_int_eq(lt_blocks_insert(addr[i], size[i], 1), 0);
  expect_snapshot(addr, size, 2);
  uintptr_t start[LT_BLOCKS_STORAGE_MAX], end[LT_BLOCKS_STORAGE_MAX];
  ck_assert_int_eq(lt_blocks_storage(start, end), 1);
  size_t pages = (end[0] - start[0]) / 4096;
  static unsigned char resident[LT_SHADOW_PAGES + 1];
  ck_assert_uint_eq(pages, LT_SHADOW_PAGES + 1);
  ck_assert_int_eq(mincore((void *)start[0], end[0] - start[0], resident), 0);
  size_t count = 0;
  for (size_t p = 0; p < pages; p++)
    count += resident[p] & 1;
  ck_assert_uint_eq(count, 3);
}
END_TEST

/* One block in each of more regions than get a map: the blocks of the last ones are kept
 * by the hash, and every block is found again. */
START_TEST(regions_past_the_limit_use_the_hash)
{
  const long regions = LT_SHADOW_MAPS_MAX + 8;
  for (long r = 0; r < regions; r++)
    ck_assert_int_eq(lt_blocks_insert(heap + ((uintptr_t)r << 26) + 0x10, 8, 3), 0);
  uintptr_t start[LT_BLOCKS_STORAGE_MAX], end[LT_BLOCKS_STORAGE_MAX];
  ck_assert_int_gt(lt_blocks_storage(start, end), LT_SHADOW_MAPS_MAX);
  ck_assert_uint_gt(hashed_bytes(), 0);
  lt_block_t *blocks;
  ck_assert_int_eq(lt_blocks_snapshot(&blocks), regions);
  lt_blocks_snapshot_free(blocks);
  for (long r = 0; r < regions; r++)
    ck_assert_int_eq(lt_blocks_erase(heap + ((uintptr_t)r << 26) + 0x10, NULL), 0);
  ck_assert_int_eq(lt_blocks_snapshot(&blocks), 0);
}
END_TEST

#if !defined(__SANITIZE_ADDRESS__) && !defined(__SANITIZE_THREAD__)
/* Under a limit on private writable memory (ulimit -d), which the maps count against,
 * they take a sixteenth of it: 8 GiB allow 31 maps of 16 MiB, and the blocks of further
 * regions go to the hash. Unbounded, the maps had taken what the program needed. Not
 * under a sanitizer, whose own shadow mappings do not fit under such a limit. */
START_TEST(a_memory_limit_bounds_the_maps)
{
  struct rlimit data = {(rlim_t)8 << 30, (rlim_t)8 << 30};
  ck_assert_int_eq(setrlimit(RLIMIT_DATA, &data), 0);
  const long regions = 40;
  for (long r = 0; r < regions; r++)
    ck_assert_int_eq(lt_blocks_insert(heap + ((uintptr_t)r << 26) + 0x10, 8, 3), 0);
  uintptr_t start[LT_BLOCKS_STORAGE_MAX], end[LT_BLOCKS_STORAGE_MAX];
  ck_assert_int_eq(lt_shadow_storage(start, end, LT_SHADOW_MAPS_MAX),
                   ((size_t)8 << 30) / 16 / sizeof(lt_shadow_map_t));
  ck_assert_uint_gt(hashed_bytes(), 0);
  lt_block_t *blocks;
  ck_assert_int_eq(lt_blocks_snapshot(&blocks), regions);
  lt_blocks_snapshot_free(blocks);
}
END_TEST
#endif

int main(void)
{
  Suite *s = suite_create("blocks");
  TCase *tc = tcase_create("table");
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, resolved_allocator_is_glibc);
  tcase_add_test(tc, glibc_spaced_blocks_use_the_map_alone);
  tcase_add_test(tc, glibc_spaced_blocks_claimed_by_cas);
  tcase_add_test(tc, packed_blocks_share_entries_through_the_hash);
  tcase_add_test(tc, huge_and_far_blocks_are_kept);
  tcase_add_test(tc, threads_race_for_one_entry);
  tcase_add_test(tc, snapshot_reads_only_written_pages);
  tcase_add_test(tc, regions_past_the_limit_use_the_hash);
#if !defined(__SANITIZE_ADDRESS__) && !defined(__SANITIZE_THREAD__)
  tcase_add_test(tc, a_memory_limit_bounds_the_maps);
#endif
  suite_add_tcase(s, tc);
  return lt_check_run(s);
}
