/* shadow.c — the direct map's regions and its readers (contract in shadow.h). */
#include "shadow.h"
#include "mem.h"

lt_shadow_map_t *lt_shadow_maps[(size_t)1 << (LT_SHADOW_ADDRESS_BITS - LT_SHADOW_REGION_SHIFT)];

/* The regions with a map, by the order their maps were made: the readers walk this, not
 * lt_shadow_maps, whose 16 MiB would all become resident if read. An index is reserved,
 * and filled with the region's number + 1, before the map is published: a thread stopped
 * between the two (by a report, or left behind by fork) must not hide blocks that other
 * threads put in the map meanwhile. A reader takes an entry only while the region has a
 * map; one whose maker lost the race for the region becomes UNUSED (until then a region
 * may be listed twice: snapshots drop the duplicates). */
#define UNUSED UINT32_MAX
static uint32_t made[LT_SHADOW_MAPS_MAX];
static int reserved;

/* How many maps may be made: under a limit on address space or data (ulimit -v, -d),
 * their 16 MiB each take a sixteenth of it at most, and the hash holds the blocks of
 * the other regions; a program that ran natively under the limit then still does. */
static int maps_allowed(void)
{
  size_t limit = lt_mem_limit();
  if (limit / 16 / sizeof(lt_shadow_map_t) >= LT_SHADOW_MAPS_MAX)
    return LT_SHADOW_MAPS_MAX;
  return (int)(limit / 16 / sizeof(lt_shadow_map_t));
}

/* Made on the allocation path, once a region: a thread that loses the race for a region
 * unmaps its own mapping and uses the winner's. Past maps_allowed() regions (so that the
 * scan's list of leaktrace's memory stays bounded, and a limit is respected), or when
 * mmap fails, the region is marked LT_SHADOW_NO_MAP and the hash takes its blocks. */
lt_shadow_map_t *lt_shadow_map_new(uintptr_t addr)
{
  uint32_t region = (uint32_t)(addr >> LT_SHADOW_REGION_SHIFT);
  lt_shadow_map_t **slot = &lt_shadow_maps[region], *none = NULL, *map = NULL;
  int k = LT_SHADOW_MAPS_MAX;
  if (__atomic_load_n(&reserved, __ATOMIC_RELAXED) < maps_allowed())
    k = __atomic_fetch_add(&reserved, 1, __ATOMIC_RELAXED);
  if (k < LT_SHADOW_MAPS_MAX) {
    map = lt_mem_map(sizeof *map);
    __atomic_store_n(&made[k], region + 1, __ATOMIC_RELEASE);
  }
  if (__atomic_compare_exchange_n(slot, &none, map ? map : LT_SHADOW_NO_MAP, 0, __ATOMIC_ACQ_REL,
                                  __ATOMIC_ACQUIRE)) {
    if (k < LT_SHADOW_MAPS_MAX && !map)
      __atomic_store_n(&made[k], UNUSED, __ATOMIC_RELEASE);
    return map;
  }
  if (k < LT_SHADOW_MAPS_MAX)
    __atomic_store_n(&made[k], UNUSED, __ATOMIC_RELEASE);
  lt_mem_unmap(map, sizeof *map);
  return none == LT_SHADOW_NO_MAP ? NULL : none;
}

/* Each map's pages are read in order; pages never written are not read at all, since a
 * read would make them resident. */
static long collect_map(const lt_shadow_map_t *map, uintptr_t region, lt_block_t *out, long room)
{
  long n = 0;
  for (size_t p = 0; p < LT_SHADOW_PAGES && n < room; p++) {
    if (!(__atomic_load_n(&map->written[p / 64], __ATOMIC_RELAXED) >> (p % 64) & 1))
      continue;
    for (size_t i = p * 512; i < (p + 1) * 512 && n < room; i++) {
      uint64_t e = __atomic_load_n(&map->entry[i], __ATOMIC_RELAXED);
      if (!(e & LT_SHADOW_TAKEN))
        continue;
      if (out)
        lt_shadow_block(region | i << LT_SHADOW_GRANULE_SHIFT | (e >> 24 & 31), e, &out[n]);
      n++;
    }
  }
  return n;
}

/* The map of the k-th region made, or NULL; *region gets its base address. */
static const lt_shadow_map_t *made_map(int k, uintptr_t *region)
{
  uint32_t r = __atomic_load_n(&made[k], __ATOMIC_ACQUIRE);
  if (r == 0 || r == UNUSED)
    return NULL;
  *region = (uintptr_t)(r - 1) << LT_SHADOW_REGION_SHIFT;
  const lt_shadow_map_t *map = __atomic_load_n(&lt_shadow_maps[r - 1], __ATOMIC_ACQUIRE);
  return map == LT_SHADOW_NO_MAP ? NULL : map;
}

static int made_count(void)
{
  int n = __atomic_load_n(&reserved, __ATOMIC_ACQUIRE);
  return n < LT_SHADOW_MAPS_MAX ? n : LT_SHADOW_MAPS_MAX;
}

long lt_shadow_collect(lt_block_t *out, long room)
{
  long n = 0;
  for (int k = 0, count = made_count(); k < count; k++) {
    uintptr_t region;
    const lt_shadow_map_t *map = made_map(k, &region);
    if (map)
      n += collect_map(map, region, out ? out + n : NULL, room - n);
  }
  return n;
}

int lt_shadow_storage(uintptr_t *start, uintptr_t *end, int room)
{
  int n = 0;
  for (int k = 0, count = made_count(); k < count && n < room; k++) {
    uintptr_t region;
    const lt_shadow_map_t *map = made_map(k, &region);
    if (map) {
      start[n] = (uintptr_t)map;
      end[n] = (uintptr_t)(map + 1);
      n++;
    }
  }
  return n;
}
