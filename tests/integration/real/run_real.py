#!/usr/bin/env python3
"""Run a real Debian program natively and under libleaktrace.so: stdout, stderr and the exit
status must be unchanged, and every process of the run must have written a sane JSON exit
report (schema fields, consistent sums, no leaktrace frame). Exits 77 (CTest's skip) when
the program is not installed.

    run_real.py --lib build/lib/libleaktrace.so --case python3 [--options scan=0]
"""

import argparse
import glob
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..'))
from run_case import check_invariants, dump_report  # noqa: E402

SKIP = 77

GCC_SOURCE = r'''
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
struct node { struct node *next; char name[32]; };
static struct node *push(struct node *head, const char *name)
{
  struct node *n = malloc(sizeof *n);
  if (!n) return head;
  strncpy(n->name, name, sizeof n->name - 1);
  n->name[sizeof n->name - 1] = 0;
  n->next = head;
  return n;
}
int main(int argc, char **argv)
{
  struct node *head = NULL;
  for (int i = 0; i < argc; i++) head = push(head, argv[i]);
  for (struct node *n = head; n; n = n->next) printf("%s\n", n->name);
  return 0;
}
'''

# name: (argv, extra environment)
CASES = {
    'python3': (['/usr/bin/python3', '-c', 'print(sum(range(10)))'], {}),
    'perl': (['perl', '-e', 'print 1+1'], {}),
    'sqlite3': (['sqlite3', ':memory:', 'select 1+1'], {}),
    'git': (['git', '--version'], {}),
    'gcc': (['gcc', '-O2', '-Wall', '-c', 'prog.c', '-o', 'prog.o'], {}),
    'php': (['php', '-r', 'echo 1+1;'], {'USE_ZEND_ALLOC': '0'}),
}


def run(argv, env, cwd, timeout):
    """Runs argv in its own session; on timeout kills it with all its children and
    raises subprocess.TimeoutExpired."""
    p = subprocess.Popen(argv, env=env, cwd=cwd, stdin=subprocess.DEVNULL,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         start_new_session=True)
    try:
        out, err = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGKILL)
        p.communicate()
        raise
    return p.pid, p.returncode, out, err


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--lib', required=True)
    ap.add_argument('--case', required=True, choices=sorted(CASES))
    ap.add_argument('--options', default='')
    ap.add_argument('--timeout', type=float, default=120)
    a = ap.parse_args()
    argv, extra_env = CASES[a.case]
    exe = shutil.which(argv[0])
    if exe is None:
        print('skipped: %s is not installed' % argv[0])
        return SKIP
    argv = [exe] + argv[1:]
    lib = os.path.abspath(a.lib)
    tdir = tempfile.mkdtemp(prefix='lt-real-%s-' % a.case)
    work = os.path.join(tdir, 'work')
    os.mkdir(work)
    with open(os.path.join(work, 'prog.c'), 'w') as f:
        f.write(GCC_SOURCE)

    base = {k: v for k, v in os.environ.items()
            if k not in ('LD_PRELOAD', 'LEAKTRACE_OPTIONS')}
    base.update(extra_env)
    base['LC_ALL'] = 'C'
    failures = []
    try:
        _, n_rc, n_out, n_err = run(argv, base, work, a.timeout)
    except subprocess.TimeoutExpired:
        print('FAILED: %s did not finish within %.0f s even natively' % (a.case, a.timeout))
        return 1
    if os.path.exists(os.path.join(work, 'prog.o')):
        os.rename(os.path.join(work, 'prog.o'), os.path.join(tdir, 'native.o'))

    traced = dict(base)
    traced['LD_PRELOAD'] = lib
    options = [o for o in [a.options] if o] + [
        'json=%s/r.%%p.json' % tdir, 'log=%s/log.%%p.txt' % tdir]
    traced['LEAKTRACE_OPTIONS'] = ':'.join(options)
    try:
        pid, t_rc, t_out, t_err = run(argv, traced, work, a.timeout)
    except subprocess.TimeoutExpired:
        print('FAILED: %s did not finish within %.0f s under the preload (files in %s)'
              % (a.case, a.timeout, tdir))
        return 1

    if t_rc != n_rc:
        failures.append('exit status: native %d, under leaktrace %d' % (n_rc, t_rc))
    if t_out != n_out:
        failures.append('stdout differs:\n  native:     %r\n  leaktrace:  %r' % (n_out, t_out))
    if t_err != n_err:
        failures.append('stderr differs:\n  native:     %r\n  leaktrace:  %r' % (n_err, t_err))
    if a.case == 'gcc':
        obj = os.path.join(work, 'prog.o')
        if not os.path.exists(obj):
            failures.append('gcc wrote no prog.o under leaktrace')

    reports = {}
    for path in sorted(glob.glob(os.path.join(tdir, 'r.*.json'))):
        name = os.path.basename(path)
        try:
            with open(path) as f:
                reports[name] = json.load(f)
        except ValueError as e:
            failures.append('%s is not valid JSON: %s' % (name, e))
    for name, rep in reports.items():
        failures.extend(check_invariants(name, rep, os.path.basename(lib)))
    main_rep = reports.get('r.%d.json' % pid)
    if main_rep is None:
        failures.append('no report r.%d.json of the main process; reports: %s' % (
            pid, ', '.join(sorted(reports)) or 'none'))
    elif not failures:
        s = main_rep['summary']
        if main_rep['pid'] != pid:
            failures.append('report pid %r, process pid %d' % (main_rep['pid'], pid))
        if main_rep['trigger'] != 'exit':
            failures.append('trigger %r, expected "exit"' % main_rep['trigger'])
        if os.path.realpath(main_rep['exe']) != os.path.realpath(exe):
            failures.append('exe %r, expected %r' % (main_rep['exe'], os.path.realpath(exe)))
        live = sum(v['blocks'] for k, v in s.items() if isinstance(v, dict))
        if s['allocations'] < 10:
            failures.append('only %d allocations recorded' % s['allocations'])
        if s['frees'] > s['allocations']:
            failures.append('frees %d > allocations %d' % (s['frees'], s['allocations']))
        if live > s['allocations']:
            failures.append('%d live blocks > %d allocations' % (live, s['allocations']))
        live_bytes = sum(v['bytes'] for k, v in s.items() if isinstance(v, dict))
        if s['peak_bytes'] < live_bytes:
            failures.append('peak_bytes %d < %d live bytes' % (s['peak_bytes'], live_bytes))
        for i, leak in enumerate(main_rep['leaks']):
            if not leak['frames']:
                failures.append('leaks[%d] has no frames' % i)

    summary = ''
    if main_rep is not None:
        s = main_rep['summary']
        summary = 'allocations=%d frees=%d peak_bytes=%d leaks=%d reports=%d' % (
            s['allocations'], s['frees'], s['peak_bytes'], len(main_rep['leaks']),
            len(reports))
    if not failures:
        shutil.rmtree(tdir, ignore_errors=True)
        print('ok: %s %s' % (a.case, summary))
        return 0
    print('FAILED: %s (LEAKTRACE_OPTIONS=%s)' % (a.case, traced['LEAKTRACE_OPTIONS']))
    for f in failures:
        print('- ' + f)
    if main_rep is not None:
        print('--- main report:\n' + dump_report(main_rep)[:20000])
    print('--- files kept in %s' % tdir)
    return 1


if __name__ == '__main__':
    sys.exit(main())
