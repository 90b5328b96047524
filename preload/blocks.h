/* blocks.h — the live-block table: every block the program holds, keyed by its address.
 *
 * Two stores behind one interface, both lock-free, neither calling the host's allocator.
 * The direct map (shadow.h) holds nearly every block: one entry for each 32 bytes of a
 * heap, found from the address alone, so that a malloc/free pair costs a compare-and-swap
 * and a store (8 bytes a block, 4 KiB of map for each 16 KiB of heap where blocks
 * start). The hash (hashed.h) holds the rest: blocks an allocator
 * packs closer than 32 bytes, blocks of 16 GiB or more, addresses past 2^47 (26–53 bytes
 * a block). Insert and erase may be called from any thread at any time, concurrently with
 * each other and with a snapshot.
 *
 * A snapshot copies the live blocks into an mmap'd array sorted by address; it never
 * calls malloc, so the reporter may take one while every other thread is stopped,
 * whatever lock inside the real allocator they hold. */
#ifndef LT_BLOCKS_H
#define LT_BLOCKS_H

#include "lt.h"

/* Verdicts, in the order the report prints them. */
typedef enum {
  LT_KIND_DIRECT,
  LT_KIND_INDIRECT,
  LT_KIND_POSSIBLE,
  LT_KIND_REACHABLE,
  LT_KIND_UNFREED,
  LT_KIND_SUPPRESSED,
  LT_KIND_COUNT
} lt_kind_t;

/* One live block as a report sees it. */
typedef struct lt_block {
  uintptr_t addr;
  size_t size;
  uint32_t stack;   /* stack depot id */
  uint32_t kind;    /* lt_kind_t, filled by the scan (LT_KIND_UNFREED until then) */
} lt_block_t;

/* Record a block. Returns 0, or -ENOMEM when the table cannot grow (the block is
 * then simply not tracked). */
int lt_blocks_insert(uintptr_t addr, size_t size, uint32_t stack);

/* Forget a block. Returns 0 and fills *out (when non-NULL) with what was recorded,
 * or -ENOENT for an address the table does not hold (allocated before leaktrace
 * was active, or by leaktrace itself). */
int lt_blocks_erase(uintptr_t addr, lt_block_t *out);

/* Copy every live block into a new mmap'd array sorted by address. Returns the
 * count and sets *out (NULL when the count is 0 or on failure, with -ENOMEM
 * returned). Free the array with lt_blocks_snapshot_free. */
long lt_blocks_snapshot(lt_block_t **out);
void lt_blocks_snapshot_free(lt_block_t *blocks);

/* The address ranges of the table's storage, so the scan can skip them: the direct map's
 * regions, then the hash's tables. Returns how many were written. */
#define LT_BLOCKS_STORAGE_MAX 1024
int lt_blocks_storage(uintptr_t start[LT_BLOCKS_STORAGE_MAX], uintptr_t end[LT_BLOCKS_STORAGE_MAX]);

/* After fork, in the (single-threaded) child: finish any migration that a thread of the
 * parent left half done. */
void lt_blocks_after_fork_child(void);

#endif
