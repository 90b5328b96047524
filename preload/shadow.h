/* shadow.h — the live-block table's direct map: one 8-byte entry for every 32 bytes of
 * address space, so that recording or forgetting a block is one store to a place its
 * address names, with no hashing, probing or migration.
 *
 * glibc never hands out two live blocks closer than 32 bytes (its smallest chunk), so
 * each of its blocks has an entry to itself; an entry also keeps the address's low five
 * bits, and an allocator that packs blocks closer (jemalloc's 8- and 16-byte classes)
 * finds the entry taken and its block goes to the hashed table (hashed.h) instead, as do
 * blocks of 16 GiB or more and addresses past 2^47. The entries of a 64 MiB region sit
 * in a mapping of 16 MiB made when the region gets its first block; a page of it becomes
 * resident when a block starts in the 16 KiB of heap it describes, so it costs a quarter
 * of the heap at most, and a bitmap of the pages ever written lets a snapshot read only
 * those. Past LT_SHADOW_MAPS_MAX regions with blocks, the hash takes the rest. Erase clears an entry with a plain store, since only the free
 * of the block itself writes a taken entry; so does insert under glibc, where no other
 * live block shares the entry, and under any other allocator it claims the entry with a
 * compare-and-swap, so that two threads never take one at once. */
#ifndef LT_SHADOW_H
#define LT_SHADOW_H

#include "blocks.h"
#include "real.h"

#include <errno.h>

#define LT_SHADOW_REGION_SHIFT 26
#define LT_SHADOW_ADDRESS_BITS 47
#define LT_SHADOW_GRANULE_SHIFT 5
#define LT_SHADOW_ENTRIES ((size_t)1 << (LT_SHADOW_REGION_SHIFT - LT_SHADOW_GRANULE_SHIFT))
#define LT_SHADOW_PAGES (LT_SHADOW_ENTRIES * 8 / 4096)
/* Regions with a map of their own at most; blocks of others go to the hashed table. */
#define LT_SHADOW_MAPS_MAX 512

/* A region's map: the written-pages bitmap in its first page, then the entries. */
typedef struct lt_shadow_map {
  uint64_t written[LT_SHADOW_PAGES / 64];
  char pad[4096 - LT_SHADOW_PAGES / 8];
  uint64_t entry[LT_SHADOW_ENTRIES];
} lt_shadow_map_t;

extern lt_shadow_map_t *lt_shadow_maps[(size_t)1 << (LT_SHADOW_ADDRESS_BITS - LT_SHADOW_REGION_SHIFT)]
    LT_HIDDEN;

/* An entry: size << 30 | taken << 29 | address bits 0..4 << 24 | stack id. */
#define LT_SHADOW_TAKEN ((uint64_t)1 << 29)
#define LT_SHADOW_SIZE_LIMIT ((uint64_t)1 << 34)

static inline uint64_t lt_shadow_entry(uintptr_t addr, size_t size, uint32_t stack)
{
  return (uint64_t)size << 30 | LT_SHADOW_TAKEN | (uint64_t)(addr & 31) << 24 | (stack & 0xffffff);
}

/* A region whose map could not be made (no memory, LT_SHADOW_MAPS_MAX reached, or the
 * maps' share of a memory limit): its blocks go to the hash from then on, with no mmap
 * tried again at every malloc. */
#define LT_SHADOW_NO_MAP ((lt_shadow_map_t *)1)

/* The block an entry records at addr. */
static inline void lt_shadow_block(uintptr_t addr, uint64_t e, lt_block_t *out)
{
  out->addr = addr;
  out->size = e >> 30;
  out->stack = (uint32_t)(e & 0xffffff);
  out->kind = LT_KIND_UNFREED;
}

/* The region's map, made on its first block; NULL when it cannot be. */
lt_shadow_map_t *lt_shadow_map_new(uintptr_t addr);

/* 0: recorded; -1: the block belongs in the hashed table. */
static inline int lt_shadow_insert(uintptr_t addr, size_t size, uint32_t stack)
{
  if (lt_unlikely(addr >> LT_SHADOW_ADDRESS_BITS || size >= LT_SHADOW_SIZE_LIMIT))
    return -1;
  lt_shadow_map_t *map =
      __atomic_load_n(&lt_shadow_maps[addr >> LT_SHADOW_REGION_SHIFT], __ATOMIC_ACQUIRE);
  if (lt_unlikely((uintptr_t)map <= (uintptr_t)LT_SHADOW_NO_MAP) &&
      (map == LT_SHADOW_NO_MAP || !(map = lt_shadow_map_new(addr))))
    return -1;
  size_t i = (addr >> LT_SHADOW_GRANULE_SHIFT) & (LT_SHADOW_ENTRIES - 1);
  uint64_t *word = &map->written[i >> 15], bit = (uint64_t)1 << (i >> 9 & 63);
  if (lt_unlikely(!(__atomic_load_n(word, __ATOMIC_RELAXED) & bit)))
    __atomic_fetch_or(word, bit, __ATOMIC_RELAXED);
  uint64_t *entry = &map->entry[i], none = 0;
  if (lt_likely(lt_real.glibc)) {
    if (lt_unlikely(__atomic_load_n(entry, __ATOMIC_RELAXED) != 0))
      return -1;
    __atomic_store_n(entry, lt_shadow_entry(addr, size, stack), __ATOMIC_RELEASE);
    return 0;
  }
  return __atomic_compare_exchange_n(entry, &none, lt_shadow_entry(addr, size, stack), 0,
                                     __ATOMIC_RELEASE, __ATOMIC_RELAXED)
             ? 0
             : -1;
}

/* 0: erased, *out filled when non-NULL; -ENOENT: not in the direct map. */
static inline int lt_shadow_erase(uintptr_t addr, lt_block_t *out)
{
  if (lt_unlikely(addr >> LT_SHADOW_ADDRESS_BITS))
    return -ENOENT;
  lt_shadow_map_t *map =
      __atomic_load_n(&lt_shadow_maps[addr >> LT_SHADOW_REGION_SHIFT], __ATOMIC_ACQUIRE);
  if (lt_unlikely((uintptr_t)map <= (uintptr_t)LT_SHADOW_NO_MAP))
    return -ENOENT;
  uint64_t *entry = &map->entry[(addr >> LT_SHADOW_GRANULE_SHIFT) & (LT_SHADOW_ENTRIES - 1)];
  uint64_t e = __atomic_load_n(entry, __ATOMIC_RELAXED);
  if (lt_unlikely((e & (LT_SHADOW_TAKEN | (uint64_t)31 << 24)) !=
                  (LT_SHADOW_TAKEN | (uint64_t)(addr & 31) << 24)))
    return -ENOENT;
  __atomic_store_n(entry, 0, __ATOMIC_RELAXED);
  if (out)
    lt_shadow_block(addr, e, out);
  return 0;
}

/* Copy the blocks of the direct map into out (room entries at most), unsorted; with out
 * NULL, count them. */
long lt_shadow_collect(lt_block_t *out, long room);

/* The maps' address ranges, as lt_blocks_storage gives them; returns how many. */
int lt_shadow_storage(uintptr_t *start, uintptr_t *end, int room);

#endif
