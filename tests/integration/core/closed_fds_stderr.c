/* A child closes fds 0-2 and opens its own data file, which lands on fds 0, 1 and 2; the
 * text report (no log=, so "stderr") must not be written into that file. The parent checks
 * the file after the child's exit. Both processes write their JSON report. */
// LT-OPTIONS: scan=0:json=${LT_TEST_DIR}/r.%p.json
// LT-LOG: stderr
// LT-REPORTS: 2
// LT-STDOUT: own.dat intact
// LT-LEAK@child: unfreed bytes=77 blocks=1 top=child
#include "lt_test.h"
#include <sys/wait.h>

static void *kept;

__attribute__((noreturn)) static void child(void)
{
  close(0);
  close(1);
  close(2);
  kept = malloc(77);
  for (int i = 0; i < 3; i++)
    if (open(lt_test_path("own.dat"), O_WRONLY | O_CREAT | O_APPEND, 0600) != i)
      _exit(98);
  if (write(2, "mine\n", 5) != 5)
    _exit(97);
  exit(0);
}

int main(void)
{
  pid_t pid = fork();
  CHECK(pid >= 0);
  if (pid == 0)
    child();
  int status;
  CHECK(waitpid(pid, &status, 0) == pid);
  CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  say("child=%d\n", (int)pid);
  static char data[1 << 16];
  int fd = open(lt_test_path("own.dat"), O_RDONLY);
  CHECK(fd >= 0);
  size_t n = lt_test_read_fd(fd, data, sizeof data);
  close(fd);
  if (n != 5 || memcmp(data, "mine\n", 5) != 0)
    lt_test_fail("own.dat holds %zu bytes, not just \"mine\\n\":\n%.400s\n", n, data);
  say("own.dat intact\n");
  return 0;
}
