/* stacks.h — the stack depot: allocation stacks interned once, named by a 32-bit id.
 *
 * Insert-only and lock-free: a stack is hashed, looked up in a chained hash whose
 * buckets are pushed with compare-and-swap, and appended to a bump arena reserved
 * with mmap (only the touched pages cost memory). Ids are never reused; 0 means
 * "no stack". Reading a stack by id copies one or two records, safe from any thread. */
#ifndef LT_STACKS_H
#define LT_STACKS_H

#include "lt.h"

#define LT_STACK_MAX_DEPTH 256

/* A stack deeper than this many frames is stored as its first LT_STACKS_INNER frames and
 * a shared record of the rest, its outer record. */
#define LT_STACKS_INNER 9

/* Intern frames[0..depth). Returns the stack's id, or 0 when the arena is full. */
uint32_t lt_stacks_intern(const uintptr_t *frames, uint32_t depth);

/* The same, for a caller that may already hold the outer record of frames[0..depth):
 * *outer is that record, or 0 when unknown. On return *outer is the stack's outer record
 * (0 if it has none). Skips hashing and looking up the outer frames when known: a thread's
 * next stack often differs from its last only near the top. */
uint32_t lt_stacks_intern_known(const uintptr_t *frames, uint32_t depth, uint32_t *outer);

/* Copy the frames of a stack id (return addresses as captured, innermost first) into
 * frames; returns how many, 0 for id 0. */
uint32_t lt_stacks_get(uint32_t id, uintptr_t frames[LT_STACK_MAX_DEPTH]);

/* How many records (a stack, or the part of a deep stack that others share) and how
 * many arena bytes are in use. */
void lt_stacks_usage(uint64_t *count, uint64_t *bytes);

#endif
