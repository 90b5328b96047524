/* options.c — parsing LEAKTRACE_OPTIONS and expanding file-name patterns. */
#include "options.h"
#include "out.h"
#include "stacks.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

lt_options_t lt_options;

static const struct {
  const char *name;
  int number;
} signal_names[] = {
    {"USR1", SIGUSR1}, {"USR2", SIGUSR2}, {"HUP", SIGHUP},   {"INT", SIGINT},
    {"QUIT", SIGQUIT}, {"TERM", SIGTERM}, {"ALRM", SIGALRM}, {"PROF", SIGPROF},
    {"WINCH", SIGWINCH}, {"URG", SIGURG}, {"TTIN", SIGTTIN}, {"TTOU", SIGTTOU},
};

static int parse_int(const char *v, size_t len, long lo, long hi, int *out)
{
  char buf[32];
  if (len == 0 || len >= sizeof(buf))
    return -EINVAL;
  memcpy(buf, v, len);
  buf[len] = 0;
  char *end;
  errno = 0;
  long n = strtol(buf, &end, 10);
  if (errno || *end || n < lo || n > hi)
    return -EINVAL;
  *out = (int)n;
  return 0;
}

/* USR1, SIGUSR1, a number, RTMIN+n, or none. */
static int parse_signal(const char *v, size_t len, int *out)
{
  if (len == 4 && memcmp(v, "none", 4) == 0) {
    *out = 0;
    return 0;
  }
  if (len > 3 && memcmp(v, "SIG", 3) == 0) {
    v += 3;
    len -= 3;
  }
  for (size_t i = 0; i < sizeof(signal_names) / sizeof(signal_names[0]); i++)
    if (strlen(signal_names[i].name) == len && memcmp(signal_names[i].name, v, len) == 0) {
      *out = signal_names[i].number;
      return 0;
    }
  if (len > 6 && memcmp(v, "RTMIN+", 6) == 0) {
    int k;
    if (parse_int(v + 6, len - 6, 0, SIGRTMAX - SIGRTMIN, &k) < 0)
      return -EINVAL;
    *out = SIGRTMIN + k;
    return 0;
  }
  int n;
  if (parse_int(v, len, 1, SIGRTMAX, &n) < 0 || n == SIGKILL || n == SIGSTOP)
    return -EINVAL;
  *out = n;
  return 0;
}

static int parse_path(const char *v, size_t len, char *out)
{
  if (len == 0 || len >= PATH_MAX)
    return -EINVAL;
  memcpy(out, v, len);
  out[len] = 0;
  return 0;
}

static int parse_pair(lt_options_t *o, const char *key, size_t klen, const char *v, size_t len)
{
#define KEY(name) (klen == sizeof(name) - 1 && memcmp(key, name, klen) == 0)
  if (KEY("log"))
    return parse_path(v, len, o->log);
  if (KEY("json"))
    return parse_path(v, len, o->json);
  if (KEY("depth"))
    return parse_int(v, len, 1, LT_STACK_MAX_DEPTH, &o->depth);
  if (KEY("signal"))
    return parse_signal(v, len, &o->signal);
  if (KEY("exitcode"))
    return parse_int(v, len, 0, 255, &o->exitcode);
  if (KEY("scan"))
    return parse_int(v, len, 0, 1, &o->scan);
  if (KEY("show"))
    return lt_kind_mask_parse(v, len, &o->show);
  if (KEY("symbolize"))
    return parse_int(v, len, 0, 1, &o->symbolize);
#undef KEY
  return -ENOENT;
}

static void defaults(lt_options_t *o)
{
  memset(o, 0, sizeof(*o));
  o->depth = 32;
  o->signal = SIGUSR1;
  o->scan = 1;
  o->show = LT_SHOW_DEFAULT;
  o->symbolize = 1;
}

int lt_options_parse(lt_options_t *o, const char *text)
{
  defaults(o);
  int problems = 0;
  const char *p = text ? text : "";
  for (;;) {
    p += strspn(p, ": \t");
    if (!*p)
      break;
    size_t len = strcspn(p, ": \t");
    const char *eq = memchr(p, '=', len);
    if (!eq) {
      lt_warn("LEAKTRACE_OPTIONS: '%.*s' is not key=value; ignored", (int)len, p);
      problems++;
    } else {
      size_t klen = (size_t)(eq - p);
      int rc = parse_pair(o, p, klen, eq + 1, len - klen - 1);
      if (rc == -ENOENT) {
        lt_warn("LEAKTRACE_OPTIONS: unknown key '%.*s'; ignored", (int)klen, p);
        problems++;
      } else if (rc < 0) {
        lt_warn("LEAKTRACE_OPTIONS: bad value '%.*s' for key '%.*s'; using the default",
                (int)(len - klen - 1), eq + 1, (int)klen, p);
        problems++;
      }
    }
    p += len;
  }
  return problems;
}

int lt_options_expand(const char *pattern, long pid, unsigned seq, char *out, size_t size)
{
  size_t n = 0;
  for (const char *p = pattern; *p; p++) {
    char num[24];
    const char *piece = p;
    size_t len = 1;
    if (p[0] == '%' && p[1] == 'p') {
      len = (size_t)snprintf(num, sizeof(num), "%ld", pid);
      piece = num;
      p++;
    } else if (p[0] == '%' && p[1] == 'n') {
      len = (size_t)snprintf(num, sizeof(num), "%u", seq);
      piece = num;
      p++;
    }
    if (n + len >= size)
      return -ENAMETOOLONG;
    memcpy(out + n, piece, len);
    n += len;
  }
  out[n] = 0;
  return 0;
}
