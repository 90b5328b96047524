/* aranges.c — a module's .debug_aranges as a table from address to compile unit, read
 * without touching .debug_info.
 *
 * libdwfl places an address in a CU through libdw's dwarf_getaranges, which turns each
 * set's CU offset into a DIE offset by interning the CU, and so every CU before it: it
 * reads every CU header of the file, and they are spread over all of .debug_info. For
 * libc's debug file that made its whole 5.7 MB .debug_info resident, beside 2.2 MB of
 * CU records, in a report that needed one of its 4,126 CUs: perl's exit report, which
 * resolves a single libc address through DWARF, peaked at 29.8 MB instead of 21.9 MB.
 * This table is read from .debug_aranges alone (97 KB for libc); the caller opens the
 * CU found with dwarf_offdie, which reads only the CU headers before it.
 *
 * The placement is libdwfl's, so reports do not change: sets are read as libdw reads
 * them, ranges are sorted by address, runs of ranges of one CU are merged, and an address
 * belongs to the run that starts closest below it (a gap between ranges included), up to
 * the end of the last range, inclusive. */
#include <errno.h>
#include <gelf.h>
#include <stdlib.h>
#include <string.h>

#include "sym.h"

typedef struct run {
  Dwarf_Addr start;
  Dwarf_Off cu;        /* the CU's header offset in .debug_info */
} run_t;

struct lt_aranges {
  run_t *runs;         /* by start */
  size_t n;
  Dwarf_Addr end;      /* where the last range ends */
};

typedef struct range {
  Dwarf_Addr addr, length;
  Dwarf_Off cu;
  size_t seq;          /* order in the section: equal addresses keep it, as in libdw */
} range_t;

typedef struct reader {
  const unsigned char *p, *end;
  int swap;            /* the file's byte order is not ours */
} reader_t;

/* Reads an unsigned number of size bytes (1, 2, 4 or 8). Returns 0, -EINVAL past the end. */
static int read_u(reader_t *r, size_t size, uint64_t *out) {
  if ((size_t)(r->end - r->p) < size)
    return -EINVAL;
  uint64_t v = 0;
  for (size_t i = 0; i < size; i++) {
    size_t at = r->swap ? i : size - 1 - i;   /* most significant byte first */
    v = v << 8 | r->p[at];
  }
  r->p += size;
  *out = v;
  return 0;
}

/* The raw bytes of the sections named .debug_aranges and .debug_info of dw's file.
 * Returns 0, or -ENOENT when either is missing or still compressed (libdw unpacks the
 * sections it reads when it opens the file). */
static int sections(Dwarf *dw, Elf_Data **aranges, GElf_Xword *info_size, int *swap) {
  Elf *elf = dwarf_getelf(dw);
  size_t shstrndx;
  GElf_Ehdr eh;
  if (elf == NULL || elf_getshdrstrndx(elf, &shstrndx) != 0 || gelf_getehdr(elf, &eh) == NULL)
    return -ENOENT;
  *swap = eh.e_ident[EI_DATA] != (__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__ ? ELFDATA2LSB
                                                                            : ELFDATA2MSB);
  *aranges = NULL;
  *info_size = 0;
  int have_info = 0;
  for (Elf_Scn *scn = NULL; (scn = elf_nextscn(elf, scn)) != NULL;) {
    GElf_Shdr sh;
    const char *name;
    if (gelf_getshdr(scn, &sh) == NULL ||
        (name = elf_strptr(elf, shstrndx, sh.sh_name)) == NULL)
      continue;
    int is_aranges = strcmp(name, ".debug_aranges") == 0;
    int is_info = strcmp(name, ".debug_info") == 0;
    if ((is_aranges || is_info) && (sh.sh_flags & SHF_COMPRESSED))
      return -ENOENT;
    if (is_aranges)
      *aranges = elf_rawdata(scn, NULL);
    if (is_info) {
      *info_size = sh.sh_size;
      have_info = 1;
    }
  }
  return *aranges != NULL && (*aranges)->d_buf != NULL && have_info ? 0 : -ENOENT;
}

/* Appends every range of the section to *v, as libdw reads them: a set whose header is
 * not version 2 with 4- or 8-byte addresses and no segments makes the whole section
 * unreadable, and a (0, 0) pair ends a set only once its declared length is reached.
 * Returns 0, -EINVAL or -ENOMEM. */
static int read_ranges(reader_t *r, GElf_Xword info_size, range_t **v, size_t *n,
                       size_t *cap) {
  while (r->p < r->end) {
    const unsigned char *set = r->p;
    uint64_t length, version, cu, address_size, segment_size;
    size_t offset_size = 4;
    if (read_u(r, 4, &length) != 0)
      return -EINVAL;
    if (length == 0xffffffff) {
      offset_size = 8;
      if (read_u(r, 8, &length) != 0)
        return -EINVAL;
    } else if (length >= 0xfffffff0) {
      return -EINVAL;
    }
    if (length > (uint64_t)(r->end - r->p))
      return -EINVAL;
    const unsigned char *set_end = r->p + length;
    if (read_u(r, 2, &version) != 0 || version != 2 || read_u(r, offset_size, &cu) != 0 ||
        cu + 4 > info_size || read_u(r, 1, &address_size) != 0 ||
        (address_size != 4 && address_size != 8) || read_u(r, 1, &segment_size) != 0 ||
        segment_size != 0)
      return -EINVAL;
    size_t pair = 2 * (size_t)address_size;
    size_t pad = (pair - (size_t)(r->p - set) % pair) % pair;
    if ((size_t)(r->end - r->p) < pad)
      return -EINVAL;
    r->p += pad;
    for (;;) {
      uint64_t addr, len;
      if (read_u(r, address_size, &addr) != 0 || read_u(r, address_size, &len) != 0)
        return -EINVAL;
      if (addr == 0 && len == 0) {
        if (r->p >= set_end)
          break;
        continue;
      }
      if (*n == *cap) {
        size_t ncap = *cap ? *cap * 2 : 256;
        range_t *nv = realloc(*v, ncap * sizeof(*nv));
        if (nv == NULL)
          return -ENOMEM;
        *v = nv;
        *cap = ncap;
      }
      (*v)[*n] = (range_t){addr, len, cu, *n};
      (*n)++;
    }
  }
  return 0;
}

static int by_addr(const void *a, const void *b) {
  const range_t *x = a, *y = b;
  if (x->addr != y->addr)
    return x->addr < y->addr ? -1 : 1;
  return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* The sorted ranges as runs of one CU each. Returns 0 or -ENOMEM. */
static int merge_runs(lt_aranges_t *t, range_t *v, size_t n) {
  qsort(v, n, sizeof(*v), by_addr);
  if (n == 0)
    return 0;
  t->runs = malloc(n * sizeof(*t->runs));
  if (t->runs == NULL)
    return -ENOMEM;
  for (size_t i = 0; i < n; i++)
    if (i == 0 || v[i].cu != t->runs[t->n - 1].cu)
      t->runs[t->n++] = (run_t){v[i].addr, v[i].cu};
  t->end = v[n - 1].addr + v[n - 1].length;
  run_t *shrunk = realloc(t->runs, t->n * sizeof(*t->runs));
  if (shrunk != NULL)
    t->runs = shrunk;
  return 0;
}

lt_aranges_t *lt_aranges_read(Dwarf *dw) {
  Elf_Data *data;
  GElf_Xword info_size;
  int swap;
  if (sections(dw, &data, &info_size, &swap) != 0)
    return NULL;
  lt_aranges_t *t = calloc(1, sizeof(*t));
  if (t == NULL)
    return NULL;
  reader_t r = {data->d_buf, (const unsigned char *)data->d_buf + data->d_size, swap};
  range_t *v = NULL;
  size_t n = 0, cap = 0;
  int rc = read_ranges(&r, info_size, &v, &n, &cap);
  if (rc == 0)
    rc = merge_runs(t, v, n);
  free(v);
  if (rc != 0) {
    lt_aranges_free(t);
    return NULL;
  }
  return t;
}

void lt_aranges_free(lt_aranges_t *t) {
  if (t == NULL)
    return;
  free(t->runs);
  free(t);
}

/* libdwfl's own search, so that an address on the boundary of two runs, or between runs
 * of equal starts, lands where it always did. */
int lt_aranges_find(const lt_aranges_t *t, Dwarf_Addr addr, Dwarf_Off *cu) {
  size_t lo = 0, hi = t->n;
  while (lo < hi) {
    size_t mid = (lo + hi) / 2;
    Dwarf_Addr start = t->runs[mid].start;
    if (addr < start) {
      hi = mid;
      continue;
    }
    if (addr > start) {
      if (mid + 1 < t->n && addr >= t->runs[mid + 1].start) {
        lo = mid + 1;
        continue;
      }
      if (mid + 1 == t->n && addr > t->end)
        return 0;
    }
    *cu = t->runs[mid].cu;
    return 1;
  }
  return 0;
}
