/* json= without %n: a later report replaces the earlier one atomically (a new file renamed
 * over the old one), so a reader holding the old file open still reads the complete old
 * report, and no temporary file is left behind. The exit report is the one that remains. */
// LT-OPTIONS: scan=0
// LT-STDOUT: replaced atomically
// LT-TRIGGER: exit
// LT-SUMMARY: unfreed bytes=30 blocks=2
#include "lt_test.h"
#include <signal.h>

static char first[1 << 16], again[1 << 16];
static void *kept[2];

int main(void)
{
  const char *path = lt_test_path("r.json");
  kept[0] = malloc(10);
  CHECK(raise(SIGUSR1) == 0);
  lt_test_wait_path(path);
  int fd = open(path, O_RDONLY);
  CHECK(fd >= 0);
  struct stat old;
  CHECK(fstat(fd, &old) == 0);
  size_t len = lt_test_read_fd(fd, first, sizeof first);
  CHECK(len > 0 && strstr(first, "\"signal\"") != NULL);

  kept[1] = malloc(20);
  CHECK(raise(SIGUSR1) == 0);
  double deadline = lt_test_now() + LT_TEST_WAIT_SECONDS;
  for (;;) {
    struct stat now;
    if (stat(path, &now) == 0 && now.st_ino != old.st_ino)
      break;
    size_t n = lt_test_read_fd(fd, again, sizeof again);
    if (n != len || memcmp(first, again, len) != 0)
      lt_test_fail("r.json was rewritten in place (same inode), not replaced by a rename\n");
    if (lt_test_now() > deadline)
      lt_test_fail("the second live report did not replace r.json within %d s\n",
                   LT_TEST_WAIT_SECONDS);
    lt_test_nap();
  }
  CHECK(lt_test_read_fd(fd, again, sizeof again) == len && memcmp(first, again, len) == 0);
  close(fd);
  /* ".", "..", r.json and the harness's log.txt: no temporary file left over. */
  CHECK(lt_test_count_files("", "") == 4);
  say("replaced atomically\n");
  return 0;
}
