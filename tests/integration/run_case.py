#!/usr/bin/env python3
"""Run one integration program under libleaktrace.so and check the expectations that its
first source file states in comments (see tests/integration/CMakeLists.txt).

Directives, one per comment line (`// LT-KEY: value`, also `/* */`, `*` and `#` comments):

  LT-OPTIONS: scan=0:depth=16     extra LEAKTRACE_OPTIONS; json= and log= are added by the
                                  harness unless given here
  LT-LOG: stderr                  add no log= (the text report goes to the program's stderr,
                                  where LT-STDERR sees it)
  LT-ARGS: a b c                  program arguments (split like a shell would)
  LT-ENV: NAME=value              extra environment (repeatable)
  LT-ADDRESS-SPACE: 120           run under a limit on address space (RLIMIT_AS) of this
                                  many MiB, as `ulimit -v` sets
  LT-EXIT: 0                      expected exit status (default 0; -N: killed by signal N)
  LT-STDOUT: text                 some stdout line contains text (repeatable)
  LT-STDERR: text                 some stderr line contains text (repeatable)
  LT-STDERR-LINES: 1              stderr has exactly this many lines
  LT-REPORTS: 2                   number of JSON reports (json=<dir>/r.%n.json); default:
                                  exactly one exit report (json=<dir>/r.json)
  LT-TRIGGER: exit                the selected report's trigger
  LT-SUMMARY: direct bytes=48 blocks=2   exact numbers of one kind in the summary
  LT-SUMMARY: allocations=5 frees=3      exact top-level summary numbers
                                         (`allocations-frees=2`: their difference;
                                         `peak_bytes>=N`, `<=N`: bounds)
  LT-LEAK: direct bytes=48 blocks=2 top=f file=x.c line=12 module=prog frame1=g inlined0=1
                                  a leaks[] entry with this kind/bytes/blocks and attributes
                                  (also nframes=N, anyframe=f: some frame is function f)
  LT-NO-LEAK: unfreed bytes=400   no leaks[] entry has all these fields (kind optional)
  LT-LEAK-COUNT: 3                exact number of leaks[] entries
  LT-NO-LEAK-FROM: name           no direct/indirect/possible/unfreed entry has a frame
                                  whose function is name
  LT-TEXT: substring              the text report (log=<dir>/log.txt) contains this
  LT-NO-TEXT: substring           the text report does not contain this
  LT-FILE: log.{pid}.txt          this file exists in the test directory; {KEY} is the value
                                  of the program's last stdout line `KEY=<value>`

Report directives (TRIGGER, SUMMARY, LEAK, NO-LEAK, LEAK-COUNT, NO-LEAK-FROM) check the
last report in sequence order, or the one a selector names: `LT-SUMMARY@1:` is the first
report, and `LT-SUMMARY@child:` is the last report whose pid the program printed as a
stdout line `child=<pid>`.

`${LT_TEST_DIR}` in OPTIONS, ARGS and ENV is replaced by the per-test directory, which the
program also finds in the environment variable LT_TEST_DIR.

Every report is also checked against invariants of the contract: schema fields present,
the program's own report names it as exe, leaks sorted by bytes, per-kind sums of leaks
equal the summary, no frame of
libleaktrace.so itself.
"""

import argparse
import glob
import json
import os
import re
import shlex
import shutil
import signal
import resource
import subprocess
import sys
import tempfile

DIRECTIVE = re.compile(
    r'^\s*(?://+|/\*+|\*+|#)\s*LT-([A-Z][A-Z0-9-]*)(?:@(\S+?))?:\s*(.*?)\s*(?:\*/)?\s*$')
KNOWN = {'OPTIONS', 'ARGS', 'ENV', 'EXIT', 'STDOUT', 'STDERR', 'STDERR-LINES', 'REPORTS',
         'TRIGGER', 'SUMMARY', 'LEAK', 'NO-LEAK', 'LEAK-COUNT', 'NO-LEAK-FROM', 'TEXT',
         'NO-TEXT', 'FILE', 'LOG', 'ADDRESS-SPACE'}
REPORT_KEYS = {'TRIGGER', 'SUMMARY', 'LEAK', 'NO-LEAK', 'LEAK-COUNT', 'NO-LEAK-FROM'}
KINDS = ('direct', 'indirect', 'possible', 'reachable', 'unfreed', 'suppressed')
LOST_KINDS = ('direct', 'indirect', 'possible', 'unfreed')


class Directive:
    def __init__(self, key, selector, value, lineno):
        self.key, self.selector, self.value, self.lineno = key, selector, value, lineno

    def __str__(self):
        sel = '@' + self.selector if self.selector else ''
        return 'line %d: LT-%s%s: %s' % (self.lineno, self.key, sel, self.value)


def parse_directives(path):
    out = []
    with open(path, encoding='utf-8') as f:
        for lineno, line in enumerate(f, 1):
            m = DIRECTIVE.match(line)
            if not m:
                continue
            key, selector, value = m.group(1), m.group(2), m.group(3)
            if key not in KNOWN:
                raise SystemExit('%s:%d: unknown directive LT-%s' % (path, lineno, key))
            if selector and key not in REPORT_KEYS:
                raise SystemExit('%s:%d: LT-%s takes no @selector' % (path, lineno, key))
            out.append(Directive(key, selector, value, lineno))
    return out


def parse_fields(text, where):
    """'direct bytes=48 blocks=2' -> ('direct', {'bytes': '48', 'blocks': '2'}); a value
    with spaces is quoted as in a shell: top="f(int, char)"."""
    words = shlex.split(text)
    head = None
    if words and '=' not in words[0]:
        head = words.pop(0)
    fields = {}
    for w in words:
        if '=' not in w:
            raise SystemExit('%s: expected key=value, got %r' % (where, w))
        k, v = w.split('=', 1)
        fields[k] = v
    return head, fields


def one_value(directives, key, default):
    found = [d for d in directives if d.key == key]
    if len(found) > 1:
        raise SystemExit('LT-%s given more than once' % key)
    return found[0].value if found else default


def option_keys(options):
    keys = set()
    for pair in re.split(r'[:\s]+', options):
        if '=' in pair:
            keys.add(pair.split('=', 1)[0])
    return keys


def seq_key(path):
    """Sort reports by the number in their name (%n), then by modification time."""
    nums = re.findall(r'\d+', os.path.basename(path))
    st = os.stat(path)
    return (int(nums[-1]) if nums else -1, st.st_mtime_ns, path)


def check_invariants(name, report, libname):
    errs = []

    def err(msg):
        errs.append('%s: %s' % (name, msg))

    for key in ('leaktrace', 'pid', 'exe', 'trigger', 'summary', 'leaks'):
        if key not in report:
            err('missing top-level field %r' % key)
    if errs:
        return errs
    if report['leaktrace'] != 1:
        err('"leaktrace" is %r, expected 1' % report['leaktrace'])
    if report['trigger'] not in ('exit', 'signal'):
        err('trigger %r is neither "exit" nor "signal"' % report['trigger'])
    summary = report['summary']
    for key in ('allocations', 'frees', 'peak_bytes'):
        if not isinstance(summary.get(key), int):
            err('summary.%s missing or not an integer' % key)
    scanned = 'unfreed' not in summary
    expected_kinds = (['direct', 'indirect', 'possible', 'reachable'] if scanned
                      else ['unfreed']) + ['suppressed']
    for kind in expected_kinds:
        v = summary.get(kind)
        if not (isinstance(v, dict) and isinstance(v.get('bytes'), int)
                and isinstance(v.get('blocks'), int)):
            err('summary.%s missing or not {"bytes": int, "blocks": int}' % kind)
    if errs:
        return errs
    sums = {}
    prev = None
    for i, leak in enumerate(report['leaks']):
        if leak.get('kind') not in KINDS:
            err('leaks[%d].kind %r is not a known kind' % (i, leak.get('kind')))
            continue
        if (leak['kind'] == 'unfreed') == scanned:
            err('leaks[%d].kind %r in a report with%s scan' %
                (i, leak['kind'], '' if scanned else 'out'))
        b, n = leak.get('bytes'), leak.get('blocks')
        if not isinstance(b, int) or not isinstance(n, int) or n < 1:
            err('leaks[%d] bytes/blocks %r/%r invalid' % (i, b, n))
            continue
        if prev is not None and b > prev:
            err('leaks[%d] (%d bytes) after one of %d bytes: not sorted largest first'
                % (i, b, prev))
        prev = b
        s = sums.setdefault(leak['kind'], [0, 0])
        s[0] += b
        s[1] += n
        frames = leak.get('frames')
        if not isinstance(frames, list):
            err('leaks[%d].frames missing' % i)
            continue
        for j, fr in enumerate(frames):
            if not isinstance(fr.get('pc'), str) or not fr['pc'].startswith('0x'):
                err('leaks[%d].frames[%d].pc %r is not a hex string' % (i, j, fr.get('pc')))
            if os.path.basename(fr.get('module') or '') == libname:
                err('leaks[%d].frames[%d] is inside %s itself: %s' % (i, j, libname, fr))
    for kind, (b, n) in sums.items():
        tot = summary.get(kind)
        if tot and (tot['bytes'], tot['blocks']) != (b, n):
            err('leaks[] of kind %s sum to bytes=%d blocks=%d, summary.%s says '
                'bytes=%d blocks=%d' % (kind, b, n, kind, tot['bytes'], tot['blocks']))
    return errs


def frame_value(frames, idx, attr):
    if idx >= len(frames):
        return None
    v = frames[idx].get(attr)
    if attr in ('file', 'module') and isinstance(v, str):
        return os.path.basename(v)
    return v


def leak_matches(leak, fields):
    """Returns the list of (attribute, wanted, actual) that differ."""
    frames = leak.get('frames') or []
    diffs = []
    for k, want in fields.items():
        if k in ('bytes', 'blocks'):
            actual = leak.get(k)
        elif k == 'top':
            actual = frame_value(frames, 0, 'function')
        elif k in ('file', 'line', 'module'):
            actual = frame_value(frames, 0, k)
        elif re.fullmatch(r'frame\d+', k):
            actual = frame_value(frames, int(k[5:]), 'function')
        elif re.fullmatch(r'inlined\d+', k):
            actual = 1 if frame_value(frames, int(k[7:]), 'inlined') else 0
        elif k == 'nframes':
            actual = len(frames)
        elif k == 'anyframe':
            actual = want if any(f.get('function') == want for f in frames) else None
        else:
            raise SystemExit('LT-LEAK: unknown attribute %r' % k)
        if str(actual) != want:
            diffs.append((k, want, actual))
    return diffs


def short_leak(leak):
    frames = leak.get('frames') or []
    names = ['%s(%s:%s)' % (f.get('function', '?'), os.path.basename(f.get('file') or '?'),
                            f.get('line', '?')) for f in frames[:4]]
    mod = os.path.basename(frames[0].get('module') or '?') if frames else '-'
    return '%s bytes=%s blocks=%s module=%s frames=%d %s' % (
        leak.get('kind'), leak.get('bytes'), leak.get('blocks'), mod, len(frames),
        ' <- '.join(names))


def summary_value(where, key):
    if key == 'allocations-frees':
        a, f = where.get('allocations'), where.get('frees')
        return a - f if isinstance(a, int) and isinstance(f, int) else None
    return where.get(key)


def stdout_value(stdout, key):
    m = re.findall(r'^%s=(\S+)\s*$' % re.escape(key), stdout, re.M)
    return m[-1] if m else None


def check_report(d, report):
    """Checks one report directive; returns an error message or None."""
    if d.key == 'TRIGGER':
        if report['trigger'] != d.value:
            return 'expected trigger %r, actual %r' % (d.value, report['trigger'])
        return None
    if d.key == 'SUMMARY':
        kind, fields = parse_fields(d.value, str(d))
        summary = report['summary']
        if kind is None:
            where, name = summary, 'summary'
        else:
            if kind not in KINDS:
                raise SystemExit('%s: unknown kind %r' % (d, kind))
            where, name = summary.get(kind), 'summary.%s' % kind
            if where is None:
                return 'expected %s, but the summary has no %r (it has %s)' % (
                    d.value, kind, ', '.join(sorted(summary)))
        bad = []
        for k, v in fields.items():
            op = k[-1] if k[-1] in '<>' else ''
            key = k[:-1] if op else k
            actual = summary_value(where, key)
            if op and isinstance(actual, int):
                ok = actual >= int(v) if op == '>' else actual <= int(v)
            else:
                ok = str(actual) == v
            if not ok:
                bad.append('%s%s=%s (actual %s)' % (key, op, v, actual))
        if bad:
            return 'expected %s: %s' % (name, '; '.join(bad))
        return None
    if d.key == 'LEAK':
        kind, fields = parse_fields(d.value, str(d))
        if kind is None or 'bytes' not in fields or 'blocks' not in fields:
            raise SystemExit('%s: needs "<kind> bytes=N blocks=N"' % d)
        candidates = [l for l in report['leaks'] if l.get('kind') == kind
                      and str(l.get('bytes')) == fields['bytes']
                      and str(l.get('blocks')) == fields['blocks']]
        if not candidates:
            return 'no leaks[] entry with kind=%s bytes=%s blocks=%s; entries:\n%s' % (
                kind, fields['bytes'], fields['blocks'],
                '\n'.join('    ' + short_leak(l) for l in report['leaks']) or '    (none)')
        best = min((leak_matches(l, fields) for l in candidates), key=len)
        if best:
            return 'entry %s %s found, but %s' % (
                kind, 'bytes=%s blocks=%s' % (fields['bytes'], fields['blocks']),
                '; '.join('%s: expected %r, actual %r' % x for x in best)) + \
                '\n  candidates:\n' + '\n'.join('    ' + short_leak(l) for l in candidates)
        return None
    if d.key == 'NO-LEAK':
        kind, fields = parse_fields(d.value, str(d))
        bad = [l for l in report['leaks'] if (kind is None or l.get('kind') == kind)
               and not leak_matches(l, fields)]
        if bad:
            return 'expected no such entry, actual:\n%s' % '\n'.join(
                '    ' + short_leak(l) for l in bad)
        return None
    if d.key == 'LEAK-COUNT':
        n = len(report['leaks'])
        if str(n) != d.value:
            return 'expected %s leaks[] entries, actual %d:\n%s' % (
                d.value, n, '\n'.join('    ' + short_leak(l) for l in report['leaks']))
        return None
    if d.key == 'NO-LEAK-FROM':
        bad = [l for l in report['leaks'] if l.get('kind') in LOST_KINDS and any(
            f.get('function') == d.value for f in l.get('frames') or [])]
        if bad:
            return 'expected no lost block allocated through %s, actual:\n%s' % (
                d.value, '\n'.join('    ' + short_leak(l) for l in bad))
        return None
    raise AssertionError(d.key)


def select_report(d, reports, stdout):
    """Returns (name, report) or an error string."""
    if not reports:
        return 'no JSON report was written'
    sel = d.selector
    if sel is None:
        return reports[-1]
    if sel.isdigit():
        i = int(sel)
        if not 1 <= i <= len(reports):
            return 'report @%d requested, only %d written' % (i, len(reports))
        return reports[i - 1]
    m = stdout_value(stdout, sel)
    if m is None or not m.isdigit():
        return 'selector @%s: the program printed no line "%s=<pid>"' % (sel, sel)
    pid = int(m)
    chosen = [r for r in reports if r[1].get('pid') == pid]
    if not chosen:
        return 'selector @%s: no report has pid %d (pids: %s)' % (
            sel, pid, ', '.join(str(r[1].get('pid')) for r in reports))
    return chosen[-1]


def dump_report(rep):
    """The report with one line per leak, so a failure stays readable."""
    if not isinstance(rep, dict):
        return json.dumps(rep)
    lines = ['{']
    for k, v in rep.items():
        if k == 'leaks' and isinstance(v, list):
            lines.append(' "leaks": [')
            lines.extend('  ' + json.dumps(l) + ',' for l in v)
            lines.append(' ]')
        else:
            lines.append(' %s: %s,' % (json.dumps(k), json.dumps(v)))
    lines.append('}')
    return '\n'.join(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--lib', required=True)
    ap.add_argument('--source', required=True)
    ap.add_argument('--name', default=None)
    ap.add_argument('--timeout', type=float, default=120)
    ap.add_argument('--keep', action='store_true', help='keep the test directory')
    ap.add_argument('prog', nargs=argparse.REMAINDER)
    a = ap.parse_args()
    prog = a.prog[1:] if a.prog and a.prog[0] == '--' else a.prog
    if not prog:
        ap.error('no program given after --')
    lib = os.path.abspath(a.lib)
    if not os.path.exists(lib):
        print('run_case: %s does not exist (build the leaktrace target)' % lib)
        return 1
    directives = parse_directives(a.source)
    name = a.name or os.path.splitext(os.path.basename(a.source))[0]
    tdir = tempfile.mkdtemp(prefix='lt-%s-' % name)

    def subst(s):
        return s.replace('${LT_TEST_DIR}', tdir)

    options = subst(one_value(directives, 'OPTIONS', ''))
    args = [subst(x) for x in shlex.split(one_value(directives, 'ARGS', ''))]
    exit_want = int(one_value(directives, 'EXIT', '0'))
    nreports = one_value(directives, 'REPORTS', None)
    stderr_lines = one_value(directives, 'STDERR-LINES', None)
    keys = option_keys(options)
    extra = []
    if 'json' not in keys:
        extra.append('json=%s/%s' % (tdir, 'r.json' if nreports is None else 'r.%n.json'))
    log_to = one_value(directives, 'LOG', None)
    if log_to not in (None, 'stderr'):
        raise SystemExit('LT-LOG: only "stderr" is known, got %r' % log_to)
    if 'log' not in keys and log_to is None:
        extra.append('log=%s/%s' % (tdir, 'log.txt' if nreports is None else 'log.%n.txt'))
    full_options = ':'.join([o for o in [options.strip(': ')] + extra if o])

    env = dict(os.environ)
    env.pop('LEAKTRACE_OPTIONS', None)
    for d in directives:
        if d.key == 'ENV':
            k, _, v = subst(d.value).partition('=')
            env[k] = v
    env['LEAKTRACE_OPTIONS'] = full_options
    env['LD_PRELOAD'] = lib
    env['LT_TEST_DIR'] = tdir
    cmd = [os.path.abspath(prog[0])] + prog[1:] + args

    failures = []
    timed_out = False
    # Its own session, so a hung program and every child it forked can be killed at once.
    address_space = one_value(directives, 'ADDRESS-SPACE', None)

    def limit_address_space():
        if address_space is not None:
            limit = int(address_space) << 20
            resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    proc = subprocess.Popen(cmd, env=env, cwd=tdir, stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            start_new_session=True, preexec_fn=limit_address_space)
    try:
        out_b, err_b = proc.communicate(timeout=a.timeout * 0.9)
        status = proc.returncode
    except subprocess.TimeoutExpired:
        timed_out = True
        os.killpg(proc.pid, signal.SIGKILL)
        out_b, err_b = proc.communicate()
        status = None
        failures.append('program did not finish within %.0f s' % (a.timeout * 0.9))
    stdout = out_b.decode('utf-8', 'replace')
    stderr = err_b.decode('utf-8', 'replace')

    if not timed_out and status != exit_want:
        failures.append('exit status: expected %d, actual %d' % (exit_want, status))

    # Reports: every *.json in the test directory, in sequence order.
    reports = []
    for path in sorted(glob.glob(os.path.join(tdir, '*.json')), key=seq_key):
        rname = os.path.basename(path)
        try:
            with open(path, encoding='utf-8') as f:
                reports.append((rname, json.load(f)))
        except (ValueError, UnicodeDecodeError) as e:
            failures.append('%s is not valid JSON: %s' % (rname, e))
    libname = os.path.basename(lib)
    for rname, rep in reports:
        failures.extend(check_invariants(rname, rep, libname))
    for rname, rep in reports:
        if rep.get('pid') == proc.pid and isinstance(rep.get('exe'), str) and \
                os.path.realpath(rep['exe']) != os.path.realpath(cmd[0]):
            failures.append('%s: exe %r, expected the program %r' % (rname, rep['exe'], cmd[0]))
    if nreports is None:
        if len(reports) != 1:
            failures.append('expected exactly one JSON report (r.json), actual %d: %s' % (
                len(reports), ', '.join(r[0] for r in reports) or 'none'))
        elif reports[0][1].get('trigger') != 'exit':
            failures.append('the single report has trigger %r, expected "exit"' %
                            reports[0][1].get('trigger'))
    elif len(reports) != int(nreports):
        failures.append('LT-REPORTS: expected %s JSON reports, actual %d: %s' % (
            nreports, len(reports), ', '.join(r[0] for r in reports) or 'none'))

    logs = sorted(glob.glob(os.path.join(tdir, '*.txt')), key=seq_key)
    text = ''
    for path in logs:
        with open(path, encoding='utf-8', errors='replace') as f:
            text += f.read()

    out_lines, err_lines = stdout.splitlines(), stderr.splitlines()
    for d in directives:
        msg = None
        if d.key == 'STDOUT' and not any(d.value in l for l in out_lines):
            msg = 'no stdout line contains %r' % d.value
        elif d.key == 'STDERR' and not any(d.value in l for l in err_lines):
            msg = 'no stderr line contains %r' % d.value
        elif d.key == 'TEXT' and d.value not in text:
            msg = 'the text report does not contain %r' % d.value
        elif d.key == 'NO-TEXT' and d.value in text:
            msg = 'the text report contains %r' % d.value
        elif d.key == 'FILE':
            fname, missing = d.value, []
            for key in re.findall(r'\{(\w+)\}', d.value):
                v = stdout_value(stdout, key)
                if v is None:
                    missing.append(key)
                else:
                    fname = fname.replace('{%s}' % key, v)
            if missing:
                msg = 'the program printed no line %s' % ', '.join(k + '=<v>' for k in missing)
            elif not os.path.exists(os.path.join(tdir, fname)):
                msg = 'no file %s; the directory holds: %s' % (
                    fname, ', '.join(sorted(os.listdir(tdir))) or 'nothing')
        elif d.key in REPORT_KEYS:
            chosen = select_report(d, reports, stdout)
            if isinstance(chosen, str):
                msg = chosen
            else:
                msg = check_report(d, chosen[1])
                if msg:
                    msg = '[%s] %s' % (chosen[0], msg)
        if msg:
            failures.append('%s\n  %s' % (d, msg))
    if stderr_lines is not None and len(err_lines) != int(stderr_lines):
        failures.append('LT-STDERR-LINES: expected %s stderr lines, actual %d' % (
            stderr_lines, len(err_lines)))

    if not failures:
        if not a.keep:
            shutil.rmtree(tdir, ignore_errors=True)
        print('ok: %s (%d report(s))' % (name, len(reports)))
        return 0

    print('FAILED: %s' % name)
    for f in failures:
        print('- ' + f)
    print('\n--- command (cwd %s)' % tdir)
    print('LD_PRELOAD=%s LEAKTRACE_OPTIONS=%s %s' % (
        shlex.quote(lib), shlex.quote(full_options), ' '.join(shlex.quote(c) for c in cmd)))
    print('--- exit status: %s' % ('timeout' if timed_out else status))
    print('--- stdout:\n' + stdout)
    print('--- stderr:\n' + stderr)
    for rname, rep in reports:
        print('--- %s:\n%s' % (rname, dump_report(rep)))
    for path in logs:
        with open(path, encoding='utf-8', errors='replace') as f:
            print('--- %s:\n%s' % (os.path.basename(path), f.read()))
    print('--- files kept in %s' % tdir)
    return 1


if __name__ == '__main__':
    sys.exit(main())
