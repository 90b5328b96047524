/* cfi.c — the x86-64 frame rule at a code address, from .eh_frame (contract in cfi.h).
 *
 * The path: _dl_find_object gives the module's PT_GNU_EH_FRAME segment; its sorted
 * table (initial location -> FDE) finds the frame description entry; the CIE's
 * initial instructions, then the FDE's, are run up to pc, tracking only the CFA, rbp
 * and the return address. The DWARF call frame instructions followed are the ones gcc,
 * clang and the assemblers emit for x86-64 code; an expression or a register-to-register
 * rule for what we track makes the answer -ENOTSUP rather than a guess. */
#include "cfi.h"

#include <dlfcn.h>
#include <errno.h>
#include <string.h>

enum {
  DW_EH_PE_absptr = 0x00, DW_EH_PE_uleb128 = 0x01, DW_EH_PE_udata2 = 0x02,
  DW_EH_PE_udata4 = 0x03, DW_EH_PE_udata8 = 0x04, DW_EH_PE_sleb128 = 0x09,
  DW_EH_PE_sdata2 = 0x0a, DW_EH_PE_sdata4 = 0x0b, DW_EH_PE_sdata8 = 0x0c,
  DW_EH_PE_pcrel = 0x10, DW_EH_PE_datarel = 0x30, DW_EH_PE_indirect = 0x80,
  DW_EH_PE_omit = 0xff,
};

enum {
  DW_CFA_nop = 0x00, DW_CFA_set_loc = 0x01, DW_CFA_advance_loc1 = 0x02,
  DW_CFA_advance_loc2 = 0x03, DW_CFA_advance_loc4 = 0x04, DW_CFA_offset_extended = 0x05,
  DW_CFA_restore_extended = 0x06, DW_CFA_undefined = 0x07, DW_CFA_same_value = 0x08,
  DW_CFA_register = 0x09, DW_CFA_remember_state = 0x0a, DW_CFA_restore_state = 0x0b,
  DW_CFA_def_cfa = 0x0c, DW_CFA_def_cfa_register = 0x0d, DW_CFA_def_cfa_offset = 0x0e,
  DW_CFA_def_cfa_expression = 0x0f, DW_CFA_expression = 0x10,
  DW_CFA_offset_extended_sf = 0x11, DW_CFA_def_cfa_sf = 0x12,
  DW_CFA_def_cfa_offset_sf = 0x13, DW_CFA_val_offset = 0x14, DW_CFA_val_offset_sf = 0x15,
  DW_CFA_val_expression = 0x16, DW_CFA_GNU_args_size = 0x2e,
  DW_CFA_GNU_negative_offset_extended = 0x2f,
  DW_CFA_advance_loc = 0x40, DW_CFA_offset = 0x80, DW_CFA_restore = 0xc0,
};

/* DWARF register numbers of x86-64. */
#define REG_RBP 6
#define REG_RSP 7
#define REG_RA 16

/* How a tracked register is recovered. */
enum how { SAME, UNDEFINED, AT_CFA, UNSUPPORTED };

typedef struct reg_rule {
  enum how how;
  long offset;
} reg_rule_t;

typedef struct row {
  int cfa_reg; /* a DWARF register number, or -1 when given by an expression */
  long cfa_offset;
  reg_rule_t rbp, ra;
} row_t;

#define STATE_STACK 8

typedef struct cursor {
  const uint8_t *p, *end;
  int bad;
} cursor_t;

typedef struct cie {
  unsigned long code_align;
  long data_align;
  unsigned ra_reg;
  uint8_t fde_enc;
  int has_aug_data;
  const uint8_t *insns, *insns_end;
} cie_t;

static uint64_t uleb(cursor_t *c)
{
  uint64_t v = 0;
  for (unsigned shift = 0; c->p < c->end; shift += 7) {
    uint8_t b = *c->p++;
    if (shift < 64)
      v |= (uint64_t)(b & 0x7f) << shift;
    if (!(b & 0x80))
      return v;
  }
  c->bad = 1;
  return 0;
}

static int64_t sleb(cursor_t *c)
{
  int64_t v = 0;
  unsigned shift = 0;
  while (c->p < c->end) {
    uint8_t b = *c->p++;
    if (shift < 64)
      v |= (int64_t)((uint64_t)(b & 0x7f) << shift);
    shift += 7;
    if (!(b & 0x80)) {
      if (shift < 64 && (b & 0x40))
        v |= -((int64_t)1 << shift);
      return v;
    }
  }
  c->bad = 1;
  return 0;
}

/* A fixed-size field, read unaligned. */
static uint64_t fixed(cursor_t *c, size_t n)
{
  if ((size_t)(c->end - c->p) < n) {
    c->bad = 1;
    return 0;
  }
  uint64_t v = 0;
  memcpy(&v, c->p, n);
  c->p += n;
  return v;
}

static uint8_t byte(cursor_t *c)
{
  return (uint8_t)fixed(c, 1);
}

/* A pointer in the encoding enc; datarel is relative to base (the .eh_frame_hdr). An
 * indirect pointer is not followed. */
static uintptr_t encoded(cursor_t *c, uint8_t enc, uintptr_t base)
{
  if (enc == DW_EH_PE_omit)
    return 0;
  uintptr_t at = (uintptr_t)c->p;
  uintptr_t v;
  switch (enc & 0x0f) {
  case DW_EH_PE_absptr: v = (uintptr_t)fixed(c, 8); break;
  case DW_EH_PE_uleb128: v = (uintptr_t)uleb(c); break;
  case DW_EH_PE_udata2: v = (uintptr_t)fixed(c, 2); break;
  case DW_EH_PE_udata4: v = (uintptr_t)fixed(c, 4); break;
  case DW_EH_PE_udata8: v = (uintptr_t)fixed(c, 8); break;
  case DW_EH_PE_sleb128: v = (uintptr_t)sleb(c); break;
  case DW_EH_PE_sdata2: v = (uintptr_t)(int64_t)(int16_t)fixed(c, 2); break;
  case DW_EH_PE_sdata4: v = (uintptr_t)(int64_t)(int32_t)fixed(c, 4); break;
  case DW_EH_PE_sdata8: v = (uintptr_t)fixed(c, 8); break;
  default: c->bad = 1; return 0;
  }
  switch (enc & 0x70) {
  case 0: break;
  case DW_EH_PE_pcrel: v += at; break;
  case DW_EH_PE_datarel: v += base; break;
  default: c->bad = 1; return 0;
  }
  if (enc & DW_EH_PE_indirect)
    c->bad = 1; /* only a personality routine's address is indirect, and it is skipped */
  return v;
}

/* The body of the CIE or FDE record at p (after its 32-bit length), as a cursor. */
static int record_at(const uint8_t *p, cursor_t *body)
{
  uint32_t len;
  memcpy(&len, p, 4);
  if (len == 0 || len == 0xffffffffu) /* terminator, or 64-bit DWARF: not in .eh_frame */
    return -ENOTSUP;
  body->p = p + 4;
  body->end = p + 4 + len;
  body->bad = 0;
  return 0;
}

static int parse_cie(const uint8_t *at, cie_t *cie)
{
  cursor_t c;
  if (record_at(at, &c) < 0 || fixed(&c, 4) != 0)
    return -ENOTSUP;
  uint8_t version = byte(&c);
  const char *aug = (const char *)c.p;
  size_t auglen = strnlen(aug, (size_t)(c.end - c.p));
  c.p += auglen + 1;
  if (version != 1 && version != 3)
    return -ENOTSUP;
  if (aug[0] != '\0' && aug[0] != 'z')
    return -ENOTSUP; /* "eh" and other pre-'z' forms: not emitted for x86-64 */
  cie->code_align = uleb(&c);
  cie->data_align = sleb(&c);
  cie->ra_reg = version == 1 ? byte(&c) : (unsigned)uleb(&c);
  cie->fde_enc = DW_EH_PE_absptr;
  cie->has_aug_data = aug[0] == 'z';
  if (cie->has_aug_data) {
    uint64_t n = uleb(&c);
    const uint8_t *after = c.p + n;
    /* Letters after an unknown one cannot be read: the length skips them all. */
    for (const char *a = aug + 1; *a && strchr("RLP", *a) && !c.bad; a++) {
      uint8_t enc = byte(&c);
      if (*a == 'R')
        cie->fde_enc = enc;
      else if (*a == 'P')
        encoded(&c, enc & (uint8_t)~DW_EH_PE_indirect, 0);
    }
    if (strchr(aug, 'S'))
      return -ENOTSUP; /* a signal frame: the registers live in a ucontext */
    c.p = after;
  }
  if (c.bad || c.p > c.end || cie->ra_reg != REG_RA)
    return -ENOTSUP;
  cie->insns = c.p;
  cie->insns_end = c.end;
  return 0;
}

static reg_rule_t *tracked(row_t *r, uint64_t reg)
{
  if (reg == REG_RBP)
    return &r->rbp;
  if (reg == REG_RA)
    return &r->ra;
  return NULL;
}

static void set_rule(row_t *r, uint64_t reg, enum how how, long offset)
{
  reg_rule_t *t = tracked(r, reg);
  if (t) {
    t->how = how;
    t->offset = offset;
  }
}

typedef struct machine {
  row_t row;
  const row_t *initial; /* the row after the CIE's instructions: DW_CFA_restore's target */
  row_t saved[STATE_STACK];
  int nsaved;
  uintptr_t loc, pc;
  const cie_t *cie;
} machine_t;

/* Run instructions while the location stays at or before pc. 1: reached a row past pc
 * (stop), 0: ran out of instructions, -ENOTSUP: an instruction we do not follow. */
static int run(machine_t *m, cursor_t *c)
{
  const long da = m->cie->data_align;
  while (c->p < c->end && !c->bad) {
    uint8_t op = byte(c);
    uint64_t reg, delta = 0;
    switch (op & 0xc0) {
    case DW_CFA_advance_loc:
      delta = op & 0x3f;
      goto advance;
    case DW_CFA_offset:
      set_rule(&m->row, op & 0x3f, AT_CFA, (long)uleb(c) * da);
      continue;
    case DW_CFA_restore:
      reg = op & 0x3f;
      goto restore;
    }
    switch (op) {
    case DW_CFA_nop: continue;
    case DW_CFA_set_loc:
      m->loc = encoded(c, m->cie->fde_enc, 0);
      if (m->loc > m->pc)
        return 1;
      continue;
    case DW_CFA_advance_loc1: delta = fixed(c, 1); goto advance;
    case DW_CFA_advance_loc2: delta = fixed(c, 2); goto advance;
    case DW_CFA_advance_loc4: delta = fixed(c, 4); goto advance;
    case DW_CFA_offset_extended:
      reg = uleb(c);
      set_rule(&m->row, reg, AT_CFA, (long)uleb(c) * da);
      continue;
    case DW_CFA_offset_extended_sf:
      reg = uleb(c);
      set_rule(&m->row, reg, AT_CFA, (long)sleb(c) * da);
      continue;
    case DW_CFA_GNU_negative_offset_extended:
      reg = uleb(c);
      set_rule(&m->row, reg, AT_CFA, -(long)uleb(c) * da);
      continue;
    case DW_CFA_restore_extended: reg = uleb(c); goto restore;
    case DW_CFA_undefined: set_rule(&m->row, uleb(c), UNDEFINED, 0); continue;
    case DW_CFA_same_value: set_rule(&m->row, uleb(c), SAME, 0); continue;
    case DW_CFA_register:
      set_rule(&m->row, uleb(c), UNSUPPORTED, 0);
      uleb(c);
      continue;
    case DW_CFA_expression:
    case DW_CFA_val_expression:
      set_rule(&m->row, uleb(c), UNSUPPORTED, 0);
      c->p += uleb(c);
      continue;
    case DW_CFA_val_offset:
      set_rule(&m->row, uleb(c), UNSUPPORTED, 0);
      uleb(c);
      continue;
    case DW_CFA_val_offset_sf:
      set_rule(&m->row, uleb(c), UNSUPPORTED, 0);
      sleb(c);
      continue;
    case DW_CFA_remember_state:
      if (m->nsaved == STATE_STACK)
        return -ENOTSUP;
      m->saved[m->nsaved++] = m->row;
      continue;
    case DW_CFA_restore_state:
      if (m->nsaved == 0)
        return -ENOTSUP;
      m->row = m->saved[--m->nsaved];
      continue;
    case DW_CFA_def_cfa:
      m->row.cfa_reg = (int)uleb(c);
      m->row.cfa_offset = (long)uleb(c);
      continue;
    case DW_CFA_def_cfa_sf:
      m->row.cfa_reg = (int)uleb(c);
      m->row.cfa_offset = (long)sleb(c) * da;
      continue;
    case DW_CFA_def_cfa_register: m->row.cfa_reg = (int)uleb(c); continue;
    case DW_CFA_def_cfa_offset: m->row.cfa_offset = (long)uleb(c); continue;
    case DW_CFA_def_cfa_offset_sf: m->row.cfa_offset = (long)sleb(c) * da; continue;
    case DW_CFA_def_cfa_expression:
      m->row.cfa_reg = -1;
      c->p += uleb(c);
      continue;
    case DW_CFA_GNU_args_size: uleb(c); continue;
    default: return -ENOTSUP;
    }
  advance:
    m->loc += delta * m->cie->code_align;
    if (m->loc > m->pc)
      return 1;
    continue;
  restore:
    if (m->initial) {
      reg_rule_t *to = tracked(&m->row, reg);
      if (to)
        *to = reg == REG_RBP ? m->initial->rbp : m->initial->ra;
    }
  }
  return c->bad ? -ENOTSUP : 0;
}

static int to_rule(const row_t *r, lt_cfi_rule_t *out)
{
  if (r->cfa_reg != REG_RSP && r->cfa_reg != REG_RBP)
    return -ENOTSUP;
  out->cfa_reg = r->cfa_reg == REG_RSP ? LT_CFI_RSP : LT_CFI_RBP;
  out->cfa_offset = r->cfa_offset;
  out->outermost = r->ra.how == UNDEFINED;
  if (!out->outermost && (r->ra.how != AT_CFA || r->ra.offset != -8))
    return -ENOTSUP;
  if (r->rbp.how == UNSUPPORTED)
    return -ENOTSUP;
  out->rbp_saved = r->rbp.how == AT_CFA;
  out->rbp_offset = r->rbp.offset;
  return 0;
}

/* The FDE whose range may hold pc, by binary search of the .eh_frame_hdr table. */
static const uint8_t *find_fde(const uint8_t *hdr, uintptr_t pc)
{
  if (hdr[0] != 1 || hdr[3] != (DW_EH_PE_datarel | DW_EH_PE_sdata4))
    return NULL;
  cursor_t c = {hdr + 4, hdr + 4 + 16, 0};
  encoded(&c, hdr[1], (uintptr_t)hdr); /* .eh_frame's own address: not needed */
  uintptr_t count = encoded(&c, hdr[2], (uintptr_t)hdr);
  if (c.bad || count == 0)
    return NULL;
  const int32_t *table = (const int32_t *)c.p; /* pairs: initial location, FDE */
  intptr_t rel = (intptr_t)(pc - (uintptr_t)hdr);
  size_t lo = 0, hi = count;
  while (hi - lo > 1) {
    size_t mid = lo + (hi - lo) / 2;
    if ((intptr_t)table[2 * mid] <= rel)
      lo = mid;
    else
      hi = mid;
  }
  if ((intptr_t)table[2 * lo] > rel)
    return NULL;
  return hdr + table[2 * lo + 1];
}

static int rule_from_fde(const uint8_t *fde, uintptr_t pc, lt_cfi_rule_t *out)
{
  cursor_t c;
  if (record_at(fde, &c) < 0)
    return -ENOTSUP;
  const uint8_t *id_at = c.p;
  uint32_t cie_delta = (uint32_t)fixed(&c, 4);
  if (cie_delta == 0)
    return -ENOTSUP;
  cie_t cie;
  int rc = parse_cie(id_at - cie_delta, &cie);
  if (rc < 0)
    return rc;
  uintptr_t begin = encoded(&c, cie.fde_enc, 0);
  uintptr_t range = encoded(&c, cie.fde_enc & 0x0f, 0);
  if (c.bad)
    return -ENOTSUP;
  if (pc < begin || pc - begin >= range)
    return -ENOENT;
  if (cie.has_aug_data)
    c.p += uleb(&c);

  machine_t m = {.row = {.cfa_reg = -1, .rbp = {SAME, 0}, .ra = {SAME, 0}},
                 .loc = begin, .pc = pc, .cie = &cie};
  cursor_t ci = {cie.insns, cie.insns_end, 0};
  if (run(&m, &ci) < 0)
    return -ENOTSUP;
  row_t initial = m.row;
  m.initial = &initial;
  m.nsaved = 0;
  if (run(&m, &c) < 0)
    return -ENOTSUP;
  return to_rule(&m.row, out);
}

int lt_cfi_rule_at(uintptr_t pc, lt_cfi_rule_t *out)
{
  struct dl_find_object obj;
  if (_dl_find_object((void *)pc, &obj) != 0 || obj.dlfo_eh_frame == NULL)
    return -ENOENT;
  const uint8_t *fde = find_fde(obj.dlfo_eh_frame, pc);
  if (!fde)
    return -ENOENT;
  return rule_from_fde(fde, pc, out);
}
