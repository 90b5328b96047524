/* resolve.c — one address of one module into source-level frames.
 *
 * With DWARF: find the compile unit (libdwfl's address index), then the function in
 * it through a per-CU table of function address ranges built on first use, then walk
 * down that function's DIE tree along the scopes that contain the address. Every
 * DW_TAG_inlined_subroutine on the way is a frame of its own: the innermost takes its
 * file:line from the line table, each outer one from the call site (DW_AT_call_file,
 * DW_AT_call_line) of the inlined call it contains — what addr2line -f -i prints.
 *
 * libdw's dwarf_getscopes would give the same chain, but it searches the whole CU from
 * its root on every call; with the table a lookup touches only one function, which is
 * what keeps a report of ten thousand frames in big CUs (an interpreter's eval loop)
 * fast.
 *
 * Without DWARF for the address, the ELF symbol table (.symtab, else .dynsym) names
 * the function. */
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

static int add_ranges(cu_functions_t *fns, Dwarf_Die *die) {
  Dwarf_Addr base, lo, hi;
  ptrdiff_t off = 0;
  while ((off = dwarf_ranges(die, off, &base, &lo, &hi)) > 0) {
    if (lo >= hi)
      continue;
    if (fns->n == fns->cap) {
      size_t cap = fns->cap ? fns->cap * 2 : 64;
      fn_range_t *v = realloc(fns->v, cap * sizeof(*v));
      if (v == NULL)
        return -ENOMEM;
      fns->v = v;
      fns->cap = cap;
    }
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

/* The child scope of parent that holds pc, if any. */
static int scope_at(Dwarf_Die *parent, Dwarf_Addr pc, Dwarf_Die *out) {
  Dwarf_Die child;
  if (dwarf_child(parent, &child) != 0)
    return 0;
  do {
    switch (dwarf_tag(&child)) {
    case DW_TAG_inlined_subroutine:
    case DW_TAG_lexical_block:
    case DW_TAG_try_block:
    case DW_TAG_catch_block:
    case DW_TAG_with_stmt:
      if (dwarf_haspc(&child, pc) == 1) {
        *out = child;
        return 1;
      }
      break;
    default:
      break;
    }
  } while (dwarf_siblingof(&child, &child) == 0);
  return 0;
}

/* The name addr2line -C prints for C++: the demangled linkage name, which carries the
 * scope and the parameter types. For C the source name (DW_AT_name) instead: a C
 * linkage name only comes from an asm label, like glibc's internal "__GI___strdup"
 * for __strdup. Both are looked up through DW_AT_abstract_origin/DW_AT_specification. */
static const char *die_name(lt_sym_t *sym, Dwarf_Die *die) {
  Dwarf_Attribute attr;
  const char *linkage = dwarf_formstring(dwarf_attr_integrate(die, DW_AT_linkage_name, &attr));
  if (linkage == NULL)
    linkage = dwarf_formstring(dwarf_attr_integrate(die, DW_AT_MIPS_linkage_name, &attr));
  if (linkage != NULL && strncmp(linkage, "_Z", 2) == 0)
    return lt_demangle(&sym->arena, linkage);
  const char *name = dwarf_formstring(dwarf_attr_integrate(die, DW_AT_name, &attr));
  return name != NULL ? name : linkage;
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

static void line_at(lt_sym_module_t *m, Dwarf_Addr addr, const char **file, int *line) {
  Dwfl_Line *l = dwfl_module_getsrc(m->mod, addr);
  *file = NULL;
  *line = 0;
  if (l != NULL)
    *file = dwfl_lineinfo(l, NULL, line, NULL, NULL, NULL);
}

static const char *symtab_name(lt_sym_t *sym, lt_sym_module_t *m, Dwarf_Addr addr) {
  GElf_Off off;
  GElf_Sym es;
  return lt_demangle(&sym->arena, dwfl_module_addrinfo(m->mod, addr, &off, &es, NULL, NULL, NULL));
}

static int dwarf_frames(lt_sym_t *sym, lt_sym_module_t *m, Dwarf_Addr addr, lt_sym_frame_t *out,
                        int max) {
  Dwarf_Addr bias;
  Dwarf_Die *cu = dwfl_module_addrdie(m->mod, addr, &bias);
  if (cu == NULL)
    return 0;
  cu_functions_t *fns = cu_functions(sym, m, cu);
  Dwarf_Die *fn = fns != NULL ? function_at(fns, addr - bias) : NULL;
  if (fn == NULL)
    return 0;

  Dwarf_Die path[LT_SYM_MAX_FRAMES];
  int depth = 1;
  path[0] = *fn;
  while (depth < LT_SYM_MAX_FRAMES && scope_at(&path[depth - 1], addr - bias, &path[depth]))
    depth++;

  const char *file;
  int line, n = 0;
  line_at(m, addr, &file, &line);
  for (int i = depth - 1; i >= 0 && n < max; i--) {
    int tag = dwarf_tag(&path[i]);
    if (tag != DW_TAG_inlined_subroutine && tag != DW_TAG_subprogram)
      continue;
    const char *name = die_name(sym, &path[i]);
    if (name == NULL && tag == DW_TAG_subprogram)
      name = symtab_name(sym, m, addr);
    out[n++] = (lt_sym_frame_t){name, file, line, tag == DW_TAG_inlined_subroutine};
    if (tag == DW_TAG_inlined_subroutine)
      call_site(&path[i], &file, &line);
  }
  return n;
}

int lt_resolve_addr(lt_sym_t *sym, lt_sym_module_t *m, Dwarf_Addr addr, lt_sym_frame_t *out,
                    int max) {
  if (max <= 0 || dwfl_addrmodule(m->dwfl, addr) != m->mod)
    return 0;
  int n = dwarf_frames(sym, m, addr, out, max);
  if (n > 0)
    return n;
  const char *name = symtab_name(sym, m, addr);
  if (name == NULL)
    return 0;
  out[0] = (lt_sym_frame_t){name, NULL, 0, 0};
  line_at(m, addr, &out[0].file, &out[0].line);
  return 1;
}
