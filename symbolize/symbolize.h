/* symbolize.h — turning a code address into function, file:line and inlined frames.
 *
 * Lives in libleaktrace-symbolize.so, over elfutils libdw. The runtime dlopens it only
 * when a report is symbolized, so libdw never enters a host process that does not
 * report; the offline tool leaktrace-symbolize links it directly.
 *
 * A session caches every module it opens and every address it resolves: each distinct
 * (module, offset) costs one DWARF lookup per session. Not thread-safe: one session is
 * used by one thread at a time. */
#ifndef LT_SYMBOLIZE_H
#define LT_SYMBOLIZE_H

#include <stdint.h>

/* One source-level frame. Strings belong to the session and live until it is closed;
 * NULL / 0 when unknown. */
typedef struct lt_sym_frame {
  const char *function;   /* demangled */
  const char *file;
  int line;
  int inlined;            /* 1: inlined into the frame that follows it */
} lt_sym_frame_t;

typedef struct lt_sym lt_sym_t;

/* The most frames one lookup yields: an inlined chain deeper than this is cut at its
 * outer end. A caller passing max = LT_SYM_MAX_FRAMES never loses a frame. */
#define LT_SYM_MAX_FRAMES 64

lt_sym_t *lt_sym_open(void);
void lt_sym_close(lt_sym_t *sym);

/* Resolve offset inside module (a path as loaded; offset = address - load bias, already
 * pointing inside the call instruction, so no -1 is applied here). Fills out[0..max)
 * innermost first: the inlined frames, then the function that holds the code.
 * Returns the number of frames written (>= 1 when anything, even only a symbol-table
 * name, is known), 0 when nothing is known. */
int lt_sym_lookup(lt_sym_t *sym, const char *module, uint64_t offset, lt_sym_frame_t *out,
                  int max);

/* Separate debug info is searched by build-id (<dir>/.build-id/xx/rest.debug) and by
 * .gnu_debuglink (next to the module, in its .debug/, under <dir>/<module's dir>/) in
 * /usr/lib/debug. This puts the colon-separated absolute directories dirs before it.
 * Only before the first lookup: returns 0, -EBUSY once a module is open, or -ENOMEM. */
int lt_sym_set_debug_dirs(lt_sym_t *sym, const char *dirs);

#endif
