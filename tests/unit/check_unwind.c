/* check_unwind.c — stack capture: the rule walk and its memo give libunwind's frames,
 * whatever stack came before on the thread. */
#include <check.h>
#include "lt_check.h"
#include <alloca.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>

#include "cfi.h"
#include "stacks.h"
#include "unwind.h"

#define UNW_LOCAL_ONLY
#include <libunwind.h>

#define NOINLINE __attribute__((noinline))
#define DEPTH 32

static __thread lt_unwind_memo_t memo;

typedef struct capture {
  uintptr_t ours[LT_STACK_MAX_DEPTH];
  uint32_t nours;
  void *theirs[LT_STACK_MAX_DEPTH];
  int ntheirs;
} capture_t;

/* Both captures from the same frame: from frame 1 on (this function's callers) they
 * must agree. Asserts nothing itself: it also runs in a signal handler. */
static NOINLINE void capture(capture_t *c, int max)
{
  uint32_t id = lt_unwind_stack(&memo, max);
  c->nours = lt_stacks_get(id, c->ours);
  c->ntheirs = unw_backtrace(c->theirs, max);
  __asm__ volatile("" ::: "memory"); /* keep the calls from becoming tail calls */
}

static void assert_agree(const capture_t *c, int max)
{
  ck_assert_uint_gt(c->nours, 0);
  ck_assert_int_eq((int)c->nours, c->ntheirs < max ? c->ntheirs : max);
  for (uint32_t i = 1; i < c->nours; i++)
    ck_assert_msg(c->ours[i] == (uintptr_t)c->theirs[i], "frame %u: %#lx vs %p", i,
                  (unsigned long)c->ours[i], c->theirs[i]);
}

static NOINLINE int recurse(capture_t *c, int depth, int max)
{
  if (depth == 0) {
    capture(c, max);
    return 0;
  }
  int r = recurse(c, depth - 1, max);
  __asm__ volatile("" ::: "memory");
  return r + 1;
}

/* A frame of run-time size: its CFA is found through rbp. */
static NOINLINE int with_alloca(capture_t *c, size_t bytes, int depth)
{
  volatile char *buf = alloca(bytes);
  buf[0] = 1;
  int r = recurse(c, depth, DEPTH);
  return r + buf[0];
}

/* For the tests of the memo: with the recent stacks forgotten, every capture walks. */
static void forget_recent(void)
{
  lt_recent_clear(&memo.recent);
}

/* Were the frames of the memo's stack, but its last, all of fixed size? Not where the
 * code keeps frame pointers (the sanitizer builds): every CFA then comes from rbp, and
 * the recent stacks must keep nothing. */
static int memo_frames_fixed(void)
{
  int depth = memo.depth < DEPTH ? memo.depth : DEPTH;
  return depth > 0 && !(memo.sized_by_bp & ((1ull << (depth - 1)) - 1));
}

static NOINLINE int caller_a(capture_t *c) { return recurse(c, 3, DEPTH) + 1; }
static NOINLINE int caller_b(capture_t *c) { return recurse(c, 3, DEPTH) + 2; }
static NOINLINE int caller_c(capture_t *c) { return recurse(c, 3, DEPTH) + 3; }
static NOINLINE int caller_d(capture_t *c) { return recurse(c, 3, DEPTH) + 4; }
static NOINLINE int caller_e(capture_t *c) { return recurse(c, 3, DEPTH) + 5; }
static NOINLINE int caller_f(capture_t *c) { return recurse(c, 3, DEPTH) + 6; }

START_TEST(walk_agrees_with_libunwind)
{
  capture_t c;
  int depths[] = {0, 5, 40, 2, 40, 70, 1, 70, 12};
  for (size_t i = 0; i < sizeof depths / sizeof *depths; i++) {
    recurse(&c, depths[i], DEPTH);
    assert_agree(&c, DEPTH);
  }
}
END_TEST

START_TEST(memo_sees_a_changed_caller)
{
  capture_t a, b;
  for (int round = 0; round < 3; round++) {
    forget_recent();
    caller_a(&a);
    assert_agree(&a, DEPTH);
    forget_recent();
    caller_b(&b);
    assert_agree(&b, DEPTH);
    ck_assert(a.ours[5] != b.ours[5]); /* the return address into caller_a or caller_b */
  }
}
END_TEST

/* Six stacks that differ only in the caller, five frames up: their first frame is the
 * same, so they share a set of the recent stacks (recent.h), which holds four. Each
 * must be told from the others by its slots, also after the set has replaced some. */
START_TEST(recent_stacks_with_one_first_frame)
{
  int (*callers[])(capture_t *) = {caller_a, caller_b, caller_c, caller_d, caller_e, caller_f};
  enum { CALLERS = sizeof callers / sizeof *callers };
  capture_t c[CALLERS];
  int order[] = {0, 1, 2, 3, 4, 5, 5, 4, 0, 2, 0, 1, 3, 5};
  forget_recent();
  for (size_t k = 0; k < sizeof order / sizeof *order; k++) {
    callers[order[k]](&c[order[k]]);
    assert_agree(&c[order[k]], DEPTH);
  }
  for (int i = 0; i < CALLERS; i++)
    for (int j = 0; j < i; j++)
      ck_assert(c[i].ours[5] != c[j].ours[5]);
  int kept = 0; /* entries with the shared first frame: one full set */
  for (int set = 0; set < LT_RECENT_SETS; set++)
    for (int w = 0; w < LT_RECENT_WAYS; w++)
      kept += memo.recent.set[set][w].stack != 0 && memo.recent.set[set][w].ra0 == c[0].ours[0];
  ck_assert_int_eq(kept, memo_frames_fixed() ? LT_RECENT_WAYS : 0);
}
END_TEST

/* A recent stack is answered without a walk: the memo, which only a walk updates, still
 * holds the stack taken before (in code with frame pointers: there is no recent stack,
 * and the memo walked). */
START_TEST(recent_stack_needs_no_walk)
{
  capture_t a, b;
  uintptr_t walked = 0;
  forget_recent();
  for (volatile int round = 0; round < 2; round++) { /* not unrolled: the same stacks */
    caller_a(&a);
    assert_agree(&a, DEPTH);
    if (round == 1) {
      ck_assert(a.ours[5] != walked);
      ck_assert_uint_eq(memo.ra[5], memo_frames_fixed() ? walked : a.ours[5]);
    }
    caller_b(&b);
    walked = memo.ra[5]; /* the return address into caller_b */
  }
}
END_TEST

/* A frame of run-time size between a stack and its callers: after via_big's capture, an
 * alloca of another size puts alloca_leaf's frame, and so every slot below it, exactly
 * where via_big's call had it, while the slot of its return address moves. The old slot
 * lies in the new alloca buffer and still holds the return address into via_big: only a
 * walk through the frame's rule finds via_small. */
static uintptr_t alloca_at;

static __attribute__((noipa)) int alloca_leaf(capture_t *c, size_t bytes)
{
  volatile char *buf = alloca(bytes);
  buf[0] = 1;
  alloca_at = (uintptr_t)buf;
  capture(c, DEPTH);
  return buf[0];
}

static __attribute__((noipa)) int via_big(capture_t *c, size_t bytes)
{
  volatile char pad[65536];
  pad[0] = 0;
  return alloca_leaf(c, bytes) + pad[0];
}

static __attribute__((noipa)) int via_small(capture_t *c, size_t bytes)
{
  return alloca_leaf(c, bytes) + 2;
}

static __attribute__((noipa)) int through(int (*f)(capture_t *, size_t), capture_t *c,
                                          size_t bytes)
{
  return f(c, bytes) + 1;
}

START_TEST(alloca_frame_of_another_size)
{
  static int (*volatile via[])(capture_t *, size_t) = {via_small, via_big, via_small};
  capture_t c[3], other;
  uintptr_t at[3];
  size_t bytes = 16;
  forget_recent();
  /* One call site for the three: only the frames below it differ. */
  for (volatile int k = 0; k < 3; k++) {
    if (k == 2) {
      bytes = 16 + (at[0] - at[1]);
      caller_a(&other); /* the memo now holds another stack */
    }
    through(via[k], &c[k], bytes);
    at[k] = alloca_at;
  }
  ck_assert_uint_eq(at[2], at[1]);
  assert_agree(&c[2], DEPTH);
}
END_TEST

static volatile int leaf_taken; /* a store after the call: no tail call into capture */
static NOINLINE int leaf_a(capture_t *c) { capture(c, DEPTH); leaf_taken = 1; return 1; }
static NOINLINE int leaf_b(capture_t *c) { capture(c, DEPTH); leaf_taken = 2; return 2; }

static NOINLINE int deep_then_leaf(capture_t *c, int depth, int leaf)
{
  if (depth == 0)
    return leaf ? leaf_b(c) : leaf_a(c);
  int r = deep_then_leaf(c, depth - 1, leaf);
  __asm__ volatile("" ::: "memory");
  return r + 1;
}

static NOINLINE int outer_a(capture_t *c, int leaf) { return deep_then_leaf(c, 12, leaf) + 1; }
static NOINLINE int outer_b(capture_t *c, int leaf) { return deep_then_leaf(c, 12, leaf) + 2; }

/* Deep stacks that differ only near the top reuse the depot's record of their outer
 * frames; stacks that differ far down must not. */
START_TEST(memo_keeps_outer_frames_right)
{
  capture_t c[4];
  for (int round = 0; round < 3; round++) {
    forget_recent();
    outer_a(&c[0], 0);
    forget_recent();
    outer_a(&c[1], 1);
    forget_recent();
    outer_b(&c[2], 1);
    forget_recent();
    outer_b(&c[3], 0);
    for (int i = 0; i < 4; i++) {
      assert_agree(&c[i], DEPTH);
      ck_assert_uint_gt(c[i].nours, LT_STACKS_INNER + 4);
    }
    ck_assert(c[0].ours[1] != c[1].ours[1]); /* the return address into leaf_a or leaf_b */
    int differ = -1;
    for (uint32_t k = 0; k < c[1].nours && differ < 0; k++)
      if (c[1].ours[k] != c[2].ours[k])
        differ = (int)k;
    ck_assert_int_gt(differ, LT_STACKS_INNER); /* into outer_a or outer_b: an outer frame */
  }
}
END_TEST

START_TEST(alloca_frames_agree)
{
  capture_t c;
  size_t sizes[] = {16, 4000, 64, 100000, 16};
  for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++) {
    with_alloca(&c, sizes[i], (int)i);
    assert_agree(&c, DEPTH);
  }
}
END_TEST

START_TEST(depth_limit_is_kept)
{
  capture_t c;
  int limits[] = {1, 3, 32, 64, 100};
  for (size_t i = 0; i < sizeof limits / sizeof *limits; i++) {
    recurse(&c, 80, limits[i]);
    assert_agree(&c, limits[i]);
  }
}
END_TEST

static capture_t in_handler;

static void handler(int sig)
{
  (void)sig;
  recurse(&in_handler, 2, DEPTH);
}

/* Through a signal frame the rules stop (its CIE is marked 'S'); libunwind goes on. */
START_TEST(signal_frames_fall_back)
{
  struct sigaction sa = {.sa_handler = handler};
  sigaction(SIGUSR2, &sa, NULL);
  capture_t before;
  recurse(&before, 4, DEPTH);
  raise(SIGUSR2);
  assert_agree(&in_handler, DEPTH);
  ck_assert_int_gt((int)in_handler.nours, 6);
}
END_TEST

static void *thread_main(void *arg)
{
  capture_t *c = arg;
  recurse(c, 7, DEPTH);
  return NULL;
}

START_TEST(threads_walk_to_their_start)
{
  capture_t c[2];
  pthread_t t[2];
  for (int i = 0; i < 2; i++)
    pthread_create(&t[i], NULL, thread_main, &c[i]);
  for (int i = 0; i < 2; i++) {
    pthread_join(t[i], NULL);
    assert_agree(&c[i], DEPTH);
  }
}
END_TEST

START_TEST(rule_of_plain_code)
{
  lt_cfi_rule_t r;
  ck_assert_int_eq(lt_cfi_rule_at((uintptr_t)recurse, &r), 0);
  ck_assert_int_eq(r.cfa_reg, LT_CFI_RSP); /* at a function's entry: CFA = rsp + 8 */
  ck_assert_int_eq(r.cfa_offset, 8);
  ck_assert_int_eq(r.outermost, 0);
  ck_assert_int_eq(lt_cfi_rule_at(0x10, &r), -ENOENT);
}
END_TEST

static Suite *suite(void)
{
  Suite *s = suite_create("unwind");
  TCase *tc = tcase_create("walk");
  tcase_add_test(tc, walk_agrees_with_libunwind);
  tcase_add_test(tc, memo_sees_a_changed_caller);
  tcase_add_test(tc, memo_keeps_outer_frames_right);
  tcase_add_test(tc, recent_stacks_with_one_first_frame);
  tcase_add_test(tc, recent_stack_needs_no_walk);
  tcase_add_test(tc, alloca_frame_of_another_size);
  tcase_add_test(tc, alloca_frames_agree);
  tcase_add_test(tc, depth_limit_is_kept);
  tcase_add_test(tc, signal_frames_fall_back);
  tcase_add_test(tc, threads_walk_to_their_start);
  tcase_add_test(tc, rule_of_plain_code);
  suite_add_tcase(s, tc);
  return s;
}

int main(void)
{
  lt_unwind_init();
  return lt_check_run(suite());
}
