/* mark.h — the marking engine behind scan.h: memcheck's verdicts for an array of blocks
 * sorted by address, given the roots as words to look at.
 *
 * Rules (those of valgrind's mc_leakcheck.c, default options):
 *  - a word equal to a block's start, found in a root or in a reachable block, makes the
 *    block reachable; one pointing into its interior makes it possible, as does any
 *    pointer found inside a possible block; a block is scanned again when it moves from
 *    possible to reachable;
 *  - memcheck's default heuristics turn some interior pointers into start pointers:
 *    stdstring (offset 24 after length and capacity), length64 and newarray (offset 8
 *    after a length or count);
 *  - a zero-sized block is pointed to by its own address;
 *  - among the blocks left, in address order, each still unreached block leads a clique:
 *    every unreached block found from it (start or interior) is indirect; the leaders
 *    that remain are direct, so one member of an unreachable cycle is direct.
 *
 * Lookups go through an index built at begin: blocks are cut into regions at gaps over
 * 1 MiB, each region has a table of slots of 2^k bytes giving the first block that may
 * contain an address of the slot (about one block a slot), and each block's [start, end)
 * sits in a compact array beside its marking state. Words that fall in the heap's range
 * are not looked up one by one but in batches, whose cache misses overlap; blocks to
 * scan are swept in address order. Both change only the order of the work, never the
 * verdicts (see mark.c). Everything lives in one anonymous mapping (about 30 bytes a
 * block, in huge pages where the kernel grants them); nothing calls malloc or takes a
 * lock, so it runs with the world stopped. Not thread-safe: one marker at a
 * time per lt_mark_t. */
#ifndef LT_MARK_H
#define LT_MARK_H

#include "blocks.h"

/* For the functions that read arbitrary process memory as words (allocator redzones,
 * other modules' data): a sanitized unit-test build must not flag those reads. */
#define LT_SCAN_RAW __attribute__((no_sanitize("address", "undefined", "thread")))

/* Root-word flag: the words come from the C library's own data, which holds the
 * allocator's state (glibc's main_arena: top chunk, bins). Its pointers to a chunk
 * header, which lies in the last word of the block before, are not pointers into that
 * block. */
#define LT_MARK_ALLOCATOR_STATE 1u

typedef struct lt_mark_region lt_mark_region_t;
typedef struct lt_mark_span lt_mark_span_t;
typedef struct lt_mark_cand lt_mark_cand_t;

typedef struct lt_mark {
  lt_block_t *blocks;
  long n;
  uintptr_t lo, hi;             /* lowest block start, highest block end */
  lt_mark_region_t *regions;
  long nregions;
  lt_mark_span_t *spans;        /* per block: [start, end) */
  uint32_t *slots;
  uint8_t *state;               /* per block: its kind while marking */
  uint64_t *todo;               /* bitmap: kind rose since the block was last scanned */
  long pending;                 /* bits set in todo */
  uint32_t *stack;              /* the clique pass's blocks to scan; a sweep's list */
  long top;
  lt_mark_cand_t *batch;        /* words waiting to be looked up */
  int nbatch;
  int phase;                    /* mark.c's pass: reachable, possible, or cliques */
  long leader;                  /* the clique being gathered */
  int resident_only;            /* skip blocks' pages that are not resident (no swap) */
  void *mem;
  size_t mem_bytes;
} lt_mark_t;

/* Build the index and mark every block unreached (kind LT_KIND_UNFREED). blocks must be
 * sorted by address and must not overlap. Returns 0 or -ENOMEM. */
int lt_mark_begin(lt_mark_t *m, lt_block_t *blocks, long n);

/* Index of the block containing addr (a zero-sized block contains its own address),
 * or -1. */
long lt_mark_find(const lt_mark_t *m, uintptr_t addr);

/* Root words: every word is looked at as a possible pointer. The values are taken
 * during the call (the array may be reused as soon as it returns); their lookups may
 * wait until lt_mark_finish. */
void lt_mark_root_words(lt_mark_t *m, const uintptr_t *words, size_t count, unsigned flags);

/* A block that is itself a root (reachable whatever points to it, contents scanned). */
void lt_mark_root_block(lt_mark_t *m, long index);

/* Propagate from the roots, then sort the rest into indirect and direct: afterwards
 * every block's kind is DIRECT, INDIRECT, POSSIBLE or REACHABLE. */
void lt_mark_finish(lt_mark_t *m);

/* The engine's own memory, so the root scan can skip it. */
void lt_mark_memory(const lt_mark_t *m, uintptr_t *start, uintptr_t *end);

void lt_mark_end(lt_mark_t *m);

#endif
