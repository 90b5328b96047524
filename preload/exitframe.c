/* exitframe.c — the frame that called exit() (contract in exitframe.h), found with
 * libunwind by comparing each frame's procedure start with the address of libc's exit. */
#define UNW_LOCAL_ONLY
#include "exitframe.h"

#include <dlfcn.h>
#include <libunwind.h>

#define MAX_FRAMES 128

uintptr_t lt_exitframe_sp(uintptr_t fallback)
{
  void *exit_fn = dlsym(RTLD_NEXT, "exit");
  if (!exit_fn)
    return fallback;
  unw_context_t ctx;
  unw_cursor_t cursor;
  if (unw_getcontext(&ctx) != 0 || unw_init_local(&cursor, &ctx) != 0)
    return fallback;
  for (int i = 0; i < MAX_FRAMES && unw_step(&cursor) > 0; i++) {
    unw_proc_info_t info;
    if (unw_get_proc_info(&cursor, &info) != 0 || info.start_ip != (unw_word_t)exit_fn)
      continue;
    unw_word_t sp;
    if (unw_step(&cursor) <= 0 || unw_get_reg(&cursor, UNW_REG_SP, &sp) != 0)
      return fallback;
    return (uintptr_t)sp;
  }
  return fallback;
}
