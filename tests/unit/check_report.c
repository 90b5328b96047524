/* check_report.c — the report writers: JSON schema 1, the text shape, ordering, escapes. */
#include <check.h>
#include "lt_check.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "report.h"

/* Run a writer into a pipe and return what it wrote (static buffer). */
static const char *capture(void (*write)(const lt_report_t *, lt_kind_mask_t, lt_out_t *),
                           const lt_report_t *r, lt_kind_mask_t show)
{
  static char buf[65536];
  int fds[2];
  ck_assert_int_eq(pipe(fds), 0);
  lt_out_t out;
  lt_out_init(&out, fds[1]);
  write(r, show, &out);
  ck_assert_int_eq(lt_out_flush(&out), 0);
  close(fds[1]);
  ssize_t n = read(fds[0], buf, sizeof(buf) - 1);
  close(fds[0]);
  buf[n > 0 ? n : 0] = 0;
  return buf;
}

static void json(const lt_report_t *r, lt_kind_mask_t show, lt_out_t *out)
{
  (void)show;
  lt_report_write_json(r, out);
}

static lt_frame_t frames[] = {
    {.pc = 0x55d0c0a0119d, .module = "/tmp/leak", .offset = 0x119d, .function = "leak_here",
     .file = "/tmp/leak.c", .line = 5, .inlined = 1},
    {.pc = 0x55d0c0a011b0, .module = "/tmp/leak", .offset = 0x11b0},
};

static lt_report_t sample(lt_leak_t *leaks)
{
  leaks[0] = (lt_leak_t){.kind = LT_KIND_REACHABLE, .bytes = 1024, .blocks = 3};
  leaks[1] = (lt_leak_t){.kind = LT_KIND_DIRECT, .bytes = 48, .blocks = 2, .frames = frames,
                         .nframes = 2};
  lt_report_t r = {.pid = 1234, .exe = "/tmp/le\"ak", .trigger = "exit", .scanned = 1,
                   .allocations = 1200, .frees = 1196, .peak_bytes = 65536,
                   .leaks = leaks, .nleaks = 2};
  r.totals[LT_KIND_DIRECT] = (lt_totals_t){48, 2};
  r.totals[LT_KIND_REACHABLE] = (lt_totals_t){1024, 3};
  return r;
}

START_TEST(json_schema)
{
  lt_leak_t leaks[2];
  lt_report_t r = sample(leaks);
  const char *s = capture(json, &r, 0);
  ck_assert_ptr_nonnull(strstr(s, "\"leaktrace\": 1,"));
  ck_assert_ptr_nonnull(strstr(s, "\"pid\": 1234,"));
  ck_assert_ptr_nonnull(strstr(s, "\"exe\": \"/tmp/le\\\"ak\","));
  ck_assert_ptr_nonnull(strstr(s, "\"trigger\": \"exit\""));
  ck_assert_ptr_nonnull(strstr(s, "\"direct\": {\"bytes\": 48, \"blocks\": 2}"));
  ck_assert_ptr_nonnull(strstr(s, "\"reachable\": {\"bytes\": 1024, \"blocks\": 3}"));
  ck_assert_ptr_nonnull(strstr(s, "\"suppressed\": {\"bytes\": 0, \"blocks\": 0}"));
  ck_assert_ptr_null(strstr(s, "\"unfreed\""));
  ck_assert_ptr_nonnull(strstr(s, "\"allocations\": 1200"));
  ck_assert_ptr_nonnull(strstr(s, "\"peak_bytes\": 65536"));
  ck_assert_ptr_nonnull(strstr(s, "{\"pc\": \"0x55d0c0a0119d\", \"module\": \"/tmp/leak\", "
                                  "\"offset\": \"0x119d\", \"function\": \"leak_here\", "
                                  "\"file\": \"/tmp/leak.c\", \"line\": 5, \"inlined\": true}"));
  ck_assert_ptr_nonnull(strstr(s, "{\"pc\": \"0x55d0c0a011b0\", \"module\": \"/tmp/leak\", "
                                  "\"offset\": \"0x11b0\"}"));
}
END_TEST

START_TEST(json_unscanned_has_unfreed_only)
{
  lt_report_t r = {.pid = 1, .exe = "x", .trigger = "signal", .scanned = 0};
  r.totals[LT_KIND_UNFREED] = (lt_totals_t){7, 1};
  const char *s = capture(json, &r, 0);
  ck_assert_ptr_nonnull(strstr(s, "\"unfreed\": {\"bytes\": 7, \"blocks\": 1}"));
  ck_assert_ptr_null(strstr(s, "\"direct\""));
  ck_assert_ptr_nonnull(strstr(s, "\"leaks\": []"));
}
END_TEST

START_TEST(text_shape_and_show)
{
  lt_leak_t leaks[2];
  lt_report_t r = sample(leaks);
  const char *s = capture(lt_report_write_text, &r, 1u << LT_KIND_DIRECT);
  ck_assert_ptr_nonnull(strstr(s, "Direct leak of 48 bytes in 2 blocks allocated from:\n"));
  ck_assert_ptr_nonnull(
      strstr(s, "    #0 0x55d0c0a0119d in leak_here /tmp/leak.c:5 (/tmp/leak+0x119d) [inlined]\n"));
  ck_assert_ptr_nonnull(strstr(s, "    #1 0x55d0c0a011b0 (/tmp/leak+0x11b0)\n"));
  ck_assert_ptr_null(strstr(s, "Still reachable")); /* not in show */
  ck_assert_ptr_nonnull(strstr(s, "SUMMARY: leaktrace: 48 bytes in 2 blocks direct, 0 bytes in 0 "
                                  "blocks indirect, 0 bytes in 0 blocks possible, 1024 bytes in "
                                  "3 blocks reachable;"));
  s = capture(lt_report_write_text, &r, 1u << LT_KIND_REACHABLE);
  ck_assert_ptr_nonnull(strstr(s, "Still reachable memory of 1024 bytes in 3 blocks"));
}
END_TEST

START_TEST(sorted_largest_first)
{
  lt_leak_t l[4] = {{.kind = LT_KIND_DIRECT, .bytes = 10, .blocks = 1},
                    {.kind = LT_KIND_INDIRECT, .bytes = 300, .blocks = 1},
                    {.kind = LT_KIND_POSSIBLE, .bytes = 10, .blocks = 5},
                    {.kind = LT_KIND_REACHABLE, .bytes = 20, .blocks = 1}};
  lt_report_sort(l, 4);
  ck_assert_uint_eq(l[0].bytes, 300);
  ck_assert_uint_eq(l[1].bytes, 20);
  ck_assert_int_eq(l[2].kind, LT_KIND_POSSIBLE); /* same bytes: more blocks first */
  ck_assert_int_eq(l[3].kind, LT_KIND_DIRECT);
}
END_TEST

START_TEST(json_escapes_control_characters)
{
  lt_report_t r = {.pid = 1, .exe = "a\tb\n\x01\\", .trigger = "exit", .scanned = 1};
  const char *s = capture(json, &r, 0);
  ck_assert_ptr_nonnull(strstr(s, "\"exe\": \"a\\tb\\n\\u0001\\\\\""));
}
END_TEST

START_TEST(kind_names_round_trip)
{
  for (int k = 0; k < LT_KIND_COUNT; k++) {
    const char *name = lt_kind_name((lt_kind_t)k);
    ck_assert_int_eq(lt_kind_parse(name, strlen(name)), k);
  }
  ck_assert_int_eq(lt_kind_parse("direc", 5), -1);
}
END_TEST

/* The runtime hands its show= mask to leaktrace-symbolize --show in this form. */
START_TEST(kind_masks_round_trip)
{
  const char *lists[] = {"direct,indirect,possible", "all", "reachable", "unfreed", "possible"};
  for (size_t i = 0; i < sizeof lists / sizeof *lists; i++) {
    lt_kind_mask_t mask, back;
    char text[64];
    ck_assert_int_eq(lt_kind_mask_parse(lists[i], strlen(lists[i]), &mask), 0);
    lt_kind_mask_format(mask, text, sizeof(text));
    ck_assert_int_eq(lt_kind_mask_parse(text, strlen(text), &back), 0);
    ck_assert_uint_eq(back, mask);
  }
  char text[64];
  lt_kind_mask_format(LT_SHOW_DEFAULT, text, sizeof(text));
  ck_assert_str_eq(text, "direct,indirect,possible,unfreed");
}
END_TEST

int main(void)
{
  Suite *s = suite_create("report");
  TCase *tc = tcase_create("writers");
  tcase_add_test(tc, json_schema);
  tcase_add_test(tc, json_unscanned_has_unfreed_only);
  tcase_add_test(tc, text_shape_and_show);
  tcase_add_test(tc, sorted_largest_first);
  tcase_add_test(tc, json_escapes_control_characters);
  tcase_add_test(tc, kind_names_round_trip);
  tcase_add_test(tc, kind_masks_round_trip);
  suite_add_tcase(s, tc);
  return lt_check_run(s);
}
