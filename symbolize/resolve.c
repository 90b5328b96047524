/* resolve.c — one address of one module into source-level frames.
 *
 * With DWARF: find the compile unit (through .debug_aranges, aranges.c), then the
 * function in it through a per-CU table of function address ranges, then the nested
 * scopes of that function that contain the address, through a per-function table of its
 * scopes (inlined calls, lexical blocks) and their ranges. Both tables are built on
 * first use and kept for the session. Every DW_TAG_inlined_subroutine on the chain is a
 * frame of its own: the innermost takes its file:line from the line table, each outer
 * one from the call site (DW_AT_call_file, DW_AT_call_line) of the inlined call it
 * contains — what addr2line -f -i prints.
 *
 * libdw's dwarf_getscopes would give the same chain, but it searches the whole CU from
 * its root on every call (eu-addr2line takes 45 s for 10,000 addresses of libpython);
 * with the tables a lookup parses no DIE at all once its function has been seen, which
 * matters because the stacks of a report crowd into a few big functions (an
 * interpreter's eval loop).
 *
 * Without DWARF for the address, the ELF symbol table (.symtab, else .dynsym) names
 * the function.
 *
 * No libdwfl call that places an address in a CU (dwfl_module_addrdie,
 * dwfl_module_getsrc) is made: the first one interns every CU of the file, which makes
 * all of its .debug_info resident (see aranges.c). */
#include <dwarf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sym.h"

typedef struct fn_range {
  Dwarf_Addr lo, hi;
  Dwarf_Die die;
} fn_range_t;

typedef struct cu_functions {
  fn_range_t *v;
  size_t n;
  size_t cap;
} cu_functions_t;

/* How many earlier ranges a lookup checks when the nearest one ends too soon: ranges
 * of distinct functions do not overlap in practice, this only absorbs oddities. */
#define OVERLAP_PROBE 8

/* The array v (of *cap elements of size bytes) with room for element n: v itself, a
 * larger copy (*cap updated), or NULL when out of memory (v is then unchanged). */
static void *grow(void *v, size_t *cap, size_t n, size_t size) {
  if (n < *cap)
    return v;
  size_t ncap = *cap ? *cap * 2 : 16;
  void *nv = realloc(v, ncap * size);
  if (nv != NULL)
    *cap = ncap;
  return nv;
}

static int add_ranges(cu_functions_t *fns, Dwarf_Die *die) {
  Dwarf_Addr base, lo, hi;
  ptrdiff_t off = 0;
  while ((off = dwarf_ranges(die, off, &base, &lo, &hi)) > 0) {
    if (lo >= hi)
      continue;
    fn_range_t *v = grow(fns->v, &fns->cap, fns->n, sizeof(*v));
    if (v == NULL)
      return -ENOMEM;
    fns->v = v;
    fns->v[fns->n++] = (fn_range_t){lo, hi, *die};
  }
  return 0;
}

/* Functions with code sit at the top of a CU, or inside namespaces (C++); member
 * functions defined out of line are top-level DIEs pointing at their declaration. */
static int collect_functions(cu_functions_t *fns, Dwarf_Die *parent) {
  Dwarf_Die child;
  if (dwarf_child(parent, &child) != 0)
    return 0;
  do {
    int tag = dwarf_tag(&child), rc = 0;
    if (tag == DW_TAG_subprogram)
      rc = add_ranges(fns, &child);
    else if (tag == DW_TAG_namespace || tag == DW_TAG_module)
      rc = collect_functions(fns, &child);
    if (rc != 0)
      return rc;
  } while (dwarf_siblingof(&child, &child) == 0);
  return 0;
}

static int by_lo(const void *a, const void *b) {
  const fn_range_t *x = a, *y = b;
  return x->lo < y->lo ? -1 : x->lo > y->lo;
}

static void free_functions(cu_functions_t *fns) {
  free(fns->v);
  free(fns);
}

/* The function table of cu, built and cached on first use. */
static cu_functions_t *cu_functions(lt_sym_t *sym, lt_sym_module_t *m, Dwarf_Die *cu) {
  Dwarf_Off key = dwarf_dieoffset(cu);
  cu_functions_t *fns = lt_symmap_get(&sym->functions, m, key);
  if (fns != NULL)
    return fns;
  fns = calloc(1, sizeof(*fns));
  if (fns == NULL)
    return NULL;
  if (collect_functions(fns, cu) != 0 || lt_symmap_put(&sym->functions, m, key, fns) != 0) {
    free_functions(fns);
    return NULL;
  }
  qsort(fns->v, fns->n, sizeof(*fns->v), by_lo);
  return fns;
}

void lt_resolve_free_functions(void *fns) { free_functions(fns); }

static Dwarf_Die *function_at(cu_functions_t *fns, Dwarf_Addr pc) {
  size_t lo = 0, hi = fns->n;
  while (lo < hi) {   /* first range starting after pc */
    size_t mid = lo + (hi - lo) / 2;
    if (fns->v[mid].lo <= pc)
      lo = mid + 1;
    else
      hi = mid;
  }
  for (size_t i = lo, probes = 0; i > 0 && probes < OVERLAP_PROBE; i--, probes++)
    if (pc < fns->v[i - 1].hi)
      return &fns->v[i - 1].die;
  return NULL;
}

/* The CU holding addr (a link-time address of m), in *storage, with the bias of m's
 * DWARF in *bias: placed by the module's .debug_aranges table, or by libdwfl when that
 * cannot be read. NULL when it places addr in no CU. */
static Dwarf_Die *cu_at(lt_sym_module_t *m, Dwarf_Addr addr, Dwarf_Die *storage,
                        Dwarf_Addr *bias) {
  Dwarf *dw = dwfl_module_getdwarf(m->mod, bias);
  if (dw == NULL)
    return NULL;
  if (!m->aranges_read) {
    m->aranges = lt_aranges_read(dw);
    m->aranges_read = 1;
  }
  if (m->aranges == NULL)
    return dwfl_module_addrdie(m->mod, addr, bias);
  Dwarf_Off cu, next;
  size_t header_size;
  if (!lt_aranges_find(m->aranges, addr - *bias, &cu) ||
      dwarf_next_unit(dw, cu, &next, &header_size, NULL, NULL, NULL, NULL, NULL, NULL) != 0)
    return NULL;
  return dwarf_offdie(dw, cu + header_size, storage);
}

/* The line table's file:line for pc (a DWARF address) in cu, NULL / 0 when it has none. */
static void source_at(Dwarf_Die *cu, Dwarf_Addr pc, const char **file, int *line) {
  Dwarf_Line *l = dwarf_getsrc_die(cu, pc);
  *file = NULL;
  *line = 0;
  if (l != NULL) {
    *file = dwarf_linesrc(l, NULL, NULL);
    dwarf_lineno(l, line);
  }
}

/* The key of a module's own CU table in sym->functions; no DIE has this offset. */
#define MODULE_CUS_KEY UINT64_MAX

/* cu_at, like libdw (0.188 here), places an address in a CU only through
 * .debug_aranges, which clang omits unless given -gdwarf-aranges. For addresses it
 * cannot place, the CUs' own ranges stand in, gathered once per module on first need. */
static Dwarf_Die *cu_by_ranges(lt_sym_t *sym, lt_sym_module_t *m, Dwarf_Addr addr,
                               Dwarf_Addr *bias) {
  Dwarf *dw = dwfl_module_getdwarf(m->mod, bias);
  if (dw == NULL)
    return NULL;
  cu_functions_t *cus = lt_symmap_get(&sym->functions, m, MODULE_CUS_KEY);
  if (cus == NULL) {
    if ((cus = calloc(1, sizeof(*cus))) == NULL)
      return NULL;
    Dwarf_CU *unit = NULL;
    Dwarf_Die cudie;
    uint8_t type;
    int rc = 0;
    while (rc == 0 && dwarf_get_units(dw, unit, &unit, NULL, &type, &cudie, NULL) == 0)
      if (type == DW_UT_compile)
        rc = add_ranges(cus, &cudie);
    if (rc != 0 || lt_symmap_put(&sym->functions, m, MODULE_CUS_KEY, cus) != 0) {
      free_functions(cus);
      return NULL;
    }
    qsort(cus->v, cus->n, sizeof(*cus->v), by_lo);
  }
  return function_at(cus, addr - *bias);
}

/* A function's scopes in DIE preorder, so a parent always comes before its children;
 * node 0 is the function itself. A lexical block without addresses of its own is
 * transparent: its children hang from its parent. */
typedef struct scope_node {
  Dwarf_Die die;
  int parent;
  int depth;
  uint32_t first, count;   /* its ranges in fn_scopes_t.ranges */
} scope_node_t;

typedef struct scope_range {
  Dwarf_Addr lo, hi;
} scope_range_t;

typedef struct fn_scopes {
  scope_node_t *nodes;
  size_t n, cap;
  scope_range_t *ranges;
  size_t nr, capr;
  unsigned char *hit;      /* per node, scratch of one lookup: it and its parents hold pc */
} fn_scopes_t;

/* Deeper nesting than this is not followed (no compiler produces it; it bounds the
 * recursion on corrupt DWARF). */
#define SCOPE_DEPTH_MAX 256

static int is_scope(int tag) {
  return tag == DW_TAG_inlined_subroutine || tag == DW_TAG_lexical_block ||
         tag == DW_TAG_try_block || tag == DW_TAG_catch_block || tag == DW_TAG_with_stmt;
}

static int collect_scopes(fn_scopes_t *s, Dwarf_Die *die, int parent, int depth) {
  Dwarf_Die child;
  if (depth >= SCOPE_DEPTH_MAX || dwarf_child(die, &child) != 0)
    return 0;
  do {
    int tag = dwarf_tag(&child);
    if (!is_scope(tag))
      continue;
    size_t first = s->nr;
    Dwarf_Addr base, lo, hi;
    ptrdiff_t off = 0;
    while ((off = dwarf_ranges(&child, off, &base, &lo, &hi)) > 0) {
      if (lo >= hi)
        continue;
      scope_range_t *ranges = grow(s->ranges, &s->capr, s->nr, sizeof(*ranges));
      if (ranges == NULL)
        return -ENOMEM;
      s->ranges = ranges;
      s->ranges[s->nr++] = (scope_range_t){lo, hi};
    }
    int rc;
    if (s->nr == first) {
      /* No addresses: a block is looked through, an inlined call has no code. */
      rc = tag == DW_TAG_inlined_subroutine ? 0 : collect_scopes(s, &child, parent, depth + 1);
    } else {
      scope_node_t *nodes = grow(s->nodes, &s->cap, s->n, sizeof(*nodes));
      if (nodes == NULL)
        return -ENOMEM;
      s->nodes = nodes;
      int self = (int)s->n++;
      s->nodes[self] = (scope_node_t){child, parent, depth, (uint32_t)first,
                                      (uint32_t)(s->nr - first)};
      rc = collect_scopes(s, &child, self, depth + 1);
    }
    if (rc != 0)
      return rc;
  } while (dwarf_siblingof(&child, &child) == 0);
  return 0;
}

static void free_scopes(fn_scopes_t *s) {
  free(s->nodes);
  free(s->ranges);
  free(s->hit);
  free(s);
}

void lt_resolve_free_scopes(void *scopes) { free_scopes(scopes); }

/* The scope table of function fn, built and cached on first use. */
static fn_scopes_t *fn_scopes(lt_sym_t *sym, lt_sym_module_t *m, Dwarf_Die *fn) {
  Dwarf_Off key = dwarf_dieoffset(fn);
  fn_scopes_t *s = lt_symmap_get(&sym->scopes, m, key);
  if (s != NULL)
    return s;
  s = calloc(1, sizeof(*s));
  if (s == NULL)
    return NULL;
  int rc = (s->nodes = grow(NULL, &s->cap, 0, sizeof(*s->nodes))) != NULL ? 0 : -ENOMEM;
  if (rc == 0) {
    s->nodes[s->n++] = (scope_node_t){*fn, -1, 0, 0, 0};
    rc = collect_scopes(s, fn, 0, 1);
  }
  if (rc == 0 && (s->hit = malloc(s->n)) == NULL)
    rc = -ENOMEM;
  if (rc != 0 || lt_symmap_put(&sym->scopes, m, key, s) != 0) {
    free_scopes(s);
    return NULL;
  }
  return s;
}

/* Fills chain with the scopes holding pc, innermost first, ending with the function.
 * Returns their number. */
static int scopes_at(fn_scopes_t *s, Dwarf_Addr pc, Dwarf_Die **chain, int max) {
  int best = 0;
  s->hit[0] = 1;
  for (size_t i = 1; i < s->n; i++) {
    const scope_node_t *node = &s->nodes[i];
    int in = 0;
    if (s->hit[node->parent])
      for (uint32_t r = node->first; r < node->first + node->count && !in; r++)
        in = s->ranges[r].lo <= pc && pc < s->ranges[r].hi;
    s->hit[i] = (unsigned char)in;
    if (in && node->depth > s->nodes[best].depth)
      best = (int)i;
  }
  int n = 0;
  for (int i = best; i >= 0 && n < max; i = s->nodes[i].parent)
    chain[n++] = &s->nodes[i].die;
  return n;
}

/* The name addr2line -C prints for C++: the demangled linkage name, which carries the
 * scope and the parameter types. For C the source name (DW_AT_name) instead: a C
 * linkage name only comes from an asm label, like glibc's internal "__GI___strdup"
 * for __strdup. A C function may itself be named like a C++ symbol (an operator new
 * written in C), so whatever is picked is demangled. Both attributes are looked up
 * through DW_AT_abstract_origin/DW_AT_specification. */
static const char *die_name(lt_sym_t *sym, Dwarf_Die *die) {
  Dwarf_Attribute attr;
  const char *linkage = dwarf_formstring(dwarf_attr_integrate(die, DW_AT_linkage_name, &attr));
  if (linkage == NULL)
    linkage = dwarf_formstring(dwarf_attr_integrate(die, DW_AT_MIPS_linkage_name, &attr));
  const char *name = dwarf_formstring(dwarf_attr_integrate(die, DW_AT_name, &attr));
  if (name == NULL || (linkage != NULL && strncmp(linkage, "_Z", 2) == 0))
    name = linkage;
  return lt_demangle(&sym->arena, name);
}

/* Where the inlined call represented by die was written. */
static void call_site(Dwarf_Die *die, const char **file, int *line) {
  Dwarf_Attribute attr;
  Dwarf_Word value;
  Dwarf_Die cu;
  Dwarf_Files *files;
  *file = NULL;
  *line = 0;
  if (dwarf_formudata(dwarf_attr(die, DW_AT_call_file, &attr), &value) == 0 &&
      dwarf_diecu(die, &cu, NULL, NULL) != NULL && dwarf_getsrcfiles(&cu, &files, NULL) == 0)
    *file = dwarf_filesrc(files, value, NULL, NULL);
  if (dwarf_formudata(dwarf_attr(die, DW_AT_call_line, &attr), &value) == 0)
    *line = (int)value;
}

/* What dwfl_module_getsrc gives, through the CU of cu_at. */
static void line_at(lt_sym_module_t *m, Dwarf_Addr addr, const char **file, int *line) {
  Dwarf_Die storage;
  Dwarf_Addr bias;
  Dwarf_Die *cu = cu_at(m, addr, &storage, &bias);
  *file = NULL;
  *line = 0;
  if (cu != NULL)
    source_at(cu, addr - bias, file, line);
}

/* A symbol-table name without its symbol version ("__libc_start_main@@GLIBC_2.34"),
 * as the function is called in source. */
static const char *symtab_name(lt_sym_t *sym, lt_sym_module_t *m, Dwarf_Addr addr) {
  if (!m->symtab_built) {
    m->symtab = lt_symtab_build(m->mod);
    m->symtab_built = 1;
  }
  const char *name = m->symtab != NULL ? lt_symtab_name(m->symtab, addr) : NULL;
  const char *at = name != NULL ? strchr(name, '@') : NULL;
  if (at != NULL && at != name)
    name = lt_arena_strndup(&sym->arena, name, (size_t)(at - name));
  return lt_demangle(&sym->arena, name);
}

static int dwarf_frames(lt_sym_t *sym, lt_sym_module_t *m, Dwarf_Addr addr, lt_sym_frame_t *out,
                        int max) {
  Dwarf_Addr bias;
  Dwarf_Die storage;
  Dwarf_Die *cu = cu_at(m, addr, &storage, &bias);
  if (cu == NULL)
    cu = cu_by_ranges(sym, m, addr, &bias);
  if (cu == NULL)
    return 0;
  cu_functions_t *fns = cu_functions(sym, m, cu);
  Dwarf_Die *fn = fns != NULL ? function_at(fns, addr - bias) : NULL;
  if (fn == NULL)
    return 0;

  fn_scopes_t *scopes = fn_scopes(sym, m, fn);
  if (scopes == NULL)
    return 0;
  Dwarf_Die *chain[LT_SYM_MAX_FRAMES];
  int depth = scopes_at(scopes, addr - bias, chain, LT_SYM_MAX_FRAMES);

  const char *file;
  int line, n = 0;
  source_at(cu, addr - bias, &file, &line);
  for (int i = 0; i < depth && n < max; i++) {
    int tag = dwarf_tag(chain[i]);
    if (tag != DW_TAG_inlined_subroutine && tag != DW_TAG_subprogram)
      continue;
    const char *name = die_name(sym, chain[i]);
    if (name == NULL && tag == DW_TAG_subprogram)
      name = symtab_name(sym, m, addr);
    out[n++] = (lt_sym_frame_t){name, file, line, tag == DW_TAG_inlined_subroutine};
    if (tag == DW_TAG_inlined_subroutine)
      call_site(chain[i], &file, &line);
  }
  return n;
}

/* The C runtime's frames at the outer end of every stack: the process's entry below
 * main and a thread's entry below its start routine. */
static int is_runtime_entry(const char *name) {
  static const char *const entries[] = {"__libc_start_call_main", "__libc_start_main",
                                        "__libc_start_main_impl", "start_thread", "clone3",
                                        "__clone3", "clone", "__clone"};
  for (size_t i = 0; name != NULL && i < sizeof(entries) / sizeof(entries[0]); i++)
    if (strcmp(name, entries[i]) == 0)
      return 1;
  return 0;
}

int lt_resolve_addr(lt_sym_t *sym, lt_sym_module_t *m, Dwarf_Addr addr, lt_sym_frame_t *out,
                    int max) {
  if (max <= 0 || dwfl_addrmodule(m->dwfl, addr) != m->mod)
    return 0;
  /* The runtime's entry frames are named from the symbol table alone: the C library's
   * debug info is compressed, and its lines for them would cost a report 16 MB and
   * 0.09 s of decompression, for frames that say nothing about a leak (valgrind does
   * not even show them). */
  const char *entry = symtab_name(sym, m, addr);
  if (is_runtime_entry(entry)) {
    out[0] = (lt_sym_frame_t){entry, NULL, 0, 0};
    return 1;
  }
  int n = dwarf_frames(sym, m, addr, out, max);
  if (n > 0)
    return n;
  if (entry == NULL)
    return 0;
  out[0] = (lt_sym_frame_t){entry, NULL, 0, 0};
  line_at(m, addr, &out[0].file, &out[0].line);
  return 1;
}
