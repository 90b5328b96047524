/* measure.c — runs one benchmark command and reports its cost; the benchmark's launcher.
 *
 * Usage: measure TIMEOUT OUTFILE [NAME=VALUE...] -- PROGRAM [ARGS...]
 * Runs PROGRAM with the NAME=VALUE variables added to its environment (set only in the
 * child, so a preloaded tool never loads into the launcher itself) and writes
 * "STATUS WALL_SECONDS PEAK_RSS_KIB" to OUTFILE, where STATUS is the exit status,
 * 128+signal, or "timeout". It exists because ru_maxrss counts the memory a child had
 * before exec: forked from the Python harness, every program would seem to use at least
 * the harness's 16 MB; forked from this small launcher, the floor is about 1 MB. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static volatile pid_t child;
static volatile sig_atomic_t timed_out;

static void on_alarm(int sig) {
  (void)sig;
  timed_out = 1;
  kill(child, SIGKILL);
}

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
  int prog = 3;
  while (prog < argc && strcmp(argv[prog], "--") != 0)
    prog++;
  if (prog + 1 >= argc) {
    fprintf(stderr, "usage: measure TIMEOUT OUTFILE [NAME=VALUE...] -- PROGRAM [ARGS...]\n");
    return 2;
  }
  FILE *out = fopen(argv[2], "w");
  if (!out) {
    perror(argv[2]);
    return 2;
  }
  signal(SIGALRM, on_alarm);
  double start = now();
  pid_t pid = fork();
  if (pid < 0) {
    perror("fork");
    return 2;
  }
  if (pid == 0) {
    for (int i = 3; i < prog; i++)
      putenv(argv[i]);
    execvp(argv[prog + 1], argv + prog + 1);
    perror(argv[prog + 1]);
    _exit(127);
  }
  child = pid;
  alarm((unsigned)atoi(argv[1]));
  int status;
  struct rusage ru;
  while (wait4(pid, &status, 0, &ru) < 0)
    ;
  double wall = now() - start;
  if (timed_out)
    fprintf(out, "timeout %.6f %ld\n", wall, ru.ru_maxrss);
  else
    fprintf(out, "%d %.6f %ld\n",
            WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status), wall, ru.ru_maxrss);
  return fclose(out) == 0 ? 0 : 2;
}
