/* A global C++ object whose constructor allocates and whose destructor (run by exit through
 * __cxa_atexit) frees is not reported; one that is never destroyed is. */
// LT-OPTIONS: scan=0
// LT-STDOUT: done
// LT-LEAK: unfreed bytes=48 blocks=1 module=cxx_static
// LT-LEAK: unfreed bytes=24 blocks=1 module=cxx_static top=__static_initialization_and_destruction_0 line=12
// LT-NO-LEAK: unfreed module=cxx_static bytes=400
#include <unistd.h>
#include <vector>

static std::vector<int> freed_at_exit(100);
static std::vector<int> *never_freed = new std::vector<int>(12);

int main()
{
  if (freed_at_exit.size() != 100 || never_freed->size() != 12)
    return 99;
  (void)!write(1, "done\n", 5);
  return 0;
}
