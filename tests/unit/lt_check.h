/* lt_check.h — what every unit test's main ends with: run its suite, exit non-zero on
 * any failure (the exit status is what CTest reads); and the tests' random numbers. */
#ifndef LT_CHECK_H
#define LT_CHECK_H

#include <check.h>
#include <stdint.h>
#include <stdlib.h>

/* xorshift64: the tests' cheap, per-thread random numbers. */
static inline uint64_t lt_check_random(uint64_t *x)
{
  *x ^= *x << 13;
  *x ^= *x >> 7;
  *x ^= *x << 17;
  return *x;
}

static inline int lt_check_run(Suite *suite)
{
  SRunner *sr = srunner_create(suite);
  srunner_run_all(sr, CK_NORMAL);
  int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

#endif
