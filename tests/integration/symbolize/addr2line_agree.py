#!/usr/bin/env python3
"""leaktrace-symbolize agrees with binutils addr2line -f -i -C on every call site of a
binary: a synthetic raw report holds one frame per call instruction (pc = the
instruction + 1, as a return address - 1 gives), the tool symbolizes it, and each
expanded chain must match addr2line's: function names, file basenames, lines, and how
many inlined frames.

  addr2line_agree.py --tool leaktrace-symbolize BINARY...
"""

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile


def call_sites(binary):
    dis = subprocess.run(['objdump', '-d', '--no-show-raw-insn', binary], check=True,
                         capture_output=True, text=True).stdout
    return [int(m.group(1), 16) + 1 for m in re.finditer(r'^ *([0-9a-f]+):\s+call', dis, re.M)]


def addr2line_chains(binary, offsets):
    out = subprocess.run(['addr2line', '-f', '-i', '-C', '-a', '-e', binary],
                         input=''.join('0x%x\n' % o for o in offsets), check=True,
                         capture_output=True, text=True).stdout.splitlines()
    chains, cur, i = {}, None, 0
    while i < len(out):
        if out[i].startswith('0x'):
            cur = int(out[i], 16)
            chains[cur] = []
            i += 1
            continue
        loc = re.sub(r' \(discriminator \d+\)$', '', out[i + 1])
        path, _, line = loc.rpartition(':')
        chains[cur].append((out[i], os.path.basename(path), 0 if line == '?' else int(line)))
        i += 2
    return chains


def tool_chains(tool, binary, offsets):
    leaks = [{'kind': 'unfreed', 'bytes': 1, 'blocks': 1,
              'frames': [{'pc': '0x%x' % o, 'module': binary, 'offset': '0x%x' % o}]}
             for o in offsets]
    report = {'leaktrace': 1, 'pid': 1, 'exe': binary, 'trigger': 'exit',
              'summary': {'unfreed': {'bytes': len(leaks), 'blocks': len(leaks)},
                          'suppressed': {'bytes': 0, 'blocks': 0},
                          'allocations': len(leaks), 'frees': 0, 'peak_bytes': 0},
              'leaks': leaks}
    with tempfile.NamedTemporaryFile('w', suffix='.json') as f:
        json.dump(report, f)
        f.flush()
        out = json.loads(subprocess.run([tool, f.name], check=True, capture_output=True,
                                        text=True).stdout)
    chains = {}
    for off, leak in zip(offsets, out['leaks']):
        chains[off] = [(fr.get('function', '??'), os.path.basename(fr.get('file', '??')),
                        fr.get('line', 0), bool(fr.get('inlined'))) for fr in leak['frames']]
    return chains


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--tool', required=True)
    ap.add_argument('binaries', nargs='+')
    a = ap.parse_args()
    failures, total, inlined = [], 0, 0
    for binary in a.binaries:
        binary = os.path.realpath(binary)
        offsets = call_sites(binary)
        ref = addr2line_chains(binary, offsets)
        ours = tool_chains(a.tool, binary, offsets)
        for off in offsets:
            want = [(fn, f if line else '??', line) for fn, f, line in ref.get(off, [])]
            got = ours[off]
            if want == [('??', '??', 0)] and got[0][0] == '??':
                continue
            total += 1
            inlined += sum(1 for g in got if g[3])
            marks = [g[3] for g in got]
            if [(fn, f if line else '??', line) for fn, f, line, _ in got] != want or \
                    marks != [True] * (len(got) - 1) + [False]:
                failures.append('%s+0x%x:\n  addr2line %r\n  ours      %r' % (
                    os.path.basename(binary), off, want, got))
    print('%d call sites compared, %d inlined frames, %d differences' % (
        total, inlined, len(failures)))
    print('\n'.join(failures[:20]))
    return 1 if failures or total == 0 else 0


if __name__ == '__main__':
    sys.exit(main())
