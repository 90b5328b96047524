#!/usr/bin/env python3
"""leaktrace-symbolize's command line: help, version, exit statuses, one-line errors
naming the file and position, output to a file, and idempotence (frames that already
name a function are kept, so symbolizing a symbolized report changes nothing).

  tool_cli.py --lib libleaktrace.so --tool leaktrace-symbolize -- PROG
"""

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--lib', required=True)
    ap.add_argument('--tool', required=True)
    ap.add_argument('prog', nargs=argparse.REMAINDER)
    a = ap.parse_args()
    prog = a.prog[1:] if a.prog and a.prog[0] == '--' else a.prog
    tdir = tempfile.mkdtemp(prefix='lt-tool-cli-')
    failures = []

    def tool(*args, stdin=None):
        p = subprocess.run([a.tool] + list(args), input=stdin, capture_output=True,
                           timeout=60)
        return p.returncode, p.stdout.decode(), p.stderr.decode()

    def expect_error(args, status, pattern, stdin=None):
        rc, out, err = tool(*args, stdin=stdin)
        lines = err.splitlines()
        if rc != status or len(lines) != 1 or not re.search(pattern, lines[0]):
            failures.append('%r: expected exit %d and one stderr line matching %r, got exit %d,'
                            ' stderr %r' % (args, status, pattern, rc, err))

    rc, out, err = tool('--help')
    if rc != 0 or 'Usage: leaktrace-symbolize' not in out or '--text' not in out:
        failures.append('--help: exit %d, stdout %r' % (rc, out))
    rc, out, err = tool('--version')
    if rc != 0 or not re.fullmatch(r'leaktrace-symbolize \d+\.\d+\.\d+\n', out):
        failures.append('--version: exit %d, stdout %r' % (rc, out))

    bad = os.path.join(tdir, 'bad.json')
    with open(bad, 'w') as f:
        f.write('{"leaktrace": 1,\n "pid": [1,}\n')
    expect_error([bad], 2, r'^leaktrace-symbolize: %s:2:12: expected a JSON value, found' %
                 re.escape(bad))
    expect_error(['-'], 2, r'^leaktrace-symbolize: <stdin>:1:1: expected a JSON value',
                 stdin=b'')
    expect_error([os.path.join(tdir, 'missing.json')], 2, r'missing\.json: No such file')
    expect_error(['--bogus'], 2, r'--bogus is unknown')
    expect_error(['--show', 'lost'], 2, r'--show: bad kind list')
    expect_error(['--debug-dir', 'relative'], 2, r'must be an absolute path')
    expect_error([bad, bad], 2, r'one report at a time')

    env = dict(os.environ, LD_PRELOAD=os.path.abspath(a.lib),
               LEAKTRACE_OPTIONS='scan=0:symbolize=0:json=%s/raw.json:log=%s/raw.txt' % (
                   tdir, tdir))
    subprocess.run(prog, env=env, cwd=tdir, check=True, capture_output=True, timeout=60)
    raw = os.path.join(tdir, 'raw.json')
    schema = os.path.join(tdir, 'schema.json')
    with open(raw) as f:
        doc = json.load(f)
    doc['leaks'][0]['frames'][0]['pc'] = 12
    with open(schema, 'w') as f:
        json.dump(doc, f)
    expect_error([schema], 2, r'schema\.json:\d+:\d+: leaks\[0\]\.frames\[0\]\.pc: expected a string')

    once = os.path.join(tdir, 'once.json')
    rc, out, err = tool('-o', once, raw)
    if rc != 0 or out or err:
        failures.append('-o: exit %d, stdout %r, stderr %r' % (rc, out, err))
    expect_error(['-o', os.path.join(tdir, 'no', 'such', 'dir.json'), raw], 1,
                 r'dir\.json: No such file')
    with open(once) as f:
        first = f.read()
    rc, second, err = tool(once)
    if rc != 0 or second != first:
        failures.append('symbolizing a symbolized report changed it (exit %d)' % rc)
    rc, text, err = tool('--text', '--show', 'all', once)
    if rc != 0 or 'Unfreed memory of' not in text or 'SUMMARY: leaktrace:' not in text:
        failures.append('--text --show all: exit %d, stdout %r' % (rc, text))

    if failures:
        print('\n'.join(failures))
        print('(test directory kept: %s)' % tdir)
        return 1
    shutil.rmtree(tdir, ignore_errors=True)
    return 0


if __name__ == '__main__':
    sys.exit(main())
