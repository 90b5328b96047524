/* check_stacks.c — the stack depot: one id per distinct stack, from any thread. */
#include <check.h>
#include "lt_check.h"
#include <pthread.h>
#include <stdlib.h>

#include "stacks.h"

START_TEST(same_frames_same_id)
{
  uintptr_t a[3] = {0x1000, 0x2000, 0x3000};
  uintptr_t b[3] = {0x1000, 0x2000, 0x3001};
  uint32_t ia = lt_stacks_intern(a, 3);
  ck_assert_uint_ne(ia, 0);
  ck_assert_uint_eq(lt_stacks_intern(a, 3), ia);
  uint32_t ib = lt_stacks_intern(b, 3);
  ck_assert_uint_ne(ib, ia);
  ck_assert_uint_ne(lt_stacks_intern(a, 2), ia); /* a prefix is another stack */

  uint32_t depth;
  const uintptr_t *f = lt_stacks_get(ib, &depth);
  ck_assert_uint_eq(depth, 3);
  ck_assert_uint_eq(f[2], 0x3001);
  ck_assert_ptr_null(lt_stacks_get(0, &depth));
  ck_assert_uint_eq(depth, 0);
}
END_TEST

START_TEST(empty_stack_is_a_stack)
{
  uint32_t id = lt_stacks_intern(NULL, 0);
  ck_assert_uint_ne(id, 0);
  ck_assert_uint_eq(lt_stacks_intern(NULL, 0), id);
}
END_TEST

#define THREADS 4
#define STACKS 20000
static uint32_t ids[THREADS][STACKS];

/* Every thread interns the same stacks in a different order (multipliers coprime with
 * STACKS, so each thread visits every stack once). */
static void *intern_all(void *arg)
{
  static const long step[THREADS] = {1, 3, 7, 11};
  long t = (long)arg;
  for (long k = 0; k < STACKS; k++) {
    long i = (k * step[t] + t * 977) % STACKS;
    uintptr_t frames[8];
    for (int j = 0; j < 8; j++)
      frames[j] = 0x400000 + (uintptr_t)i * 64 + (uintptr_t)j;
    ids[t][i] = lt_stacks_intern(frames, 8);
  }
  return NULL;
}

START_TEST(concurrent_interning_agrees)
{
  pthread_t tid[THREADS];
  for (long t = 0; t < THREADS; t++)
    pthread_create(&tid[t], NULL, intern_all, (void *)t);
  for (long t = 0; t < THREADS; t++)
    pthread_join(tid[t], NULL);
  for (long i = 0; i < STACKS; i++) {
    ck_assert_uint_ne(ids[0][i], 0);
    for (long t = 1; t < THREADS; t++)
      ck_assert_uint_eq(ids[t][i], ids[0][i]);
    uint32_t depth;
    const uintptr_t *f = lt_stacks_get(ids[0][i], &depth);
    ck_assert_uint_eq(depth, 8);
    ck_assert_uint_eq(f[0], 0x400000 + (uintptr_t)i * 64);
  }
  uint64_t count, bytes;
  lt_stacks_usage(&count, &bytes);
  ck_assert_uint_eq(count, STACKS);
}
END_TEST

int main(void)
{
  Suite *s = suite_create("stacks");
  TCase *tc = tcase_create("depot");
  tcase_add_test(tc, same_frames_same_id);
  tcase_add_test(tc, empty_stack_is_a_stack);
  tcase_add_test(tc, concurrent_interning_agrees);
  suite_add_tcase(s, tc);
  return lt_check_run(s);
}
