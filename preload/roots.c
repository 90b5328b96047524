/* roots.c — the root set of the reachability scan (contract in roots.h).
 *
 * One pass over /proc/self/maps decides, mapping by mapping, what is scanned:
 *   - a mapping holding a thread's stack pointer: [sp - 128, end) for a thread the
 *     signal interrupted (the x86-64 red zone below sp may hold a leaf function's live
 *     data), [sp, end) for one suspended in a call; the top holds static TLS;
 *   - the caller's own stack: only from self->sp, when given;
 *   - glibc's heaps ([heap] and the 64 MiB-aligned arena heaps): never — blocks are
 *     scanned when reached, and free chunks hold stale pointers;
 *   - a dead thread's cached stack (an anonymous mapping whose top holds a glibc thread
 *     descriptor, a word pointing at itself twice, and no live sp): never, unless some
 *     thread's sp is unknown, in which case it is scanned whole to stay conservative;
 *   - an anonymous reservation of 4 TiB or more (a sanitizer's shadow): never;
 *   - every other readable, writable mapping: whole, minus leaktrace's own memory and
 *     minus the blocks inside it (glibc's mmapped chunks).
 * File-backed mappings are read through process_vm_readv, since a page past the end of
 * a truncated file would raise SIGBUS, and so is everything when a thread could not be
 * stopped (it may unmap memory under the scan); anonymous memory is otherwise read in
 * place, and when the
 * system has no swap only its resident pages (mincore) are read. Words from
 * the C library's data carry LT_MARK_ALLOCATOR_STATE (see mark.h). */
#include "roots.h"
#include "maps.h"
#include "mem.h"
#include "owned.h"
#include "stacks.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <unistd.h>

#define RED_ZONE 128
#define PAGE 4096ul
#define ARENA_HEAP_SIZE ((uintptr_t)64 << 20)
#define MAX_SKIP (LT_OWNED_MAX + LT_BLOCKS_STORAGE_MAX + 16)
#define MAX_MAPS 65536
#define HUGE_RESERVATION ((uintptr_t)1 << 42)

/* The linker's symbol for this module's ELF header; an array of unknown size, since the
 * program headers follow it. */
extern const char __ehdr_start[] __attribute__((visibility("hidden")));

typedef struct range {
  uintptr_t start, end;
} range_t;

typedef struct roots {
  lt_mark_t *m;
  range_t skip[MAX_SKIP];
  int nskip;
  range_t own_text;
  range_t ldso_text;
  int copy_ok;
  int no_swap;
  uintptr_t map_end;              /* end of the mapping being fed; 0: none */
  int map_anon;                   /* that mapping is anonymous memory */
  uintptr_t res_start, res_end;   /* the pages `residency` describes */
} roots_t;

static uintptr_t *stack_from; /* per mapping: where a live stack starts, 0 if none */
static uintptr_t copy_buf[8192];
static unsigned char residency[65536];

/* Words of [start, end), read in place or, for file-backed memory and while a thread
 * runs, copied. */
static void feed_words(roots_t *r, uintptr_t start, uintptr_t end, unsigned flags, int copy)
{
  if (!copy || !r->copy_ok) {
    lt_mark_root_words(r->m, (const uintptr_t *)start, (end - start) / sizeof(uintptr_t), flags);
    return;
  }
  pid_t pid = getpid();
  while (start < end) {
    size_t want = end - start < sizeof(copy_buf) ? end - start : sizeof(copy_buf);
    struct iovec local = {copy_buf, want}, remote = {(void *)start, want};
    ssize_t got = process_vm_readv(pid, &local, 1, &remote, 1, 0);
    if (got < 0 && (errno == EPERM || errno == ENOSYS)) {
      r->copy_ok = 0; /* not allowed here: fall back to reading in place */
      lt_mark_root_words(r->m, (const uintptr_t *)start, (end - start) / sizeof(uintptr_t),
                         flags);
      return;
    }
    if (got > 0)
      lt_mark_root_words(r->m, copy_buf, (size_t)got / sizeof(uintptr_t), flags);
    if (got < (ssize_t)want) /* unreadable page: skip it */
      start = ((start + (got > 0 ? (uintptr_t)got : 0)) & ~(PAGE - 1)) + PAGE;
    else
      start += want;
  }
}

/* Makes `residency` describe the page at `page` and as many after it, within the
 * mapping, as it holds. Returns 0, or -1 when mincore fails. */
static int load_residency(roots_t *r, uintptr_t page)
{
  size_t pages = (r->map_end - page + PAGE - 1) / PAGE;
  if (pages > sizeof(residency))
    pages = sizeof(residency);
  if (mincore((void *)page, pages * PAGE, residency) != 0) {
    r->res_start = r->res_end = 0;
    return -1;
  }
  r->res_start = page;
  r->res_end = page + pages * PAGE;
  return 0;
}

/* Anonymous memory, resident pages only: without swap, a page that is not resident was
 * never written (or was discarded) and reads as zeros. Reading it would cost a page of
 * memory: the kernels seen here back even a read with a fresh page (a 64 MiB read of
 * untouched memory: 64 MiB more RSS), and copying does too; redis-server, whose threads
 * block the stop signal so that all memory is copied, grew by 17 MB at each report.
 * One mincore answers for up to 256 MiB of a mapping, consulted by every range fed
 * from it, copied or read in place. */
static void feed_resident(roots_t *r, uintptr_t start, uintptr_t end, unsigned flags,
                          int copy)
{
  for (uintptr_t page = start & ~(PAGE - 1); page < end;) {
    if ((page < r->res_start || page >= r->res_end) && load_residency(r, page) != 0) {
      feed_words(r, page < start ? start : page, end, flags, copy);
      return;
    }
    uintptr_t run = page;
    while (run < end && run < r->res_end && (residency[(run - r->res_start) / PAGE] & 1))
      run += PAGE;
    if (run > page) {
      uintptr_t s = page < start ? start : page, e = run > end ? end : run;
      feed_words(r, s, e, flags, copy);
    } else {
      run = page + PAGE;
    }
    page = run;
  }
}

/* 1 when the system has no swap: then only resident anonymous pages hold data. */
static int swap_off(void)
{
  static char buf[4096];
  int fd = open("/proc/meminfo", O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return 0;
  ssize_t got = read(fd, buf, sizeof(buf) - 1);
  close(fd);
  if (got <= 0)
    return 0;
  buf[got] = '\0';
  const char *p = strstr(buf, "SwapTotal:");
  if (!p)
    return 0;
  p += 10;
  while (*p == ' ')
    p++;
  return *p == '0' && (p[1] == ' ' || p[1] == '\n');
}

/* Words of [start, end): of anonymous memory, without swap, only its resident pages. */
static void feed(roots_t *r, uintptr_t start, uintptr_t end, unsigned flags, int copy)
{
  start = (start + sizeof(uintptr_t) - 1) & ~(uintptr_t)(sizeof(uintptr_t) - 1);
  end &= ~(uintptr_t)(sizeof(uintptr_t) - 1);
  if (start >= end)
    return;
  if (r->no_swap && r->map_anon)
    feed_resident(r, start, end, flags, copy);
  else
    feed_words(r, start, end, flags, copy);
}

/* First block whose end lies above addr. */
static long first_block_after(const lt_mark_t *m, uintptr_t addr)
{
  long lo = 0, hi = m->n;
  while (lo < hi) {
    long mid = lo + (hi - lo) / 2;
    const lt_block_t *b = &m->blocks[mid];
    if (b->addr + (b->size ? b->size : 1) <= addr)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo;
}

/* [start, end) minus the blocks inside it. */
static void feed_between_blocks(roots_t *r, uintptr_t start, uintptr_t end, unsigned flags,
                                int copy)
{
  const lt_mark_t *m = r->m;
  uintptr_t cur = start;
  for (long i = first_block_after(m, start); i < m->n && m->blocks[i].addr < end; i++) {
    const lt_block_t *b = &m->blocks[i];
    if (b->addr > cur)
      feed(r, cur, b->addr, flags, copy);
    uintptr_t be = b->addr + (b->size ? b->size : 1);
    if (be > cur)
      cur = be;
  }
  if (cur < end)
    feed(r, cur, end, flags, copy);
}

/* [start, end) minus leaktrace's own memory, minus blocks; end is its mapping's end. */
static void feed_range(roots_t *r, uintptr_t start, uintptr_t end, unsigned flags, int copy,
                       int anon)
{
  r->map_end = end;
  r->map_anon = anon;
  r->res_start = r->res_end = 0;
  uintptr_t cur = start;
  for (int i = 0; i < r->nskip && cur < end; i++) {
    const range_t *s = &r->skip[i];
    if (s->end <= cur)
      continue;
    if (s->start >= end)
      break;
    if (s->start > cur)
      feed_between_blocks(r, cur, s->start, flags, copy);
    cur = s->end;
  }
  if (cur < end)
    feed_between_blocks(r, cur, end, flags, copy);
  r->map_end = 0;
  r->map_anon = 0;
}

static void add_skip(roots_t *r, uintptr_t start, uintptr_t end)
{
  if (start >= end || r->nskip >= MAX_SKIP)
    return;
  int i = r->nskip++;
  while (i > 0 && r->skip[i - 1].start > start) {
    r->skip[i] = r->skip[i - 1];
    i--;
  }
  r->skip[i].start = start;
  r->skip[i].end = end;
}

/* leaktrace's own module, from its program headers: writable segments are never
 * scanned, its text tells its frames apart in allocation stacks. */
static void own_module(roots_t *r)
{
  const ElfW(Ehdr) *eh = (const ElfW(Ehdr) *)__ehdr_start;
  const ElfW(Phdr) *ph = (const ElfW(Phdr) *)((const char *)eh + eh->e_phoff);
  uintptr_t bias = 0;
  for (int i = 0; i < eh->e_phnum; i++)
    if (ph[i].p_type == PT_LOAD && ph[i].p_offset == 0) {
      bias = (uintptr_t)eh - ph[i].p_vaddr;
      break;
    }
  r->own_text.start = r->own_text.end = 0;
  for (int i = 0; i < eh->e_phnum; i++) {
    if (ph[i].p_type != PT_LOAD)
      continue;
    uintptr_t s = (bias + ph[i].p_vaddr) & ~(PAGE - 1);
    uintptr_t e = (bias + ph[i].p_vaddr + ph[i].p_memsz + PAGE - 1) & ~(PAGE - 1);
    if (ph[i].p_flags & PF_W)
      add_skip(r, s, e);
    if (ph[i].p_flags & PF_X) {
      r->own_text.start = s;
      r->own_text.end = e;
    }
  }
}

/* Static, not on the stack: a thread that calls exit() may run on a small stack of its
 * own. Registered in creation order, and mmap hands out falling addresses: taken from the
 * last they come mostly in rising order, which the sorted insertion appends cheaply. */
static uintptr_t owned_start[LT_OWNED_MAX], owned_end[LT_OWNED_MAX];
static uintptr_t table_start[LT_BLOCKS_STORAGE_MAX], table_end[LT_BLOCKS_STORAGE_MAX];

static void leaktrace_memory(roots_t *r)
{
  int n = lt_owned_list(owned_start, owned_end);
  for (int i = n - 1; i >= 0; i--)
    add_skip(r, owned_start[i] & ~(PAGE - 1), (owned_end[i] + PAGE - 1) & ~(PAGE - 1));
  n = lt_blocks_storage(table_start, table_end);
  for (int i = 0; i < n; i++)
    add_skip(r, table_start[i] & ~(PAGE - 1), (table_end[i] + PAGE - 1) & ~(PAGE - 1));
  uintptr_t snap = (uintptr_t)r->m->blocks;
  add_skip(r, snap & ~(PAGE - 1),
           (snap + (uintptr_t)r->m->n * sizeof(lt_block_t) + PAGE - 1) & ~(PAGE - 1));
  uintptr_t ms, me;
  lt_mark_memory(r->m, &ms, &me);
  add_skip(r, ms, me);
}

static const char *basename_of(const char *path)
{
  const char *slash = strrchr(path, '/');
  return slash ? slash + 1 : path;
}

static int is_libc(const lt_map_t *map)
{
  const char *b = basename_of(map->name);
  return map->inode && (strncmp(b, "libc.so", 7) == 0 || strncmp(b, "libc-2.", 7) == 0);
}

/* A glibc arena heap: 64 MiB aligned, starting with a heap_info whose arena pointer
 * lies just past the heap_info of an aligned heap and whose size fits. */
LT_SCAN_RAW static int is_arena_heap(const lt_map_t *map)
{
  if (map->inode || map->start % ARENA_HEAP_SIZE || map->end - map->start < PAGE)
    return 0;
  const uintptr_t *hi = (const uintptr_t *)map->start;
  uintptr_t ar = hi[0], size = hi[2];
  uintptr_t off = ar & (ARENA_HEAP_SIZE - 1);
  return off >= 4 * sizeof(uintptr_t) && off < 256 && size > 0 && size <= ARENA_HEAP_SIZE;
}

/* A stack glibc allocated: a guard mapping without access right below it, and the
 * thread descriptor in its top pages, whose first word (tcb) and third (self) point at
 * the descriptor itself. (The main thread's descriptor and static TLS also carry that
 * pattern, in memory the dynamic linker mapped without a guard: not a stack.) */
LT_SCAN_RAW static int is_thread_stack(const lt_map_t *maps, long k)
{
  const lt_map_t *map = &maps[k];
  if (map->inode || map->end - map->start < 4 * PAGE || k == 0)
    return 0;
  if (maps[k - 1].end != map->start || (maps[k - 1].prot & (LT_MAP_R | LT_MAP_W | LT_MAP_X)))
    return 0;
  const uintptr_t *w = (const uintptr_t *)(map->end - 2 * PAGE);
  size_t count = 2 * PAGE / sizeof(uintptr_t);
  for (size_t i = 0; i + 2 < count; i += 2) { /* the descriptor is 16-aligned at least */
    uintptr_t a = (uintptr_t)&w[i];
    if (w[i] == a && w[i + 2] == a)
      return 1;
  }
  return 0;
}

/* The dynamic linker's text, from the auxiliary vector's AT_BASE. */
static void find_ldso(roots_t *r, const lt_map_t *maps, long n)
{
  r->ldso_text.start = r->ldso_text.end = 0;
  uintptr_t base = getauxval(AT_BASE);
  long k = base ? lt_maps_find(maps, n, base) : -1;
  if (k < 0)
    return;
  const char *name = maps[k].name;
  for (long i = k; i < n && strcmp(maps[i].name, name) == 0; i++)
    if (maps[i].prot & LT_MAP_X) {
      r->ldso_text.start = maps[i].start;
      r->ldso_text.end = maps[i].end;
    }
}

static int in_range(const range_t *g, uintptr_t a) { return a >= g->start && a < g->end; }

/* 1 when the first frame outside leaktrace is in the dynamic linker. */
static int allocated_by_ldso(const roots_t *r, uint32_t stack)
{
  if (!stack || r->ldso_text.start == r->ldso_text.end)
    return 0;
  uintptr_t frames[LT_STACK_MAX_DEPTH];
  uint32_t depth = lt_stacks_get(stack, frames);
  for (uint32_t i = 0; i < depth; i++) {
    if (in_range(&r->own_text, frames[i]))
      continue;
    return in_range(&r->ldso_text, frames[i]);
  }
  return 0;
}

/* Note where a live stack starts in its mapping; a stack inside a block (a thread
 * given a malloc'd stack) is fed right away. The red zone below sp is live only in a
 * thread a signal interrupted, not in one suspended in a call. Returns 0 when sp is not
 * in any mapping. */
static int note_stack(roots_t *r, const lt_map_t *maps, long n, uintptr_t sp, uintptr_t red)
{
  long b = lt_mark_find(r->m, sp);
  if (b >= 0) {
    const lt_block_t *blk = &r->m->blocks[b];
    uintptr_t from = sp - red > blk->addr ? sp - red : blk->addr;
    feed(r, from, blk->addr + blk->size, 0, 0);
    return 1;
  }
  long k = lt_maps_find(maps, n, sp);
  if (k < 0)
    return 0;
  uintptr_t from = sp - red > maps[k].start ? sp - red : maps[k].start;
  if (!stack_from[k] || from < stack_from[k])
    stack_from[k] = from;
  return 1;
}

int lt_roots_scan(lt_mark_t *m, const lt_thread_regs_t *threads, int nthreads,
                  const lt_thread_regs_t *self)
{
  static roots_t r;
  const lt_map_t *maps;
  long n = lt_maps_read(&maps);
  if (n < 0)
    return (int)n;
  if (!stack_from) {
    if (!(stack_from = lt_mem_map(MAX_MAPS * sizeof(uintptr_t))))
      return -ENOMEM;
    lt_owned_add(stack_from, MAX_MAPS * sizeof(uintptr_t));
  }
  memset(stack_from, 0, (size_t)n * sizeof(uintptr_t));
  r.m = m;
  r.nskip = 0;
  r.copy_ok = 1;
  r.no_swap = swap_off();
  m->resident_only = r.no_swap;
  own_module(&r);
  leaktrace_memory(&r);
  find_ldso(&r, maps, n);

  int unknown = 0, running = 0, self_tid = (int)gettid();
  for (int i = 0; i < nthreads; i++) {
    const lt_thread_regs_t *t = &threads[i];
    running |= !t->stopped && t->tid != self_tid;
    if (t->stopped)
      lt_mark_root_words(m, t->regs, (size_t)t->nregs, 0);
    if (!t->sp || !note_stack(&r, maps, n, t->sp, t->stopped ? RED_ZONE : 0))
      unknown = 1;
  }
  long caller = lt_maps_find(maps, n, (uintptr_t)__builtin_frame_address(0));
  if (self) {
    lt_mark_root_words(m, self->regs, (size_t)self->nregs, 0);
    if (self->sp)
      note_stack(&r, maps, n, self->sp, self->nregs ? RED_ZONE : 0);
  }

  int after_libc = 0;
  for (long k = 0; k < n; k++) {
    const lt_map_t *map = &maps[k];
    int libc_bss = after_libc && !map->inode && map->start == maps[k - 1].end;
    int libc_data = is_libc(map) && (map->prot & LT_MAP_W);
    after_libc = libc_data;
    if ((map->prot & (LT_MAP_R | LT_MAP_W)) != (LT_MAP_R | LT_MAP_W))
      continue;
    if (stack_from[k]) {
      feed_range(&r, stack_from[k], map->end, 0, 0, map->inode == 0);
      continue;
    }
    if (k == caller || strcmp(map->name, "[heap]") == 0 || is_arena_heap(map))
      continue;
    if (map->inode && strncmp(map->name, "/dev/", 5) == 0 && strcmp(map->name, "/dev/zero") != 0)
      continue;
    if (!map->inode && map->end - map->start >= HUGE_RESERVATION)
      continue; /* a sanitizer's shadow: terabytes of address space, no program data */
    if (!unknown && (strcmp(map->name, "[stack]") == 0 || is_thread_stack(maps, k)))
      continue;
    unsigned flags = libc_data || libc_bss ? LT_MARK_ALLOCATOR_STATE : 0;
    feed_range(&r, map->start, map->end, flags, map->inode != 0 || running, map->inode == 0);
  }

  for (long i = 0; i < m->n; i++)
    if (allocated_by_ldso(&r, m->blocks[i].stack))
      lt_mark_root_block(m, i);
  return 0;
}
