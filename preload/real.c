/* real.c — finding the next allocator, and the bootstrap pool for the meantime. */
#include "real.h"

#include <dlfcn.h>
#include <stddef.h>
#include <string.h>

lt_real_t lt_real;
int lt_real_ready_flag;

/* 0: not started, 1: a thread is resolving, 2: done. */
static int resolve_state;

#define POOL_SIZE (256 * 1024)
static char pool[POOL_SIZE] __attribute__((aligned(64)));
static size_t pool_used;

/* Each pool block is preceded by its size, so realloc can copy it out. */
void *lt_pool_alloc(size_t size, size_t align)
{
  if (align < 16)
    align = 16;
  size_t old = __atomic_load_n(&pool_used, __ATOMIC_RELAXED);
  for (;;) {
    size_t start = (old + sizeof(size_t) + align - 1) & ~(align - 1);
    if (size > POOL_SIZE || start + size > POOL_SIZE)
      return NULL;
    if (__atomic_compare_exchange_n(&pool_used, &old, start + size, 0, __ATOMIC_ACQ_REL,
                                    __ATOMIC_RELAXED)) {
      memcpy(pool + start - sizeof(size_t), &size, sizeof(size));
      return pool + start;
    }
  }
}

int lt_pool_owns(const void *ptr)
{
  return (const char *)ptr >= pool && (const char *)ptr < pool + POOL_SIZE;
}

size_t lt_pool_size(const void *ptr)
{
  size_t size;
  memcpy(&size, (const char *)ptr - sizeof(size_t), sizeof(size));
  return size;
}

/* Is every function of lt_real defined in the C library? */
static int all_in_libc(void)
{
  Dl_info info;
  if (!lt_real.malloc || !dladdr(*(void **)&lt_real.malloc, &info) || !info.dli_fname)
    return 0;
  const char *slash = strrchr(info.dli_fname, '/');
  if (strncmp(slash ? slash + 1 : info.dli_fname, "libc.so", 7) != 0)
    return 0;
  void *libc = info.dli_fbase;
  void *const *fn = (void *const *)&lt_real;
  for (size_t i = 0; i < offsetof(lt_real_t, glibc) / sizeof(void *); i++)
    if (!fn[i] || !dladdr(fn[i], &info) || info.dli_fbase != libc)
      return 0;
  return 1;
}

#define RESOLVE(name) (*(void **)&lt_real.name = dlsym(RTLD_NEXT, #name))

/* One thread resolves; others that arrive meanwhile use the pool rather than wait,
 * since the resolving thread may itself be waiting on a lock they hold (the loader's). */
int lt_real_resolve(void)
{
  int expected = 0;
  if (!__atomic_compare_exchange_n(&resolve_state, &expected, 1, 0, __ATOMIC_ACQ_REL,
                                   __ATOMIC_ACQUIRE))
    return expected == 2;
  lt_guard_enter();
  RESOLVE(malloc);
  RESOLVE(free);
  RESOLVE(calloc);
  RESOLVE(realloc);
  RESOLVE(reallocarray);
  RESOLVE(posix_memalign);
  RESOLVE(aligned_alloc);
  RESOLVE(memalign);
  RESOLVE(valloc);
  RESOLVE(pvalloc);
  RESOLVE(malloc_usable_size);
  lt_real.glibc = all_in_libc();
  lt_guard_leave();
  __atomic_store_n(&lt_real_ready_flag, 1, __ATOMIC_RELEASE);
  __atomic_store_n(&resolve_state, 2, __ATOMIC_RELEASE);
  return 1;
}

__thread int lt_guard_depth __attribute__((tls_model("initial-exec")));
