/* module.c — one ELF file opened for symbolizing, and where its debug info is found.
 *
 * Each module gets a Dwfl of its own, reported at bias 0: the caller's offset
 * (address - load bias) is then directly a libdwfl address, for PIE executables,
 * shared objects and non-PIE executables alike.
 *
 * Separate debug info is looked up by build-id (<dir>/.build-id/xx/rest.debug) and
 * then by .gnu_debuglink (next to the file, in its .debug/ subdirectory, and under
 * each debug directory), as gdb does. libdwfl's standard callback is not used because
 * it falls back to debuginfod when DEBUGINFOD_URLS is set: a report from a host
 * process must never wait on the network. */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <elfutils/libdwelf.h>

#include "sym.h"

int lt_module_open(lt_sym_module_t *m, const char *path, const Dwfl_Callbacks *callbacks) {
  m->path = path;
  m->dwfl = dwfl_begin(callbacks);
  if (m->dwfl == NULL)
    return -ENOMEM;
  dwfl_report_begin(m->dwfl);
  m->mod = dwfl_report_elf(m->dwfl, path, path, -1, 0, true);
  dwfl_report_end(m->dwfl, NULL, NULL);
  if (m->mod == NULL) {
    dwfl_end(m->dwfl);
    m->dwfl = NULL;
    return -ENOENT;
  }
  /* The debuginfo callback gets the session's directories through the module's
   * user data: libdwfl passes nothing else of ours to it. */
  void **userdata = NULL;
  dwfl_module_info(m->mod, &userdata, NULL, NULL, NULL, NULL, NULL, NULL);
  if (userdata != NULL)
    *userdata = callbacks->debuginfo_path;
  return 0;
}

void lt_module_close(lt_sym_module_t *m) {
  lt_symtab_free(m->symtab);
  m->symtab = NULL;
  lt_aranges_free(m->aranges);
  m->aranges = NULL;
  if (m->dwfl != NULL)
    dwfl_end(m->dwfl);
  m->dwfl = NULL;
  m->mod = NULL;
}

/* Nonzero when candidate is an ELF file whose build-id matches the module's, or
 * when either has none to compare (the debuglink name is then all we have). */
static int build_id_matches(Dwfl_Module *mod, int fd) {
  const unsigned char *want;
  GElf_Addr vaddr;
  int want_len = dwfl_module_build_id(mod, &want, &vaddr);
  Elf *elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
  if (elf == NULL)
    return 0;
  int ok = elf_kind(elf) == ELF_K_ELF;
  if (ok && want_len > 0) {
    const void *have;
    ssize_t have_len = dwelf_elf_gnu_build_id(elf, &have);
    if (have_len > 0)
      ok = have_len == want_len && memcmp(have, want, (size_t)want_len) == 0;
  }
  elf_end(elf);
  return ok;
}

/* Opens candidate if it is a plausible debug file for mod other than the main file
 * itself (a debuglink naming the binary's own basename must not loop back to it). */
static int try_candidate(Dwfl_Module *mod, const char *candidate, const struct stat *main_st,
                         int check_id, char **debuginfo_file_name) {
  int fd = open(candidate, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return -1;
  struct stat st;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
      (main_st != NULL && st.st_dev == main_st->st_dev && st.st_ino == main_st->st_ino) ||
      (check_id && !build_id_matches(mod, fd))) {
    close(fd);
    return -1;
  }
  *debuginfo_file_name = strdup(candidate);
  return fd;
}

/* The session's debug directories, ':'-separated. */
static const char *debug_dirs(void **userdata) {
  char *const *pathp = userdata != NULL ? *userdata : NULL;
  return pathp != NULL && *pathp != NULL ? *pathp : "/usr/lib/debug";
}

/* <dir><path> for each of the session's debug directories, the first plausible one. */
static int find_in_debug_dirs(Dwfl_Module *mod, void **userdata, const char *path,
                              const struct stat *main_st, char **debuginfo_file_name) {
  char candidate[PATH_MAX];
  for (const char *dirs = debug_dirs(userdata); *dirs != '\0';) {
    size_t n = strcspn(dirs, ":");
    if (n > 0 && dirs[0] == '/') {
      int w = snprintf(candidate, sizeof(candidate), "%.*s%s", (int)n, dirs, path);
      if (w > 0 && (size_t)w < sizeof(candidate)) {
        int fd = try_candidate(mod, candidate, main_st, 1, debuginfo_file_name);
        if (fd >= 0)
          return fd;
      }
    }
    dirs += n + (dirs[n] == ':');
  }
  return -1;
}

/* <dir>/.build-id/xx/rest.debug in each debug directory. libdwfl's own lookup is not
 * used for the main debug file: it opens the file for the module itself, so an unpacked
 * copy returned in its place would go unread. */
static int find_by_build_id(Dwfl_Module *mod, void **userdata, char **debuginfo_file_name) {
  const unsigned char *id;
  GElf_Addr vaddr;
  int len = dwfl_module_build_id(mod, &id, &vaddr);
  if (len <= 1 || len > 64)
    return -1;
  char path[160] = "/.build-id/";
  int at = (int)strlen(path);
  for (int i = 0; i < len; i++)
    at += snprintf(path + at, sizeof(path) - (size_t)at, i == 0 ? "%02x/" : "%02x", id[i]);
  snprintf(path + at, sizeof(path) - (size_t)at, ".debug");
  return find_in_debug_dirs(mod, userdata, path, NULL, debuginfo_file_name);
}

/* Is this the lookup of a dwz alternate file? libdwfl asks for it with the module's own
 * arguments once the module's debug file is open, naming the alternate by its
 * .gnu_debugaltlink, which may be absolute (Debian) or relative (Fedora). */
static int looking_for_alternate(Dwfl_Module *mod, const char *debuglink_file) {
  const char *debugfile = NULL;
  dwfl_module_info(mod, NULL, NULL, NULL, NULL, NULL, NULL, &debugfile);
  return debugfile != NULL || (debuglink_file != NULL && debuglink_file[0] == '/');
}

/* The debug file by .gnu_debuglink: next to the file, in its .debug/ subdirectory, and
 * under each debug directory. */
static int find_by_debuglink(Dwfl_Module *mod, void **userdata, const char *file_name,
                             const char *debuglink_file, char **debuginfo_file_name) {
  if (file_name == NULL || file_name[0] == '\0')
    return -1;

  char dir[PATH_MAX], link[NAME_MAX + 1], candidate[PATH_MAX];
  const char *slash = strrchr(file_name, '/');
  const char *base_name = slash != NULL ? slash + 1 : file_name;
  size_t dirlen = slash != NULL ? (size_t)(slash - file_name) : 0;
  if (dirlen >= sizeof(dir))
    return -1;
  memcpy(dir, file_name, dirlen);
  dir[dirlen] = '\0';
  if (debuglink_file != NULL)
    snprintf(link, sizeof(link), "%s", debuglink_file);
  else
    snprintf(link, sizeof(link), "%s.debug", base_name);

  struct stat main_st;
  const struct stat *main_stp = stat(file_name, &main_st) == 0 ? &main_st : NULL;
  const char *prefix = slash != NULL ? dir : ".";
  const char *local[] = {"%s/%s", "%s/.debug/%s"};
  for (size_t i = 0; i < sizeof(local) / sizeof(local[0]); i++) {
    if ((size_t)snprintf(candidate, sizeof(candidate), local[i], prefix, link) >= sizeof(candidate))
      continue;
    int fd = try_candidate(mod, candidate, main_stp, 1, debuginfo_file_name);
    if (fd >= 0)
      return fd;
  }

  if ((size_t)snprintf(candidate, sizeof(candidate), "%s/%s", dir, link) >= sizeof(candidate))
    return -1;
  return find_in_debug_dirs(mod, userdata, candidate, main_stp, debuginfo_file_name);
}

/* Files this module finds itself are read from an unpacked copy when compressed; a file
 * from libdwfl's own lookup is not, since libdwfl has already opened it for the module
 * (the alternate file: by its own build-id). */
int lt_module_find_debuginfo(Dwfl_Module *mod, void **userdata, const char *modname,
                             Dwarf_Addr base, const char *file_name,
                             const char *debuglink_file, GElf_Word debuglink_crc,
                             char **debuginfo_file_name) {
  int alternate = looking_for_alternate(mod, debuglink_file);
  int fd = alternate ? -1 : find_by_build_id(mod, userdata, debuginfo_file_name);
  if (fd >= 0)
    return lt_debugcache_open(fd);
  fd = dwfl_build_id_find_debuginfo(mod, userdata, modname, base, file_name, debuglink_file,
                                    debuglink_crc, debuginfo_file_name);
  if (fd >= 0)
    return fd;
  if (alternate && debuglink_file != NULL && debuglink_file[0] == '/')
    return try_candidate(mod, debuglink_file, NULL, 0, debuginfo_file_name);
  fd = find_by_debuglink(mod, userdata, file_name, debuglink_file, debuginfo_file_name);
  return fd >= 0 && !alternate ? lt_debugcache_open(fd) : fd;
}
