/* symmap.c — open-addressing hash from (pointer, number) to a pointer, for the
 * session's caches: lookups are the hot path of symbolizing a large report. */
#include <errno.h>
#include <stdlib.h>

#include "sym.h"

static size_t hash_key(const void *kp, uint64_t kn) {
  uint64_t h = (uint64_t)(uintptr_t)kp * 0x9e3779b97f4a7c15ull ^ kn;
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdull;
  h ^= h >> 33;
  return (size_t)h;
}

void *lt_symmap_get(const lt_symmap_t *map, const void *kp, uint64_t kn) {
  if (map->cap == 0)
    return NULL;
  size_t mask = map->cap - 1;
  for (size_t i = hash_key(kp, kn) & mask;; i = (i + 1) & mask) {
    const lt_symmap_slot_t *s = &map->slots[i];
    if (s->value == NULL)
      return NULL;
    if (s->kp == kp && s->kn == kn)
      return s->value;
  }
}

static void insert_slot(lt_symmap_slot_t *slots, size_t cap, const lt_symmap_slot_t *in) {
  size_t mask = cap - 1;
  size_t i = hash_key(in->kp, in->kn) & mask;
  while (slots[i].value != NULL)
    i = (i + 1) & mask;
  slots[i] = *in;
}

int lt_symmap_put(lt_symmap_t *map, const void *kp, uint64_t kn, void *value) {
  if ((map->count + 1) * 2 > map->cap) {
    size_t cap = map->cap ? map->cap * 2 : 64;
    lt_symmap_slot_t *slots = calloc(cap, sizeof(*slots));
    if (slots == NULL)
      return -ENOMEM;
    for (size_t i = 0; i < map->cap; i++)
      if (map->slots[i].value != NULL)
        insert_slot(slots, cap, &map->slots[i]);
    free(map->slots);
    map->slots = slots;
    map->cap = cap;
  }
  lt_symmap_slot_t in = {kp, kn, value};
  insert_slot(map->slots, map->cap, &in);
  map->count++;
  return 0;
}

void lt_symmap_free(lt_symmap_t *map) {
  free(map->slots);
  map->slots = NULL;
  map->cap = map->count = 0;
}
