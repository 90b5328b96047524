/* A program that closes fds 0-2 (and then reuses those numbers for its own file) still
 * exits normally, and its exit report is written; nothing of leaktrace lands in the file
 * that now sits on fd 2. */
// LT-OPTIONS: scan=0
// LT-SUMMARY: unfreed bytes=77 blocks=1
// LT-LEAK: unfreed bytes=77 blocks=1 module=closed_fds top=main
#include "lt_test.h"

int main(void)
{
  close(0);
  close(1);
  close(2);
  lt_test_sink = malloc(77);
  int fds[3];
  for (int i = 0; i < 3; i++) {
    fds[i] = open(lt_test_path("own.dat"), O_RDWR | O_CREAT | O_APPEND, 0600);
    if (fds[i] != i)
      _exit(98);
  }
  if (write(fds[0], "mine\n", 5) != 5)
    _exit(97);
  return 0;
}
