/* arena.h — a bump allocator whose memory is released all at once.
 *
 * Everything a symbolizer session or a parsed JSON document hands out (demangled
 * names, frame arrays, tree nodes) lives exactly as long as the session or document,
 * so one arena per owner replaces thousands of malloc/free pairs and makes "strings
 * belong to the session" true by construction. Not thread-safe. */
#ifndef LT_ARENA_H
#define LT_ARENA_H

#include <stddef.h>

typedef struct lt_arena_chunk lt_arena_chunk_t;

typedef struct lt_arena {
  lt_arena_chunk_t *head;   /* chunk being filled; older chunks follow it */
} lt_arena_t;

/* Returns size bytes aligned for any type, or NULL when out of memory. */
void *lt_arena_alloc(lt_arena_t *arena, size_t size);
/* A NUL-terminated copy of the first len bytes of s, or NULL when out of memory. */
char *lt_arena_strndup(lt_arena_t *arena, const char *s, size_t len);
/* Releases every allocation; the arena is then empty and reusable. */
void lt_arena_free(lt_arena_t *arena);

#endif
