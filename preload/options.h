/* options.h — LEAKTRACE_OPTIONS, read once at start, sanitizer style:
 * "key=value:key=value" (':' or spaces between pairs). An unknown key or a bad value
 * gets one line on stderr naming it, and the default stands; nothing stops the host. */
#ifndef LT_OPTIONS_H
#define LT_OPTIONS_H

#include <limits.h>
#include "report.h"

typedef struct lt_options {
  char log[PATH_MAX];     /* "" = stderr */
  char json[PATH_MAX];    /* "" = no JSON report */
  int depth;              /* 1..LT_STACK_MAX_DEPTH */
  int signal;             /* report signal number, 0 = none */
  int exitcode;           /* 0..255 */
  int scan;               /* 0 or 1 */
  lt_kind_mask_t show;    /* kinds the text report prints */
  int symbolize;          /* 0 or 1 */
} lt_options_t;

extern lt_options_t lt_options LT_HIDDEN;

/* Defaults, then each pair of text (NULL: defaults only). Returns the number of
 * problems reported on stderr. */
int lt_options_parse(lt_options_t *opts, const char *text);

/* Expand %p (pid) and %n (report sequence number) of a log/json pattern. Returns 0, or
 * -ENAMETOOLONG. */
int lt_options_expand(const char *pattern, long pid, unsigned seq, char *out, size_t size);

#endif
