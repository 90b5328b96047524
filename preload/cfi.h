/* cfi.h — how to step out of one frame, read from the call frame information
 * (.eh_frame) of the module that holds the code.
 *
 * The stack walker needs, for a code address, only three facts of the x86-64 frame
 * there: where the canonical frame address (CFA) is (rsp or rbp plus an offset), where
 * the caller's rbp was saved (or that it was not touched), and whether the frame is the
 * outermost one. The return address is always at CFA - 8 in the code compilers emit;
 * anything else (a CFA or register given by a DWARF expression, as in PLT stubs and
 * signal trampolines) is reported as unsupported, and the caller falls back to a
 * general unwinder. Lookups take no lock and allocate nothing: the module is found with
 * glibc's _dl_find_object and its .eh_frame_hdr table is binary-searched in place. */
#ifndef LT_CFI_H
#define LT_CFI_H

#include "lt.h"

enum lt_cfi_reg { LT_CFI_RSP, LT_CFI_RBP };

typedef struct lt_cfi_rule {
  enum lt_cfi_reg cfa_reg;
  long cfa_offset;    /* CFA = cfa_reg + cfa_offset */
  int rbp_saved;      /* the caller's rbp is at CFA + rbp_offset; else rbp is unchanged */
  long rbp_offset;
  int outermost;      /* the return address is undefined: no caller */
} lt_cfi_rule_t;

/* The rule in force at pc (for a caller's frame, pass the return address minus one).
 * 0, -ENOENT when no module or frame description covers pc, -ENOTSUP when the
 * description uses what the fast walker does not follow. */
int lt_cfi_rule_at(uintptr_t pc, lt_cfi_rule_t *out);

#endif
