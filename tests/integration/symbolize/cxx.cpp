// C++: a demangled method name with its parameter types, and a leak through new whose
// frame 0 is the C++ code that called it, not operator new.
// LT-OPTIONS: scan=0
// LT-LEAK: unfreed bytes=40 blocks=1 top=ns::Class::method(int) file=cxx.cpp line=22 frame1=main
// LT-LEAK: unfreed bytes=16 blocks=1 file=cxx.cpp line=28 frame1=main
// LT-TEXT: in long* ns::make_pair_of<long>(long) 
// LT-NO-LEAK-FROM: operator new(unsigned long)
// LT-NO-LEAK-FROM: operator new[](unsigned long)
#include <cstddef>

namespace ns {
class Class {
 public:
  int *method(int n);
};

static int *volatile kept;
static long *volatile kept_pair;

__attribute__((noinline)) int *Class::method(int n)
{
  kept = new int[n];
  return kept;
}

template <typename T> __attribute__((noinline)) T *make_pair_of(T v)
{
  kept_pair = new T[2]{v, v};
  return kept_pair;
}
}  // namespace ns

int main()
{
  ns::Class c;
  c.method(10);
  ns::make_pair_of<long>(7);
  return 0;
}
