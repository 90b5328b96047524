/* control.c — the process-level hooks: start-up, the report signal and its reporter
 * thread, fork, and the exit report.
 *
 * The signal handler only posts a semaphore (async-signal-safe); the reporter thread,
 * created at start with every signal blocked but the world-stop one, does the work while
 * the program runs on. The exit report runs on the exiting thread from our destructor,
 * after the program's atexit handlers and the destructors of objects loaded after us. */
#include "collect.h"
#include "exitframe.h"
#include "options.h"
#include "out.h"
#include "real.h"
#include "track.h"
#include "tstate.h"
#include "unwind.h"
#include "world.h"

#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

static sem_t wake;
static pthread_mutex_t report_lock = PTHREAD_MUTEX_INITIALIZER;
static int exiting;

static void on_report_signal(int sig)
{
  (void)sig;
  int saved = errno;
  sem_post(&wake);
  errno = saved;
}

static void *reporter_main(void *arg)
{
  (void)arg;
  lt_guard_enter(); /* for good: nothing this thread allocates is the program's */
  for (;;) {
    while (sem_wait(&wake) < 0)
      ;
    pthread_mutex_lock(&report_lock);
    if (!exiting)
      lt_collect_report(LT_TRIGGER_SIGNAL, 0);
    pthread_mutex_unlock(&report_lock);
  }
  return NULL;
}

/* The reporter must not take the program's signals, but must answer the world stop. */
static void start_reporter(void)
{
  sigset_t mask, old;
  sigfillset(&mask);
  sigdelset(&mask, lt_world_signal());
  pthread_sigmask(SIG_SETMASK, &mask, &old);
  pthread_t tid;
  lt_guard_enter();
  int rc = pthread_create(&tid, NULL, reporter_main, NULL);
  if (rc == 0)
    pthread_detach(tid);
  lt_guard_leave();
  pthread_sigmask(SIG_SETMASK, &old, NULL);
  if (rc != 0)
    lt_warn("cannot start the reporter thread (error %d); live reports are off", rc);
}

static void install_report_signal(void)
{
  struct sigaction sa = {.sa_handler = on_report_signal, .sa_flags = SA_RESTART};
  sigemptyset(&sa.sa_mask);
  if (sigaction(lt_options.signal, &sa, NULL) < 0)
    lt_warn("cannot install the report signal handler; live reports are off");
}

static void before_fork(void)
{
  pthread_mutex_lock(&report_lock);
}

static void after_fork_parent(void)
{
  pthread_mutex_unlock(&report_lock);
}

/* The child is single-threaded: repair what the parent's other threads left half done,
 * and give it a reporter of its own. */
static void after_fork_child(void)
{
  pthread_mutex_init(&report_lock, NULL);
  lt_blocks_after_fork_child();
  lt_tstate_after_fork_child();
  sem_init(&wake, 0, 0);
  if (lt_options.signal)
    start_reporter();
}

__attribute__((constructor)) static void lt_init(void)
{
  while (!lt_real_resolve())
    sched_yield();
  lt_guard_enter();
  lt_options_parse(&lt_options, getenv("LEAKTRACE_OPTIONS"));
  lt_track_depth = lt_options.depth;
  lt_track_scrub = lt_options.scan;
  lt_unwind_init();
  lt_tstate_init();
  lt_collect_init();
  lt_world_init();
  sem_init(&wake, 0, 0);
  pthread_atfork(before_fork, after_fork_parent, after_fork_child);
  if (lt_options.signal) {
    install_report_signal();
    start_reporter();
  }
  lt_guard_leave();
}

/* The exiting thread's live stack starts at the caller of exit(): the frames of exit's
 * machinery below it lie where the program's dead frames were, and hold their words. */
__attribute__((destructor)) static void lt_fini(void)
{
  lt_guard_enter();
  uintptr_t sp = lt_exitframe_sp((uintptr_t)__builtin_frame_address(0));
  lt_guard_leave();
  pthread_mutex_lock(&report_lock);
  exiting = 1;
  long lost = lt_collect_report(LT_TRIGGER_EXIT, sp);
  lt_track_enabled = 0;
  pthread_mutex_unlock(&report_lock);
  if (lost > 0 && lt_options.exitcode > 0)
    _exit(lt_options.exitcode);
}
