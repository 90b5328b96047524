/* check_options.c — LEAKTRACE_OPTIONS: defaults, every key, bad input, patterns. */
#include <check.h>
#include "lt_check.h"
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "options.h"

static lt_options_t o;

START_TEST(defaults)
{
  ck_assert_int_eq(lt_options_parse(&o, NULL), 0);
  ck_assert_int_eq(o.depth, 32);
  ck_assert_int_eq(o.signal, SIGUSR1);
  ck_assert_int_eq(o.exitcode, 0);
  ck_assert_int_eq(o.scan, 1);
  ck_assert_int_eq(o.symbolize, 1);
  ck_assert_str_eq(o.log, "");
  ck_assert_str_eq(o.json, "");
  ck_assert(o.show & (1u << LT_KIND_DIRECT));
  ck_assert(!(o.show & (1u << LT_KIND_REACHABLE)));
}
END_TEST

START_TEST(every_key)
{
  ck_assert_int_eq(lt_options_parse(&o, "log=/tmp/l.%p:json=/tmp/j.%n.json depth=8 "
                                        "signal=SIGUSR2:exitcode=23:scan=0:show=all:symbolize=0"),
                   0);
  ck_assert_str_eq(o.log, "/tmp/l.%p");
  ck_assert_str_eq(o.json, "/tmp/j.%n.json");
  ck_assert_int_eq(o.depth, 8);
  ck_assert_int_eq(o.signal, SIGUSR2);
  ck_assert_int_eq(o.exitcode, 23);
  ck_assert_int_eq(o.scan, 0);
  ck_assert_int_eq(o.symbolize, 0);
  ck_assert(o.show & (1u << LT_KIND_REACHABLE));
}
END_TEST

START_TEST(signals)
{
  ck_assert_int_eq(lt_options_parse(&o, "signal=none"), 0);
  ck_assert_int_eq(o.signal, 0);
  ck_assert_int_eq(lt_options_parse(&o, "signal=HUP"), 0);
  ck_assert_int_eq(o.signal, SIGHUP);
  ck_assert_int_eq(lt_options_parse(&o, "signal=12"), 0);
  ck_assert_int_eq(o.signal, 12);
  ck_assert_int_eq(lt_options_parse(&o, "signal=RTMIN+3"), 0);
  ck_assert_int_eq(o.signal, SIGRTMIN + 3);
  ck_assert_int_eq(lt_options_parse(&o, "signal=KILL"), 1);
  ck_assert_int_eq(o.signal, SIGUSR1);
  ck_assert_int_eq(lt_options_parse(&o, "signal=9"), 1);
}
END_TEST

START_TEST(show_lists)
{
  ck_assert_int_eq(lt_options_parse(&o, "show=direct,reachable"), 0);
  ck_assert(o.show & (1u << LT_KIND_DIRECT));
  ck_assert(o.show & (1u << LT_KIND_REACHABLE));
  ck_assert(!(o.show & (1u << LT_KIND_INDIRECT)));
  ck_assert_int_eq(lt_options_parse(&o, "show=direct,bogus"), 1);
  ck_assert(!(o.show & (1u << LT_KIND_REACHABLE))); /* default kept */
  ck_assert_int_eq(lt_options_parse(&o, "show="), 1);
}
END_TEST

/* Each problem is one line on stderr naming the key; the default stands. */
START_TEST(bad_input_warns_and_keeps_defaults)
{
  int fds[2];
  ck_assert_int_eq(pipe(fds), 0);
  int saved = dup(2);
  dup2(fds[1], 2);
  int problems = lt_options_parse(&o, "depth=0:colour=red:exitcode=x:depth=300:novalue:scan=2");
  dup2(saved, 2);
  close(fds[1]);
  char buf[4096] = {0};
  ssize_t n = read(fds[0], buf, sizeof(buf) - 1);
  ck_assert_int_gt(n, 0);
  ck_assert_int_eq(problems, 6);
  ck_assert_int_eq(o.depth, 32);
  ck_assert_int_eq(o.exitcode, 0);
  ck_assert_int_eq(o.scan, 1);
  ck_assert_ptr_nonnull(strstr(buf, "unknown key 'colour'"));
  ck_assert_ptr_nonnull(strstr(buf, "for key 'depth'"));
  ck_assert_ptr_nonnull(strstr(buf, "for key 'exitcode'"));
  ck_assert_ptr_nonnull(strstr(buf, "'novalue' is not key=value"));
  int lines = 0;
  for (char *p = buf; *p; p++)
    lines += *p == '\n';
  ck_assert_int_eq(lines, 6);
}
END_TEST

START_TEST(expand_patterns)
{
  char out[64];
  ck_assert_int_eq(lt_options_expand("/tmp/r.%p.%n.json", 1234, 2, out, sizeof(out)), 0);
  ck_assert_str_eq(out, "/tmp/r.1234.2.json");
  ck_assert_int_eq(lt_options_expand("100%", 1, 1, out, sizeof(out)), 0);
  ck_assert_str_eq(out, "100%");
  ck_assert_int_eq(lt_options_expand("%p%p%p%p%p", 1234567890, 1, out, 20), -ENAMETOOLONG);
}
END_TEST

int main(void)
{
  Suite *s = suite_create("options");
  TCase *tc = tcase_create("parse");
  tcase_add_test(tc, defaults);
  tcase_add_test(tc, every_key);
  tcase_add_test(tc, signals);
  tcase_add_test(tc, show_lists);
  tcase_add_test(tc, bad_input_warns_and_keeps_defaults);
  tcase_add_test(tc, expand_patterns);
  suite_add_tcase(s, tc);
  return lt_check_run(s);
}
