/* collect.c — building a report from the live blocks and writing it out.
 *
 * Read top to bottom as LeakSanitizer's is: stop the world, snapshot the table, classify,
 * resume; then, with everyone running again, group blocks by (kind, stack), turn stacks
 * into frames (module, offset, and names from the symbolizer), and write the text and
 * JSON reports. Nothing between stop and resume calls malloc. */
#include "collect.h"
#include "modules.h"
#include "opnew.h"
#include "options.h"
#include "report.h"
#include "scan.h"
#include "stacks.h"
#include "symload.h"
#include "symproc.h"
#include "tstate.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_INLINE 16

static unsigned report_seq;

/* The stderr the program started with: a private duplicate, and what it refers to. */
static int stderr_copy = -1;
static struct stat stderr_identity;

void lt_collect_init(void)
{
  if (fstat(2, &stderr_identity) == 0)
    stderr_copy = fcntl(2, F_DUPFD_CLOEXEC, 100);
}

static int same_file(int fd)
{
  struct stat st;
  return fd >= 0 && fstat(fd, &st) == 0 && st.st_dev == stderr_identity.st_dev &&
         st.st_ino == stderr_identity.st_ino;
}

/* Where the text report goes by default: the program's original stderr, never a file
 * the program opened later on a descriptor it closed (or on our copy's number). */
static int original_stderr(void)
{
  if (same_file(stderr_copy))
    return stderr_copy;
  return same_file(2) ? 2 : -1;
}

/* Stop the world, snapshot and classify. Returns the block count, or -errno; *scanned
 * tells whether kinds were assigned (else every block is unfreed). */
static long classify(lt_block_t **blocks, uintptr_t caller_sp, int *scanned)
{
  *scanned = 0;
  if (!lt_options.scan)
    return lt_blocks_snapshot(blocks);
  const lt_thread_regs_t *stopped;
  int nstopped = lt_world_stop(&stopped);
  if (nstopped < 0) {
    lt_warn("cannot stop the program's threads (%s); reporting every block as unfreed",
            strerror(-nstopped));
    return lt_blocks_snapshot(blocks);
  }
  long n = lt_blocks_snapshot(blocks);
  if (n == 0) {
    *scanned = 1;
  } else if (n > 0) {
    /* At exit the caller's own frames above caller_sp are the program's (main may still
     * hold pointers); below it they are leaktrace's, with stale copies: left out. */
    lt_thread_regs_t self = {.tid = gettid(), .sp = caller_sp};
    *scanned = lt_scan_classify_self(*blocks, n, stopped, nstopped,
                                     caller_sp ? &self : NULL) == 0;
  }
  lt_world_resume();
  return n;
}

static int by_kind_then_stack(const void *a, const void *b)
{
  const lt_block_t *x = a, *y = b;
  if (x->kind != y->kind)
    return (int)x->kind - (int)y->kind;
  return x->stack < y->stack ? -1 : x->stack > y->stack;
}

/* Symbols are looked up only for the leaks a report writes (every kind with JSON, the
 * shown kinds without), and the symbolizer is loaded at the first such frame: reading a
 * library's debug information costs megabytes of memory (libc's, unpacked, 9 MB). */
typedef struct framer {
  lt_modules_t modules;
  lt_opnew_t opnew;
  lt_kind_mask_t kinds; /* kinds whose frames get symbols; 0: none */
  lt_kind_mask_t written; /* kinds some report writes: the others need no frames */
  int tried;            /* the symbolizer was loaded, or failed to */
  const lt_symbolizer_t *symbolizer;
  lt_sym_t *session;
  lt_frame_t *scratch;  /* room for the longest stack with every frame inlined */
} framer_t;

static lt_sym_t *session_of(framer_t *f)
{
  if (!f->tried) {
    f->tried = 1;
    f->symbolizer = lt_symload();
    if (f->symbolizer)
      f->session = f->symbolizer->open();
  }
  return f->session;
}

static int add_frame(framer_t *f, uintptr_t pc, int symbolized, lt_frame_t *out, int room)
{
  const lt_module_t *m = lt_modules_find(&f->modules, pc);
  lt_frame_t base = {.pc = pc};
  if (m) {
    base.module = m->path;
    base.offset = pc - m->bias;
  }
  if (!symbolized || !m || !session_of(f)) {
    out[0] = base;
    return 1;
  }
  lt_sym_frame_t sym[MAX_INLINE];
  int n = f->symbolizer->lookup(f->session, m->path, base.offset, sym,
                                room < MAX_INLINE ? room : MAX_INLINE);
  if (n <= 0) {
    out[0] = base;
    return 1;
  }
  for (int i = 0; i < n; i++) {
    out[i] = base;
    out[i].function = sym[i].function;
    out[i].file = sym[i].file;
    out[i].line = sym[i].line;
    out[i].inlined = sym[i].inlined;
  }
  return n;
}

/* Stored frames are return addresses; a frame's pc is inside the call instruction.
 * C++ allocations reach malloc through operator new: the frame the user wants first is
 * its caller. Frames are built in the scratch area and each leak keeps an exact copy:
 * room for every frame inlined 16 deep, per leak, once took a page of the heap per
 * leak (6 MB in a live report of redis-server). */
static int stack_frames(framer_t *f, uint32_t stack, lt_kind_t kind, lt_frame_t **out)
{
  enum { ROOM = LT_STACK_MAX_DEPTH * MAX_INLINE };
  uintptr_t ra[LT_STACK_MAX_DEPTH];
  uint32_t depth = lt_stacks_get(stack, ra);
  uint32_t first = 0;
  while (first + 1 < depth && lt_opnew_contains(&f->opnew, ra[first] - 1))
    first++;
  *out = NULL;
  if (!f->scratch && !(f->scratch = malloc(ROOM * sizeof(lt_frame_t))))
    return 0;
  int symbolized = (f->kinds >> kind) & 1;
  int n = 0;
  for (uint32_t i = first; i < depth && n < ROOM; i++)
    n += add_frame(f, ra[i] - 1, symbolized, f->scratch + n, ROOM - n);
  if (n == 0 || !(*out = malloc((size_t)n * sizeof(lt_frame_t))))
    return 0;
  memcpy(*out, f->scratch, (size_t)n * sizeof(lt_frame_t));
  return n;
}

/* Blocks sorted by (kind, stack) become one leak each run; totals count every block. */
static void group(lt_report_t *r, lt_block_t *blocks, long n, framer_t *f)
{
  qsort(blocks, (size_t)n, sizeof(*blocks), by_kind_then_stack);
  long runs = 0;
  for (long i = 0; i < n; i++)
    if (i == 0 || by_kind_then_stack(&blocks[i - 1], &blocks[i]) != 0)
      runs++;
  r->leaks = calloc((size_t)(runs ? runs : 1), sizeof(lt_leak_t));
  r->nleaks = 0;
  for (long i = 0; i < n; i++) {
    lt_totals_t *t = &r->totals[blocks[i].kind];
    t->bytes += blocks[i].size;
    t->blocks++;
    if (!r->leaks)
      continue;
    if (i == 0 || by_kind_then_stack(&blocks[i - 1], &blocks[i]) != 0) {
      lt_leak_t *l = &r->leaks[r->nleaks++];
      l->kind = blocks[i].kind;
      l->nframes = (f->written >> l->kind) & 1
                       ? stack_frames(f, blocks[i].stack, l->kind, &l->frames) : 0;
    }
    r->leaks[r->nleaks - 1].bytes += blocks[i].size;
    r->leaks[r->nleaks - 1].blocks++;
  }
  lt_report_sort(r->leaks, r->nleaks);
}

/* Where the text report goes: the log file, opened for this report, or the program's
 * original stderr; -1: nowhere. */
static int open_text(const lt_report_t *r, unsigned seq)
{
  if (!lt_options.log[0])
    return original_stderr();
  char path[PATH_MAX];
  int fd;
  if (lt_options_expand(lt_options.log, r->pid, seq, path, sizeof(path)) < 0 ||
      (fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644)) < 0) {
    lt_warn("cannot open the log file %s: %s", lt_options.log, strerror(errno));
    return -1;
  }
  return fd;
}

static void close_text(int fd)
{
  if (lt_options.log[0] && fd >= 0)
    close(fd);
}

static void write_text(const lt_report_t *r, int fd)
{
  if (fd < 0)
    return;
  lt_out_t out;
  lt_out_init(&out, fd);
  lt_report_write_text(r, lt_options.show, &out);
  lt_out_flush(&out);
}

/* The JSON report's path, or NULL when none is asked for (or it cannot be made). */
static const char *json_path(const lt_report_t *r, unsigned seq, char *path, size_t size)
{
  if (!lt_options.json[0])
    return NULL;
  if (lt_options_expand(lt_options.json, r->pid, seq, path, size) < 0) {
    lt_warn("json path too long: %s", lt_options.json);
    return NULL;
  }
  return path;
}

static void write_json(const lt_report_t *r, const char *path)
{
  int rc = lt_report_write_json_file(r, path);
  if (rc < 0)
    lt_warn("cannot write the JSON report %s: %s", path, strerror(-rc));
}

static void release(lt_report_t *r, framer_t *f)
{
  for (long i = 0; i < r->nleaks; i++)
    free(r->leaks[i].frames);
  free(r->leaks);
  free(f->scratch);
  if (f->session)
    f->symbolizer->close(f->session);
  lt_modules_free(&f->modules);
}

long lt_collect_report(lt_trigger_t trigger, uintptr_t caller_sp)
{
  lt_guard_enter();
  lt_block_t *blocks = NULL;
  int scanned;
  long n = classify(&blocks, caller_sp, &scanned);
  if (n < 0) {
    lt_warn("cannot take a snapshot of the live blocks: %s", strerror((int)-n));
    lt_guard_leave();
    return n;
  }
  char exe[PATH_MAX];
  ssize_t len = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
  exe[len > 0 ? len : 0] = 0;

  lt_report_t r = {.pid = getpid(), .exe = exe, .scanned = scanned,
                   .trigger = trigger == LT_TRIGGER_EXIT ? "exit" : "signal"};
  lt_tstate_totals(&r.allocations, &r.frees, &r.peak_bytes);
  int external = lt_options.symbolize && lt_symproc_available();
  lt_kind_mask_t written = lt_options.json[0] ? (lt_kind_mask_t)-1 : lt_options.show;
  framer_t f = {.kinds = !lt_options.symbolize || external ? 0 : written, .written = written};
  lt_modules_load(&f.modules);
  lt_opnew_find(&f.opnew);
  group(&r, blocks, n, &f);
  lt_blocks_snapshot_free(blocks);

  uint64_t live = 0;
  for (int k = 0; k < LT_KIND_COUNT; k++)
    live += r.totals[k].bytes;
  if (live > r.peak_bytes)
    r.peak_bytes = live;
  unsigned seq = __atomic_add_fetch(&report_seq, 1, __ATOMIC_RELAXED);
  char path[PATH_MAX];
  const char *json = json_path(&r, seq, path, sizeof(path));
  int text = open_text(&r, seq);
  if (!external || lt_symproc_write(&r, text, json, lt_options.show) < 0) {
    if (external)
      lt_warn("cannot run the symbolizer; frames keep module and offset only");
    write_text(&r, text);
    if (json)
      write_json(&r, json);
  }
  close_text(text);
  long lost = scanned ? (long)(r.totals[LT_KIND_DIRECT].blocks + r.totals[LT_KIND_INDIRECT].blocks)
                      : (long)r.totals[LT_KIND_UNFREED].blocks;
  release(&r, &f);
  lt_guard_leave();
  return lost;
}
