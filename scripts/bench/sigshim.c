/* sigshim.c — lets gcc-12's liblsan.so.0 run preloaded into an uninstrumented program.
 *
 * Preloaded that way, LeakSanitizer's own signal() interceptor crashes at the program's
 * first call (its real-function pointer was never resolved: perl and sqlite3 die there),
 * and its sigaction() interceptor is skipped. Preloaded before liblsan, this shim answers
 * both names by calling glibc's __sigaction directly, with glibc's BSD signal() semantics
 * (SA_RESTART, the signal blocked in its own handler). Only the benchmark uses it. */
#define _GNU_SOURCE
#include <signal.h>
#include <stddef.h>

int __sigaction(int sig, const struct sigaction *act, struct sigaction *old);

__attribute__((visibility("default"))) int sigaction(int sig, const struct sigaction *act,
                                                     struct sigaction *old) {
  return __sigaction(sig, act, old);
}

__attribute__((visibility("default"))) sighandler_t signal(int sig, sighandler_t handler) {
  struct sigaction act = {0}, old;
  act.sa_handler = handler;
  sigemptyset(&act.sa_mask);
  sigaddset(&act.sa_mask, sig);
  act.sa_flags = SA_RESTART;
  if (__sigaction(sig, &act, &old) < 0)
    return SIG_ERR;
  return old.sa_handler;
}
