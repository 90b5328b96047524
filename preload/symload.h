/* symload.h — the symbolizer (libleaktrace-symbolize.so, over libdw), loaded into the host
 * only when a report is symbolized, from the directory libleaktrace.so was loaded from. */
#ifndef LT_SYMLOAD_H
#define LT_SYMLOAD_H

#include "symbolize.h"

#include <stddef.h>

typedef struct lt_symbolizer {
  lt_sym_t *(*open)(void);
  void (*close)(lt_sym_t *);
  int (*lookup)(lt_sym_t *, const char *, uint64_t, lt_sym_frame_t *, int);
} lt_symbolizer_t;

/* relative, resolved against the directory libleaktrace.so was loaded from (the build
 * tree and an install prefix both lay out lib/ and bin/ alike). 0, or -1. */
int lt_path_beside_runtime(const char *relative, char *out, size_t size);

/* The symbolizer's entry points, loading it on first call. NULL when it cannot be
 * loaded (said once on stderr; reports then carry module and offset only). */
const lt_symbolizer_t *lt_symload(void);

#endif
