/* unwind.c — stack capture with libunwind's fast trace. */
#include "unwind.h"
#include "stacks.h"

#define UNW_LOCAL_ONLY
#include <libunwind.h>

#include <string.h>

extern char __start_lt_hot[] LT_HIDDEN;
extern char __stop_lt_hot[] LT_HIDDEN;

/* Our own frames above the caller: capture, the tracking call, the entry point, plus
 * room for a C++ operator new that calls malloc. */
#define OWN_FRAMES_ALLOWANCE 6

/* libunwind's default cache is global and locked; per-thread keeps threads apart. */
void lt_unwind_init(void)
{
  unw_set_caching_policy(unw_local_addr_space, UNW_CACHE_PER_THREAD);
}

static inline int is_ours(const void *pc)
{
  return (const char *)pc >= __start_lt_hot && (const char *)pc < __stop_lt_hot;
}

LT_HOT int lt_unwind_capture(uintptr_t *frames, int max)
{
  void *buf[LT_STACK_MAX_DEPTH + OWN_FRAMES_ALLOWANCE];
  int n = unw_backtrace(buf, max + OWN_FRAMES_ALLOWANCE);
  int first = 0;
  while (first < n && is_ours(buf[first]))
    first++;
  int depth = n - first < max ? n - first : max;
  memcpy(frames, buf + first, (size_t)depth * sizeof(uintptr_t));
  return depth;
}
