/* unwind.c — stack capture: a memoized walk by cached frame rules, with libunwind's
 * fast trace where the rules run out (design in unwind.h). */
#include "unwind.h"
#include "rules.h"
#include "stacks.h"

#define UNW_LOCAL_ONLY
#include <libunwind.h>

#include <string.h>

extern char __start_lt_hot[] LT_HIDDEN;
extern char __stop_lt_hot[] LT_HIDDEN;

/* Our own frames above the caller: capture, the tracking call, the entry point, plus
 * room for a C++ operator new that calls malloc. */
#define OWN_FRAMES_ALLOWANCE 6

/* Our own frames together never take more than this. */
#define OWN_STACK_BYTES ((uintptr_t)64 << 10)

/* A frame larger than this means the rule or the register it reads is not what the
 * code did: stop rather than read far away. */
#define MAX_FRAME_BYTES ((uintptr_t)1 << 28)

/* libunwind's default cache is global and locked; per-thread keeps threads apart. */
void lt_unwind_init(void)
{
  unw_set_caching_policy(unw_local_addr_space, UNW_CACHE_PER_THREAD);
}

static inline int is_ours(uintptr_t pc)
{
  return pc >= (uintptr_t)__start_lt_hot && pc < (uintptr_t)__stop_lt_hot;
}

typedef struct regs {
  uintptr_t pc, sp, bp;
  int cfa_by_bp; /* the last step found the CFA through rbp */
} regs_t;

enum { STEP_FAILED = -1, STEP_OUTERMOST = 0, STEP_DONE = 1 };

/* Out of the frame whose rule is found at lookup: afterwards r->pc is the return
 * address and r->sp the CFA, so the return address was read from r->sp - 8. */
static inline int step(regs_t *r, uintptr_t lookup)
{
  lt_rule_t rule = lt_rules_get(lookup);
  if (lt_unlikely(!(rule & LT_RULE_USABLE)))
    return STEP_FAILED;
  if (rule & LT_RULE_OUTERMOST)
    return STEP_OUTERMOST;
  r->cfa_by_bp = (rule & LT_RULE_CFA_RBP) != 0;
  uintptr_t cfa = (r->cfa_by_bp ? r->bp : r->sp) + (uintptr_t)lt_rule_cfa_offset(rule);
  if (lt_unlikely(cfa <= r->sp || cfa - r->sp > MAX_FRAME_BYTES || (cfa & 7)))
    return STEP_FAILED;
  if (rule & LT_RULE_RBP_SAVED)
    r->bp = *(const uintptr_t *)(cfa + (uintptr_t)lt_rule_rbp_offset(rule));
  r->sp = cfa;
  r->pc = *(const uintptr_t *)(cfa - 8);
  return r->pc ? STEP_DONE : STEP_OUTERMOST;
}

/* Our own frames (lt_hot: this one, the tracking call, the entry point) all keep frame
 * pointers (built with -fno-omit-frame-pointer), so the rbp chain leaves them in a few
 * loads where rule lookups cost some sixty instructions a frame. Afterwards r holds the
 * caller's frame: its return address, the CFA of the entry point, its rbp. 0 if the
 * chain does not look like ours (then the rules walk from here). */
static inline __attribute__((always_inline)) int leave_own_frames(regs_t *r)
{
  uintptr_t here = (uintptr_t)__builtin_frame_address(0), bp = here;
  for (int i = 0; i < OWN_FRAMES_ALLOWANCE; i++) {
    const uintptr_t *frame = (const uintptr_t *)bp;
    if (!is_ours(frame[1])) {
      r->pc = frame[1];
      r->sp = bp + 16;
      r->bp = frame[0];
      r->cfa_by_bp = 0;
      return 1;
    }
    if (frame[0] <= bp || frame[0] - here > OWN_STACK_BYTES)
      return 0;
    bp = frame[0];
  }
  return 0;
}

/* The whole stack by libunwind, for stacks the rules cannot walk. */
LT_HOT static uint32_t by_libunwind(lt_unwind_memo_t *memo, int max)
{
  void *buf[LT_STACK_MAX_DEPTH + OWN_FRAMES_ALLOWANCE];
  int n = unw_backtrace(buf, max + OWN_FRAMES_ALLOWANCE);
  int first = 0;
  while (first < n && is_ours((uintptr_t)buf[first]))
    first++;
  int depth = n - first < max ? n - first : max;
  memo->depth = 0;
  return lt_stacks_intern((const uintptr_t *)(buf + first), (uint32_t)depth);
}

/* Can the memo's frames after j complete the walk (frame n was just found at memo frame
 * j)? They can if they reach max frames or the outermost one, and every slot the stack
 * takes still holds its return address; frames beyond max stay in the memo unchecked,
 * to be checked when a later stack takes them. Returns how many the memo keeps after
 * n, or -1. */
static int usable_tail(const lt_unwind_memo_t *memo, int j, int n, int max)
{
  int have = memo->depth - (j + 1);
  if (n + 1 + have < max && !memo->complete)
    return -1;
  int used = have < max - (n + 1) ? have : max - (n + 1);
  for (int k = j + 1; k <= j + used; k++)
    if (*(const uintptr_t *)memo->slot[k] != memo->ra[k])
      return -1;
  return have < LT_UNWIND_MEMO_DEPTH - (n + 1) ? have : LT_UNWIND_MEMO_DEPTH - (n + 1);
}

/* outer: the stack's outer record when the caller knows it, else 0. The memo then holds
 * the whole stack, its first frame on: the recent stacks keep it too. */
static uint32_t intern(lt_unwind_memo_t *memo, int max, uint32_t outer)
{
  int depth = memo->depth < max ? memo->depth : max;
  memo->outer = outer;
  memo->stack = lt_stacks_intern_known(memo->ra, (uint32_t)depth, &memo->outer);
  memo->stack_max = max;
  if (depth > 0 && !(memo->sized_by_bp & ((1ull << (depth - 1)) - 1)))
    lt_recent_keep(&memo->recent, memo->ra, memo->slot, depth, max, memo->stack);
  return memo->stack;
}

/* A loop, not memcmp: the common case is one or two frames, where the call into libc's
 * vector memcmp took 6% of a malloc/free churn's samples (the loop: 3% faster). */
static inline int same_frames(const uintptr_t *a, const uintptr_t *b, int n)
{
  for (int i = 0; i < n; i++)
    if (a[i] != b[i])
      return 0;
  return 1;
}

/* The walk met the memo: frames[0..n] are new, the memo's frames from j+1 follow. The
 * stack is the memo's own when the new frames are the memo's first ones; its outer
 * record is the memo's when only frames before the outer ones changed, in place.
 * by_bp: which of the new frames 0..n-1 were sized through rbp (frame n is the memo's
 * frame j, sized as it was). */
static uint32_t finish_from_memo(lt_unwind_memo_t *memo, const uintptr_t *ra,
                                 const uintptr_t *slot, int n, int j, int keep, int max,
                                 uint64_t by_bp)
{
  int whole_tail = keep == memo->depth - (j + 1);
  int same_tail = n == j && whole_tail && memo->stack && memo->stack_max == max;
  if (same_tail && same_frames(ra, memo->ra, n + 1))
    return memo->stack;
  uint32_t outer = same_tail && n < LT_STACKS_INNER ? memo->outer : 0;
  if (n != j) {
    memmove(&memo->ra[n + 1], &memo->ra[j + 1], (size_t)keep * sizeof *ra);
    memmove(&memo->slot[n + 1], &memo->slot[j + 1], (size_t)keep * sizeof *slot);
  }
  for (int i = 0; i <= n; i++) {
    memo->ra[i] = ra[i];
    memo->slot[i] = slot[i];
  }
  memo->depth = n + 1 + keep;
  memo->complete = memo->complete && whole_tail;
  memo->sized_by_bp = by_bp | (memo->sized_by_bp >> j << n);
  return intern(memo, max, outer);
}

static uint32_t remember(lt_unwind_memo_t *memo, const uintptr_t *ra, const uintptr_t *slot,
                         int n, int complete, int max, uint64_t by_bp)
{
  memcpy(memo->ra, ra, (size_t)n * sizeof *ra);
  memcpy(memo->slot, slot, (size_t)n * sizeof *slot);
  memo->depth = n;
  memo->complete = complete;
  memo->sized_by_bp = by_bp;
  return intern(memo, max, 0);
}

LT_HOT uint32_t lt_unwind_stack(lt_unwind_memo_t *memo, int max)
{
  if (max > LT_UNWIND_MEMO_DEPTH)
    return by_libunwind(memo, max);
  uintptr_t ra[LT_UNWIND_MEMO_DEPTH], slot[LT_UNWIND_MEMO_DEPTH];
  regs_t r;
  int s = STEP_DONE;
  if (lt_likely(leave_own_frames(&r))) {
    uint32_t known = lt_recent_find(&memo->recent, r.pc, r.sp - 8, max);
    if (lt_likely(known))
      return known;
  } else {
    /* This very instruction's address and registers: the rules walk from this frame. */
    __asm__ volatile("lea 0(%%rip), %0\n\tmov %%rsp, %1\n\tmov %%rbp, %2"
                     : "=r"(r.pc), "=r"(r.sp), "=r"(r.bp));
    s = step(&r, r.pc);
  }
  int n = 0, j = 0;
  uint64_t by_bp = 0; /* bit k: frame k's size, so frame k + 1's slot, came through rbp */
  /* A caller's rule is looked up at its call instruction (return address - 1): the
   * return address may already begin another function. */
  for (;; s = step(&r, r.pc - 1)) {
    if (lt_unlikely(s == STEP_FAILED))
      return by_libunwind(memo, max);
    if (n > 0 && r.cfa_by_bp)
      by_bp |= 1ull << (n - 1);
    if (s == STEP_OUTERMOST || n == LT_UNWIND_MEMO_DEPTH)
      return remember(memo, ra, slot, n, s == STEP_OUTERMOST, max, by_bp);
    if (n == 0 && is_ours(r.pc))
      continue;
    ra[n] = r.pc;
    slot[n] = r.sp - 8;
    while (j < memo->depth && memo->slot[j] < slot[n])
      j++;
    if (j < memo->depth && memo->slot[j] == slot[n] && memo->ra[j] == ra[n]) {
      int keep = usable_tail(memo, j, n, max);
      if (keep >= 0)
        return finish_from_memo(memo, ra, slot, n, j, keep, max, by_bp);
    }
    n++;
  }
}
