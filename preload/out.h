/* out.h — a buffered writer over a file descriptor, formatting with vsnprintf into a
 * fixed buffer: no stdio FILE, no malloc, so it works in a host that closed or reused
 * fds 0–2, and from the reporter at exit. Write errors are remembered, not raised. */
#ifndef LT_OUT_H
#define LT_OUT_H

#include <stdarg.h>
#include <stddef.h>

typedef struct lt_out {
  int fd;
  int error;          /* first errno seen, 0 if none */
  size_t len;
  char buf[8192];
} lt_out_t;

void lt_out_init(lt_out_t *out, int fd);
void lt_out_printf(lt_out_t *out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void lt_out_vprintf(lt_out_t *out, const char *fmt, va_list ap);
void lt_out_write(lt_out_t *out, const char *data, size_t len);
/* A JSON string literal, quotes included, with the escapes RFC 8259 requires. */
void lt_out_json_string(lt_out_t *out, const char *s);
/* Returns 0 or the first -errno seen. */
int lt_out_flush(lt_out_t *out);

/* One line on stderr, "leaktrace: ...\n", with a single write(2): for warnings from
 * any thread, even before initialization. */
void lt_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
