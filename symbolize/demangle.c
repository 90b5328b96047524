/* demangle.c — C++ names made readable, without linking libstdc++.
 *
 * The runtime loads this library into arbitrary hosts, most of them C programs. A
 * link-time dependency on libstdc++ would drag it (and its static constructors) into
 * every one of them the moment a report is symbolized. Instead __cxa_demangle is
 * looked up the first time a mangled name ("_Z...") is actually seen: a C++ host has
 * libstdc++ loaded already, so dlopen just returns that copy; a C host only pays for
 * it if one of its stacks runs through C++ code, which means a C++ library, and with
 * it libstdc++, is loaded too. When no demangler can be found, names stay mangled. */
#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>

#include "sym.h"

typedef char *(*cxa_demangle_fn)(const char *, char *, size_t *, int *);

/* Resolved at most once per process; (void *)1 marks "looked, none found". */
static void *demangler;

static cxa_demangle_fn find_demangler(void) {
  void *fn = __atomic_load_n(&demangler, __ATOMIC_ACQUIRE);
  if (fn == NULL) {
    fn = dlsym(RTLD_DEFAULT, "__cxa_demangle");
    if (fn == NULL) {
      /* The handle is kept on purpose: the function must stay mapped. */
      void *lib = dlopen("libstdc++.so.6", RTLD_LAZY | RTLD_LOCAL);
      if (lib != NULL)
        fn = dlsym(lib, "__cxa_demangle");
    }
    if (fn == NULL)
      fn = (void *)1;
    __atomic_store_n(&demangler, fn, __ATOMIC_RELEASE);
  }
  return fn == (void *)1 ? NULL : (cxa_demangle_fn)fn;
}

const char *lt_demangle(lt_arena_t *arena, const char *name) {
  if (name == NULL || strncmp(name, "_Z", 2) != 0)
    return name;
  cxa_demangle_fn fn = find_demangler();
  if (fn == NULL)
    return name;
  int status = -1;
  char *plain = fn(name, NULL, NULL, &status);
  if (plain == NULL || status != 0) {
    free(plain);
    return name;
  }
  const char *copy = lt_arena_strndup(arena, plain, strlen(plain));
  free(plain);
  return copy != NULL ? copy : name;
}
