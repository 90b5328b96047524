/* tool.c — leaktrace-symbolize: fills function, file:line and inlined frames into a
 * JSON report taken with symbolize=0, then writes it back as JSON or as the text
 * report. Reading and writing go through the runtime's own report model and writers,
 * so the result is exactly what the runtime would have printed in-process. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "report_read.h"
#include "symbolize.h"

#define EXIT_BAD_INPUT 2
#define MAX_DEBUG_DIRS 16
#define MAX_DEBUG_DIRS_STR "16"

static const char usage[] =
    "Usage: leaktrace-symbolize [options] [REPORT.json]\n"
    "Symbolize a leaktrace JSON report whose frames carry only pc/module/offset\n"
    "(taken with LEAKTRACE_OPTIONS=symbolize=0); reads stdin without REPORT or with -.\n"
    "\n"
    "  -o, --output FILE    write to FILE instead of stdout\n"
    "      --text           write the text report instead of JSON\n"
    "      --json-output FILE  also write the JSON report to FILE, atomically (written\n"
    "                       beside it and renamed over it)\n"
    "      --show KINDS     kinds the text report prints, as the runtime's show=:\n"
    "                       comma-separated among direct,indirect,possible,\n"
    "                       reachable,unfreed, or all (default: direct,indirect,\n"
    "                       possible; each of those also shows unfreed, the only\n"
    "                       kind of a report taken with scan=0)\n"
    "      --debug-dir DIR  look for separate debug info in DIR before /usr/lib/debug\n"
    "                       (repeatable; DIR/.build-id/xx/rest.debug, debuglink names)\n"
    "  -h, --help           show this help\n"
    "  -V, --version        show the version\n"
    "\n"
    "Exit status: 0 success, 1 output error, 2 bad usage or bad input.\n";

static int die_usage(const char *fmt, const char *arg) {
  fprintf(stderr, "leaktrace-symbolize: ");
  fprintf(stderr, fmt, arg);
  fprintf(stderr, " (try --help)\n");
  return EXIT_BAD_INPUT;
}

/* "a:b:c" from the --debug-dir arguments, NULL when there are none or out of memory. */
static char *join_dirs(const char *const *dirv, int n) {
  size_t len = 1;
  for (int i = 0; i < n; i++)
    len += strlen(dirv[i]) + 1;
  char *out = n > 0 ? malloc(len) : NULL;
  if (out == NULL)
    return NULL;
  out[0] = '\0';
  for (int i = 0; i < n; i++) {
    if (i > 0)
      strcat(out, ":");
    strcat(out, dirv[i]);
  }
  return out;
}

static int read_all(int fd, char **out, size_t *len) {
  size_t cap = 1 << 16, n = 0;
  char *buf = malloc(cap);
  if (buf == NULL)
    return -ENOMEM;
  for (;;) {
    if (n == cap) {
      char *nb = realloc(buf, cap *= 2);
      if (nb == NULL) {
        free(buf);
        return -ENOMEM;
      }
      buf = nb;
    }
    ssize_t r = read(fd, buf + n, cap - n);
    if (r < 0 && errno == EINTR)
      continue;
    if (r < 0) {
      int e = errno;
      free(buf);
      return -e;
    }
    if (r == 0)
      break;
    n += (size_t)r;
  }
  *out = buf;
  *len = n;
  return 0;
}

/* Replaces every unsymbolized frame of the leaks whose kind is in kinds by its
 * source-level frames (several when code was inlined); frames that already name a
 * function, or that nothing is known about, stay as they are. Only the kinds that are
 * written are worth the lookups: an exit report's text often prints one lost group out
 * of thousands of reachable ones. Leaks keep their order and the summary is untouched. */
static int symbolize_report(lt_report_t *report, lt_kind_mask_t kinds, lt_sym_t *sym,
                            lt_arena_t *arena) {
  for (long i = 0; i < report->nleaks; i++) {
    lt_leak_t *leak = &report->leaks[i];
    if (!(kinds & (1u << leak->kind)))
      continue;
    size_t cap = (size_t)leak->nframes * LT_SYM_MAX_FRAMES + 1;
    lt_frame_t *out = malloc(cap * sizeof(*out));
    if (out == NULL)
      return -ENOMEM;
    int n = 0;
    for (int j = 0; j < leak->nframes; j++) {
      const lt_frame_t *f = &leak->frames[j];
      lt_sym_frame_t chain[LT_SYM_MAX_FRAMES];
      int k = f->function == NULL && f->module != NULL
                  ? lt_sym_lookup(sym, f->module, f->offset, chain, LT_SYM_MAX_FRAMES)
                  : 0;
      if (k == 0)
        out[n++] = *f;
      for (int c = 0; c < k; c++) {
        out[n] = *f;
        out[n].function = chain[c].function;
        out[n].file = chain[c].file;
        out[n].line = chain[c].line;
        out[n].inlined = chain[c].inlined;
        n++;
      }
    }
    leak->frames = lt_arena_alloc(arena, (size_t)n * sizeof(*out) + 1);
    if (leak->frames == NULL) {
      free(out);
      return -ENOMEM;
    }
    memcpy(leak->frames, out, (size_t)n * sizeof(*out));
    leak->nframes = n;
    free(out);
  }
  return 0;
}

static int write_report(const lt_report_t *report, const char *path, int text,
                        lt_kind_mask_t show) {
  int fd = 1;
  if (path != NULL && (fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)) < 0) {
    fprintf(stderr, "leaktrace-symbolize: %s: %s\n", path, strerror(errno));
    return 1;
  }
  static lt_out_t out;
  lt_out_init(&out, fd);
  if (text)
    lt_report_write_text(report, show, &out);
  else
    lt_report_write_json(report, &out);
  int rc = lt_out_flush(&out);
  if (path != NULL && close(fd) != 0 && rc == 0)
    rc = -errno;
  if (rc != 0) {
    fprintf(stderr, "leaktrace-symbolize: %s: %s\n", path ? path : "stdout", strerror(-rc));
    return 1;
  }
  return 0;
}

static int write_json_atomically(const lt_report_t *report, const char *path)
{
  int rc = lt_report_write_json_file(report, path);
  if (rc < 0)
    fprintf(stderr, "leaktrace-symbolize: %s: %s\n", path, strerror(-rc));
  return rc < 0;
}

int main(int argc, char **argv) {
  enum { OPT_TEXT = 256, OPT_SHOW, OPT_DEBUG_DIR, OPT_JSON_OUTPUT };
  static const struct option longopts[] = {
      {"output", required_argument, NULL, 'o'}, {"text", no_argument, NULL, OPT_TEXT},
      {"show", required_argument, NULL, OPT_SHOW},
      {"json-output", required_argument, NULL, OPT_JSON_OUTPUT},
      {"debug-dir", required_argument, NULL, OPT_DEBUG_DIR},
      {"help", no_argument, NULL, 'h'},         {"version", no_argument, NULL, 'V'},
      {NULL, 0, NULL, 0}};
  const char *output = NULL, *json_output = NULL;
  int text = 0;
  lt_kind_mask_t show = LT_SHOW_DEFAULT;
  const char *dirv[MAX_DEBUG_DIRS];
  int ndirs = 0, c;
  opterr = 0;
  while ((c = getopt_long(argc, argv, "o:hV", longopts, NULL)) != -1) {
    switch (c) {
    case 'o':
      output = optarg;
      break;
    case OPT_TEXT:
      text = 1;
      break;
    case OPT_JSON_OUTPUT:
      json_output = optarg;
      break;
    case OPT_SHOW:
      if (lt_kind_mask_parse(optarg, strlen(optarg), &show) != 0)
        return die_usage("--show: bad kind list \"%s\"", optarg);
      break;
    case OPT_DEBUG_DIR:
      if (optarg[0] != '/' || strchr(optarg, ':') != NULL)
        return die_usage("--debug-dir: \"%s\" must be an absolute path without ':'", optarg);
      if (ndirs == MAX_DEBUG_DIRS)
        return die_usage("--debug-dir: more than %s directories", MAX_DEBUG_DIRS_STR);
      dirv[ndirs++] = optarg;
      break;
    case 'h':
      fputs(usage, stdout);
      return 0;
    case 'V':
      printf("leaktrace-symbolize %s\n", LT_VERSION);
      return 0;
    default:
      if (optopt != 0)
        return die_usage("option -%c is unknown or needs an argument",
                         (char[]){(char)optopt, '\0'});
      return die_usage("option %s is unknown or needs an argument", argv[optind - 1]);
    }
  }
  if (argc - optind > 1)
    return die_usage("one report at a time (extra argument \"%s\")", argv[optind + 1]);
  const char *input = optind < argc && strcmp(argv[optind], "-") != 0 ? argv[optind] : NULL;
  const char *name = input ? input : "<stdin>";

  int fd = input ? open(input, O_RDONLY | O_CLOEXEC) : 0;
  char *text_in = NULL;
  size_t len = 0;
  int rc = fd < 0 ? -errno : read_all(fd, &text_in, &len);
  if (input != NULL && fd >= 0)
    close(fd);
  if (rc != 0) {
    fprintf(stderr, "leaktrace-symbolize: %s: %s\n", name, strerror(-rc));
    return EXIT_BAD_INPUT;
  }
  char *debug_dirs = join_dirs(dirv, ndirs);

  lt_json_doc_t doc = {{NULL}, NULL};
  lt_json_error_t err;
  lt_arena_t arena = {NULL};
  lt_report_t report;
  lt_sym_t *sym = NULL;
  int status = 0;
  rc = lt_json_parse(text_in, len, &doc, &err);
  if (rc == 0 && (rc = lt_report_read(doc.root, &arena, &report, &err)) != 0)
    lt_json_position(text_in, err.pos, &err.line, &err.col);
  if (rc == -ENOMEM) {
    fprintf(stderr, "leaktrace-symbolize: %s: out of memory\n", name);
    status = 1;
  } else if (rc != 0) {
    fprintf(stderr, "leaktrace-symbolize: %s:%d:%d: %s\n", name, err.line, err.col, err.msg);
    status = EXIT_BAD_INPUT;
  } else if ((sym = lt_sym_open()) == NULL ||
             (ndirs > 0 && (debug_dirs == NULL || lt_sym_set_debug_dirs(sym, debug_dirs) != 0)) ||
             symbolize_report(&report, text && json_output == NULL ? show : ~0u, sym,
                              &arena) != 0) {
    fprintf(stderr, "leaktrace-symbolize: out of memory\n");
    status = 1;
  } else {
    status = write_report(&report, output, text, show);
    if (status == 0 && json_output != NULL)
      status = write_json_atomically(&report, json_output);
  }
  lt_sym_close(sym);
  lt_json_free(&doc);
  lt_arena_free(&arena);
  free(text_in);
  free(debug_dirs);
  return status;
}
