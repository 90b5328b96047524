#!/bin/sh
# symbolize.sh — how fast leaktrace-symbolize turns a big raw report into a symbolized one.
#
#   scripts/bench/symbolize.sh [BUILD_DIR] [PYTHON]
#
# Runs PYTHON (default: python3 on PATH; a build with DWARF, like pyenv's, exercises the
# DWARF path) with PYTHONMALLOC=malloc under the runtime with scan=0 and symbolize=0,
# importing a few dozen stdlib modules so that the live blocks at exit come from
# thousands of distinct stacks. Then times the offline tool on that report (JSON and
# text output) and prints the report's size: leaks, frames, distinct (module, offset)
# pairs, and how many of those the tool named.
#
# Second, the worst case the symbolizer is sized for: a synthetic report of 10,000
# distinct frames, every call instruction + 1 (the pc a return address gives) of the
# python's libpython (or binary) and libc, shuffled, 1,000 leaks of 10 frames — so
# nearly every compile unit's line table has to be read.
set -eu
build=${1:-build}
python=${2:-$(command -v python3)}
lib=$build/lib/libleaktrace.so
tool=$build/bin/leaktrace-symbolize
for f in "$lib" "$tool"; do
  [ -e "$f" ] || { echo "symbolize.sh: $f missing; build first" >&2; exit 1; }
done
# The interpreter itself, not a launcher script (pyenv's shims are shell scripts).
python=$("$python" -c 'import os, sys; print(os.path.realpath(sys.executable))')
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

PYTHONMALLOC=malloc LD_PRELOAD=$(readlink -f "$lib") \
LEAKTRACE_OPTIONS="scan=0:symbolize=0:json=$tmp/raw.json:log=$tmp/raw.txt" \
  "$python" -c '
import argparse, asyncio, collections, csv, dataclasses, datetime, decimal, difflib
import email.parser, fractions, ftplib, gettext, glob, gzip, hashlib, heapq, html.parser
import http.client, inspect, ipaddress, json, logging, mailbox, pathlib, pickle, pprint
import pydoc, random, re, shlex, smtplib, sqlite3, statistics, string, tarfile, textwrap
import threading, tokenize, typing, unittest, urllib.request, uuid, xml.dom.minidom, zipfile
data = [dict(i=i, s=str(i) * 3, t=(i, i + 1)) for i in range(20000)]
json.loads(json.dumps(data))
'

echo "report: $(wc -c < "$tmp/raw.json") bytes"
python3 - "$tmp/raw.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
frames = [f for l in r['leaks'] for f in l['frames']]
distinct = {(f.get('module'), f.get('offset')) for f in frames if f.get('module')}
print('leaks: %d, frames: %d, distinct (module, offset): %d, modules: %d' % (
    len(r['leaks']), len(frames), len(distinct), len({m for m, _ in distinct})))
PY

"$tool" -o "$tmp/sym.json" "$tmp/raw.json"
python3 - "$tmp/sym.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
frames = [f for l in r['leaks'] for f in l['frames']]
named = {(f.get('module'), f.get('offset')) for f in frames if f.get('function')}
lines = {(f.get('module'), f.get('offset')) for f in frames if f.get('line')}
inl = sum(1 for f in frames if f.get('inlined'))
print('after: frames: %d (%d inlined), distinct named: %d, with file:line: %d' % (
    len(frames), inl, len(named), len(lines)))
PY

libpython=$(ldd "$python" | sed -n 's/.*libpython[^ ]* => \([^ ]*\) .*/\1/p')
libc=$(ldd "$python" | sed -n 's/.*libc\.so\.6 => \([^ ]*\) .*/\1/p')
python3 - "${libpython:-$python}" "$libc" "$tmp/synthetic.json" <<'PY'
import json, random, re, subprocess, sys
random.seed(1)
sites = []
for mod in sys.argv[1:3]:
    dis = subprocess.run(['objdump', '-d', '--no-show-raw-insn', mod], capture_output=True,
                         text=True, check=True).stdout
    sites += [(mod, int(m.group(1), 16) + 1)
              for m in re.finditer(r'^ *([0-9a-f]+):\s+call', dis, re.M)]
sites = random.sample(sites, 10000)
leaks = [{'kind': 'unfreed', 'bytes': 10000 - i, 'blocks': 1,
          'frames': [{'pc': '0x%x' % (0x7f0000000000 + off), 'module': mod, 'offset': '0x%x' % off}
                     for mod, off in sites[i * 10:i * 10 + 10]]} for i in range(1000)]
summary = {'unfreed': {'bytes': sum(l['bytes'] for l in leaks), 'blocks': 1000},
           'suppressed': {'bytes': 0, 'blocks': 0}, 'allocations': 1000, 'frees': 0,
           'peak_bytes': 0}
json.dump({'leaktrace': 1, 'pid': 1, 'exe': sys.argv[1], 'trigger': 'exit',
           'summary': summary, 'leaks': leaks}, open(sys.argv[3], 'w'))
print('synthetic: 1000 leaks, 10000 distinct frames from %s and %s' % tuple(sys.argv[1:3]))
PY

echo "CPU and memory of one run (the machine's load inflates wall time, not CPU time):"
/usr/bin/time -f "  python report:    %U s user + %S s sys, %e s wall, %M KiB max RSS" \
  "$tool" -o "$tmp/out.json" "$tmp/raw.json"
/usr/bin/time -f "  synthetic report: %U s user + %S s sys, %e s wall, %M KiB max RSS" \
  "$tool" -o "$tmp/out.json" "$tmp/synthetic.json"
if command -v hyperfine >/dev/null 2>&1; then
  hyperfine -N -w 1 -r 5 \
    "$tool -o $tmp/out.json $tmp/raw.json" \
    "$tool --text -o $tmp/out.txt $tmp/raw.json" \
    "$tool -o $tmp/out.json $tmp/synthetic.json"
fi
