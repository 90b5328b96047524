/* traced.c — the program the wrapper tests run under leaktrace.
 *
 * It always leaks one 40-byte block from leak_before_wait, then by mode:
 *   (none)  exits 0;
 *   env     prints the LD_PRELOAD and LEAKTRACE_OPTIONS it was started with and its
 *           remaining arguments, so a test sees exactly what the wrapper passed on;
 *   wait    prints "ready PID" and blocks reading stdin until EOF (at most 60 s), so a
 *           test can ask it for a live report and then let it exit. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void *lost;

static void leak_before_wait(void) {
  lost = malloc(40);
  memset(lost, 1, 40);
  lost = NULL;
}

/* Overwrites the dead stack below main's frame, so no stale copy of the dropped pointer
 * survives where the report's own frames will later sit and be scanned. */
static void scrub_stack(void) {
  volatile char pad[4096];
  memset((char *)pad, 0, sizeof pad);
}

/* Reads until EOF; a live report's signal interrupts read(), which is simply retried. */
static void wait_for_eof(void) {
  char buf[64];
  ssize_t n;
  printf("ready %ld\n", (long)getpid());
  fflush(stdout);
  alarm(60);
  while ((n = read(0, buf, sizeof buf)) != 0)
    if (n < 0 && errno != EINTR)
      break;
}

int main(int argc, char **argv) {
  const char *mode = argc > 1 ? argv[1] : "";
  leak_before_wait();
  scrub_stack();
  if (strcmp(mode, "env") == 0) {
    const char *pre = getenv("LD_PRELOAD"), *opts = getenv("LEAKTRACE_OPTIONS");
    printf("LD_PRELOAD=%s\n", pre ? pre : "");
    printf("LEAKTRACE_OPTIONS=%s\n", opts ? opts : "");
    printf("ARGS=");
    for (int i = 2; i < argc; i++)
      printf("%s%s", i > 2 ? " " : "", argv[i]);
    printf("\n");
  } else if (strcmp(mode, "wait") == 0) {
    wait_for_eof();
  }
  return 0;
}
