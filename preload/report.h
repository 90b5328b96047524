/* report.h — a report as data, and the two writers (text and JSON schema 1) that print it.
 *
 * The runtime builds an lt_report_t from the live blocks; the offline
 * leaktrace-symbolize tool builds the same from a JSON report it reads back. Both hand
 * it to the same writers, so the two paths print identical reports. */
#ifndef LT_REPORT_H
#define LT_REPORT_H

#include <stdint.h>
#include "blocks.h"
#include "out.h"

typedef struct lt_frame {
  uint64_t pc;              /* address inside the call instruction */
  const char *module;       /* path of the loaded object, NULL when unknown */
  uint64_t offset;          /* pc - the module's load bias */
  const char *function;     /* NULL when unknown */
  const char *file;         /* NULL when unknown */
  int line;                 /* 0 when unknown */
  int inlined;              /* 1: inlined into the next frame */
} lt_frame_t;

typedef struct lt_leak {
  lt_kind_t kind;
  uint64_t bytes;
  uint64_t blocks;
  lt_frame_t *frames;
  int nframes;
} lt_leak_t;

typedef struct lt_totals {
  uint64_t bytes;
  uint64_t blocks;
} lt_totals_t;

typedef struct lt_report {
  long pid;
  const char *exe;
  const char *trigger;      /* "exit" or "signal" */
  int scanned;              /* 1: the four kinds; 0: every block is unfreed */
  lt_totals_t totals[LT_KIND_COUNT];
  uint64_t allocations;
  uint64_t frees;
  uint64_t peak_bytes;
  lt_leak_t *leaks;         /* sorted by bytes, largest first */
  long nleaks;
} lt_report_t;

/* Bit (1u << kind) set for each kind the text report prints. */
typedef unsigned lt_kind_mask_t;

/* Names as the contract spells them: "direct", ..., "unfreed", "suppressed". */
const char *lt_kind_name(lt_kind_t kind);
/* Parse one kind name; returns -1 for an unknown one. */
int lt_kind_parse(const char *name, size_t len);

/* The kinds printed when nothing else is asked: the three leak verdicts, and unfreed
 * (what they all are in an unscanned report). */
#define LT_SHOW_DEFAULT ((1u << LT_KIND_DIRECT) | (1u << LT_KIND_INDIRECT) | \
                         (1u << LT_KIND_POSSIBLE) | (1u << LT_KIND_UNFREED))

/* Parse the show= list: kind names separated by commas, or "all" (the defaults and
 * reachable). Naming a leak verdict also shows unfreed. Returns 0, or -EINVAL. */
int lt_kind_mask_parse(const char *list, size_t len, lt_kind_mask_t *out);

/* The mask as lt_kind_mask_parse reads it back: kind names joined by commas. */
void lt_kind_mask_format(lt_kind_mask_t mask, char *out, size_t size);

void lt_report_write_text(const lt_report_t *report, lt_kind_mask_t show, lt_out_t *out);
void lt_report_write_json(const lt_report_t *report, lt_out_t *out);

/* The JSON report to fd, flushed. Returns 0 or the first -errno. */
int lt_report_write_json_fd(const lt_report_t *report, int fd);

/* The JSON report to path, written beside it (path.tmp.PID) and renamed over it, so a
 * reader never sees half of it. Returns 0 or -errno (the temporary file is removed). */
int lt_report_write_json_file(const lt_report_t *report, const char *path);

/* Orders leaks by bytes, largest first; ties by blocks, then kind, for a stable output. */
void lt_report_sort(lt_leak_t *leaks, long n);

#endif
