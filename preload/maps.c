/* maps.c — /proc/self/maps parsed into a fixed table (contract in maps.h).
 *
 * The file is read with raw open/read into a static buffer and parsed line by line; a
 * line split across two reads is carried over. Names keep their tail, since callers
 * match on the basename. */
#include "maps.h"
#include "mem.h"
#include "owned.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

/* vm.max_map_count defaults to 65530: a table that size never overflows by default. */
#define MAX_MAPS 65536

static lt_map_t *table;
static char buf[65536];

static int hexval(char c)
{
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  return -1;
}

static const char *parse_hex(const char *p, const char *end, unsigned long *out)
{
  unsigned long v = 0;
  int d;
  while (p < end && (d = hexval(*p)) >= 0) {
    v = (v << 4) | (unsigned long)d;
    p++;
  }
  *out = v;
  return p;
}

static const char *skip_field(const char *p, const char *end)
{
  while (p < end && *p != ' ')
    p++;
  while (p < end && *p == ' ')
    p++;
  return p;
}

/* One line: "start-end perms offset dev inode   name". */
static void parse_line(const char *p, const char *end, lt_map_t *m)
{
  unsigned long v;
  p = parse_hex(p, end, &v);
  m->start = v;
  if (p < end && *p == '-')
    p++;
  p = parse_hex(p, end, &v);
  m->end = v;
  while (p < end && *p == ' ')
    p++;
  m->prot = 0;
  if (end - p >= 4) {
    m->prot |= p[0] == 'r' ? LT_MAP_R : 0;
    m->prot |= p[1] == 'w' ? LT_MAP_W : 0;
    m->prot |= p[2] == 'x' ? LT_MAP_X : 0;
    m->prot |= p[3] == 's' ? LT_MAP_SHARED : 0;
  }
  p = skip_field(p, end); /* perms */
  p = skip_field(p, end); /* offset */
  p = skip_field(p, end); /* dev */
  unsigned long inode = 0;
  while (p < end && *p >= '0' && *p <= '9')
    inode = inode * 10 + (unsigned long)(*p++ - '0');
  m->inode = inode;
  while (p < end && *p == ' ')
    p++;
  size_t len = (size_t)(end - p);
  if (len >= sizeof(m->name)) {
    p = end - (sizeof(m->name) - 1);
    len = sizeof(m->name) - 1;
  }
  memcpy(m->name, p, len);
  m->name[len] = '\0';
}

long lt_maps_read(const lt_map_t **maps)
{
  if (!table) {
    if (!(table = lt_mem_map(MAX_MAPS * sizeof(lt_map_t))))
      return -ENOMEM;
    lt_owned_add(table, MAX_MAPS * sizeof(lt_map_t));
  }
  int fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return -errno;
  long n = 0;
  size_t have = 0;
  for (;;) {
    ssize_t got = read(fd, buf + have, sizeof(buf) - have);
    if (got < 0 && errno == EINTR)
      continue;
    if (got < 0) {
      int err = errno;
      close(fd);
      return -err;
    }
    have += (size_t)got;
    char *line = buf, *limit = buf + have, *nl;
    while ((nl = memchr(line, '\n', (size_t)(limit - line))) != NULL) {
      if (n < MAX_MAPS)
        parse_line(line, nl, &table[n++]);
      line = nl + 1;
    }
    if (got == 0) {
      if (line < limit && n < MAX_MAPS)
        parse_line(line, limit, &table[n++]);
      break;
    }
    have = (size_t)(limit - line);
    memmove(buf, line, have);
    if (have == sizeof(buf)) /* a line longer than the buffer: drop it */
      have = 0;
  }
  close(fd);
  *maps = table;
  return n;
}

long lt_maps_find(const lt_map_t *maps, long n, uintptr_t addr)
{
  long lo = 0, hi = n;
  while (lo < hi) {
    long mid = lo + (hi - lo) / 2;
    if (maps[mid].end <= addr)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo < n && maps[lo].start <= addr ? lo : -1;
}
