/* blocks.c — the live-block table (contract in blocks.h): the direct map first, the hash
 * for what it cannot hold, and snapshots of both in address order. */
#include "blocks.h"
#include "hashed.h"
#include "mem.h"
#include "shadow.h"

#include <errno.h>
#include <limits.h>
#include <string.h>

_Static_assert(LT_BLOCKS_STORAGE_MAX == LT_HASHED_STORAGE_MAX + LT_SHADOW_MAPS_MAX,
               "every map and every table");

int lt_blocks_insert(uintptr_t addr, size_t size, uint32_t stack)
{
  if (lt_likely(lt_shadow_insert(addr, size, stack) == 0))
    return 0;
  return lt_hashed_insert(addr, size, stack);
}

int lt_blocks_erase(uintptr_t addr, lt_block_t *out)
{
  if (lt_likely(lt_shadow_erase(addr, out) == 0))
    return 0;
  return lt_hashed_erase(addr, out);
}

/* LSD radix sort on the 48 address bits, 16 bits a pass. */
static int sort_by_addr(lt_block_t *a, long n)
{
  size_t bytes = (size_t)n * sizeof(*a);
  size_t count_bytes = 65536 * sizeof(size_t);
  lt_block_t *tmp = lt_mem_map(bytes);
  size_t *count = lt_mem_map(count_bytes);
  if (!tmp || !count) {
    lt_mem_unmap(tmp, bytes);
    lt_mem_unmap(count, count_bytes);
    return -ENOMEM;
  }
  lt_block_t *src = a, *dst = tmp;
  for (int shift = 0; shift < 48; shift += 16) {
    memset(count, 0, count_bytes);
    for (long i = 0; i < n; i++)
      count[(src[i].addr >> shift) & 0xffff]++;
    size_t sum = 0;
    for (int d = 0; d < 65536; d++) {
      size_t c = count[d];
      count[d] = sum;
      sum += c;
    }
    for (long i = 0; i < n; i++)
      dst[count[(src[i].addr >> shift) & 0xffff]++] = src[i];
    lt_block_t *swap = src;
    src = dst;
    dst = swap;
  }
  if (src != a)
    memcpy(a, src, bytes);
  lt_mem_unmap(tmp, bytes);
  lt_mem_unmap(count, count_bytes);
  return 0;
}

/* The array's first element is a header holding the mapping's size. Blocks freed or
 * allocated between counting and copying are why the copy is bounded by the count. */
long lt_blocks_snapshot(lt_block_t **out)
{
  *out = NULL;
  long room = lt_shadow_collect(NULL, LONG_MAX) + lt_hashed_collect(NULL, LONG_MAX);
  if (room == 0)
    return 0;
  size_t bytes = (size_t)(room + 1) * sizeof(lt_block_t);
  lt_block_t *mapping = lt_mem_map(bytes);
  if (!mapping)
    return -ENOMEM;
  mapping[0].size = bytes;
  lt_block_t *blocks = mapping + 1;
  long n = lt_shadow_collect(blocks, room);
  n += lt_hashed_collect(blocks + n, room - n);
  if (sort_by_addr(blocks, n) < 0) {
    lt_mem_unmap(mapping, bytes);
    return -ENOMEM;
  }
  /* A block caught between two hash tables by a stopped migration appears twice. */
  long kept = 0;
  for (long i = 0; i < n; i++)
    if (kept == 0 || blocks[kept - 1].addr != blocks[i].addr)
      blocks[kept++] = blocks[i];
  *out = blocks;
  return kept;
}

void lt_blocks_snapshot_free(lt_block_t *blocks)
{
  if (blocks)
    lt_mem_unmap(blocks - 1, blocks[-1].size);
}

int lt_blocks_storage(uintptr_t start[LT_BLOCKS_STORAGE_MAX], uintptr_t end[LT_BLOCKS_STORAGE_MAX])
{
  int n = lt_shadow_storage(start, end, LT_SHADOW_MAPS_MAX);
  return n + lt_hashed_storage(start + n, end + n);
}

void lt_blocks_after_fork_child(void)
{
  lt_hashed_after_fork_child();
}
