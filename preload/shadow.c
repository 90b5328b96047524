/* shadow.c — the direct map's regions and its readers (contract in shadow.h). */
#include "shadow.h"
#include "mem.h"

lt_shadow_map_t *lt_shadow_maps[(size_t)1 << (LT_SHADOW_ADDRESS_BITS - LT_SHADOW_REGION_SHIFT)];

/* The regions with a map, by the order their maps were made: the readers walk this, not
 * lt_shadow_maps, whose 16 MiB would all become resident if read. An index is reserved
 * before the mapping is made; it holds the region's number + 1 once published, and
 * UNUSED when its maker lost the race for the region. */
#define UNUSED UINT32_MAX
static uint32_t made[LT_SHADOW_MAPS_MAX];
static int reserved;

/* Made on the allocation path, once a region: a thread that loses the race for a region
 * unmaps its own mapping and uses the winner's. Past LT_SHADOW_MAPS_MAX regions (so that
 * the scan's list of leaktrace's memory stays bounded), or when mmap fails, the region is
 * marked LT_SHADOW_NO_MAP and the hash takes its blocks. */
lt_shadow_map_t *lt_shadow_map_new(uintptr_t addr)
{
  uint32_t region = (uint32_t)(addr >> LT_SHADOW_REGION_SHIFT);
  lt_shadow_map_t **slot = &lt_shadow_maps[region], *none = NULL, *map = NULL;
  int k = LT_SHADOW_MAPS_MAX;
  if (__atomic_load_n(&reserved, __ATOMIC_RELAXED) < LT_SHADOW_MAPS_MAX)
    k = __atomic_fetch_add(&reserved, 1, __ATOMIC_RELAXED);
  if (k < LT_SHADOW_MAPS_MAX)
    map = lt_mem_map(sizeof *map);
  if (__atomic_compare_exchange_n(slot, &none, map ? map : LT_SHADOW_NO_MAP, 0, __ATOMIC_ACQ_REL,
                                  __ATOMIC_ACQUIRE)) {
    if (k < LT_SHADOW_MAPS_MAX)
      __atomic_store_n(&made[k], map ? region + 1 : UNUSED, __ATOMIC_RELEASE);
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
      if (out) {
        out[n].addr = region | i << LT_SHADOW_GRANULE_SHIFT | (e >> 24 & 31);
        out[n].size = e >> 30;
        out[n].stack = (uint32_t)(e & 0xffffff);
        out[n].kind = LT_KIND_UNFREED;
      }
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
  /* Published only with a map of its own: never LT_SHADOW_NO_MAP. */
  *region = (uintptr_t)(r - 1) << LT_SHADOW_REGION_SHIFT;
  return __atomic_load_n(&lt_shadow_maps[r - 1], __ATOMIC_ACQUIRE);
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
