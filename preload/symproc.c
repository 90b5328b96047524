/* symproc.c — running leaktrace-symbolize on a report (see symproc.h). */
#include "symproc.h"
#include "out.h"
#include "symload.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static int tool_path(char *out, size_t size)
{
  return lt_path_beside_runtime("../bin/leaktrace-symbolize", out, size) == 0 ? 0 : -ENAMETOOLONG;
}

int lt_symproc_available(void)
{
  char path[PATH_MAX];
  return tool_path(path, sizeof(path)) == 0 && access(path, X_OK) == 0;
}

/* The report without symbols, in a private temporary file: only the leaks of the kinds
 * in `kinds`, with every total. An exit report that prints one lost group beside
 * thousands of reachable ones then costs the tool one group to read and symbolize. */
static int write_input(const lt_report_t *r, lt_kind_mask_t kinds, char *path, size_t size)
{
  lt_report_t shown = *r;
  shown.leaks = malloc((size_t)(r->nleaks ? r->nleaks : 1) * sizeof(*shown.leaks));
  if (!shown.leaks)
    return -ENOMEM;
  shown.nleaks = 0;
  for (long i = 0; i < r->nleaks; i++)
    if (kinds & (1u << r->leaks[i].kind))
      shown.leaks[shown.nleaks++] = r->leaks[i];
  const char *dir = getenv("TMPDIR");
  if (!dir || !dir[0])
    dir = "/tmp";
  int rc = -ENAMETOOLONG;
  if (snprintf(path, size, "%s/leaktrace-%ld-XXXXXX", dir, r->pid) < (int)size) {
    int fd = mkostemp(path, O_CLOEXEC);
    rc = fd < 0 ? -errno : lt_report_write_json_fd(&shown, fd);
    if (fd >= 0)
      close(fd);
    if (fd >= 0 && rc < 0)
      unlink(path);
  }
  free(shown.leaks);
  return rc;
}

/* The host's environment minus what would trace the tool itself. */
static char **tool_environment(void)
{
  size_t n = 0;
  while (environ && environ[n])
    n++;
  char **env = malloc((n + 1) * sizeof(*env));
  if (!env)
    return NULL;
  size_t k = 0;
  for (size_t i = 0; i < n; i++)
    if (strncmp(environ[i], "LD_PRELOAD=", 11) != 0 &&
        strncmp(environ[i], "LEAKTRACE_OPTIONS=", 18) != 0)
      env[k++] = environ[i];
  env[k] = NULL;
  return env;
}

static int spawn(const char *tool, char *const argv[], int text_fd, pid_t *pid)
{
  posix_spawn_file_actions_t fa;
  posix_spawnattr_t attr;
  sigset_t none;
  sigemptyset(&none);
  posix_spawn_file_actions_init(&fa);
  posix_spawnattr_init(&attr);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK);
  if (text_fd >= 0)
    posix_spawn_file_actions_adddup2(&fa, text_fd, 1);
  else
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
  char **env = tool_environment();
  int rc = env ? posix_spawn(pid, tool, &fa, &attr, argv, env) : ENOMEM;
  free(env);
  posix_spawn_file_actions_destroy(&fa);
  posix_spawnattr_destroy(&attr);
  return -rc;
}

/* A program that reaps every child itself (waitpid(-1) in a SIGCHLD handler) may take
 * the tool's status first: then it is taken as done. */
static int wait_for(pid_t pid)
{
  int status;
  for (;;) {
    if (waitpid(pid, &status, 0) == pid)
      return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -EIO;
    if (errno != EINTR)
      return 0;
  }
}

int lt_symproc_write(const lt_report_t *r, int text_fd, const char *json_path,
                     lt_kind_mask_t show)
{
  char tool[PATH_MAX], input[PATH_MAX], kinds[64];
  int rc = tool_path(tool, sizeof(tool));
  if (rc < 0 || (rc = write_input(r, json_path ? ~0u : show, input, sizeof(input))) < 0)
    return rc;
  lt_kind_mask_format(show, kinds, sizeof(kinds));
  char *argv[] = {tool, "--text", "--show", kinds, input, NULL, NULL, NULL};
  if (json_path) {
    argv[4] = "--json-output";
    argv[5] = (char *)json_path;
    argv[6] = input;
  }
  pid_t pid;
  rc = spawn(tool, argv, text_fd, &pid);
  if (rc == 0 && wait_for(pid) < 0)
    lt_warn("the symbolizer %s failed; see its message above", tool);
  unlink(input);
  return rc;
}
