#!/usr/bin/env python3
"""Offline symbolization gives the report the runtime gives in-process.

  roundtrip.py --lib libleaktrace.so --tool leaktrace-symbolize -- PROG [ARGS]

runs PROG twice under the runtime with scan=0: once symbolizing in-process, once with
symbolize=0 (frames keep only pc/module/offset), then symbolizes the second report with
the tool, as JSON and as text. Both must match the in-process report frame for frame
(function, file, line, inlined, module, offset; the pc differs with ASLR), summary and
leak order included; the text reports must match line for line, pcs and pids aside.

  roundtrip.py ... --debug-dir DIR --expect-top NAME -- PROG

checks instead that the tool, given DIR for separate debug info the runtime does not
search, names frame 0 of some leak NAME.
"""

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile


def run_prog(lib, prog, tdir, tag, extra):
    env = dict(os.environ)
    env['LD_PRELOAD'] = lib
    env['LEAKTRACE_OPTIONS'] = 'scan=0:json=%s/%s.json:log=%s/%s.txt%s' % (
        tdir, tag, tdir, tag, extra)
    proc = subprocess.run(prog, env=env, cwd=tdir, stdin=subprocess.DEVNULL,
                          capture_output=True, timeout=100)
    if proc.returncode != 0:
        sys.exit('%s run exited %d: %s' % (tag, proc.returncode, proc.stderr.decode()))
    with open(os.path.join(tdir, tag + '.json')) as f:
        return json.load(f)


def run_tool(tool, args):
    proc = subprocess.run([tool] + args, capture_output=True, timeout=100)
    if proc.returncode != 0:
        sys.exit('%s %s exited %d: %s' % (tool, ' '.join(args), proc.returncode,
                                          proc.stderr.decode()))
    return proc.stdout.decode()


def frames_of(report):
    return [[{k: v for k, v in f.items() if k != 'pc'} for f in leak['frames']]
            for leak in report['leaks']]


def leaks_of(report):
    return [(l['kind'], l['bytes'], l['blocks']) for l in report['leaks']]


def normalize_text(text):
    text = re.sub(r'==\d+==', '==PID==', text)
    return re.sub(r'(#\d+) 0x[0-9a-f]+', r'\1 PC', text)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--lib', required=True)
    ap.add_argument('--tool', required=True)
    ap.add_argument('--debug-dir')
    ap.add_argument('--expect-top')
    ap.add_argument('prog', nargs=argparse.REMAINDER)
    a = ap.parse_args()
    prog = a.prog[1:] if a.prog and a.prog[0] == '--' else a.prog
    prog[0] = os.path.abspath(prog[0])
    tdir = tempfile.mkdtemp(prefix='lt-roundtrip-')
    failures = []
    try:
        raw = run_prog(a.lib, prog, tdir, 'raw', ':symbolize=0')
        for leak in raw['leaks']:
            for f in leak['frames']:
                if set(f) - {'pc', 'module', 'offset'}:
                    failures.append('symbolize=0 report has a symbolized frame: %r' % f)
        raw_path = os.path.join(tdir, 'raw.json')
        extra = ['--debug-dir', a.debug_dir] if a.debug_dir else []

        if a.expect_top:
            out = json.loads(run_tool(a.tool, extra + [raw_path]))
            tops = [l['frames'][0].get('function') for l in out['leaks'] if l['frames']]
            if a.expect_top not in tops:
                failures.append('no leak has frame 0 %r; frame 0 functions: %r' % (
                    a.expect_top, tops))
        else:
            ref = run_prog(a.lib, prog, tdir, 'ref', '')
            out_path = os.path.join(tdir, 'out.json')
            run_tool(a.tool, extra + ['-o', out_path, raw_path])
            with open(out_path) as f:
                out = json.load(f)
            if leaks_of(out) != leaks_of(ref):
                failures.append('leaks differ:\n in-process %r\n offline    %r' % (
                    leaks_of(ref), leaks_of(out)))
            if out['summary'] != raw['summary']:
                failures.append('the tool changed the summary')
            if out['summary'] != ref['summary']:
                failures.append('summaries differ:\n in-process %r\n offline    %r' % (
                    ref['summary'], out['summary']))
            for i, (fr, fo) in enumerate(zip(frames_of(ref), frames_of(out))):
                if fr != fo:
                    failures.append('leak %d frames differ:\n in-process %s\n offline    %s' % (
                        i, json.dumps(fr, indent=1), json.dumps(fo, indent=1)))
            if not any(f.get('function') for leak in out['leaks'] for f in leak['frames']):
                failures.append('the tool named no function at all')
            text = run_tool(a.tool, extra + ['--text', raw_path])
            with open(os.path.join(tdir, 'ref.txt')) as f:
                ref_text = f.read()
            if normalize_text(text) != normalize_text(ref_text):
                failures.append('text reports differ:\n--- in-process\n%s\n--- offline\n%s' % (
                    ref_text, text))
    finally:
        if failures:
            print('\n'.join(failures))
            print('(test directory kept: %s)' % tdir)
        else:
            shutil.rmtree(tdir, ignore_errors=True)
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main())
