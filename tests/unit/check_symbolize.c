/* check_symbolize.c — libleaktrace-symbolize.so against functions of this very binary
 * (their lines are known at compile time), stripped copies of it with separate debug
 * info, and the offline tool's JSON reader and report loader. */
#include <check.h>
#include "lt_check.h"
#include <dlfcn.h>
#include <elf.h>
#include <errno.h>
#include <limits.h>
#include <link.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "json.h"
#include "report_read.h"
#include "symbolize.h"

static volatile int sink;
static int probe_line, inlined_line, caller_line;

/* The return address of its call: inside the caller, just after the call. */
__attribute__((noinline)) static void *capture(void) {
  sink++;
  return __builtin_return_address(0);
}

__attribute__((noinline)) static void *probe_function(void) {
  void *ra = capture(); probe_line = __LINE__;
  sink++;
  return ra;
}

static inline __attribute__((always_inline)) void *inlined_probe(void) {
  void *ra = capture(); inlined_line = __LINE__;
  return ra;
}

__attribute__((noinline)) static void *inline_caller(void) {
  void *ra = inlined_probe(); caller_line = __LINE__;
  sink++;
  return ra;
}

/* ---- where an address of this process lives: module path and offset ---- */

struct locate {
  uintptr_t addr;
  char module[PATH_MAX];
  uint64_t offset;
  unsigned char build_id[64];
  size_t build_id_len;
  int found;
};

static void read_build_id(struct dl_phdr_info *info, struct locate *l) {
  for (int i = 0; i < info->dlpi_phnum; i++) {
    const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
    if (ph->p_type != PT_NOTE)
      continue;
    const char *p = (const char *)(info->dlpi_addr + ph->p_vaddr), *end = p + ph->p_memsz;
    while (p + sizeof(ElfW(Nhdr)) <= end) {
      const ElfW(Nhdr) *n = (const ElfW(Nhdr) *)p;
      const char *name = p + sizeof(*n);
      const unsigned char *desc = (const unsigned char *)name + ((n->n_namesz + 3) & ~3u);
      if (n->n_type == NT_GNU_BUILD_ID && n->n_namesz == 4 && memcmp(name, "GNU", 4) == 0 &&
          n->n_descsz <= sizeof(l->build_id)) {
        memcpy(l->build_id, desc, n->n_descsz);
        l->build_id_len = n->n_descsz;
        return;
      }
      p = (const char *)desc + ((n->n_descsz + 3) & ~3u);
    }
  }
}

static int locate_cb(struct dl_phdr_info *info, size_t size, void *arg) {
  (void)size;
  struct locate *l = arg;
  for (int i = 0; i < info->dlpi_phnum; i++) {
    const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
    uintptr_t start = info->dlpi_addr + ph->p_vaddr;
    if (ph->p_type != PT_LOAD || l->addr < start || l->addr >= start + ph->p_memsz)
      continue;
    if (info->dlpi_name[0] != '\0') {
      snprintf(l->module, sizeof(l->module), "%s", info->dlpi_name);
    } else {
      ssize_t n = readlink("/proc/self/exe", l->module, sizeof(l->module) - 1);
      l->module[n > 0 ? n : 0] = '\0';
    }
    l->offset = l->addr - info->dlpi_addr;
    read_build_id(info, l);
    l->found = 1;
    return 1;
  }
  return 0;
}

/* ra is a return address: the caller's pc is one byte back, inside the call. */
static struct locate locate_call(void *ra) {
  struct locate l = {.addr = (uintptr_t)ra - 1};
  dl_iterate_phdr(locate_cb, &l);
  ck_assert_msg(l.found, "no module holds %p", ra);
  return l;
}

static const char *base(const char *path) {
  const char *s = path ? strrchr(path, '/') : NULL;
  return s ? s + 1 : path;
}

static void assert_frame(const lt_sym_frame_t *f, const char *function, int line, int inlined) {
  ck_assert_ptr_nonnull(f->function);
  ck_assert_str_eq(f->function, function);
  ck_assert_ptr_nonnull(f->file);
  ck_assert_str_eq(base(f->file), "check_symbolize.c");
  ck_assert_int_eq(f->line, line);
  ck_assert_int_eq(f->inlined, inlined);
}

/* ---- a scratch directory with stripped copies of this binary ---- */

static char scratch[PATH_MAX];

static void run(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void run(const char *fmt, ...) {
  char cmd[4 * PATH_MAX];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(cmd, sizeof(cmd), fmt, ap);
  va_end(ap);
  ck_assert_msg(system(cmd) == 0, "failed: %s", cmd);
}

static void make_scratch(void) {
  snprintf(scratch, sizeof(scratch), "%s/check_symbolize.XXXXXX",
           getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
  ck_assert_ptr_nonnull(mkdtemp(scratch));
}

static void remove_scratch(void) {
  if (scratch[0] != '\0')
    run("rm -rf '%s'", scratch);
  scratch[0] = '\0';
}

/* ---- symbolizer ---- */

START_TEST(test_function_file_line) {
  struct locate l = locate_call(probe_function());
  lt_sym_t *sym = lt_sym_open();
  lt_sym_frame_t f[LT_SYM_MAX_FRAMES];
  ck_assert_int_eq(lt_sym_lookup(sym, l.module, l.offset, f, LT_SYM_MAX_FRAMES), 1);
  assert_frame(&f[0], "probe_function", probe_line, 0);
  lt_sym_close(sym);
}
END_TEST

START_TEST(test_inlined_chain) {
  struct locate l = locate_call(inline_caller());
  lt_sym_t *sym = lt_sym_open();
  lt_sym_frame_t f[LT_SYM_MAX_FRAMES];
  ck_assert_int_eq(lt_sym_lookup(sym, l.module, l.offset, f, LT_SYM_MAX_FRAMES), 2);
  assert_frame(&f[0], "inlined_probe", inlined_line, 1);
  assert_frame(&f[1], "inline_caller", caller_line, 0);
  /* A smaller max keeps the innermost frames. */
  ck_assert_int_eq(lt_sym_lookup(sym, l.module, l.offset, f, 1), 1);
  assert_frame(&f[0], "inlined_probe", inlined_line, 1);
  lt_sym_close(sym);
}
END_TEST

START_TEST(test_cached) {
  struct locate l = locate_call(probe_function());
  lt_sym_t *sym = lt_sym_open();
  lt_sym_frame_t a, b;
  ck_assert_int_eq(lt_sym_lookup(sym, l.module, l.offset, &a, 1), 1);
  ck_assert_int_eq(lt_sym_lookup(sym, l.module, l.offset, &b, 1), 1);
  /* Resolved once: the second answer is the very same strings. */
  ck_assert_ptr_eq(a.function, b.function);
  ck_assert_ptr_eq(a.file, b.file);
  lt_sym_close(sym);
}
END_TEST

START_TEST(test_unknown) {
  struct locate l = locate_call(probe_function());
  lt_sym_t *sym = lt_sym_open();
  lt_sym_frame_t f[4];
  ck_assert_int_eq(lt_sym_lookup(sym, "/nonexistent/libnothing.so", 0x1000, f, 4), 0);
  ck_assert_int_eq(lt_sym_lookup(sym, "/nonexistent/libnothing.so", 0x1000, f, 4), 0);
  ck_assert_int_eq(lt_sym_lookup(sym, l.module, 0x7ffffff00000ull, f, 4), 0);
  ck_assert_int_eq(lt_sym_lookup(sym, "", 0x1000, f, 4), 0);
  ck_assert_int_eq(lt_sym_lookup(sym, "/etc/hostname", 0x10, f, 4), 0);
  lt_sym_close(sym);
}
END_TEST

START_TEST(test_debuglink) {
  struct locate l = locate_call(probe_function());
  make_scratch();
  run("objcopy --only-keep-debug '%s' '%s/self.debug'", l.module, scratch);
  run("cd '%s' && objcopy --strip-all --add-gnu-debuglink=self.debug '%s' stripped", scratch,
      l.module);
  char path[PATH_MAX + 16];
  snprintf(path, sizeof(path), "%s/stripped", scratch);
  lt_sym_t *sym = lt_sym_open();
  lt_sym_frame_t f[LT_SYM_MAX_FRAMES];
  ck_assert_int_eq(lt_sym_lookup(sym, path, l.offset, f, LT_SYM_MAX_FRAMES), 1);
  assert_frame(&f[0], "probe_function", probe_line, 0);
  lt_sym_close(sym);
  remove_scratch();
}
END_TEST

START_TEST(test_build_id_dir) {
  struct locate l = locate_call(inline_caller());
  ck_assert_msg(l.build_id_len > 1, "test binary has no build-id");
  make_scratch();
  char hex[2 * sizeof(l.build_id) + 1];
  for (size_t i = 0; i < l.build_id_len; i++)
    sprintf(hex + 2 * i, "%02x", l.build_id[i]);
  run("mkdir -p '%s/dbg/.build-id/%.2s'", scratch, hex);
  run("objcopy --only-keep-debug --compress-debug-sections=zlib '%s' '%s/dbg/.build-id/%.2s/%s.debug'",
      l.module, scratch, hex, hex + 2);
  run("objcopy --strip-all '%s' '%s/nolink'", l.module, scratch);
  char path[PATH_MAX + 16], dirs[PATH_MAX + 16];
  snprintf(path, sizeof(path), "%s/nolink", scratch);
  snprintf(dirs, sizeof(dirs), "%s/dbg", scratch);

  lt_sym_t *sym = lt_sym_open();
  lt_sym_frame_t f[LT_SYM_MAX_FRAMES];
  ck_assert_int_eq(lt_sym_set_debug_dirs(sym, dirs), 0);
  ck_assert_int_eq(lt_sym_lookup(sym, path, l.offset, f, LT_SYM_MAX_FRAMES), 2);
  assert_frame(&f[0], "inlined_probe", inlined_line, 1);
  assert_frame(&f[1], "inline_caller", caller_line, 0);
  ck_assert_int_eq(lt_sym_set_debug_dirs(sym, dirs), -EBUSY);
  lt_sym_close(sym);
  remove_scratch();
}
END_TEST

/* A copy of this binary without debug info in a new scratch directory, for symbols
 * only; l locates a call of probe_function in it. */
static struct locate nodebug_copy(char *path, size_t size) {
  struct locate l = locate_call(probe_function());
  make_scratch();
  run("objcopy --strip-debug '%s' '%s/nodebug'", l.module, scratch);
  snprintf(path, size, "%s/nodebug", scratch);
  return l;
}

START_TEST(test_symtab_fallback) {
  char path[PATH_MAX + 16];
  struct locate l = nodebug_copy(path, sizeof(path));
  lt_sym_t *sym = lt_sym_open();
  lt_sym_frame_t f[LT_SYM_MAX_FRAMES];
  ck_assert_int_eq(lt_sym_lookup(sym, path, l.offset, f, LT_SYM_MAX_FRAMES), 1);
  ck_assert_str_eq(f[0].function, "probe_function");
  ck_assert_ptr_null(f[0].file);
  ck_assert_int_eq(f[0].line, 0);
  ck_assert_int_eq(f[0].inlined, 0);
  lt_sym_close(sym);
  remove_scratch();
}
END_TEST

/* Symbols laid out by hand (offsets from lt_symt_outer, one byte per nop): an outer
 * function holding a nested one, a global, a weak and a local name for one function,
 * a gap no symbol covers, a sizeless label; names of one start but different sizes;
 * a label inside a function, then a gap. Never called. */
__asm__(".text\n"
        ".globl lt_symt_outer\n.type lt_symt_outer, @function\n"
        "lt_symt_outer:\n nop; nop; nop; nop\n"
        ".type lt_symt_inner, @function\n"
        "lt_symt_inner:\n nop; nop; nop; nop\n"
        ".size lt_symt_inner, 4\n"
        " nop; nop; nop; nop; nop; nop; nop; nop\n"
        ".size lt_symt_outer, 16\n"
        ".type lt_symt_local, @function\n.size lt_symt_local, 4\n"
        ".weak lt_symt_weak\n.type lt_symt_weak, @function\n.size lt_symt_weak, 4\n"
        ".globl lt_symt_global\n.type lt_symt_global, @function\n.size lt_symt_global, 4\n"
        "lt_symt_local:\nlt_symt_weak:\nlt_symt_global:\n nop; nop; nop; nop\n"
        " nop; nop; nop; nop\n"
        "lt_symt_label:\n nop; nop; nop; ret\n"
        ".globl lt_symt_g2\n.type lt_symt_g2, @function\n.size lt_symt_g2, 16\n"
        ".weak lt_symt_w2\n.type lt_symt_w2, @function\n.size lt_symt_w2, 4\n"
        ".type lt_symt_l2, @function\n.size lt_symt_l2, 16\n"
        "lt_symt_g2:\nlt_symt_w2:\nlt_symt_l2:\n nop; nop; nop; nop; nop; nop; nop; nop\n"
        " nop; nop; nop; nop; nop; nop; nop; nop\n"
        ".type lt_symt_fn, @function\n.size lt_symt_fn, 8\n"
        "lt_symt_fn:\n nop; nop; nop; nop\n"
        "lt_symt_inner_label:\n nop; nop; nop; nop\n"
        " nop; nop; nop; ret\n");
extern const char lt_symt_outer[];

/* The name the stripped module gives lt_symt_outer + at, or NULL. */
static const char *symtab_name_at(lt_sym_t *sym, const char *path, int at) {
  struct locate l = {.addr = (uintptr_t)lt_symt_outer + (uintptr_t)at};
  dl_iterate_phdr(locate_cb, &l);
  ck_assert(l.found);
  lt_sym_frame_t f[LT_SYM_MAX_FRAMES];
  return lt_sym_lookup(sym, path, l.offset, f, LT_SYM_MAX_FRAMES) == 1 ? f[0].function : NULL;
}

START_TEST(test_symtab_choice) {
  char path[PATH_MAX + 16];
  nodebug_copy(path, sizeof(path));
  lt_sym_t *sym = lt_sym_open();
  ck_assert_str_eq(symtab_name_at(sym, path, 0), "lt_symt_outer");
  ck_assert_str_eq(symtab_name_at(sym, path, 5), "lt_symt_inner");
  ck_assert_str_eq(symtab_name_at(sym, path, 10), "lt_symt_outer");
  ck_assert_str_eq(symtab_name_at(sym, path, 17), "lt_symt_global");
  ck_assert_ptr_null(symtab_name_at(sym, path, 21));
  ck_assert_str_eq(symtab_name_at(sym, path, 26), "lt_symt_label");
  ck_assert_str_eq(symtab_name_at(sym, path, 36), "lt_symt_g2");
  ck_assert_str_eq(symtab_name_at(sym, path, 50), "lt_symt_fn");
  ck_assert_ptr_null(symtab_name_at(sym, path, 53));
  lt_sym_close(sym);
  remove_scratch();
}
END_TEST

START_TEST(test_libc_function) {
  /* libc6-dbg provides libc's DWARF by build-id under /usr/lib/debug. */
  /* libc's own strdup, not a sanitizer's interceptor of the same name. */
  void *libc = dlopen("libc.so.6", RTLD_LAZY | RTLD_NOLOAD);
  ck_assert_ptr_nonnull(libc);
  struct locate l = {.addr = (uintptr_t)dlsym(libc, "strdup")};
  dlclose(libc);
  dl_iterate_phdr(locate_cb, &l);
  ck_assert(l.found);
  lt_sym_t *sym = lt_sym_open();
  lt_sym_frame_t f[LT_SYM_MAX_FRAMES];
  int n = lt_sym_lookup(sym, l.module, l.offset, f, LT_SYM_MAX_FRAMES);
  ck_assert_int_ge(n, 1);
  /* The source name, not glibc's internal asm label "__GI___strdup". */
  ck_assert_str_eq(f[n - 1].function, "__strdup");
  lt_sym_close(sym);
}
END_TEST

/* The C runtime's entry frames get their symbol-table name, without its version
 * (libc's .symtab says "__libc_start_main@@GLIBC_2.34"), and no line: libc's
 * compressed debug info is not read for them. */
START_TEST(test_runtime_entry_by_symbol) {
  void *libc = dlopen("libc.so.6", RTLD_LAZY | RTLD_NOLOAD);
  ck_assert_ptr_nonnull(libc);
  struct locate l = {.addr = (uintptr_t)dlsym(libc, "__libc_start_main") + 4};
  dlclose(libc);
  dl_iterate_phdr(locate_cb, &l);
  ck_assert(l.found);
  lt_sym_t *sym = lt_sym_open();
  lt_sym_frame_t f[LT_SYM_MAX_FRAMES];
  ck_assert_int_eq(lt_sym_lookup(sym, l.module, l.offset, f, LT_SYM_MAX_FRAMES), 1);
  ck_assert_str_eq(f[0].function, "__libc_start_main");
  ck_assert_ptr_null(f[0].file);
  ck_assert_int_eq(f[0].line, 0);
  lt_sym_close(sym);
}
END_TEST

/* ---- JSON reader ---- */

static int parse(const char *text, lt_json_doc_t *doc, lt_json_error_t *err) {
  return lt_json_parse(text, strlen(text), doc, err);
}

START_TEST(test_json_valid) {
  const char *text = " \n{\"a\": [1, -2.5e+3, true, false, null, {}],\t\"s\": \"x\\n\\u00e9\\ud83d\\ude00\\\"\","
                     " \"big\": 18446744073709551615, \"e\": []}\r\n";
  lt_json_doc_t doc;
  lt_json_error_t err;
  ck_assert_int_eq(parse(text, &doc, &err), 0);
  const lt_json_t *a = lt_json_get(doc.root, "a");
  ck_assert_ptr_nonnull(a);
  ck_assert_int_eq(a->type, LT_JSON_ARRAY);
  ck_assert_uint_eq(a->len, 6);
  ck_assert_int_eq(a->items[0].type, LT_JSON_NUMBER);
  ck_assert_int_eq(strncmp(a->items[1].text, "-2.5e+3", a->items[1].len), 0);
  ck_assert_int_eq(a->items[2].type, LT_JSON_TRUE);
  ck_assert_int_eq(a->items[3].type, LT_JSON_FALSE);
  ck_assert_int_eq(a->items[4].type, LT_JSON_NULL);
  ck_assert_int_eq(a->items[5].type, LT_JSON_OBJECT);
  ck_assert_uint_eq(a->items[5].len, 0);
  const lt_json_t *s = lt_json_get(doc.root, "s");
  ck_assert_str_eq(s->text, "x\n\xc3\xa9\xf0\x9f\x98\x80\"");
  const lt_json_t *big = lt_json_get(doc.root, "big");
  ck_assert_int_eq(strncmp(big->text, "18446744073709551615", big->len), 0);
  ck_assert_ptr_null(lt_json_get(doc.root, "missing"));
  ck_assert_ptr_null(lt_json_get(a, "a"));
  lt_json_free(&doc);
}
END_TEST

static const struct {
  const char *text;
  int line, col;
  const char *msg;
} invalid[] = {
    {"", 1, 1, "expected a JSON value, found end of input"},
    {"{\"a\": 1,}", 1, 9, "expected a string key in object, found '}'"},
    {"[1 2]", 1, 4, "expected ',' or ']' in array, found '2'"},
    {"{\"a\" 1}", 1, 6, "expected ':' after object key, found '1'"},
    {"{\n  \"a\": tru\n}", 2, 8, "invalid literal (expected true)"},
    {"[01]", 1, 3, "expected ',' or ']' in array, found '1'"},
    {"[1.]", 1, 4, "expected a digit after '.', found ']'"},
    {"[-]", 1, 3, "expected a digit, found ']'"},
    {"\"abc", 1, 1, "unterminated string"},
    {"\"a\tb\"", 1, 3, "control character (byte 0x09) in string"},
    {"\"\\x\"", 1, 2, "invalid escape in string"},
    {"\"\\ud800\"", 1, 2, "unpaired high surrogate in \\u escape"},
    {"\"\\u00zz\"", 1, 6, "invalid hex digit in \\u escape"},
    {"\"\\u0000\"", 1, 2, "\\u0000 is not supported in strings"},
    {"{} x", 1, 4, "unexpected 'x' after the JSON value"},
    {"[1,\n\n  ]", 3, 3, "expected a JSON value, found ']'"},
    {"'a'", 1, 1, "expected a JSON value, found '''"},
};

START_TEST(test_json_invalid) {
  lt_json_doc_t doc;
  lt_json_error_t err;
  ck_assert_int_eq(parse(invalid[_i].text, &doc, &err), -EINVAL);
  ck_assert_str_eq(err.msg, invalid[_i].msg);
  ck_assert_int_eq(err.line, invalid[_i].line);
  ck_assert_int_eq(err.col, invalid[_i].col);
  ck_assert_ptr_null(doc.root);
}
END_TEST

START_TEST(test_json_depth) {
  char text[2 * LT_JSON_MAX_DEPTH + 8];
  lt_json_doc_t doc;
  lt_json_error_t err;
  memset(text, '[', LT_JSON_MAX_DEPTH);
  memset(text + LT_JSON_MAX_DEPTH, ']', LT_JSON_MAX_DEPTH);
  text[2 * LT_JSON_MAX_DEPTH] = '\0';
  ck_assert_int_eq(parse(text, &doc, &err), 0);
  lt_json_free(&doc);
  memset(text, '[', LT_JSON_MAX_DEPTH + 1);
  text[LT_JSON_MAX_DEPTH + 1] = '\0';
  ck_assert_int_eq(parse(text, &doc, &err), -EINVAL);
  ck_assert_int_eq(err.col, LT_JSON_MAX_DEPTH + 1);
}
END_TEST

/* ---- report loader ---- */

static const char report_json[] =
    "{\"leaktrace\": 1, \"pid\": 77, \"exe\": \"/bin/x\", \"trigger\": \"signal\",\n"
    " \"summary\": {\"unfreed\": {\"bytes\": 40, \"blocks\": 2},\n"
    "   \"suppressed\": {\"bytes\": 0, \"blocks\": 0},\n"
    "   \"allocations\": 9, \"frees\": 7, \"peak_bytes\": 100, \"future\": [1]},\n"
    " \"leaks\": [{\"kind\": \"unfreed\", \"bytes\": 40, \"blocks\": 2, \"frames\": [\n"
    "   {\"pc\": \"0x7f00000010ab\", \"module\": \"/bin/x\", \"offset\": \"0x10ab\"},\n"
    "   {\"pc\": \"0x7f00000020cd\", \"module\": \"/bin/x\", \"offset\": \"0x20cd\",\n"
    "    \"function\": \"f\", \"file\": \"/s/x.c\", \"line\": 12, \"inlined\": true},\n"
    "   {\"pc\": \"0x1\"}]}]}\n";

START_TEST(test_report_read) {
  lt_json_doc_t doc;
  lt_json_error_t err;
  lt_arena_t arena = {NULL};
  lt_report_t r;
  ck_assert_int_eq(parse(report_json, &doc, &err), 0);
  ck_assert_int_eq(lt_report_read(doc.root, &arena, &r, &err), 0);
  ck_assert_int_eq(r.pid, 77);
  ck_assert_str_eq(r.exe, "/bin/x");
  ck_assert_str_eq(r.trigger, "signal");
  ck_assert_int_eq(r.scanned, 0);
  ck_assert_uint_eq(r.totals[LT_KIND_UNFREED].bytes, 40);
  ck_assert_uint_eq(r.allocations, 9);
  ck_assert_uint_eq(r.peak_bytes, 100);
  ck_assert_int_eq(r.nleaks, 1);
  ck_assert_int_eq(r.leaks[0].kind, LT_KIND_UNFREED);
  ck_assert_int_eq(r.leaks[0].nframes, 3);
  const lt_frame_t *f = r.leaks[0].frames;
  ck_assert_uint_eq(f[0].pc, 0x7f00000010abull);
  ck_assert_uint_eq(f[0].offset, 0x10ab);
  ck_assert_ptr_null(f[0].function);
  ck_assert_str_eq(f[1].function, "f");
  ck_assert_int_eq(f[1].line, 12);
  ck_assert_int_eq(f[1].inlined, 1);
  ck_assert_ptr_null(f[2].module);
  lt_arena_free(&arena);
  lt_json_free(&doc);
}
END_TEST

static const struct {
  const char *from, *to, *msg;
} broken[] = {
    {"\"0x10ab\"}", "4267}", "leaks[0].frames[0].offset: expected a string"},
    {"\"pc\": \"0x1\"", "\"pc\": \"1\"", "leaks[0].frames[2].pc: expected a hex address like \"0x1a2b\""},
    {"\"kind\": \"unfreed\"", "\"kind\": \"lost\"", "leaks[0].kind: unknown kind \"lost\""},
    {"\"leaktrace\": 1", "\"leaktrace\": 2", "unsupported report schema 2 (expected 1)"},
    {"\"frees\": 7", "\"frees\": -7", "summary.frees: expected a non-negative integer"},
    {"\"trigger\": \"signal\",", "", "report: missing \"trigger\""},
};

START_TEST(test_report_invalid) {
  char text[sizeof(report_json) + 64];
  const char *at = strstr(report_json, broken[_i].from);
  ck_assert_ptr_nonnull(at);
  snprintf(text, sizeof(text), "%.*s%s%s", (int)(at - report_json), report_json, broken[_i].to,
           at + strlen(broken[_i].from));
  lt_json_doc_t doc;
  lt_json_error_t err;
  lt_arena_t arena = {NULL};
  lt_report_t r;
  ck_assert_int_eq(parse(text, &doc, &err), 0);
  ck_assert_int_eq(lt_report_read(doc.root, &arena, &r, &err), -EINVAL);
  ck_assert_str_eq(err.msg, broken[_i].msg);
  ck_assert_uint_lt(err.pos, strlen(text));
  lt_arena_free(&arena);
  lt_json_free(&doc);
}
END_TEST

int main(void) {
  Suite *s = suite_create("symbolize");
  TCase *sym = tcase_create("symbolize");
  tcase_set_timeout(sym, 120);
  tcase_add_test(sym, test_function_file_line);
  tcase_add_test(sym, test_inlined_chain);
  tcase_add_test(sym, test_cached);
  tcase_add_test(sym, test_unknown);
  tcase_add_test(sym, test_debuglink);
  tcase_add_test(sym, test_build_id_dir);
  tcase_add_test(sym, test_symtab_fallback);
  tcase_add_test(sym, test_symtab_choice);
  tcase_add_test(sym, test_libc_function);
  tcase_add_test(sym, test_runtime_entry_by_symbol);
  suite_add_tcase(s, sym);
  TCase *json = tcase_create("json");
  tcase_add_test(json, test_json_valid);
  tcase_add_loop_test(json, test_json_invalid, 0, sizeof(invalid) / sizeof(invalid[0]));
  tcase_add_test(json, test_json_depth);
  tcase_add_test(json, test_report_read);
  tcase_add_loop_test(json, test_report_invalid, 0, sizeof(broken) / sizeof(broken[0]));
  suite_add_tcase(s, json);
  return lt_check_run(s);
}
