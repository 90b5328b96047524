/* maps.h — the process's memory mappings, read from /proc/self/maps without malloc or
 * stdio, so that the reporter can read them while every other thread is stopped (one of
 * them may hold the allocator's lock).
 *
 * The table lives in an mmap'd array owned by this module; a read replaces the previous
 * contents. Only one thread (the reporter) reads at a time. */
#ifndef LT_MAPS_H
#define LT_MAPS_H

#include "lt.h"

#define LT_MAP_R 1u
#define LT_MAP_W 2u
#define LT_MAP_X 4u
#define LT_MAP_SHARED 8u

typedef struct lt_map {
  uintptr_t start;
  uintptr_t end;
  unsigned prot;        /* LT_MAP_* bits */
  unsigned long inode;  /* 0 for anonymous memory */
  char name[88];        /* path or [heap]/[stack]/...; truncated, "" when anonymous */
} lt_map_t;

/* Read every mapping, sorted by address as the kernel lists them. Returns the count and
 * sets *maps (valid until the next call), or -errno. */
long lt_maps_read(const lt_map_t **maps);

/* Index of the mapping containing addr in maps[0..n), or -1. */
long lt_maps_find(const lt_map_t *maps, long n, uintptr_t addr);

#endif
