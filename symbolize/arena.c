/* arena.c — chunked bump allocation for session- and document-lifetime data. */
#include "arena.h"

#include <stdalign.h>
#include <stdlib.h>
#include <string.h>

#define CHUNK_SIZE (64 * 1024)

struct lt_arena_chunk {
  lt_arena_chunk_t *next;
  size_t used;
  size_t cap;
  alignas(max_align_t) unsigned char data[];
};

void *lt_arena_alloc(lt_arena_t *arena, size_t size) {
  const size_t align = alignof(max_align_t);
  size = (size + align - 1) & ~(align - 1);
  lt_arena_chunk_t *c = arena->head;
  if (c == NULL || c->cap - c->used < size) {
    /* An oversized request gets a chunk of its own, so big arrays never waste the
     * tail of a normal chunk. */
    size_t cap = size > CHUNK_SIZE / 4 ? size : CHUNK_SIZE;
    lt_arena_chunk_t *fresh = malloc(sizeof(*fresh) + cap);
    if (fresh == NULL)
      return NULL;
    fresh->used = 0;
    fresh->cap = cap;
    if (c != NULL && cap != CHUNK_SIZE) {
      fresh->next = c->next;   /* keep filling the current chunk afterwards */
      c->next = fresh;
    } else {
      fresh->next = c;
      arena->head = fresh;
    }
    c = fresh;
  }
  void *p = c->data + c->used;
  c->used += size;
  return p;
}

char *lt_arena_strndup(lt_arena_t *arena, const char *s, size_t len) {
  char *p = lt_arena_alloc(arena, len + 1);
  if (p == NULL)
    return NULL;
  memcpy(p, s, len);
  p[len] = '\0';
  return p;
}

void lt_arena_free(lt_arena_t *arena) {
  lt_arena_chunk_t *c = arena->head;
  while (c != NULL) {
    lt_arena_chunk_t *next = c->next;
    free(c);
    c = next;
  }
  arena->head = NULL;
}
