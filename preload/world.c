/* world.c — stopping every other thread with a reserved real-time signal (contract in
 * world.h), the technique of bdwgc's pthread_stop_world.
 *
 * The reporter lists /proc/self/task, gives each thread a slot, then signals it. The
 * handler finds its slot by tid, claims it with a compare-and-swap (so a late or
 * duplicate signal can never write into a slot the reporter gave up on), saves the
 * registers the kernel put in the ucontext, acknowledges through a futex and sleeps on
 * another futex until the reporter bumps the resume generation. The task list is read
 * again until a pass finds no new thread, since a thread not yet stopped may have
 * created one. Every wait is bounded: a thread that exits is noticed through /proc, one
 * that blocks the signal (SigBlk) is left running, anything else is resent the signal
 * and after a second given up on. Only raw syscalls and async-signal-safe calls are
 * used, never malloc or stdio. */
#include "world.h"
#include "maps.h"
#include "mem.h"
#include "owned.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/futex.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

#define MAX_THREADS 16384
#define RESEND_NS 100000000ull     /* resend the signal to a silent thread every 100 ms */
#define BLOCKED_CHECK_NS 20000000ull /* after 20 ms, look whether it blocks the signal */
#define GIVE_UP_NS 1000000000ull   /* after 1 s, leave it running */
#define MAX_ROUNDS 64

/* A slot's state word: the stop generation in the high bits, the phase in the low 3. */
enum { SENT = 1, SAVING = 2, STOPPED = 3, GONE = 4, ABANDONED = 5 };
#define STATE(gen, phase) (((gen) << 3) | (uint32_t)(phase))
#define GEN_MASK ((1u << 29) - 1)

typedef struct slot {
  int tid;
  int blocked_checked;
  uint32_t state;
  uint64_t first_ns;
  uint64_t sent_ns;
  lt_thread_regs_t regs;
} slot_t;

static slot_t *slots;
static lt_thread_regs_t *result;
static int nslots;          /* published with release after a slot is filled */
static uint32_t cur_gen;    /* generation of the latest stop */
static uint32_t resume_gen; /* equals cur_gen once that stop is over */
static uint32_t acks;       /* futex: bumped by every acknowledgement */
static int inside;          /* handlers between their acknowledgement and their return */
static int busy;

static long sys_futex(void *addr, int op, uint32_t val, const struct timespec *ts)
{
  return syscall(SYS_futex, addr, op, val, ts, NULL, 0);
}

static uint64_t now_ns(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int gettid_raw(void) { return (int)syscall(SYS_gettid); }

static int tgkill_raw(int tid, int sig)
{
  return syscall(SYS_tgkill, getpid(), tid, sig) == 0 ? 0 : -errno;
}

int lt_world_signal(void) { return SIGRTMAX - 2; }

static void save_regs(lt_thread_regs_t *r, const ucontext_t *uc, int tid)
{
  r->tid = tid;
#if defined(__x86_64__)
  for (int i = 0; i < NGREG && i < 32; i++)
    r->regs[i] = (uintptr_t)uc->uc_mcontext.gregs[i];
  r->nregs = NGREG < 32 ? NGREG : 32;
  r->sp = (uintptr_t)uc->uc_mcontext.gregs[REG_RSP];
#elif defined(__aarch64__)
  for (int i = 0; i < 31; i++)
    r->regs[i] = (uintptr_t)uc->uc_mcontext.regs[i];
  r->regs[31] = (uintptr_t)uc->uc_mcontext.sp;
  r->nregs = 32;
  r->sp = (uintptr_t)uc->uc_mcontext.sp;
#else
#error "leaktrace: saving registers is not written for this architecture"
#endif
  r->stopped = 1;
  r->stack_end = 0;
}

/* The handler: runs on the stopped thread's own stack (no SA_ONSTACK), so the ucontext
 * and this frame lie below the saved sp and are not part of the scanned stack. */
static void on_stop_signal(int sig, siginfo_t *info, void *ctx)
{
  (void)sig;
  (void)info;
  int saved_errno = errno;
  uint32_t gen = __atomic_load_n(&cur_gen, __ATOMIC_ACQUIRE);
  if (gen == 0 || __atomic_load_n(&resume_gen, __ATOMIC_ACQUIRE) == gen) {
    errno = saved_errno; /* a late or duplicate signal: no stop is in progress */
    return;
  }
  int tid = gettid_raw();
  int n = __atomic_load_n(&nslots, __ATOMIC_ACQUIRE);
  for (int i = 0; i < n; i++) {
    if (slots[i].tid != tid)
      continue;
    uint32_t expect = STATE(gen, SENT);
    if (!__atomic_compare_exchange_n(&slots[i].state, &expect, STATE(gen, SAVING), 0,
                                     __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
      break;
    __atomic_add_fetch(&inside, 1, __ATOMIC_ACQ_REL);
    save_regs(&slots[i].regs, ctx, tid);
    __atomic_store_n(&slots[i].state, STATE(gen, STOPPED), __ATOMIC_RELEASE);
    __atomic_add_fetch(&acks, 1, __ATOMIC_ACQ_REL);
    sys_futex(&acks, FUTEX_WAKE_PRIVATE, 1, NULL);
    uint32_t r;
    while ((r = __atomic_load_n(&resume_gen, __ATOMIC_ACQUIRE)) != gen)
      sys_futex(&resume_gen, FUTEX_WAIT_PRIVATE, r, NULL);
    __atomic_sub_fetch(&inside, 1, __ATOMIC_ACQ_REL);
    sys_futex(&inside, FUTEX_WAKE_PRIVATE, 1, NULL);
    break;
  }
  errno = saved_errno;
}

int lt_world_init(void)
{
  if (!slots) {
    slots = lt_mem_map(MAX_THREADS * sizeof(slot_t));
    result = lt_mem_map(MAX_THREADS * sizeof(lt_thread_regs_t));
    if (!slots || !result)
      return -ENOMEM;
    lt_owned_add(slots, MAX_THREADS * sizeof(slot_t));
    lt_owned_add(result, MAX_THREADS * sizeof(lt_thread_regs_t));
  }
  int sig = lt_world_signal();
  struct sigaction old;
  if (sigaction(sig, NULL, &old) != 0)
    return -errno;
  if ((old.sa_flags & SA_SIGINFO) && old.sa_sigaction == on_stop_signal)
    return 0;
  if (!(old.sa_flags & SA_SIGINFO) && old.sa_handler != SIG_DFL)
    return -EBUSY;
  if ((old.sa_flags & SA_SIGINFO) && old.sa_sigaction != NULL)
    return -EBUSY;
  struct sigaction sa;
  memset(&sa, 0, sizeof(sa));
  sa.sa_sigaction = on_stop_signal;
  sa.sa_flags = SA_SIGINFO | SA_RESTART;
  sigfillset(&sa.sa_mask); /* no other handler may run (and allocate) while stopped */
  return sigaction(sig, &sa, NULL) == 0 ? 0 : -errno;
}

/* Read a small /proc file into buf (NUL-terminated). Returns its length or -errno. */
static long read_small(const char *path, char *buf, size_t size)
{
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return -errno;
  size_t have = 0;
  while (have + 1 < size) {
    ssize_t got = read(fd, buf + have, size - 1 - have);
    if (got < 0 && errno == EINTR)
      continue;
    if (got <= 0)
      break;
    have += (size_t)got;
  }
  close(fd);
  buf[have] = '\0';
  return (long)have;
}

static void task_path(char *out, int tid, const char *leaf)
{
  char digits[16];
  int nd = 0;
  unsigned v = (unsigned)tid;
  do {
    digits[nd++] = (char)('0' + v % 10);
    v /= 10;
  } while (v);
  const char *pre = "/proc/self/task/";
  size_t len = strlen(pre);
  memcpy(out, pre, len);
  while (nd)
    out[len++] = digits[--nd];
  out[len++] = '/';
  size_t ll = strlen(leaf);
  memcpy(out + len, leaf, ll + 1);
}

/* 1 when the task is gone or a zombie (it will never run the handler). */
static int task_dead(int tid)
{
  char path[64], buf[512];
  task_path(path, tid, "stat");
  if (read_small(path, buf, sizeof(buf)) <= 0)
    return 1;
  char *paren = strrchr(buf, ')');
  return !paren || paren[1] != ' ' || paren[2] == 'Z' || paren[2] == 'X';
}

static unsigned long parse_hex_word(const char *p)
{
  unsigned long v = 0;
  if (p[0] == '0' && p[1] == 'x')
    p += 2;
  for (;; p++) {
    int d = *p >= '0' && *p <= '9' ? *p - '0' : *p >= 'a' && *p <= 'f' ? *p - 'a' + 10 : -1;
    if (d < 0)
      return v;
    v = (v << 4) | (unsigned long)d;
  }
}

/* 1 when the thread blocks our signal (it would stay pending until it unblocks). */
static int task_blocks_signal(int tid)
{
  char path[64], buf[2048];
  task_path(path, tid, "status");
  if (read_small(path, buf, sizeof(buf)) <= 0)
    return 0;
  char *p = strstr(buf, "SigBlk:");
  if (!p)
    return 0;
  p += 7;
  while (*p == ' ' || *p == '\t')
    p++;
  unsigned long mask = parse_hex_word(p);
  return (mask >> (lt_world_signal() - 1)) & 1;
}

/* The stack pointer of a thread left running, when it sleeps in a syscall:
 * /proc/<tid>/syscall reads "nr a1 .. a6 sp pc" or "-1 sp pc", or "running". */
static uintptr_t task_syscall_sp(int tid)
{
  char path[64], buf[256];
  task_path(path, tid, "syscall");
  if (read_small(path, buf, sizeof(buf)) <= 0 || buf[0] == 'r')
    return 0;
  const char *field[10];
  int nf = 0;
  for (char *p = buf; *p && nf < 10;) {
    while (*p == ' ')
      p++;
    if (!*p || *p == '\n')
      break;
    field[nf++] = p;
    while (*p && *p != ' ' && *p != '\n')
      p++;
  }
  if (nf == 9)
    return parse_hex_word(field[7]);
  if (nf == 3)
    return parse_hex_word(field[1]);
  return 0;
}

static int slot_known(int tid)
{
  for (int i = 0; i < nslots; i++)
    if (slots[i].tid == tid)
      return 1;
  return 0;
}

/* Add every task not seen yet and signal it. Returns how many were added, or -errno. */
static int add_new_tasks(uint32_t gen, int self, int signal_them)
{
  int fd = open("/proc/self/task", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    return -errno;
  char buf[4096] __attribute__((aligned(8)));
  int added = 0;
  for (;;) {
    long got = syscall(SYS_getdents64, fd, buf, sizeof(buf));
    if (got <= 0)
      break;
    for (long off = 0; off < got;) {
      unsigned short reclen = *(unsigned short *)(buf + off + 16);
      const char *name = buf + off + 19;
      off += reclen;
      if (name[0] < '0' || name[0] > '9')
        continue;
      int tid = 0;
      for (const char *p = name; *p; p++)
        tid = tid * 10 + (*p - '0');
      if (tid == self || slot_known(tid) || nslots >= MAX_THREADS)
        continue;
      slot_t *s = &slots[nslots];
      memset(s, 0, sizeof(*s));
      s->tid = tid;
      s->first_ns = s->sent_ns = now_ns();
      s->state = STATE(gen, signal_them ? SENT : ABANDONED);
      __atomic_store_n(&nslots, nslots + 1, __ATOMIC_RELEASE);
      added++;
      if (signal_them && tgkill_raw(tid, lt_world_signal()) == -ESRCH)
        __atomic_store_n(&s->state, STATE(gen, GONE), __ATOMIC_RELEASE);
    }
  }
  close(fd);
  return added;
}

/* Give up on a silent slot, unless its handler claimed it meanwhile. */
static void settle(slot_t *s, uint32_t gen, int phase)
{
  uint32_t expect = STATE(gen, SENT);
  __atomic_compare_exchange_n(&s->state, &expect, STATE(gen, phase), 0, __ATOMIC_ACQ_REL,
                              __ATOMIC_ACQUIRE);
}

/* Wait until no slot is still SENT or SAVING, deciding the fate of silent threads. */
static void wait_for_acks(uint32_t gen)
{
  for (;;) {
    uint32_t seen = __atomic_load_n(&acks, __ATOMIC_ACQUIRE);
    uint64_t t = now_ns();
    int pending = 0;
    for (int i = 0; i < nslots; i++) {
      slot_t *s = &slots[i];
      uint32_t st = __atomic_load_n(&s->state, __ATOMIC_ACQUIRE);
      if (st == STATE(gen, SAVING)) {
        pending++;
        continue;
      }
      if (st != STATE(gen, SENT))
        continue;
      uint64_t age = t - s->first_ns;
      if (age < BLOCKED_CHECK_NS / 4) {
        pending++;
        continue;
      }
      if (task_dead(s->tid)) {
        settle(s, gen, GONE);
        continue;
      }
      if (age > GIVE_UP_NS) {
        settle(s, gen, ABANDONED);
        continue;
      }
      if (age > BLOCKED_CHECK_NS && !s->blocked_checked) {
        s->blocked_checked = 1;
        if (task_blocks_signal(s->tid)) {
          settle(s, gen, ABANDONED);
          continue;
        }
      }
      if (t - s->sent_ns > RESEND_NS) {
        s->sent_ns = t;
        if (tgkill_raw(s->tid, lt_world_signal()) == -ESRCH) {
          settle(s, gen, GONE);
          continue;
        }
      }
      pending++;
    }
    if (!pending)
      return;
    struct timespec ts = {0, 2000000};
    sys_futex(&acks, FUTEX_WAIT_PRIVATE, seen, &ts);
  }
}

/* Copy the outcome into the result array, with each stack's top from /proc/self/maps. */
static int collect(uint32_t gen)
{
  const lt_map_t *maps = NULL;
  long nmaps = lt_maps_read(&maps);
  int n = 0;
  for (int i = 0; i < nslots; i++) {
    slot_t *s = &slots[i];
    uint32_t st = __atomic_load_n(&s->state, __ATOMIC_ACQUIRE);
    lt_thread_regs_t *r = &result[n];
    if (st == STATE(gen, STOPPED)) {
      *r = s->regs;
    } else if (st == STATE(gen, ABANDONED)) {
      memset(r, 0, sizeof(*r));
      r->tid = s->tid;
      r->sp = task_syscall_sp(s->tid);
    } else {
      continue;
    }
    r->stack_end = 0;
    long m = r->sp && nmaps > 0 ? lt_maps_find(maps, nmaps, r->sp) : -1;
    if (m >= 0)
      r->stack_end = maps[m].end;
    n++;
  }
  return n;
}

int lt_world_stop(const lt_thread_regs_t **threads)
{
  int expect = 0;
  if (!__atomic_compare_exchange_n(&busy, &expect, 1, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
    return -EBUSY;
  int rc = lt_world_init();
  if (!slots) {
    __atomic_store_n(&busy, 0, __ATOMIC_RELEASE);
    return rc < 0 ? rc : -ENOMEM;
  }
  int can_signal = rc == 0;
  uint32_t gen = (cur_gen + 1) & GEN_MASK;
  if (gen == 0)
    gen = 1;
  __atomic_store_n(&nslots, 0, __ATOMIC_RELEASE);
  __atomic_store_n(&cur_gen, gen, __ATOMIC_RELEASE);
  int self = gettid_raw();
  for (int round = 0; round < MAX_ROUNDS; round++) {
    int added = add_new_tasks(gen, self, can_signal);
    if (added < 0 && round == 0) {
      lt_world_resume();
      return added;
    }
    if (added <= 0)
      break;
    wait_for_acks(gen);
  }
  *threads = result;
  return collect(gen);
}

void lt_world_resume(void)
{
  uint32_t gen = __atomic_load_n(&cur_gen, __ATOMIC_ACQUIRE);
  __atomic_store_n(&resume_gen, gen, __ATOMIC_RELEASE);
  sys_futex(&resume_gen, FUTEX_WAKE_PRIVATE, INT_MAX, NULL);
  uint64_t start = now_ns();
  int in;
  while ((in = __atomic_load_n(&inside, __ATOMIC_ACQUIRE)) != 0 && now_ns() - start < GIVE_UP_NS) {
    struct timespec ts = {0, 1000000};
    sys_futex(&inside, FUTEX_WAIT_PRIVATE, (uint32_t)in, &ts);
  }
  __atomic_store_n(&busy, 0, __ATOMIC_RELEASE);
}
