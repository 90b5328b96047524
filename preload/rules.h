/* rules.h — frame rules by code address, cached in front of cfi.c for the stack walker.
 *
 * A rule is packed with its code address into one 64-bit word, so the cache is shared
 * by every thread without a lock: a word is written and read whole, and a reader that
 * finds its own address in a word has that address's rule. The cache is 4-way set
 * associative, 2048 sets of one half cache line each (64 KiB); a miss reads .eh_frame
 * (a few microseconds) and fills a way. Addresses whose rule the walker cannot follow
 * are cached too, as "unusable", so that a miss is paid once per code address. */
#ifndef LT_RULES_H
#define LT_RULES_H

#include "lt.h"

typedef uint64_t lt_rule_t;

/* Layout of a rule word: the code address's high bits (its low bits are implied by the
 * set) above 28 bits of rule. */
#define LT_RULE_SETS 2048u
#define LT_RULE_WAYS 4u
#define LT_RULE_SET_BITS 11
#define LT_RULE_BITS 28
#define LT_RULE_VALID ((lt_rule_t)1 << 0)
#define LT_RULE_USABLE ((lt_rule_t)1 << 1)
#define LT_RULE_OUTERMOST ((lt_rule_t)1 << 2)
#define LT_RULE_CFA_RBP ((lt_rule_t)1 << 3)
#define LT_RULE_CFA_SHIFT 4      /* CFA offset / 8, 16 bits */
#define LT_RULE_RBP_SAVED ((lt_rule_t)1 << 20)
#define LT_RULE_RBP_SHIFT 21     /* -(rbp offset) / 8, 7 bits */

extern lt_rule_t lt_rules_cache[LT_RULE_SETS][LT_RULE_WAYS] LT_HIDDEN;

static inline unsigned lt_rules_set(uintptr_t pc)
{
  return (unsigned)(pc ^ (pc >> LT_RULE_SET_BITS) ^ (pc >> (2 * LT_RULE_SET_BITS))) &
         (LT_RULE_SETS - 1);
}

/* Looks up and, on a miss, computes and caches. Not usable: 0 or a word without
 * LT_RULE_USABLE. */
lt_rule_t lt_rules_miss(uintptr_t pc);

static inline lt_rule_t lt_rules_get(uintptr_t pc)
{
  if (lt_unlikely(pc >> 47)) /* not user-space code; its tag would not fit */
    return 0;
  const lt_rule_t *set = lt_rules_cache[lt_rules_set(pc)];
  lt_rule_t tag = (lt_rule_t)(pc >> LT_RULE_SET_BITS) << LT_RULE_BITS;
  for (unsigned w = 0; w < LT_RULE_WAYS; w++) {
    lt_rule_t r = __atomic_load_n(&set[w], __ATOMIC_RELAXED);
    if ((r & ~(((lt_rule_t)1 << LT_RULE_BITS) - 1)) == tag && (r & LT_RULE_VALID))
      return r;
  }
  return lt_rules_miss(pc);
}

static inline long lt_rule_cfa_offset(lt_rule_t r)
{
  return (long)((r >> LT_RULE_CFA_SHIFT) & 0xffff) * 8;
}

static inline long lt_rule_rbp_offset(lt_rule_t r)
{
  return -(long)((r >> LT_RULE_RBP_SHIFT) & 0x7f) * 8;
}

#endif
