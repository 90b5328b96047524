/* out.c — buffered fd output with printf formatting and JSON string escapes. */
#include "out.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

void lt_out_init(lt_out_t *out, int fd)
{
  out->fd = fd;
  out->error = 0;
  out->len = 0;
}

/* write(2) until done: a report must not be cut short by a signal or a short write. */
static int write_all(int fd, const char *data, size_t len)
{
  while (len > 0) {
    ssize_t n = write(fd, data, len);
    if (n < 0) {
      if (errno == EINTR)
        continue;
      return -errno;
    }
    data += n;
    len -= (size_t)n;
  }
  return 0;
}

int lt_out_flush(lt_out_t *out)
{
  if (out->len > 0 && out->error == 0) {
    int rc = write_all(out->fd, out->buf, out->len);
    if (rc < 0)
      out->error = -rc;
  }
  out->len = 0;
  return -out->error;
}

void lt_out_write(lt_out_t *out, const char *data, size_t len)
{
  if (out->len + len > sizeof(out->buf))
    lt_out_flush(out);
  if (len > sizeof(out->buf)) {
    if (out->error == 0) {
      int rc = write_all(out->fd, data, len);
      if (rc < 0)
        out->error = -rc;
    }
    return;
  }
  memcpy(out->buf + out->len, data, len);
  out->len += len;
}

void lt_out_vprintf(lt_out_t *out, const char *fmt, va_list ap)
{
  char line[1024];
  va_list copy;
  va_copy(copy, ap);
  int n = vsnprintf(line, sizeof(line), fmt, copy);
  va_end(copy);
  if (n < 0)
    return;
  if ((size_t)n < sizeof(line)) {
    lt_out_write(out, line, (size_t)n);
    return;
  }
  /* Longer than a line: format straight into the buffer after making room. */
  lt_out_flush(out);
  if ((size_t)n < sizeof(out->buf)) {
    vsnprintf(out->buf, sizeof(out->buf), fmt, ap);
    out->len = (size_t)n;
  } else {
    lt_out_write(out, line, sizeof(line) - 1);
  }
}

void lt_out_printf(lt_out_t *out, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  lt_out_vprintf(out, fmt, ap);
  va_end(ap);
}

void lt_out_json_string(lt_out_t *out, const char *s)
{
  static const char hex[] = "0123456789abcdef";
  lt_out_write(out, "\"", 1);
  for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
    char esc[6] = {'\\', 0, 0, 0, 0, 0};
    size_t n = 2;
    switch (*p) {
    case '"': esc[1] = '"'; break;
    case '\\': esc[1] = '\\'; break;
    case '\n': esc[1] = 'n'; break;
    case '\r': esc[1] = 'r'; break;
    case '\t': esc[1] = 't'; break;
    default:
      if (*p >= 0x20) {
        lt_out_write(out, (const char *)p, 1);
        continue;
      }
      esc[1] = 'u';
      esc[2] = '0';
      esc[3] = '0';
      esc[4] = hex[*p >> 4];
      esc[5] = hex[*p & 15];
      n = 6;
    }
    lt_out_write(out, esc, n);
  }
  lt_out_write(out, "\"", 1);
}

void lt_warn(const char *fmt, ...)
{
  char line[512];
  int saved = errno;
  size_t prefix = sizeof("leaktrace: ") - 1;
  memcpy(line, "leaktrace: ", prefix);
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(line + prefix, sizeof(line) - prefix - 1, fmt, ap);
  va_end(ap);
  size_t len = prefix + (n < 0 ? 0 : (size_t)n);
  if (len > sizeof(line) - 2)
    len = sizeof(line) - 2;
  line[len++] = '\n';
  write_all(2, line, len);
  errno = saved;
}
