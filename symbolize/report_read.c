/* report_read.c — JSON tree -> lt_report_t, with an error naming the bad field. */
#include "report_read.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct reader {
  lt_arena_t *arena;
  lt_json_error_t *err;
} reader_t;

static int bad(reader_t *r, const lt_json_t *at, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int bad(reader_t *r, const lt_json_t *at, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(r->err->msg, sizeof(r->err->msg), fmt, ap);
  va_end(ap);
  r->err->pos = at->pos;
  return -EINVAL;
}

/* The member key of obj, which must exist unless optional. *out is NULL when an
 * optional member is absent or null. */
static int member(reader_t *r, const lt_json_t *obj, const char *where, const char *key,
                  int optional, const lt_json_t **out) {
  *out = lt_json_get(obj, key);
  if (*out != NULL && (*out)->type == LT_JSON_NULL && optional)
    *out = NULL;
  if (*out == NULL && !optional)
    return bad(r, obj, "%s: missing \"%s\"", where, key);
  return 0;
}

static int read_u64(reader_t *r, const lt_json_t *obj, const char *where, const char *key,
                    uint64_t *out) {
  const lt_json_t *v;
  int rc = member(r, obj, where, key, 0, &v);
  if (rc != 0)
    return rc;
  if (v->type != LT_JSON_NUMBER || v->text[0] == '-' || strspn(v->text, "0123456789") != v->len)
    return bad(r, v, "%s.%s: expected a non-negative integer", where, key);
  errno = 0;
  unsigned long long n = strtoull(v->text, NULL, 10);
  if (errno != 0)
    return bad(r, v, "%s.%s: integer out of range", where, key);
  *out = n;
  return 0;
}

/* An optional string member; *out stays NULL when absent. */
static int read_string(reader_t *r, const lt_json_t *obj, const char *where, const char *key,
                       int optional, const char **out) {
  const lt_json_t *v;
  int rc = member(r, obj, where, key, optional, &v);
  *out = NULL;
  if (rc != 0 || v == NULL)
    return rc;
  if (v->type != LT_JSON_STRING)
    return bad(r, v, "%s.%s: expected a string", where, key);
  *out = v->text;
  return 0;
}

/* Addresses are hex strings ("0x1a2b") so that 64-bit values survive any reader. */
static int read_hex(reader_t *r, const lt_json_t *obj, const char *where, const char *key,
                    uint64_t *out) {
  const char *s;
  int rc = read_string(r, obj, where, key, 0, &s);
  if (rc != 0)
    return rc;
  const lt_json_t *v = lt_json_get(obj, key);
  size_t digits = strlen(s) - 2;
  if (strncmp(s, "0x", 2) != 0 || digits == 0 || digits > 16 ||
      strspn(s + 2, "0123456789abcdefABCDEF") != digits)
    return bad(r, v, "%s.%s: expected a hex address like \"0x1a2b\"", where, key);
  *out = strtoull(s + 2, NULL, 16);
  return 0;
}

static int read_frame(reader_t *r, const lt_json_t *v, const char *where, lt_frame_t *f) {
  if (v->type != LT_JSON_OBJECT)
    return bad(r, v, "%s: expected an object", where);
  const lt_json_t *line, *inlined;
  int rc;
  memset(f, 0, sizeof(*f));
  if ((rc = read_hex(r, v, where, "pc", &f->pc)) != 0 ||
      (rc = read_string(r, v, where, "module", 1, &f->module)) != 0 ||
      (rc = read_string(r, v, where, "function", 1, &f->function)) != 0 ||
      (rc = read_string(r, v, where, "file", 1, &f->file)) != 0 ||
      (rc = member(r, v, where, "line", 1, &line)) != 0 ||
      (rc = member(r, v, where, "inlined", 1, &inlined)) != 0)
    return rc;
  if (f->module != NULL && (rc = read_hex(r, v, where, "offset", &f->offset)) != 0)
    return rc;
  if (line != NULL) {
    uint64_t n;
    if ((rc = read_u64(r, v, where, "line", &n)) != 0)
      return rc;
    if (n > 0x7fffffff)
      return bad(r, line, "%s.line: out of range", where);
    f->line = (int)n;
  }
  if (inlined != NULL) {
    if (inlined->type != LT_JSON_TRUE && inlined->type != LT_JSON_FALSE)
      return bad(r, inlined, "%s.inlined: expected true or false", where);
    f->inlined = inlined->type == LT_JSON_TRUE;
  }
  return 0;
}

static int read_leak(reader_t *r, const lt_json_t *v, long index, lt_leak_t *leak) {
  char where[64];
  snprintf(where, sizeof(where), "leaks[%ld]", index);
  if (v->type != LT_JSON_OBJECT)
    return bad(r, v, "%s: expected an object", where);
  const char *kind;
  const lt_json_t *frames;
  int rc;
  if ((rc = read_string(r, v, where, "kind", 0, &kind)) != 0 ||
      (rc = read_u64(r, v, where, "bytes", &leak->bytes)) != 0 ||
      (rc = read_u64(r, v, where, "blocks", &leak->blocks)) != 0 ||
      (rc = member(r, v, where, "frames", 0, &frames)) != 0)
    return rc;
  int k = lt_kind_parse(kind, strlen(kind));
  if (k < 0)
    return bad(r, lt_json_get(v, "kind"), "%s.kind: unknown kind \"%s\"", where, kind);
  leak->kind = (lt_kind_t)k;
  if (frames->type != LT_JSON_ARRAY)
    return bad(r, frames, "%s.frames: expected an array", where);
  if (frames->len > 100000)
    return bad(r, frames, "%s.frames: too many frames", where);
  leak->nframes = (int)frames->len;
  leak->frames = lt_arena_alloc(r->arena, frames->len * sizeof(lt_frame_t) + 1);
  if (leak->frames == NULL)
    return -ENOMEM;
  for (size_t i = 0; i < frames->len; i++) {
    char fwhere[96];
    snprintf(fwhere, sizeof(fwhere), "%s.frames[%zu]", where, i);
    if ((rc = read_frame(r, &frames->items[i], fwhere, &leak->frames[i])) != 0)
      return rc;
  }
  return 0;
}

static int read_summary(reader_t *r, const lt_json_t *s, lt_report_t *report) {
  if (s->type != LT_JSON_OBJECT)
    return bad(r, s, "summary: expected an object");
  int rc;
  /* A report taken with scan=0 has "unfreed" in place of the four verdicts. */
  report->scanned = lt_json_get(s, "unfreed") == NULL;
  for (int k = 0; k < LT_KIND_COUNT; k++) {
    const char *name = lt_kind_name((lt_kind_t)k);
    const lt_json_t *t = lt_json_get(s, name);
    int required = k == LT_KIND_SUPPRESSED || (k == LT_KIND_UNFREED) == !report->scanned;
    if (t == NULL && !required)
      continue;
    char where[32];
    snprintf(where, sizeof(where), "summary.%s", name);
    if (t == NULL)
      return bad(r, s, "summary: missing \"%s\"", name);
    if (t->type != LT_JSON_OBJECT)
      return bad(r, t, "%s: expected an object", where);
    if ((rc = read_u64(r, t, where, "bytes", &report->totals[k].bytes)) != 0 ||
        (rc = read_u64(r, t, where, "blocks", &report->totals[k].blocks)) != 0)
      return rc;
  }
  if ((rc = read_u64(r, s, "summary", "allocations", &report->allocations)) != 0 ||
      (rc = read_u64(r, s, "summary", "frees", &report->frees)) != 0 ||
      (rc = read_u64(r, s, "summary", "peak_bytes", &report->peak_bytes)) != 0)
    return rc;
  return 0;
}

int lt_report_read(const lt_json_t *root, lt_arena_t *arena, lt_report_t *report,
                   lt_json_error_t *err) {
  reader_t r = {arena, err};
  memset(report, 0, sizeof(*report));
  if (root->type != LT_JSON_OBJECT)
    return bad(&r, root, "expected a leaktrace report object");
  uint64_t version, pid;
  const lt_json_t *summary, *leaks;
  int rc;
  if ((rc = read_u64(&r, root, "report", "leaktrace", &version)) != 0)
    return rc;
  if (version != 1)
    return bad(&r, lt_json_get(root, "leaktrace"), "unsupported report schema %llu (expected 1)",
               (unsigned long long)version);
  if ((rc = read_u64(&r, root, "report", "pid", &pid)) != 0 ||
      (rc = read_string(&r, root, "report", "exe", 1, &report->exe)) != 0 ||
      (rc = read_string(&r, root, "report", "trigger", 0, &report->trigger)) != 0 ||
      (rc = member(&r, root, "report", "summary", 0, &summary)) != 0 ||
      (rc = read_summary(&r, summary, report)) != 0 ||
      (rc = member(&r, root, "report", "leaks", 0, &leaks)) != 0)
    return rc;
  report->pid = (long)pid;
  if (leaks->type != LT_JSON_ARRAY)
    return bad(&r, leaks, "leaks: expected an array");
  report->nleaks = (long)leaks->len;
  report->leaks = lt_arena_alloc(arena, leaks->len * sizeof(lt_leak_t) + 1);
  if (report->leaks == NULL)
    return -ENOMEM;
  for (size_t i = 0; i < leaks->len; i++)
    if ((rc = read_leak(&r, &leaks->items[i], (long)i, &report->leaks[i])) != 0)
      return rc;
  return 0;
}
