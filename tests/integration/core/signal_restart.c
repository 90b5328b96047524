/* A live report does not disturb a blocking system call of the program: main sits in
 * read(2) on a pipe while another thread directs the report signal at it; the read is not
 * failed with EINTR and returns the data written after the report. */
// LT-OPTIONS: scan=0
// LT-REPORTS: 2
// LT-STDOUT: read 5 bytes
// LT-TRIGGER@1: signal
#include "lt_test.h"
#include <pthread.h>
#include <signal.h>

static int pipefd[2];
static pthread_t main_thread;

static void *poker(void *arg)
{
  (void)arg;
  CHECK(pthread_kill(main_thread, SIGUSR1) == 0);
  lt_test_wait_files("r.", ".json", 1);
  CHECK(write(pipefd[1], "hello", 5) == 5);
  return NULL;
}

int main(void)
{
  CHECK(pipe(pipefd) == 0);
  main_thread = pthread_self();
  pthread_t th;
  CHECK(pthread_create(&th, NULL, poker, NULL) == 0);
  char buf[16];
  ssize_t n = read(pipefd[0], buf, sizeof buf);
  if (n < 0)
    lt_test_fail("read failed: %s\n", strerror(errno));
  CHECK(pthread_join(th, NULL) == 0);
  say("read %zd bytes\n", n);
  return 0;
}
