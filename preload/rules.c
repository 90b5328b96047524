/* rules.c — filling the frame-rule cache (layout and sharing in rules.h). */
#include "rules.h"
#include "cfi.h"

lt_rule_t lt_rules_cache[LT_RULE_SETS][LT_RULE_WAYS] __attribute__((aligned(64)));

/* The packed form of a rule; 0 when a field does not fit (the walker then treats the
 * address as unusable, without caching, and falls back). */
static lt_rule_t pack(const lt_cfi_rule_t *r)
{
  if (r->outermost)
    return LT_RULE_VALID | LT_RULE_USABLE | LT_RULE_OUTERMOST;
  if (r->cfa_offset <= 0 || r->cfa_offset % 8 || r->cfa_offset / 8 > 0xffff)
    return 0;
  lt_rule_t w = LT_RULE_VALID | LT_RULE_USABLE | (lt_rule_t)(r->cfa_offset / 8) << LT_RULE_CFA_SHIFT;
  if (r->cfa_reg == LT_CFI_RBP)
    w |= LT_RULE_CFA_RBP;
  if (r->rbp_saved) {
    if (r->rbp_offset >= 0 || r->rbp_offset % 8 || -r->rbp_offset / 8 > 0x7f)
      return 0;
    w |= LT_RULE_RBP_SAVED | (lt_rule_t)(-r->rbp_offset / 8) << LT_RULE_RBP_SHIFT;
  }
  return w;
}

lt_rule_t lt_rules_miss(uintptr_t pc)
{
  lt_cfi_rule_t rule;
  lt_rule_t w = lt_cfi_rule_at(pc, &rule) == 0 ? pack(&rule) : LT_RULE_VALID;
  if (!(w & LT_RULE_VALID))
    return 0;
  w |= (lt_rule_t)(pc >> LT_RULE_SET_BITS) << LT_RULE_BITS;
  lt_rule_t *set = lt_rules_cache[lt_rules_set(pc)];
  unsigned way = (unsigned)(pc >> 4) % LT_RULE_WAYS;
  for (unsigned k = 0; k < LT_RULE_WAYS; k++)
    if (__atomic_load_n(&set[k], __ATOMIC_RELAXED) == 0) {
      way = k;
      break;
    }
  __atomic_store_n(&set[way], w, __ATOMIC_RELAXED);
  return w;
}
