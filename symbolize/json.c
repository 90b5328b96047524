/* json.c — the strict JSON reader behind leaktrace-symbolize: recursive descent over a
 * buffer, the tree in an arena, the first error with its position. */
#include "json.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct parser {
  const char *s;
  size_t len;
  size_t pos;
  int depth;
  lt_arena_t *arena;
  lt_json_error_t *err;
} parser_t;

static int parse_value(parser_t *p, lt_json_t *out);

static int fail_at(parser_t *p, size_t pos, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int fail_at(parser_t *p, size_t pos, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(p->err->msg, sizeof(p->err->msg), fmt, ap);
  va_end(ap);
  p->err->pos = pos;
  lt_json_position(p->s, pos, &p->err->line, &p->err->col);
  return -EINVAL;
}

/* Names the character at pos for an error message. */
static const char *describe(parser_t *p, size_t pos, char buf[16]) {
  if (pos >= p->len)
    return "end of input";
  unsigned char c = (unsigned char)p->s[pos];
  if (c > 0x20 && c < 0x7f)
    snprintf(buf, 16, "'%c'", c);
  else
    snprintf(buf, 16, "byte 0x%02x", c);
  return buf;
}

static int expected(parser_t *p, const char *what) {
  char buf[16];
  return fail_at(p, p->pos, "expected %s, found %s", what, describe(p, p->pos, buf));
}

static void skip_ws(parser_t *p) {
  while (p->pos < p->len) {
    char c = p->s[p->pos];
    if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
      return;
    p->pos++;
  }
}

static int peek(parser_t *p) { return p->pos < p->len ? (unsigned char)p->s[p->pos] : -1; }

static int is_digit(int c) { return c >= '0' && c <= '9'; }

static int parse_literal(parser_t *p, const char *word, lt_json_type_t type, lt_json_t *out) {
  size_t n = strlen(word);
  if (p->len - p->pos < n || memcmp(p->s + p->pos, word, n) != 0)
    return fail_at(p, p->pos, "invalid literal (expected %s)", word);
  out->type = type;
  p->pos += n;
  return 0;
}

static int parse_number(parser_t *p, lt_json_t *out) {
  size_t start = p->pos;
  if (peek(p) == '-')
    p->pos++;
  if (peek(p) == '0') {
    p->pos++;
  } else if (is_digit(peek(p))) {
    while (is_digit(peek(p)))
      p->pos++;
  } else {
    return expected(p, "a digit");
  }
  if (peek(p) == '.') {
    p->pos++;
    if (!is_digit(peek(p)))
      return expected(p, "a digit after '.'");
    while (is_digit(peek(p)))
      p->pos++;
  }
  if (peek(p) == 'e' || peek(p) == 'E') {
    p->pos++;
    if (peek(p) == '+' || peek(p) == '-')
      p->pos++;
    if (!is_digit(peek(p)))
      return expected(p, "a digit in the exponent");
    while (is_digit(peek(p)))
      p->pos++;
  }
  out->type = LT_JSON_NUMBER;
  out->text = p->s + start;
  out->len = p->pos - start;
  return 0;
}

static int hex4(parser_t *p, size_t at, unsigned *value) {
  if (p->len - at < 4)
    return fail_at(p, at, "truncated \\u escape");
  unsigned v = 0;
  for (int i = 0; i < 4; i++) {
    char c = p->s[at + i];
    int d = c >= '0' && c <= '9' ? c - '0'
          : c >= 'a' && c <= 'f' ? c - 'a' + 10
          : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
    if (d < 0)
      return fail_at(p, at + i, "invalid hex digit in \\u escape");
    v = v * 16 + (unsigned)d;
  }
  *value = v;
  return 0;
}

static size_t put_utf8(char *o, unsigned cp) {
  if (cp < 0x80) {
    o[0] = (char)cp;
    return 1;
  }
  if (cp < 0x800) {
    o[0] = (char)(0xc0 | cp >> 6);
    o[1] = (char)(0x80 | (cp & 0x3f));
    return 2;
  }
  if (cp < 0x10000) {
    o[0] = (char)(0xe0 | cp >> 12);
    o[1] = (char)(0x80 | (cp >> 6 & 0x3f));
    o[2] = (char)(0x80 | (cp & 0x3f));
    return 3;
  }
  o[0] = (char)(0xf0 | cp >> 18);
  o[1] = (char)(0x80 | (cp >> 12 & 0x3f));
  o[2] = (char)(0x80 | (cp >> 6 & 0x3f));
  o[3] = (char)(0x80 | (cp & 0x3f));
  return 4;
}

/* One \u escape starting at the backslash (pos), a surrogate pair taken whole. */
static int unicode_escape(parser_t *p, size_t *pos, unsigned *cp) {
  unsigned hi;
  int rc = hex4(p, *pos + 2, &hi);
  if (rc != 0)
    return rc;
  size_t at = *pos;
  *pos += 6;
  if (hi >= 0xdc00 && hi <= 0xdfff)
    return fail_at(p, at, "unpaired low surrogate in \\u escape");
  if (hi >= 0xd800 && hi <= 0xdbff) {
    unsigned lo;
    if (p->len - *pos < 2 || p->s[*pos] != '\\' || p->s[*pos + 1] != 'u')
      return fail_at(p, at, "unpaired high surrogate in \\u escape");
    if ((rc = hex4(p, *pos + 2, &lo)) != 0)
      return rc;
    if (lo < 0xdc00 || lo > 0xdfff)
      return fail_at(p, *pos, "expected a low surrogate after a high one");
    *pos += 6;
    hi = 0x10000 + ((hi - 0xd800) << 10) + (lo - 0xdc00);
  }
  if (hi == 0)
    return fail_at(p, at, "\\u0000 is not supported in strings");
  *cp = hi;
  return 0;
}

/* A string at p->pos (on the opening quote). Decoding never makes it longer, so the
 * raw length found by a first scan bounds the buffer. */
static int parse_string(parser_t *p, const char **text, size_t *len) {
  size_t start = p->pos + 1, end = start;
  while (end < p->len && p->s[end] != '"')
    end += p->s[end] == '\\' ? 2 : 1;
  if (end >= p->len)
    return fail_at(p, p->pos, "unterminated string");
  char *o = lt_arena_alloc(p->arena, end - start + 1);
  if (o == NULL)
    return -ENOMEM;
  size_t n = 0;
  for (size_t i = start; i < end;) {
    unsigned char c = (unsigned char)p->s[i];
    if (c < 0x20)
      return fail_at(p, i, "control character (byte 0x%02x) in string", c);
    if (c != '\\') {
      o[n++] = (char)c;
      i++;
      continue;
    }
    char e = p->s[i + 1];
    const char *simple = strchr("\"\\/bfnrt", e);
    if (e != '\0' && simple != NULL) {
      o[n++] = "\"\\/\b\f\n\r\t"[simple - "\"\\/bfnrt"];
      i += 2;
    } else if (e == 'u') {
      unsigned cp = 0;
      int rc = unicode_escape(p, &i, &cp);
      if (rc != 0)
        return rc;
      n += put_utf8(o + n, cp);
    } else {
      return fail_at(p, i, "invalid escape in string");
    }
  }
  o[n] = '\0';
  *text = o;
  *len = n;
  p->pos = end + 1;
  return 0;
}

/* A growable scratch vector for the elements of one array or object; copied into the
 * arena once its length is known. */
typedef struct vec {
  void *v;
  size_t n, cap, size;
} vec_t;

static void *vec_push(vec_t *v) {
  if (v->n == v->cap) {
    size_t cap = v->cap ? v->cap * 2 : 8;
    void *nv = realloc(v->v, cap * v->size);
    if (nv == NULL)
      return NULL;
    v->v = nv;
    v->cap = cap;
  }
  return (char *)v->v + v->n++ * v->size;
}

static void *vec_finish(parser_t *p, vec_t *v) {
  void *out = lt_arena_alloc(p->arena, v->n * v->size + 1);
  if (out != NULL && v->n > 0)
    memcpy(out, v->v, v->n * v->size);
  free(v->v);
  return out;
}

static int parse_array(parser_t *p, lt_json_t *out) {
  vec_t items = {NULL, 0, 0, sizeof(lt_json_t)};
  int rc = 0;
  p->pos++;
  skip_ws(p);
  if (peek(p) == ']') {
    p->pos++;
  } else {
    for (;;) {
      lt_json_t *item = vec_push(&items);
      if (item == NULL) {
        rc = -ENOMEM;
        break;
      }
      if ((rc = parse_value(p, item)) != 0)
        break;
      skip_ws(p);
      if (peek(p) == ',') {
        p->pos++;
        continue;
      }
      if (peek(p) == ']') {
        p->pos++;
        break;
      }
      rc = expected(p, "',' or ']' in array");
      break;
    }
  }
  if (rc != 0) {
    free(items.v);
    return rc;
  }
  out->type = LT_JSON_ARRAY;
  out->len = items.n;
  out->items = vec_finish(p, &items);
  return out->items != NULL ? 0 : -ENOMEM;
}

static int parse_object(parser_t *p, lt_json_t *out) {
  vec_t members = {NULL, 0, 0, sizeof(lt_json_member_t)};
  int rc = 0;
  p->pos++;
  skip_ws(p);
  if (peek(p) == '}') {
    p->pos++;
  } else {
    for (;;) {
      skip_ws(p);
      if (peek(p) != '"') {
        rc = expected(p, "a string key in object");
        break;
      }
      lt_json_member_t *m = vec_push(&members);
      size_t keylen;
      if (m == NULL) {
        rc = -ENOMEM;
        break;
      }
      if ((rc = parse_string(p, &m->key, &keylen)) != 0)
        break;
      skip_ws(p);
      if (peek(p) != ':') {
        rc = expected(p, "':' after object key");
        break;
      }
      p->pos++;
      if ((rc = parse_value(p, &m->value)) != 0)
        break;
      skip_ws(p);
      if (peek(p) == ',') {
        p->pos++;
        continue;
      }
      if (peek(p) == '}') {
        p->pos++;
        break;
      }
      rc = expected(p, "',' or '}' in object");
      break;
    }
  }
  if (rc != 0) {
    free(members.v);
    return rc;
  }
  out->type = LT_JSON_OBJECT;
  out->len = members.n;
  out->members = vec_finish(p, &members);
  return out->members != NULL ? 0 : -ENOMEM;
}

static int parse_value(parser_t *p, lt_json_t *out) {
  skip_ws(p);
  memset(out, 0, sizeof(*out));
  out->pos = p->pos;
  int c = peek(p);
  if (c == '{' || c == '[') {
    if (p->depth == LT_JSON_MAX_DEPTH)
      return fail_at(p, p->pos, "nesting deeper than %d levels", LT_JSON_MAX_DEPTH);
    p->depth++;
    int rc = c == '{' ? parse_object(p, out) : parse_array(p, out);
    p->depth--;
    return rc;
  }
  switch (c) {
  case '"':
    out->type = LT_JSON_STRING;
    return parse_string(p, &out->text, &out->len);
  case 't':
    return parse_literal(p, "true", LT_JSON_TRUE, out);
  case 'f':
    return parse_literal(p, "false", LT_JSON_FALSE, out);
  case 'n':
    return parse_literal(p, "null", LT_JSON_NULL, out);
  default:
    if (c == '-' || is_digit(c))
      return parse_number(p, out);
    return expected(p, "a JSON value");
  }
}

int lt_json_parse(const char *text, size_t len, lt_json_doc_t *doc, lt_json_error_t *err) {
  memset(doc, 0, sizeof(*doc));
  memset(err, 0, sizeof(*err));
  parser_t p = {text, len, 0, 0, &doc->arena, err};
  lt_json_t *root = lt_arena_alloc(&doc->arena, sizeof(*root));
  int rc = root != NULL ? parse_value(&p, root) : -ENOMEM;
  if (rc == 0) {
    skip_ws(&p);
    if (p.pos != len) {
      char buf[16];
      rc = fail_at(&p, p.pos, "unexpected %s after the JSON value", describe(&p, p.pos, buf));
    }
  }
  if (rc != 0) {
    if (rc == -ENOMEM)
      snprintf(err->msg, sizeof(err->msg), "out of memory");
    lt_arena_free(&doc->arena);
    return rc;
  }
  doc->root = root;
  return 0;
}

void lt_json_free(lt_json_doc_t *doc) {
  lt_arena_free(&doc->arena);
  doc->root = NULL;
}

const lt_json_t *lt_json_get(const lt_json_t *obj, const char *key) {
  if (obj == NULL || obj->type != LT_JSON_OBJECT)
    return NULL;
  for (size_t i = 0; i < obj->len; i++)
    if (strcmp(obj->members[i].key, key) == 0)
      return &obj->members[i].value;
  return NULL;
}

void lt_json_position(const char *text, size_t pos, int *line, int *col) {
  int l = 1, c = 1;
  for (size_t i = 0; i < pos; i++) {
    if (text[i] == '\n') {
      l++;
      c = 1;
    } else {
      c++;
    }
  }
  *line = l;
  *col = c;
}
