/* symbolize.c — the lt_sym_* entry points: a session, its open modules and the cache
 * of resolved addresses. The only symbols libleaktrace-symbolize.so exports. */
#include <errno.h>
#include <libelf.h>
#include <stdlib.h>
#include <string.h>

#include "sym.h"

#define LT_SYM_API __attribute__((visibility("default")))

/* A resolved address: its full chain, so a later lookup with a larger max still gets
 * every frame. nframes 0 records "nothing known" so it is not looked up again. */
typedef struct resolved {
  int nframes;
  lt_sym_frame_t frames[];
} resolved_t;

LT_SYM_API lt_sym_t *lt_sym_open(void) {
  if (elf_version(EV_CURRENT) == EV_NONE)
    return NULL;
  lt_sym_t *sym = calloc(1, sizeof(*sym));
  if (sym == NULL)
    return NULL;
  sym->debug_path = strdup("/usr/lib/debug");
  if (sym->debug_path == NULL) {
    free(sym);
    return NULL;
  }
  sym->callbacks.find_debuginfo = lt_module_find_debuginfo;
  sym->callbacks.section_address = dwfl_offline_section_address;
  sym->callbacks.debuginfo_path = &sym->debug_path;
  /* find_elf stays NULL: every module is reported with its file (dwfl_report_elf),
   * so libdwfl never has to look for one. */
  return sym;
}

LT_SYM_API int lt_sym_set_debug_dirs(lt_sym_t *sym, const char *dirs) {
  if (sym->nmodules != 0)
    return -EBUSY;
  const char *fallback = "/usr/lib/debug";
  size_t len = strlen(dirs);
  char *path = malloc(len + 1 + strlen(fallback) + 1);
  if (path == NULL)
    return -ENOMEM;
  memcpy(path, dirs, len);
  path[len] = ':';
  strcpy(path + len + 1, fallback);
  free(sym->debug_path);
  sym->debug_path = path;
  return 0;
}

LT_SYM_API void lt_sym_close(lt_sym_t *sym) {
  if (sym == NULL)
    return;
  for (size_t i = 0; i < sym->functions.cap; i++)
    if (sym->functions.slots[i].value != NULL)
      lt_resolve_free_functions(sym->functions.slots[i].value);
  lt_symmap_free(&sym->functions);
  for (size_t i = 0; i < sym->scopes.cap; i++)
    if (sym->scopes.slots[i].value != NULL)
      lt_resolve_free_scopes(sym->scopes.slots[i].value);
  lt_symmap_free(&sym->scopes);
  lt_symmap_free(&sym->addrs);
  for (size_t i = 0; i < sym->nmodules; i++)
    lt_module_close(sym->modules[i]);
  free(sym->modules);
  lt_arena_free(&sym->arena);
  free(sym->debug_path);
  free(sym);
}

/* The session's module for path, opened on first sight. Runtime reports pass the
 * same few paths over and over, so the last hit is checked first. */
static lt_sym_module_t *module_for(lt_sym_t *sym, const char *path) {
  for (size_t i = sym->nmodules; i > 0; i--) {
    lt_sym_module_t *m = sym->modules[i - 1];
    if (m->path == path || strcmp(m->path, path) == 0)
      return m;
  }
  if (sym->nmodules == sym->capmodules) {
    size_t cap = sym->capmodules ? sym->capmodules * 2 : 16;
    lt_sym_module_t **v = realloc(sym->modules, cap * sizeof(*v));
    if (v == NULL)
      return NULL;
    sym->modules = v;
    sym->capmodules = cap;
  }
  lt_sym_module_t *m = lt_arena_alloc(&sym->arena, sizeof(*m));
  const char *copy = lt_arena_strndup(&sym->arena, path, strlen(path));
  if (m == NULL || copy == NULL)
    return NULL;
  memset(m, 0, sizeof(*m));
  lt_module_open(m, copy, &sym->callbacks);   /* a failure is remembered as dwfl NULL */
  sym->modules[sym->nmodules++] = m;
  return m;
}

static resolved_t *resolve(lt_sym_t *sym, lt_sym_module_t *m, uint64_t offset) {
  lt_sym_frame_t chain[LT_SYM_MAX_FRAMES];
  int n = m->dwfl != NULL ? lt_resolve_addr(sym, m, offset, chain, LT_SYM_MAX_FRAMES) : 0;
  resolved_t *r = lt_arena_alloc(&sym->arena, sizeof(*r) + (size_t)n * sizeof(chain[0]));
  if (r == NULL)
    return NULL;
  r->nframes = n;
  memcpy(r->frames, chain, (size_t)n * sizeof(chain[0]));
  if (lt_symmap_put(&sym->addrs, m, offset, r) != 0)
    return NULL;
  return r;
}

LT_SYM_API int lt_sym_lookup(lt_sym_t *sym, const char *module, uint64_t offset,
                             lt_sym_frame_t *out, int max) {
  if (sym == NULL || module == NULL || module[0] == '\0' || max <= 0)
    return 0;
  lt_sym_module_t *m = module_for(sym, module);
  if (m == NULL)
    return 0;
  resolved_t *r = lt_symmap_get(&sym->addrs, m, offset);
  if (r == NULL && (r = resolve(sym, m, offset)) == NULL)
    return 0;
  int n = r->nframes < max ? r->nframes : max;
  memcpy(out, r->frames, (size_t)n * sizeof(*out));
  return n;
}
