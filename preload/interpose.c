/* interpose.c — the malloc family as glibc documents it for replacement: each entry
 * point forwards to the next allocator and records or forgets the block.
 *
 * These are the only symbols libleaktrace.so exports. Each one is short: forward, then
 * hand the block to track.c; anything unusual (not yet resolved, our own allocation,
 * a bootstrap-pool pointer) falls to a slow branch. All live in the lt_hot section, so
 * stack capture drops them and frame 0 is the caller. Internal paths (realloc of NULL,
 * reallocarray) call the shared helpers, never another entry point. */
#include "real.h"
#include "scan.h"
#include "track.h"
#include "unwind.h"

#include <dlfcn.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>

/* Forwarding needs lt_real; before it is found (dlsym's own calloc, a thread started
 * before us) the pool serves. */
#define REAL_OR_POOL(size, align)                  \
  do {                                             \
    if (lt_unlikely(!lt_real_ready()) && !lt_real_resolve()) \
      return lt_pool_alloc((size), (align));       \
  } while (0)

/* At -O0 too: a helper left out of line would be a frame of its own in every stack. */
#define HELPER static inline __attribute__((always_inline))

HELPER int tracking(void)
{
  return !lt_guarded() && lt_track_enabled;
}

HELPER void *record(void *p, size_t size)
{
  if (lt_likely(p != NULL) && tracking())
    lt_track_alloc(p, size);
  return p;
}

HELPER void *do_malloc(size_t size)
{
  REAL_OR_POOL(size, 16);
  return record(lt_real.malloc(size), size);
}

LT_EXPORT LT_HOT void *malloc(size_t size)
{
  return do_malloc(size);
}

LT_EXPORT LT_HOT void free(void *ptr)
{
  if (lt_unlikely(ptr == NULL || lt_pool_owns(ptr)))
    return;
  if (lt_unlikely(!lt_real_ready()) && !lt_real_resolve())
    return;
  lt_block_t was;
  if (lt_track_free(ptr, &was) == 0 && lt_track_scrub)
    lt_scan_scrub(ptr, was.size);
  lt_real.free(ptr);
}

LT_EXPORT LT_HOT void *calloc(size_t n, size_t size)
{
  size_t bytes;
  if (__builtin_mul_overflow(n, size, &bytes)) {
    errno = ENOMEM;
    return NULL;
  }
  REAL_OR_POOL(bytes, 16); /* the pool is static, never reused: already zero */
  return record(lt_real.calloc(n, size), bytes);
}

/* A pool block being resized: move it to the real allocator; the pool keeps its copy. */
HELPER void *realloc_from_pool(void *ptr, size_t size)
{
  if (size == 0)
    return NULL;
  void *fresh = do_malloc(size);
  if (fresh) {
    size_t old = lt_pool_size(ptr);
    memcpy(fresh, ptr, old < size ? old : size);
  }
  return fresh;
}

/* The block is forgotten before the real realloc runs, since once it returns another
 * thread may be handed the old address; a failed realloc puts it back. */
HELPER void *realloc_tracked(void *ptr, size_t size)
{
  lt_block_t was;
  int known = lt_track_free(ptr, &was) == 0;
  void *fresh = lt_real.realloc(ptr, size);
  if (fresh == NULL) {
    if (known && size != 0) /* size 0: glibc freed the block and returns NULL */
      lt_track_restore(&was);
    return NULL;
  }
  return record(fresh, size);
}

HELPER void *do_realloc(void *ptr, size_t size)
{
  if (ptr == NULL)
    return do_malloc(size);
  if (lt_unlikely(lt_pool_owns(ptr)))
    return realloc_from_pool(ptr, size);
  if (lt_unlikely(!lt_real_ready()) && !lt_real_resolve())
    return NULL;
  return realloc_tracked(ptr, size);
}

LT_EXPORT LT_HOT void *realloc(void *ptr, size_t size)
{
  return do_realloc(ptr, size);
}

LT_EXPORT LT_HOT void *reallocarray(void *ptr, size_t n, size_t size)
{
  size_t bytes;
  if (__builtin_mul_overflow(n, size, &bytes)) {
    errno = ENOMEM;
    return NULL;
  }
  return do_realloc(ptr, bytes);
}

HELPER int valid_alignment(size_t align)
{
  return align != 0 && (align & (align - 1)) == 0;
}

LT_EXPORT LT_HOT int posix_memalign(void **out, size_t align, size_t size)
{
  if (!valid_alignment(align) || align % sizeof(void *) != 0)
    return EINVAL;
  if (lt_unlikely(!lt_real_ready()) && !lt_real_resolve()) {
    *out = lt_pool_alloc(size, align);
    return *out ? 0 : ENOMEM;
  }
  void *p = NULL;
  int rc = lt_real.posix_memalign(&p, align, size);
  if (rc == 0)
    *out = record(p, size);
  return rc;
}

LT_EXPORT LT_HOT void *aligned_alloc(size_t align, size_t size)
{
  REAL_OR_POOL(size, align);
  return record(lt_real.aligned_alloc(align, size), size);
}

LT_EXPORT LT_HOT void *memalign(size_t align, size_t size)
{
  REAL_OR_POOL(size, align);
  return record(lt_real.memalign(align, size), size);
}

LT_EXPORT LT_HOT void *valloc(size_t size)
{
  REAL_OR_POOL(size, 4096);
  return record(lt_real.valloc(size), size);
}

/* pvalloc rounds the size up to whole pages; the program owns all of them. Except that
 * glibc 2.36's pvalloc(0) hands out a block of 24 usable bytes: recorded as a page, its
 * free scrubbed a page of the heap. */
LT_EXPORT LT_HOT void *pvalloc(size_t size)
{
  size_t page = (size_t)sysconf(_SC_PAGESIZE);
  size_t rounded = size == 0 ? page : (size + page - 1) & ~(page - 1);
  REAL_OR_POOL(rounded, page);
  void *p = lt_real.pvalloc(size);
  if (p && lt_real.malloc_usable_size) {
    size_t usable = lt_real.malloc_usable_size(p);
    if (usable < rounded)
      rounded = usable;
  }
  return record(p, rounded);
}

LT_EXPORT size_t malloc_usable_size(void *ptr)
{
  if (ptr == NULL)
    return 0;
  if (lt_pool_owns(ptr))
    return lt_pool_size(ptr);
  if (lt_unlikely(!lt_real_ready()) && !lt_real_resolve())
    return 0;
  return lt_real.malloc_usable_size(ptr);
}

/* C++ aligned new: libstdc++ rounds the size up to the alignment before it calls
 * aligned_alloc, so the block would be recorded larger than the program asked. The real
 * operator runs with the guard set (its inner allocation is not recorded) and the block
 * is recorded with the requested size. The guard is dropped even if it throws. */
typedef void *(*aligned_new_t)(size_t, size_t);
typedef void *(*aligned_new_nothrow_t)(size_t, size_t, const void *);

static void leave_guard(int *unused)
{
  (void)unused;
  lt_guard_leave();
}

#define GUARDED_SCOPE __attribute__((cleanup(leave_guard))) int guard_scope = (lt_guard_enter(), 0)

static void *next_symbol(void **cache, const char *name)
{
  void *f = __atomic_load_n(cache, __ATOMIC_ACQUIRE);
  if (!f) {
    lt_guard_enter();
    f = dlsym(RTLD_NEXT, name);
    lt_guard_leave();
    __atomic_store_n(cache, f, __ATOMIC_RELEASE);
  }
  return f;
}

HELPER void *aligned_new(void **cache, const char *name, size_t size, size_t align)
{
  aligned_new_t real = (aligned_new_t)next_symbol(cache, name);
  if (!real) /* no C++ runtime after us: nothing else could have called this */
    return NULL;
  void *p;
  {
    GUARDED_SCOPE;
    p = real(size, align);
  }
  return record(p, size);
}

HELPER void *aligned_new_nothrow(void **cache, const char *name, size_t size,
                                        size_t align, const void *tag)
{
  aligned_new_nothrow_t real = (aligned_new_nothrow_t)next_symbol(cache, name);
  if (!real)
    return NULL;
  void *p;
  {
    GUARDED_SCOPE;
    p = real(size, align, tag);
  }
  return record(p, size);
}

static void *next_new, *next_new_array, *next_new_nothrow, *next_new_array_nothrow;

/* operator new(size_t, std::align_val_t) */
LT_EXPORT LT_HOT void *_ZnwmSt11align_val_t(size_t size, size_t align)
{
  return aligned_new(&next_new, "_ZnwmSt11align_val_t", size, align);
}

/* operator new[](size_t, std::align_val_t) */
LT_EXPORT LT_HOT void *_ZnamSt11align_val_t(size_t size, size_t align)
{
  return aligned_new(&next_new_array, "_ZnamSt11align_val_t", size, align);
}

/* operator new(size_t, std::align_val_t, const std::nothrow_t &) */
LT_EXPORT LT_HOT void *_ZnwmSt11align_val_tRKSt9nothrow_t(size_t size, size_t align,
                                                           const void *tag)
{
  return aligned_new_nothrow(&next_new_nothrow, "_ZnwmSt11align_val_tRKSt9nothrow_t", size,
                             align, tag);
}

/* operator new[](size_t, std::align_val_t, const std::nothrow_t &) */
LT_EXPORT LT_HOT void *_ZnamSt11align_val_tRKSt9nothrow_t(size_t size, size_t align,
                                                           const void *tag)
{
  return aligned_new_nothrow(&next_new_array_nothrow, "_ZnamSt11align_val_tRKSt9nothrow_t",
                             size, align, tag);
}

/* dlopen without RTLD_DEEPBIND: a library opened with it (php's extensions are) binds
 * its malloc and free to glibc's own ahead of ours, so blocks it frees would stay in the
 * table as leaks. The call into the real dlopen is a tail call, so glibc still sees the
 * program's return address as the caller (its RUNPATH and namespace are used). */
typedef void *(*dlopen_t)(const char *, int);
static void *next_dlopen;

LT_EXPORT void *dlopen(const char *file, int mode)
{
  dlopen_t real = (dlopen_t)next_symbol(&next_dlopen, "dlopen");
  return real(file, mode & ~RTLD_DEEPBIND);
}
