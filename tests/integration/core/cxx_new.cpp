/* C++ new/new[]/delete/delete[], the nothrow and the over-aligned forms: each block is
 * recorded with the program's own function as frames[0] (not operator new), and each
 * delete form removes its block. A new that throws bad_alloc records nothing. */
// LT-OPTIONS: scan=0
// LT-STDOUT: done
// LT-LEAK: unfreed bytes=4 blocks=1 module=cxx_new top=leak_int
// LT-LEAK: unfreed bytes=40 blocks=1 module=cxx_new top=leak_array
// LT-LEAK: unfreed bytes=100 blocks=1 module=cxx_new top=leak_aligned
// LT-LEAK: unfreed bytes=24 blocks=1 module=cxx_new top=leak_nothrow
// LT-NO-LEAK: unfreed module=cxx_new bytes=8
// LT-NO-LEAK: unfreed module=cxx_new bytes=80
// LT-NO-LEAK: unfreed module=cxx_new bytes=200
// LT-NO-LEAK: unfreed module=cxx_new bytes=16
#include <cstdint>
#include <cstdlib>
#include <new>
#include <unistd.h>

struct alignas(64) Wide {
  char bytes[200];
};

struct Pair {
  long a, b;
};

static void *volatile sink;
static volatile std::size_t huge = SIZE_MAX / 4;

__attribute__((noinline)) static void leak_int() { sink = new int(1); }
__attribute__((noinline)) static void leak_array() { sink = new int[10](); }
__attribute__((noinline)) static void leak_aligned()
{
  sink = new (std::align_val_t(64)) char[100];
}
__attribute__((noinline)) static void leak_nothrow() { sink = new (std::nothrow) char[24]; }

static void fail(const char *what)
{
  (void)!write(2, what, __builtin_strlen(what));
  _exit(99);
}

int main()
{
  leak_int();
  leak_array();
  leak_aligned();
  leak_nothrow();

  long *l = new long(5);
  delete l;
  long *la = new long[10];
  delete[] la;
  Wide *w = new Wide;
  if (reinterpret_cast<std::uintptr_t>(w) % 64 != 0)
    fail("new Wide is not 64-byte aligned\n");
  delete w;
  Pair *p = new (std::nothrow) Pair;
  delete p;

  bool threw = false;
  try {
    sink = new char[huge];
  } catch (const std::bad_alloc &) {
    threw = true;
  }
  if (!threw)
    fail("new of a huge array did not throw\n");
  (void)!write(1, "done\n", 5);
  return 0;
}
