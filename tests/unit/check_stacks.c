/* check_stacks.c — the stack depot: one id per distinct stack, from any thread; deep
 * stacks share their outer frames. */
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

  uintptr_t f[LT_STACK_MAX_DEPTH];
  ck_assert_uint_eq(lt_stacks_get(ib, f), 3);
  ck_assert_uint_eq(f[2], 0x3001);
  ck_assert_uint_eq(lt_stacks_get(0, f), 0);
}
END_TEST

START_TEST(empty_stack_is_a_stack)
{
  uint32_t id = lt_stacks_intern(NULL, 0);
  ck_assert_uint_ne(id, 0);
  ck_assert_uint_eq(lt_stacks_intern(NULL, 0), id);
}
END_TEST

/* Deep stacks share the record of their outer frames: a thousand stacks of 28 frames
 * that differ only in the innermost one store those outer frames once. Every stack still
 * reads back whole, and stacks that differ anywhere, or only in depth, stay apart. */
START_TEST(deep_stacks_share_outer_frames)
{
  uintptr_t frames[28], back[LT_STACK_MAX_DEPTH];
  for (int j = 0; j < 28; j++)
    frames[j] = 0x7000 + (uintptr_t)j * 16;
  uint64_t count0, bytes0, count1, bytes1;
  lt_stacks_intern(frames, 28);
  lt_stacks_usage(&count0, &bytes0);
  uint32_t ids[1000];
  for (int i = 0; i < 1000; i++) {
    frames[0] = 0x900000 + (uintptr_t)i;
    ids[i] = lt_stacks_intern(frames, 28);
    ck_assert_uint_ne(ids[i], 0);
  }
  lt_stacks_usage(&count1, &bytes1);
  ck_assert_uint_eq(count1 - count0, 1000);
  ck_assert_uint_le(bytes1 - bytes0, 1000 * 96);
  for (int i = 0; i < 1000; i++) {
    ck_assert_uint_eq(lt_stacks_get(ids[i], back), 28);
    ck_assert_uint_eq(back[0], 0x900000 + (uintptr_t)i);
    for (int j = 1; j < 28; j++)
      ck_assert_uint_eq(back[j], 0x7000 + (uintptr_t)j * 16);
  }
  frames[0] = 0x900000;
  ck_assert_uint_eq(lt_stacks_intern(frames, 28), ids[0]);
  frames[27] = 0x1;
  ck_assert_uint_ne(lt_stacks_intern(frames, 28), ids[0]);
  ck_assert_uint_ne(lt_stacks_intern(frames, 27), ids[0]);
  ck_assert_uint_ne(lt_stacks_intern(frames, 10), lt_stacks_intern(frames, 9));
  ck_assert_uint_eq(lt_stacks_get(lt_stacks_intern(frames, 10), back), 10);

  /* A caller that knows the outer record gets the id a plain intern gives. */
  uint32_t outer = 0;
  uint32_t id = lt_stacks_intern_known(frames, 28, &outer);
  ck_assert_uint_ne(outer, 0);
  frames[3] = 0x5;
  uint32_t known = outer;
  uint32_t other = lt_stacks_intern_known(frames, 28, &known);
  ck_assert_uint_eq(known, outer);
  ck_assert_uint_ne(other, id);
  ck_assert_uint_eq(lt_stacks_intern(frames, 28), other);
  ck_assert_uint_eq(lt_stacks_get(other, back), 28);
  ck_assert_uint_eq(back[3], 0x5);
  ck_assert_uint_eq(back[27], 0x1);
  uint32_t shallow = outer;
  lt_stacks_intern_known(frames, 9, &shallow);
  ck_assert_uint_eq(shallow, 0);
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
    uintptr_t f[LT_STACK_MAX_DEPTH];
    ck_assert_uint_eq(lt_stacks_get(ids[0][i], f), 8);
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
  tcase_add_test(tc, deep_stacks_share_outer_frames);
  tcase_add_test(tc, concurrent_interning_agrees);
  suite_add_tcase(s, tc);
  return lt_check_run(s);
}
