/* The library scan_dlopen loads: a global and a thread-local variable hold blocks. */
#include <stdlib.h>

void *dlib_global;
__thread void *dlib_tls;

__attribute__((noinline)) void dlib_keep(void) { dlib_global = malloc(72); }
__attribute__((noinline)) void dlib_keep_tls(void) { dlib_tls = malloc(136); }
