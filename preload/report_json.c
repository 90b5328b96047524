/* report_json.c — the JSON report, schema 1 of the contract. */
#include "report.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <unistd.h>

static const lt_kind_t scanned_kinds[] = {LT_KIND_DIRECT, LT_KIND_INDIRECT, LT_KIND_POSSIBLE,
                                          LT_KIND_REACHABLE, LT_KIND_SUPPRESSED};
static const lt_kind_t unscanned_kinds[] = {LT_KIND_UNFREED, LT_KIND_SUPPRESSED};

static void write_frame(const lt_frame_t *f, lt_out_t *out)
{
  lt_out_printf(out, "{\"pc\": \"0x%" PRIx64 "\"", f->pc);
  if (f->module) {
    lt_out_printf(out, ", \"module\": ");
    lt_out_json_string(out, f->module);
    lt_out_printf(out, ", \"offset\": \"0x%" PRIx64 "\"", f->offset);
  }
  if (f->function) {
    lt_out_printf(out, ", \"function\": ");
    lt_out_json_string(out, f->function);
  }
  if (f->file) {
    lt_out_printf(out, ", \"file\": ");
    lt_out_json_string(out, f->file);
  }
  if (f->line > 0)
    lt_out_printf(out, ", \"line\": %d", f->line);
  if (f->inlined)
    lt_out_printf(out, ", \"inlined\": true");
  lt_out_printf(out, "}");
}

static void write_summary(const lt_report_t *r, lt_out_t *out)
{
  const lt_kind_t *kinds = r->scanned ? scanned_kinds : unscanned_kinds;
  int nkinds = r->scanned ? 5 : 2;
  lt_out_printf(out, "  \"summary\": {\n");
  for (int i = 0; i < nkinds; i++) {
    const lt_totals_t *t = &r->totals[kinds[i]];
    lt_out_printf(out, "    \"%s\": {\"bytes\": %" PRIu64 ", \"blocks\": %" PRIu64 "},\n",
                  lt_kind_name(kinds[i]), t->bytes, t->blocks);
  }
  lt_out_printf(out,
                "    \"allocations\": %" PRIu64 ",\n    \"frees\": %" PRIu64
                ",\n    \"peak_bytes\": %" PRIu64 "\n  },\n",
                r->allocations, r->frees, r->peak_bytes);
}

void lt_report_write_json(const lt_report_t *r, lt_out_t *out)
{
  lt_out_printf(out, "{\n  \"leaktrace\": 1,\n  \"pid\": %ld,\n  \"exe\": ", r->pid);
  lt_out_json_string(out, r->exe ? r->exe : "");
  lt_out_printf(out, ",\n  \"trigger\": ");
  lt_out_json_string(out, r->trigger);
  lt_out_printf(out, ",\n");
  write_summary(r, out);
  lt_out_printf(out, "  \"leaks\": [");
  for (long i = 0; i < r->nleaks; i++) {
    const lt_leak_t *l = &r->leaks[i];
    lt_out_printf(out, "%s\n    {\"kind\": \"%s\", \"bytes\": %" PRIu64 ", \"blocks\": %" PRIu64
                  ", \"frames\": [",
                  i ? "," : "", lt_kind_name(l->kind), l->bytes, l->blocks);
    for (int j = 0; j < l->nframes; j++) {
      lt_out_printf(out, "%s\n      ", j ? "," : "");
      write_frame(&l->frames[j], out);
    }
    lt_out_printf(out, "%s]}", l->nframes ? "\n    " : "");
  }
  lt_out_printf(out, "%s]\n}\n", r->nleaks ? "\n  " : "");
}

int lt_report_write_json_fd(const lt_report_t *r, int fd)
{
  lt_out_t out;
  lt_out_init(&out, fd);
  lt_report_write_json(r, &out);
  return lt_out_flush(&out);
}

int lt_report_write_json_file(const lt_report_t *r, const char *path)
{
  char tmp[PATH_MAX];
  if (snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid()) >= (int)sizeof(tmp))
    return -ENAMETOOLONG;
  int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0)
    return -errno;
  int rc = lt_report_write_json_fd(r, fd);
  if (close(fd) != 0 && rc == 0)
    rc = -errno;
  if (rc == 0 && rename(tmp, path) != 0)
    rc = -errno;
  if (rc != 0)
    unlink(tmp);
  return rc;
}
