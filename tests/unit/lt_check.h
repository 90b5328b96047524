/* lt_check.h — what every unit test's main ends with: run its suite, exit non-zero on
 * any failure (the exit status is what CTest reads). */
#ifndef LT_CHECK_H
#define LT_CHECK_H

#include <check.h>
#include <stdlib.h>

static inline int lt_check_run(Suite *suite)
{
  SRunner *sr = srunner_create(suite);
  srunner_run_all(sr, CK_NORMAL);
  int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

#endif
