/* symtab.c — a module's ELF symbols sorted by address: the function an address lies
 * in when DWARF does not name it.
 *
 * dwfl_module_addrinfo scans every symbol on each call. For a binary without debug
 * info and with a large dynamic symbol table (gcc's cc1: 29k symbols) that is most of
 * a report's cost: 2,600 distinct frames took 1.5 s. The table is built once per
 * module, on its first lookup, from the same symbols libdwfl sees (.symtab, or
 * .dynsym and the MiniDebugInfo .gnu_debugdata), and each lookup is a binary search.
 *
 * The choice is libdwfl's but for nested symbols: the symbol whose [start, start + size)
 * holds the address and starts closest to it (libdwfl would take an outer global one
 * over an inner local one; gdb, like this, names the inner one), at equal starts a
 * global one over a weak one over a local one; failing that, a sizeless label that is
 * the closest start at or below the address and lies inside no sized symbol. Unlike
 * libdwfl, a label is not checked to be in the address's section: return addresses
 * never lie in the sections between code (.plt) where that would matter. */
#include <errno.h>
#include <gelf.h>
#include <stdlib.h>

#include "sym.h"

typedef struct symtab_entry {
  GElf_Addr start;
  GElf_Addr end;       /* start + size; equal to start for a sizeless label */
  const char *name;
  int rank;            /* 0 global, 1 weak, 2 local: lower is preferred */
  int index;           /* in the symbol table: of equal ranks, the first is taken */
} symtab_entry_t;

struct lt_symtab {
  size_t count;
  symtab_entry_t *entries;   /* by start, then rank, then index */
  GElf_Addr *max_end;        /* max_end[i]: the largest end among entries[0..i] */
};

static int binding_rank(unsigned char info) {
  switch (GELF_ST_BIND(info)) {
  case STB_GLOBAL:
    return 0;
  case STB_WEAK:
    return 1;
  default:
    return 2;
  }
}

/* Code addresses are named by functions and by untyped labels (an assembler's
 * entry points); data, sections, files and TLS never hold a return address. */
static int names_code(const GElf_Sym *s) {
  int type = GELF_ST_TYPE(s->st_info);
  return s->st_shndx != SHN_UNDEF && s->st_shndx != SHN_ABS && s->st_name != 0 &&
         (type == STT_FUNC || type == STT_GNU_IFUNC || type == STT_NOTYPE);
}

static int by_start_then_rank(const void *a, const void *b) {
  const symtab_entry_t *x = a, *y = b;
  if (x->start != y->start)
    return x->start < y->start ? -1 : 1;
  if (x->rank != y->rank)
    return x->rank - y->rank;
  return x->index - y->index;
}

/* Returns 0 or -errno; an empty table (no symbols at all) is a valid result. */
static int build(Dwfl_Module *mod, lt_symtab_t *t) {
  int n = dwfl_module_getsymtab(mod);
  if (n <= 0)
    return 0;
  t->entries = malloc((size_t)n * sizeof(*t->entries));
  t->max_end = malloc((size_t)n * sizeof(*t->max_end));
  if (t->entries == NULL || t->max_end == NULL)
    return -ENOMEM;
  for (int i = 1; i < n; i++) {
    GElf_Sym s;
    GElf_Addr addr;
    const char *name = dwfl_module_getsym_info(mod, i, &s, &addr, NULL, NULL, NULL);
    if (name == NULL || name[0] == '\0' || !names_code(&s))
      continue;
    t->entries[t->count++] = (symtab_entry_t){addr, addr + s.st_size, name,
                                              binding_rank(s.st_info), i};
  }
  qsort(t->entries, t->count, sizeof(*t->entries), by_start_then_rank);
  GElf_Addr max = 0;
  for (size_t i = 0; i < t->count; i++) {
    if (t->entries[i].end > max)
      max = t->entries[i].end;
    t->max_end[i] = max;
  }
  return 0;
}

lt_symtab_t *lt_symtab_build(Dwfl_Module *mod) {
  lt_symtab_t *t = calloc(1, sizeof(*t));
  if (t != NULL && build(mod, t) != 0) {
    lt_symtab_free(t);
    t = NULL;
  }
  return t;
}

void lt_symtab_free(lt_symtab_t *t) {
  if (t == NULL)
    return;
  free(t->entries);
  free(t->max_end);
  free(t);
}

/* The number of entries that start at or below addr. */
static size_t count_at_or_below(const lt_symtab_t *t, GElf_Addr addr) {
  size_t lo = 0, hi = t->count;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (t->entries[mid].start <= addr)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo;
}

/* The first entry with the same start as entry i. */
static size_t first_of_group(const lt_symtab_t *t, size_t i)
{
  while (i > 0 && t->entries[i - 1].start == t->entries[i].start)
    i--;
  return i;
}

const char *lt_symtab_name(const lt_symtab_t *t, GElf_Addr addr) {
  size_t below = count_at_or_below(t, addr);
  if (below == 0)
    return NULL;
  /* Back from the closest start while some earlier symbol still reaches past addr:
   * the first one found to hold it starts closest; the best-ranked one of its group
   * (the symbols of the same start, in rank order) that holds addr is the answer. */
  for (size_t i = below; i > 0 && t->max_end[i - 1] > addr; i--) {
    if (t->entries[i - 1].end <= addr)
      continue;
    size_t best = first_of_group(t, i - 1);
    while (t->entries[best].end <= addr)
      best++;
    return t->entries[best].name;
  }
  /* A label only names code that no sized symbol covers from its start on. */
  const symtab_entry_t *last = &t->entries[below - 1];
  if (t->max_end[below - 1] > last->start)
    return NULL;
  for (size_t i = first_of_group(t, below - 1); i < below; i++)
    if (t->entries[i].end == t->entries[i].start)
      return t->entries[i].name;
  return NULL;
}
