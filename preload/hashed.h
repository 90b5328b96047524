/* hashed.h — the live-block table's hash, for the blocks the direct map (shadow.h) cannot
 * hold: those of an allocator that packs blocks closer than 32 bytes, huge ones, and those
 * past its regions. A lock-free open-addressing hash. Insert and erase take no lock and
 * make no syscall on the common path; they may be called from any thread at any time,
 * concurrently with each other and with a snapshot. Keys are unique among live blocks
 * (the allocator never hands out a live address twice), which is what lets a slot be
 * claimed and released with a single compare-and-swap.
 *
 * The table is split into shards by 64 MiB of address space, so that threads with
 * arenas of their own write to tables of their own, and each region again into 16
 * segments by 64 KiB granules, so that a rebuild copies a small table. A shard's table
 * grows without stopping anyone: a full table publishes a larger one and every thread
 * that touches it moves a chunk of slots across until the old one is empty (cooperative
 * migration). Besides short waits on a slot another thread is settling, only an insert
 * into a new table that is already 7/8 full waits (yielding) for chunks still in flight.
 * A signal handler must not reenter the table on a thread that is inside it: track.c
 * keeps the reentrancy guard up, so a handler's malloc then goes untracked. Its memory
 * comes from mmap, never from the host's allocator: 16 bytes a slot. A table is rebuilt
 * when live blocks and tombstones take 5/8 of it (in a large table, an erase leaves no
 * tombstone when the next slot is empty), larger (by steps of a quarter or less) only if
 * live blocks take more than 3/8: so about 3/10 to 5/8 of a growing program's table
 * holds live blocks (26–53 bytes a block), and a churning program's table 3/10 to 3/8
 * after a rebuild (43–53 bytes a block). One table a shard in use once it is steady (a
 * migration holds two for its duration), 16 KiB at the least.
 */
#ifndef LT_HASHED_H
#define LT_HASHED_H

#include "blocks.h"

/* Record a block. Returns 0, or -ENOMEM when the table cannot grow. */
int lt_hashed_insert(uintptr_t addr, size_t size, uint32_t stack);

/* Forget a block. Returns 0 and fills *out (when non-NULL) with what was recorded, or
 * -ENOENT for an address the table does not hold. */
int lt_hashed_erase(uintptr_t addr, lt_block_t *out);

/* Copy the blocks into out (room entries at most), unsorted; a block caught between two
 * tables by a stopped migration may appear twice. With out NULL, count them. */
long lt_hashed_collect(lt_block_t *out, long room);

/* The address ranges of the tables' current storage: one per shard in use, two while it
 * migrates. Returns how many were written. */
#define LT_HASHED_STORAGE_MAX 512
int lt_hashed_storage(uintptr_t start[LT_HASHED_STORAGE_MAX], uintptr_t end[LT_HASHED_STORAGE_MAX]);

/* After fork, in the (single-threaded) child: finish any migration that a thread of the
 * parent left half done. */
void lt_hashed_after_fork_child(void);

#endif
