/* fork: the child's exit report carries the child's own pid and counts what the child holds
 * at its exit (the blocks it inherited and still holds, plus its own); the parent's report
 * counts only the parent's. Both reports are written (json with %p). A block inherited and
 * freed on both sides is in neither. */
// LT-OPTIONS: scan=0:json=${LT_TEST_DIR}/r.%p.json:log=${LT_TEST_DIR}/log.%p.txt
// LT-REPORTS: 2
// LT-STDOUT: child exited 0
// LT-FILE: r.{parent}.json
// LT-FILE: r.{child}.json
// LT-FILE: log.{parent}.txt
// LT-FILE: log.{child}.txt
// LT-TRIGGER@child: exit
// LT-SUMMARY@child: unfreed bytes=333 blocks=2
// LT-LEAK@child: unfreed bytes=111 blocks=1 module=fork top=leak_before_fork
// LT-LEAK@child: unfreed bytes=222 blocks=1 module=fork top=leak_in_child
// LT-LEAK-COUNT@child: 2
// LT-TRIGGER@parent: exit
// LT-SUMMARY@parent: unfreed bytes=555 blocks=2
// LT-LEAK@parent: unfreed bytes=111 blocks=1 module=fork top=leak_before_fork
// LT-LEAK@parent: unfreed bytes=444 blocks=1 module=fork top=leak_in_parent
// LT-LEAK-COUNT@parent: 2
#include "lt_test.h"
#include <sys/wait.h>

static void *kept[2];

__attribute__((noinline)) static void *leak_before_fork(void) { return malloc(111); }
__attribute__((noinline)) static void *leak_in_child(void) { return malloc(222); }
__attribute__((noinline)) static void *leak_in_parent(void) { return malloc(444); }

int main(void)
{
  kept[0] = leak_before_fork();
  char *shared = malloc(50);
  CHECK(kept[0] != NULL && shared != NULL);
  pid_t pid = fork();
  CHECK(pid >= 0);
  if (pid == 0) {
    free(shared);
    kept[1] = leak_in_child();
    char *tmp = malloc(5000);
    free(tmp);
    exit(0);
  }
  free(shared);
  int status;
  CHECK(waitpid(pid, &status, 0) == pid);
  kept[1] = leak_in_parent();
  say("parent=%d\nchild=%d\n", (int)getpid(), (int)pid);
  say("child exited %d\n", WIFEXITED(status) ? WEXITSTATUS(status) : -1);
  return 0;
}
