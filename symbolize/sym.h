/* sym.h — the pieces of a symbolizer session, shared by the files of
 * libleaktrace-symbolize.so and hidden inside it.
 *
 *   symbolize.c  the public lt_sym_* entry points and the per-address cache
 *   module.c     opening one ELF file with libdwfl, finding its separate debug info
 *   resolve.c    one address of one module -> function, file:line, inlined chain
 *   symmap.c     the (pointer, number) -> pointer hash both caches use
 *   symtab.c     a module's ELF symbols sorted by address
 *   aranges.c    a module's .debug_aranges: which compile unit holds an address
 *   demangle.c   C++ names, through the host's own libstdc++ when it has one
 *
 * Every string a session returns lives in its arena or in the DWARF data of a module
 * the session keeps open, so both last until lt_sym_close. */
#ifndef LT_SYM_H
#define LT_SYM_H

#include <elfutils/libdwfl.h>
#include <stdint.h>

#include "arena.h"
#include "symbolize.h"

/* A hash from (key pointer, key number) to a value pointer. */
typedef struct lt_symmap_slot {
  const void *kp;
  uint64_t kn;
  void *value;
} lt_symmap_slot_t;

typedef struct lt_symmap {
  lt_symmap_slot_t *slots;
  size_t cap;    /* a power of two, or 0 before the first insert */
  size_t count;
} lt_symmap_t;

/* Returns the value, or NULL when the key is absent. */
void *lt_symmap_get(const lt_symmap_t *map, const void *kp, uint64_t kn);
/* Adds a key that is absent (value must not be NULL). Returns 0 or -ENOMEM. */
int lt_symmap_put(lt_symmap_t *map, const void *kp, uint64_t kn, void *value);
void lt_symmap_free(lt_symmap_t *map);

/* A module's code symbols sorted by address. */
typedef struct lt_symtab lt_symtab_t;

/* Reads every symbol libdwfl has for mod. Returns NULL when out of memory. */
lt_symtab_t *lt_symtab_build(Dwfl_Module *mod);
void lt_symtab_free(lt_symtab_t *symtab);
/* The name of the symbol addr (a link-time address) lies in, or NULL. */
const char *lt_symtab_name(const lt_symtab_t *symtab, GElf_Addr addr);

/* A module's address -> compile unit table, from .debug_aranges. */
typedef struct lt_aranges lt_aranges_t;

/* Reads the table of dw's file. NULL when it cannot be read this way (no
 * .debug_aranges, a section still compressed, a malformed set, out of memory): libdwfl's
 * own lookup then stands in. */
lt_aranges_t *lt_aranges_read(Dwarf *dw);
void lt_aranges_free(lt_aranges_t *aranges);
/* 1 and the header offset of the CU holding addr (a DWARF address) in *cu, or 0. */
int lt_aranges_find(const lt_aranges_t *aranges, Dwarf_Addr addr, Dwarf_Off *cu);

/* One ELF file as the session sees it. */
typedef struct lt_sym_module {
  const char *path;
  Dwfl *dwfl;          /* NULL when the file could not be opened: never retried */
  Dwfl_Module *mod;
  lt_symtab_t *symtab; /* built on the first lookup that needs a symbol name */
  int symtab_built;    /* set once that was tried, so a failure is not retried */
  lt_aranges_t *aranges; /* read on the first lookup that needs DWARF */
  int aranges_read;    /* set once that was tried */
} lt_sym_module_t;

struct lt_sym {
  Dwfl_Callbacks callbacks;  /* shared by every module's Dwfl, so it lives here */
  char *debug_path;          /* colon-separated absolute directories */
  lt_arena_t arena;
  lt_sym_module_t **modules;
  size_t nmodules;
  size_t capmodules;
  lt_symmap_t addrs;         /* (module, offset) -> resolved chain */
  lt_symmap_t functions;     /* (module, CU offset) -> that CU's function table */
  lt_symmap_t scopes;        /* (module, function DIE offset) -> its scope table */
};

/* Opens path into m (m->dwfl stays NULL when it cannot be read). The callbacks
 * must outlive the module. Returns 0 or -errno. */
int lt_module_open(lt_sym_module_t *m, const char *path, const Dwfl_Callbacks *callbacks);
void lt_module_close(lt_sym_module_t *m);
/* The libdwfl find_debuginfo callback: build-id first, then .gnu_debuglink, in the
 * session's debug directories; never a network lookup. A compressed file is read from
 * its unpacked copy in the user's cache (debugcache.c). */
int lt_module_find_debuginfo(Dwfl_Module *mod, void **userdata, const char *modname,
                             Dwarf_Addr base, const char *file_name,
                             const char *debuglink_file, GElf_Word debuglink_crc,
                             char **debuginfo_file_name);

/* fd itself, or, when the ELF file it reads has compressed sections, an open unpacked
 * copy of it from the user's cache (made now if missing); fd is then closed. */
int lt_debugcache_open(int fd);

/* Resolves addr (a link-time address of m) into at most max frames, innermost
 * first. Returns the count, 0 when nothing is known. */
int lt_resolve_addr(lt_sym_t *sym, lt_sym_module_t *m, Dwarf_Addr addr, lt_sym_frame_t *out,
                    int max);
/* Free one value of sym->functions, of sym->scopes. */
void lt_resolve_free_functions(void *functions);
void lt_resolve_free_scopes(void *scopes);

/* The demangled form of name in the arena, or name itself when it is not a C++
 * mangled name or no demangler is available. */
const char *lt_demangle(lt_arena_t *arena, const char *name);

#endif
