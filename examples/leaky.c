/* leaky.c — the bundled demo: one leak of every kind leaktrace reports.
 *
 *   direct    48 bytes  a buffer whose only pointer is dropped (make_direct_leak)
 *   direct    32 bytes  a lost tree node (make_lost_tree) ...
 *   indirect  64 bytes  ... and the child only that lost node points to
 *   possible 100 bytes  a block reachable only through a pointer into its middle
 *   reachable 256 bytes a block a global still points to
 *
 * Usage: leaky [SECONDS] — with SECONDS, it waits that long after leaking (or until it is
 * sent SIGTERM/SIGINT) so that `leaktrace --dump PID` or `kill -USR1 PID` can ask it for a
 * live report. Built with -g -O0 so every frame has a line. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

struct node {
  struct node *child;
  char name[24];
};

static char *config_cache;    /* still points at its block: reachable */
static char *cursor;          /* points 40 bytes into its block: possible */

/* Drops the only pointer to a 48-byte buffer. */
static void make_direct_leak(void) {
  char *msg = malloc(48);
  snprintf(msg, 48, "forgotten message");
  msg = NULL;
}

/* Loses a node whose child is reachable only through it: the node is a direct
 * leak, the child an indirect one. */
static void make_lost_tree(void) {
  struct node *root = malloc(sizeof *root);
  root->child = calloc(1, 64);
  strcpy(root->name, "root");
  root = NULL;
}

/* Keeps only an interior pointer, as a parser cursor would. */
static void make_possible_leak(void) {
  char *text = malloc(100);
  memset(text, 'x', 100);
  cursor = text + 40;
}

static void make_reachable(void) {
  config_cache = malloc(256);
  memset(config_cache, 0, 256);
}

/* Overwrites the stack below main's frame, so no stale copy of a dropped pointer
 * survives there and keeps a lost block looking reachable. */
static void scrub_stack(void) {
  volatile char pad[4096];
  memset((char *)pad, 0, sizeof pad);
}

static volatile sig_atomic_t stop;

static void on_stop(int sig) {
  (void)sig;
  stop = 1;
}

/* Sleeps up to seconds, resuming after signals (a live report's SIGUSR1 interrupts
 * nanosleep) until SIGTERM/SIGINT ask it to stop. */
static void wait_for(long seconds) {
  struct timespec left = {seconds, 0};
  signal(SIGTERM, on_stop);
  signal(SIGINT, on_stop);
  printf("leaky: pid %ld waiting %ld s; try: leaktrace --dump %ld\n", (long)getpid(), seconds,
         (long)getpid());
  fflush(stdout);
  while (!stop && nanosleep(&left, &left) != 0 && errno == EINTR)
    ;
}

int main(int argc, char **argv) {
  make_direct_leak();
  make_lost_tree();
  make_possible_leak();
  make_reachable();
  scrub_stack();
  if (argc > 1)
    wait_for(strtol(argv[1], NULL, 10));
  return 0;
}
