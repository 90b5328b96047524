/* check_world.c — stopping and resuming the world (world.h): busy threads stop with
 * their registers and stack captured and go on unharmed; a thread asleep in a syscall
 * resumes it; a thread that blocks the signal, or a program that owns the signal, never
 * hangs the stopper; threads that come and go while the world stops are handled. */
#include "world.h"

#include <check.h>
#include "lt_check.h"
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

#define NBUSY 4
#define MAGIC 0x5eed1234abcd0000ull

typedef struct busy {
  pthread_t thread;
  int tid;
  volatile unsigned long counter;
  uintptr_t stack_lo, stack_hi;
  volatile int ready;
} busy_t;

static busy_t busy[NBUSY];
static volatile int stop_all;

static double now(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Spin incrementing the counter with a known value kept in r15 (x86-64), so the test
 * can tell the registers were taken from the interrupted context. */
static void *busy_main(void *arg)
{
  busy_t *b = arg;
  pthread_attr_t attr;
  void *addr;
  size_t size;
  pthread_getattr_np(pthread_self(), &attr);
  pthread_attr_getstack(&attr, &addr, &size);
  pthread_attr_destroy(&attr);
  b->stack_lo = (uintptr_t)addr;
  b->stack_hi = (uintptr_t)addr + size;
  b->tid = (int)syscall(SYS_gettid);
  b->ready = 1;
#if defined(__x86_64__)
  unsigned long magic = MAGIC + (unsigned long)(b - busy);
  __asm__ volatile("mov %0, %%r15\n"
                   "1:\n"
                   "incq (%1)\n"
                   "cmpl $0, (%2)\n"
                   "je 1b\n"
                   :
                   : "r"(magic), "r"(&b->counter), "r"(&stop_all)
                   : "r15", "memory", "cc");
#else
  while (!stop_all)
    b->counter++;
#endif
  return NULL;
}

static void start_busy(void)
{
  stop_all = 0;
  for (int i = 0; i < NBUSY; i++) {
    memset(&busy[i], 0, sizeof(busy[i]));
    ck_assert_int_eq(pthread_create(&busy[i].thread, NULL, busy_main, &busy[i]), 0);
  }
  for (int i = 0; i < NBUSY; i++)
    while (!busy[i].ready)
      usleep(100);
}

static void join_busy(void)
{
  stop_all = 1;
  for (int i = 0; i < NBUSY; i++)
    pthread_join(busy[i].thread, NULL);
}

static const lt_thread_regs_t *find_tid(const lt_thread_regs_t *t, int n, int tid)
{
  for (int i = 0; i < n; i++)
    if (t[i].tid == tid)
      return &t[i];
  return NULL;
}

START_TEST(busy_threads_stop_and_resume)
{
  ck_assert_int_eq(lt_world_init(), 0);
  start_busy();
  for (int round = 0; round < 50; round++) {
    const lt_thread_regs_t *t;
    int n = lt_world_stop(&t);
    ck_assert_int_eq(n, NBUSY);
    unsigned long before[NBUSY];
    for (int i = 0; i < NBUSY; i++)
      before[i] = busy[i].counter;
    for (int i = 0; i < NBUSY; i++) {
      const lt_thread_regs_t *r = find_tid(t, n, busy[i].tid);
      ck_assert_ptr_nonnull(r);
      ck_assert_int_eq(r->stopped, 1);
      ck_assert(r->sp >= busy[i].stack_lo && r->sp < busy[i].stack_hi);
      ck_assert(r->stack_end >= busy[i].stack_hi);
      ck_assert_int_gt(r->nregs, 0);
#if defined(__x86_64__)
      ck_assert_uint_eq(r->regs[REG_R15], MAGIC + (unsigned long)i);
      ck_assert_uint_eq(r->regs[REG_RSP], r->sp);
#endif
    }
    usleep(2000);
    for (int i = 0; i < NBUSY; i++)
      ck_assert_uint_eq(busy[i].counter, before[i]); /* really stopped */
    lt_world_resume();
    for (int i = 0; i < NBUSY; i++) {
      double t0 = now();
      while (busy[i].counter == before[i] && now() - t0 < 5)
        ;
      ck_assert_uint_ne(busy[i].counter, before[i]); /* really resumed */
    }
  }
  join_busy();
}
END_TEST

static int pipe_fd[2];
static volatile int sleeper_tid;
static volatile ssize_t sleeper_got;
static char sleeper_buf[8];

static void *sleeper_main(void *arg)
{
  (void)arg;
  sleeper_tid = (int)syscall(SYS_gettid);
  sleeper_got = read(pipe_fd[0], sleeper_buf, 5);
  return NULL;
}

START_TEST(thread_in_syscall_resumes_it)
{
  ck_assert_int_eq(lt_world_init(), 0);
  ck_assert_int_eq(pipe(pipe_fd), 0);
  sleeper_got = -2;
  pthread_t th;
  ck_assert_int_eq(pthread_create(&th, NULL, sleeper_main, NULL), 0);
  while (!sleeper_tid)
    usleep(100);
  usleep(20000); /* let it block in read */
  for (int round = 0; round < 10; round++) {
    const lt_thread_regs_t *t;
    int n = lt_world_stop(&t);
    ck_assert_int_eq(n, 1);
    ck_assert_int_eq(t[0].tid, sleeper_tid);
    ck_assert_int_eq(t[0].stopped, 1);
    lt_world_resume();
  }
  ck_assert_int_eq(write(pipe_fd[1], "hello", 5), 5);
  pthread_join(th, NULL);
  ck_assert_int_eq(sleeper_got, 5); /* read restarted (SA_RESTART), not EINTR */
  ck_assert_int_eq(memcmp(sleeper_buf, "hello", 5), 0);
}
END_TEST

static volatile int blocker_stop;
static volatile int blocker_tid;

static void *blocker_main(void *arg)
{
  (void)arg;
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, lt_world_signal());
  pthread_sigmask(SIG_BLOCK, &set, NULL);
  blocker_tid = (int)syscall(SYS_gettid);
  while (!blocker_stop)
    usleep(1000);
  return NULL;
}

START_TEST(thread_blocking_the_signal_is_left_running)
{
  ck_assert_int_eq(lt_world_init(), 0);
  start_busy();
  pthread_t th;
  blocker_stop = 0;
  ck_assert_int_eq(pthread_create(&th, NULL, blocker_main, NULL), 0);
  while (!blocker_tid)
    usleep(100);
  const lt_thread_regs_t *t;
  double t0 = now();
  int n = lt_world_stop(&t);
  double took = now() - t0;
  ck_assert_int_eq(n, NBUSY + 1);
  const lt_thread_regs_t *r = find_tid(t, n, blocker_tid);
  ck_assert_ptr_nonnull(r);
  ck_assert_int_eq(r->stopped, 0);
  for (int i = 0; i < NBUSY; i++)
    ck_assert_int_eq(find_tid(t, n, busy[i].tid)->stopped, 1);
  lt_world_resume();
  ck_assert(took < 1.0);
  blocker_stop = 1;
  pthread_join(th, NULL);
  join_busy();
}
END_TEST

static volatile int foreign_calls;

static void foreign_handler(int sig)
{
  (void)sig;
  foreign_calls++;
}

START_TEST(program_owning_the_signal_is_never_signalled)
{
  signal(lt_world_signal(), foreign_handler);
  ck_assert_int_eq(lt_world_init(), -EBUSY);
  start_busy();
  const lt_thread_regs_t *t;
  int n = lt_world_stop(&t);
  ck_assert_int_eq(n, NBUSY);
  for (int i = 0; i < n; i++)
    ck_assert_int_eq(t[i].stopped, 0);
  lt_world_resume();
  join_busy();
  ck_assert_int_eq(foreign_calls, 0);
}
END_TEST

static volatile int churn_stop;
static volatile int churn_tid[2];

static void *short_lived(void *arg) { return arg; }

static void *churn_main(void *arg)
{
  churn_tid[(intptr_t)arg] = (int)syscall(SYS_gettid);
  while (!churn_stop) {
    pthread_t th;
    if (pthread_create(&th, NULL, short_lived, NULL) == 0)
      pthread_join(th, NULL);
  }
  return NULL;
}

START_TEST(threads_coming_and_going)
{
  ck_assert_int_eq(lt_world_init(), 0);
  churn_stop = 0;
  pthread_t churners[2];
  churn_tid[0] = churn_tid[1] = 0;
  for (intptr_t i = 0; i < 2; i++)
    ck_assert_int_eq(pthread_create(&churners[i], NULL, churn_main, (void *)i), 0);
  while (!churn_tid[0] || !churn_tid[1])
    usleep(100);
  for (int round = 0; round < 100; round++) {
    const lt_thread_regs_t *t;
    int n = lt_world_stop(&t);
    ck_assert_int_ge(n, 2);
    ck_assert_int_le(n, 4); /* the churners and at most one child each */
    for (int i = 0; i < 2; i++) {
      const lt_thread_regs_t *r = find_tid(t, n, churn_tid[i]);
      ck_assert_ptr_nonnull(r);
      ck_assert_int_eq(r->stopped, 1);
    }
    lt_world_resume();
  }
  churn_stop = 1;
  for (int i = 0; i < 2; i++)
    pthread_join(churners[i], NULL);
}
END_TEST

START_TEST(alone_in_the_world)
{
  ck_assert_int_eq(lt_world_init(), 0);
  const lt_thread_regs_t *t;
  ck_assert_int_eq(lt_world_stop(&t), 0);
  const lt_thread_regs_t *again;
  ck_assert_int_eq(lt_world_stop(&again), -EBUSY); /* one stopper at a time */
  lt_world_resume();
  ck_assert_int_eq(lt_world_stop(&t), 0);
  lt_world_resume();
}
END_TEST

static Suite *world_suite(void)
{
  Suite *s = suite_create("world");
  TCase *tc = tcase_create("world");
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, busy_threads_stop_and_resume);
  tcase_add_test(tc, thread_in_syscall_resumes_it);
  tcase_add_test(tc, thread_blocking_the_signal_is_left_running);
  tcase_add_test(tc, program_owning_the_signal_is_never_signalled);
  tcase_add_test(tc, threads_coming_and_going);
  tcase_add_test(tc, alone_in_the_world);
  suite_add_tcase(s, tc);
  return s;
}

int main(void)
{
  return lt_check_run(world_suite());
}
