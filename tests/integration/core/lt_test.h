/* lt_test.h — helpers for the core integration programs.
 *
 * The programs run under libleaktrace.so with exact expectations on what they allocate,
 * so these helpers never allocate: output goes through write(2) from a stack buffer
 * (stdio would malloc its buffer and add a block to every report), and waiting for a
 * report file uses opendir-free stat/getdents64 loops. The harness passes the per-test
 * directory in LT_TEST_DIR. */
#ifndef LT_TEST_H
#define LT_TEST_H

#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

/* Seconds a program waits for a report the runtime writes in the background. Generous:
 * a loaded 2-core CI machine may take long to schedule the reporting thread. */
#define LT_TEST_WAIT_SECONDS 60

/* Keeps pointers alive and observable, so the compiler cannot drop an allocation. */
static void *volatile lt_test_sink;

static void lt_test_vwrite(int fd, const char *fmt, va_list ap)
{
  char buf[512];
  int n = vsnprintf(buf, sizeof buf, fmt, ap);
  if (n < 0)
    return;
  if ((size_t)n >= sizeof buf)
    n = sizeof buf - 1;
  for (int off = 0; off < n;) {
    ssize_t w = write(fd, buf + off, n - off);
    if (w <= 0)
      return;
    off += (int)w;
  }
}

/* printf to stdout without stdio's heap buffer. */
__attribute__((format(printf, 1, 2))) static void say(const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  lt_test_vwrite(1, fmt, ap);
  va_end(ap);
}

/* Fails the program with a message naming the broken expectation (exit status 99, which
 * no test expects). */
__attribute__((format(printf, 1, 2), noreturn)) static void lt_test_fail(const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  lt_test_vwrite(2, fmt, ap);
  va_end(ap);
  _exit(99);
}

#define CHECK(cond)                                                                   \
  do {                                                                                \
    if (!(cond))                                                                      \
      lt_test_fail("%s:%d: CHECK failed: %s (errno %d)\n", __FILE__, __LINE__, #cond, \
                   errno);                                                            \
  } while (0)

static const char *lt_test_dir(void)
{
  const char *d = getenv("LT_TEST_DIR");
  if (!d)
    lt_test_fail("LT_TEST_DIR is not set: run this program through run_case.py\n");
  return d;
}

/* Path of a file in the test directory, in a static buffer. */
static const char *lt_test_path(const char *name)
{
  static char path[4096];
  snprintf(path, sizeof path, "%s/%s", lt_test_dir(), name);
  return path;
}

/* Number of entries in the test directory whose name starts with prefix and ends
 * with suffix. Reads the directory with getdents64: opendir would malloc. */
static int lt_test_count_files(const char *prefix, const char *suffix)
{
  int fd = open(lt_test_dir(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  CHECK(fd >= 0);
  char buf[8192] __attribute__((aligned(8)));
  int count = 0;
  for (;;) {
    long n = syscall(SYS_getdents64, fd, buf, sizeof buf);
    CHECK(n >= 0);
    if (n == 0)
      break;
    for (long off = 0; off < n;) {
      struct {
        unsigned long long ino;
        long long off;
        unsigned short reclen;
        unsigned char type;
        char name[];
      } *e = (void *)(buf + off);
      size_t len = strlen(e->name), pl = strlen(prefix), sl = strlen(suffix);
      if (len >= pl + sl && strncmp(e->name, prefix, pl) == 0 &&
          strcmp(e->name + len - sl, suffix) == 0)
        count++;
      off += e->reclen;
    }
  }
  close(fd);
  return count;
}

static double lt_test_now(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void lt_test_nap(void)
{
  struct timespec ts = {0, 10 * 1000 * 1000};
  nanosleep(&ts, NULL);
}

/* Waits until at least n files prefix*suffix exist in the test directory. */
static void lt_test_wait_files(const char *prefix, const char *suffix, int n)
{
  double deadline = lt_test_now() + LT_TEST_WAIT_SECONDS;
  while (lt_test_count_files(prefix, suffix) < n) {
    if (lt_test_now() > deadline)
      lt_test_fail("timeout: %d of %d report files %s*%s after %d s\n",
                   lt_test_count_files(prefix, suffix), n, prefix, suffix,
                   LT_TEST_WAIT_SECONDS);
    lt_test_nap();
  }
}

/* Waits until path exists. */
static void lt_test_wait_path(const char *path)
{
  double deadline = lt_test_now() + LT_TEST_WAIT_SECONDS;
  struct stat st;
  while (stat(path, &st) != 0) {
    if (lt_test_now() > deadline)
      lt_test_fail("timeout: no %s after %d s\n", path, LT_TEST_WAIT_SECONDS);
    lt_test_nap();
  }
}

/* Reads a whole small file into buf (NUL-terminated); returns its length. */
static size_t lt_test_read_fd(int fd, char *buf, size_t cap)
{
  size_t len = 0;
  ssize_t n;
  while (len + 1 < cap && (n = pread(fd, buf + len, cap - 1 - len, (off_t)len)) > 0)
    len += (size_t)n;
  buf[len] = 0;
  return len;
}

#endif
