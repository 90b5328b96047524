/* check_aranges.c — the .debug_aranges table of symbolize/aranges.c places every address
 * in the compile unit libdwfl places it in: at both ends of each range, in the gaps
 * between ranges and past the last one, for libc's debug file (thousands of ranges) and
 * for this program's own DWARF. */
#include <check.h>
#include "lt_check.h"
#include <dlfcn.h>
#include <elfutils/libdwfl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sym.h"

static char *debuginfo_path;

/* Separate debug files by build-id under /usr/lib/debug only: never the network. */
static const Dwfl_Callbacks callbacks = {
  .find_debuginfo = dwfl_build_id_find_debuginfo,
  .section_address = dwfl_offline_section_address,
  .debuginfo_path = &debuginfo_path,
};

typedef struct opened {
  Dwfl *dwfl;
  Dwfl_Module *mod;
  Dwarf *dw;
  Dwarf_Addr bias;
} opened_t;

static opened_t open_module(const char *path) {
  opened_t o = {.dwfl = dwfl_begin(&callbacks)};
  ck_assert_ptr_nonnull(o.dwfl);
  dwfl_report_begin(o.dwfl);
  o.mod = dwfl_report_elf(o.dwfl, path, path, -1, 0, true);
  dwfl_report_end(o.dwfl, NULL, NULL);
  ck_assert_msg(o.mod != NULL, "cannot open %s", path);
  o.dw = dwfl_module_getdwarf(o.mod, &o.bias);
  ck_assert_msg(o.dw != NULL, "no DWARF for %s", path);
  return o;
}

/* The DIE offset of the CU the table places addr (a DWARF address) in; 0 for none (a CU
 * DIE always follows its header). */
static Dwarf_Off table_cu(const opened_t *o, const lt_aranges_t *t, Dwarf_Addr addr) {
  Dwarf_Off cu, next;
  size_t header_size;
  if (!lt_aranges_find(t, addr, &cu))
    return 0;
  ck_assert_int_eq(dwarf_next_unit(o->dw, cu, &next, &header_size, NULL, NULL, NULL, NULL,
                                   NULL, NULL), 0);
  return cu + header_size;
}

static Dwarf_Off dwfl_cu(const opened_t *o, Dwarf_Addr addr) {
  Dwarf_Addr bias;
  Dwarf_Die *cu = dwfl_module_addrdie(o->mod, addr + o->bias, &bias);
  return cu != NULL ? dwarf_dieoffset(cu) : 0;
}

/* Compares both placements around every range libdw lists; returns how many ranges. */
static size_t compare_module(const char *path) {
  opened_t o = open_module(path);
  /* Read before libdwfl builds its own index, so nothing of libdw's is reused. */
  lt_aranges_t *t = lt_aranges_read(o.dw);
  ck_assert_msg(t != NULL, "no .debug_aranges table for %s", path);
  Dwarf_Aranges *aranges;
  size_t n;
  ck_assert_int_eq(dwarf_getaranges(o.dw, &aranges, &n), 0);
  ck_assert_uint_gt(n, 0);
  size_t placed = 0;
  for (size_t i = 0; i < n; i++) {
    Dwarf_Addr start;
    Dwarf_Word length;
    Dwarf_Off offset;
    Dwarf_Arange *one = dwarf_onearange(aranges, i);
    ck_assert_int_eq(dwarf_getarangeinfo(one, &start, &length, &offset), 0);
    const Dwarf_Addr probes[] = {start - 1, start, start + 1, start + length - 1,
                                 start + length, start + length + 1};
    for (size_t k = 0; k < sizeof(probes) / sizeof(probes[0]); k++) {
      Dwarf_Off want = dwfl_cu(&o, probes[k]), have = table_cu(&o, t, probes[k]);
      ck_assert_msg(have == want, "%s: 0x%llx placed in CU 0x%llx, libdwfl says 0x%llx", path,
                    (unsigned long long)probes[k], (unsigned long long)have,
                    (unsigned long long)want);
      placed += want != 0;
    }
  }
  ck_assert_uint_gt(placed, n);
  const Dwarf_Addr last = (Dwarf_Addr)-1 - o.bias;
  ck_assert_uint_eq(table_cu(&o, t, 0), dwfl_cu(&o, 0));
  ck_assert_uint_eq(table_cu(&o, t, last), dwfl_cu(&o, last));
  lt_aranges_free(t);
  dwfl_end(o.dwfl);
  return n;
}

START_TEST(test_libc_like_libdwfl) {
  /* libc6-dbg provides libc's DWARF by build-id under /usr/lib/debug. */
  Dl_info info;
  void *libc = dlopen("libc.so.6", RTLD_LAZY | RTLD_NOLOAD);
  ck_assert_ptr_nonnull(libc);
  ck_assert(dladdr(dlsym(libc, "strdup"), &info) != 0);
  char path[PATH_MAX];
  snprintf(path, sizeof(path), "%s", info.dli_fname);
  dlclose(libc);
  ck_assert_uint_gt(compare_module(path), 1000);
}
END_TEST

START_TEST(test_self_like_libdwfl) {
  char path[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", path, sizeof(path) - 1);
  ck_assert_int_gt(n, 0);
  path[n] = '\0';
  compare_module(path);
}
END_TEST

int main(void) {
  unsetenv("DEBUGINFOD_URLS");
  Suite *s = suite_create("aranges");
  TCase *tc = tcase_create("aranges");
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, test_libc_like_libdwfl);
  tcase_add_test(tc, test_self_like_libdwfl);
  suite_add_tcase(s, tc);
  return lt_check_run(s);
}
