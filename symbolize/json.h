/* json.h — a small strict JSON reader (RFC 8259) that builds a tree.
 *
 * Whitespace is free; anything else the grammar does not allow is an error reported
 * with its line and column. Numbers keep their source text, so a 64-bit counter is
 * read back exactly (a double would round it). Strings are decoded (escapes,
 * surrogate pairs -> UTF-8); "\u0000" is refused because every consumer wants C
 * strings. Nesting is limited to LT_JSON_MAX_DEPTH so hostile input cannot exhaust
 * the stack. The whole tree lives in the document's arena. */
#ifndef LT_JSON_H
#define LT_JSON_H

#include <stddef.h>
#include <stdint.h>

#include "arena.h"

#define LT_JSON_MAX_DEPTH 64

typedef enum {
  LT_JSON_NULL,
  LT_JSON_FALSE,
  LT_JSON_TRUE,
  LT_JSON_NUMBER,
  LT_JSON_STRING,
  LT_JSON_ARRAY,
  LT_JSON_OBJECT,
} lt_json_type_t;

typedef struct lt_json lt_json_t;
typedef struct lt_json_member lt_json_member_t;

struct lt_json {
  lt_json_type_t type;
  size_t pos;                /* byte offset of the value in the source */
  const char *text;          /* NUMBER: source text; STRING: decoded, NUL-terminated */
  size_t len;                /* NUMBER/STRING: bytes in text; ARRAY/OBJECT: count */
  lt_json_t *items;          /* ARRAY */
  lt_json_member_t *members; /* OBJECT, in source order */
};

struct lt_json_member {
  const char *key;
  lt_json_t value;
};

typedef struct lt_json_doc {
  lt_arena_t arena;
  lt_json_t *root;
} lt_json_doc_t;

typedef struct lt_json_error {
  size_t pos;       /* byte offset */
  int line, col;    /* 1-based */
  char msg[96];
} lt_json_error_t;

/* Parses text[0..len) (one value, surrounded by whitespace only) into doc. Returns 0,
 * -EINVAL with *err filled on a syntax error, or -ENOMEM. */
int lt_json_parse(const char *text, size_t len, lt_json_doc_t *doc, lt_json_error_t *err);
void lt_json_free(lt_json_doc_t *doc);

/* The member key of an object, or NULL when it is absent or obj is not an object. */
const lt_json_t *lt_json_get(const lt_json_t *obj, const char *key);
/* line and column (1-based) of byte offset pos in text. */
void lt_json_position(const char *text, size_t pos, int *line, int *col);

#endif
