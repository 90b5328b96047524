#!/usr/bin/env python3
"""leaktrace-symbolize agrees with binutils addr2line -f -i -C on every call site of a
binary: a synthetic raw report holds one frame per call instruction (pc = the
instruction + 1, as a return address - 1 gives), the tool symbolizes it, and each
expanded chain must match addr2line's: function names, file basenames, lines, and how
many inlined frames.

binutils sometimes names the compile unit's own file for a line that the line table
puts in a header the unit includes (a static inline function of a .h emitted out of
line at -O0, a .c file #included by another). When only file names differ, elfutils'
eu-addr2line, which reads the line table as we do, is asked and decides.

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


def eu_files(binary, offsets):
    """Per offset, the file basenames of eu-addr2line's chain."""
    out = subprocess.run(['eu-addr2line', '-i', '-a', '-e', binary],
                         input=''.join('0x%x\n' % o for o in offsets), check=True,
                         capture_output=True, text=True).stdout.splitlines()
    files, cur = {}, None
    for line in out:
        if line.startswith('0x'):
            cur = int(line, 16)
            files[cur] = []
        else:
            m = re.match(r'^(.*?):(\d+|\?)(?::\d+)?$', line)
            files[cur].append(os.path.basename(m.group(1) if m else line))
    return files


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
    failures, total, inlined, settled = [], 0, 0, 0
    for binary in a.binaries:
        binary = os.path.realpath(binary)
        offsets = call_sites(binary)
        ref = addr2line_chains(binary, offsets)
        ours = tool_chains(a.tool, binary, offsets)
        disputed = {}
        for off in offsets:
            want = [(fn, f if line else '??', line) for fn, f, line in ref.get(off, [])]
            got = ours[off]
            if want == [('??', '??', 0)] and got[0][0] == '??':
                continue
            total += 1
            inlined += sum(1 for g in got if g[3])
            mine = [(fn, f if line else '??', line) for fn, f, line, _ in got]
            marks = [g[3] for g in got]
            if marks != [True] * (len(got) - 1) + [False]:
                failures.append('%s+0x%x: inlined marks %r' % (os.path.basename(binary), off,
                                                                marks))
            elif [(fn, line) for fn, _, line in mine] == [(fn, line) for fn, _, line in want] \
                    and mine != want:
                disputed[off] = (want, mine)
            elif mine != want:
                failures.append('%s+0x%x:\n  addr2line %r\n  ours      %r' % (
                    os.path.basename(binary), off, want, got))
        eu = eu_files(binary, list(disputed)) if disputed else {}
        settled += len(disputed)
        for off, (want, mine) in disputed.items():
            if [f for _, f, _ in mine] != eu.get(off):
                failures.append('%s+0x%x:\n  addr2line %r\n  eu-addr2line files %r\n'
                                '  ours      %r' % (os.path.basename(binary), off, want,
                                                    eu.get(off), mine))
    print('%d call sites compared, %d inlined frames, %d differences (%d file-name'
          ' disputes put to eu-addr2line)' % (total, inlined, len(failures), settled))
    print('\n'.join(failures[:20]))
    return 1 if failures or total == 0 else 0


if __name__ == '__main__':
    sys.exit(main())
