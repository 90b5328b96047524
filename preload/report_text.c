/* report_text.c — the human report, in the shape LeakSanitizer users know, plus the kind
 * names and the ordering both writers share. */
#include "report.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const kind_names[LT_KIND_COUNT] = {
    "direct", "indirect", "possible", "reachable", "unfreed", "suppressed"};

static const char *const kind_titles[LT_KIND_COUNT] = {
    "Direct leak", "Indirect leak", "Possible leak", "Still reachable memory", "Unfreed memory",
    "Suppressed leak"};

const char *lt_kind_name(lt_kind_t kind)
{
  return kind < LT_KIND_COUNT ? kind_names[kind] : "?";
}

int lt_kind_parse(const char *name, size_t len)
{
  for (int k = 0; k < LT_KIND_COUNT; k++)
    if (strlen(kind_names[k]) == len && memcmp(kind_names[k], name, len) == 0)
      return k;
  return -1;
}

int lt_kind_mask_parse(const char *v, size_t len, lt_kind_mask_t *out)
{
  lt_kind_mask_t mask = 0;
  while (len > 0) {
    const char *comma = memchr(v, ',', len);
    size_t n = comma ? (size_t)(comma - v) : len;
    if (n == 3 && memcmp(v, "all", 3) == 0) {
      mask |= LT_SHOW_DEFAULT | (1u << LT_KIND_REACHABLE);
    } else {
      int k = lt_kind_parse(v, n);
      if (k < 0 || k == LT_KIND_SUPPRESSED)
        return -EINVAL;
      mask |= 1u << k;
      if (k == LT_KIND_DIRECT || k == LT_KIND_INDIRECT || k == LT_KIND_POSSIBLE)
        mask |= 1u << LT_KIND_UNFREED;
    }
    if (!comma)
      break;
    len -= n + 1;
    v = comma + 1;
  }
  if (mask == 0)
    return -EINVAL;
  *out = mask;
  return 0;
}

static int compare_leaks(const void *a, const void *b)
{
  const lt_leak_t *x = a, *y = b;
  if (x->bytes != y->bytes)
    return x->bytes > y->bytes ? -1 : 1;
  if (x->blocks != y->blocks)
    return x->blocks > y->blocks ? -1 : 1;
  return (int)x->kind - (int)y->kind;
}

void lt_report_sort(lt_leak_t *leaks, long n)
{
  qsort(leaks, (size_t)n, sizeof(*leaks), compare_leaks);
}

static const char *basename_of(const char *path)
{
  const char *slash = strrchr(path, '/');
  return slash ? slash + 1 : path;
}

/* "#3 0x55d0c0a0119d in leak_here /src/leak.c:5 (/tmp/leak+0x119d)" */
static void write_frame(int index, const lt_frame_t *f, lt_out_t *out)
{
  lt_out_printf(out, "    #%d 0x%" PRIx64, index, f->pc);
  if (f->function)
    lt_out_printf(out, " in %s", f->function);
  if (f->file) {
    lt_out_printf(out, " %s", f->file);
    if (f->line > 0)
      lt_out_printf(out, ":%d", f->line);
  }
  if (f->module)
    lt_out_printf(out, " (%s+0x%" PRIx64 ")", f->module, f->offset);
  if (f->inlined)
    lt_out_printf(out, " [inlined]");
  lt_out_printf(out, "\n");
}

static void write_summary_line(const lt_report_t *r, lt_out_t *out)
{
  lt_out_printf(out, "SUMMARY: leaktrace:");
  if (r->scanned) {
    static const lt_kind_t kinds[] = {LT_KIND_DIRECT, LT_KIND_INDIRECT, LT_KIND_POSSIBLE,
                                      LT_KIND_REACHABLE};
    for (int i = 0; i < 4; i++)
      lt_out_printf(out, "%s %" PRIu64 " bytes in %" PRIu64 " blocks %s", i ? "," : "",
                    r->totals[kinds[i]].bytes, r->totals[kinds[i]].blocks,
                    kind_names[kinds[i]]);
  } else {
    lt_out_printf(out, " %" PRIu64 " bytes in %" PRIu64 " blocks unfreed",
                  r->totals[LT_KIND_UNFREED].bytes, r->totals[LT_KIND_UNFREED].blocks);
  }
  if (r->totals[LT_KIND_SUPPRESSED].blocks)
    lt_out_printf(out, ", %" PRIu64 " bytes in %" PRIu64 " blocks suppressed",
                  r->totals[LT_KIND_SUPPRESSED].bytes, r->totals[LT_KIND_SUPPRESSED].blocks);
  lt_out_printf(out, "; %" PRIu64 " allocations, %" PRIu64 " frees, peak %" PRIu64 " bytes.\n",
                r->allocations, r->frees, r->peak_bytes);
}

void lt_kind_mask_format(lt_kind_mask_t mask, char *out, size_t size)
{
  size_t used = 0;
  out[0] = '\0';
  for (int k = 0; k < LT_KIND_COUNT; k++) {
    if (!(mask & (1u << k)) || k == LT_KIND_SUPPRESSED)
      continue;
    int n = snprintf(out + used, size - used, "%s%s", used ? "," : "", kind_names[k]);
    if (n < 0 || (size_t)n >= size - used)
      return;
    used += (size_t)n;
  }
}

void lt_report_write_text(const lt_report_t *r, lt_kind_mask_t show, lt_out_t *out)
{
  lt_out_printf(out, "\n=================================================================\n");
  lt_out_printf(out, "==%ld==leaktrace: %s report for %s\n", r->pid,
                strcmp(r->trigger, "exit") == 0 ? "exit" : "live", r->exe ? basename_of(r->exe) : "?");
  for (long i = 0; i < r->nleaks; i++) {
    const lt_leak_t *l = &r->leaks[i];
    if (!(show & (1u << l->kind)))
      continue;
    lt_out_printf(out, "\n%s of %" PRIu64 " byte%s in %" PRIu64 " block%s allocated from:\n",
                  kind_titles[l->kind], l->bytes, l->bytes == 1 ? "" : "s", l->blocks,
                  l->blocks == 1 ? "" : "s");
    for (int j = 0; j < l->nframes; j++)
      write_frame(j, &l->frames[j], out);
  }
  lt_out_printf(out, "\n");
  write_summary_line(r, out);
}
