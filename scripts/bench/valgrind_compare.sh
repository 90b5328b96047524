#!/usr/bin/env bash
# valgrind_compare.sh — leaktrace's verdicts next to valgrind memcheck's, on a few real
# programs: direct / indirect / possible / reachable bytes and blocks, side by side, with
# every direct or indirect difference over 1% flagged.
#
#   scripts/bench/valgrind_compare.sh [path/to/libleaktrace.so]
#
# Default library: build/lib/libleaktrace.so next to this script's repository. Exits 1
# when a flagged difference exists. Needs valgrind, python3, perl, php, sqlite3.
set -euo pipefail

here=$(cd "$(dirname "$0")/../.." && pwd)
lib=${1:-$here/build/lib/libleaktrace.so}
[ -f "$lib" ] || { echo "no runtime at $lib (build first, or pass its path)" >&2; exit 2; }
command -v valgrind >/dev/null || { echo "valgrind is not installed" >&2; exit 2; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The real interpreter binary: valgrind must not run a wrapper script (pyenv's shim).
py=$(python3 -c 'import sys; print(sys.executable)')

names=(python perl php sqlite3)
cmds=(
  "$py -c pass"
  "$(command -v perl) -e 1"
  "$(command -v php) -r echo\\ 1;"
  "$(command -v sqlite3) :memory: select\\ 1"
)

for i in "${!names[@]}"; do
  name=${names[$i]}
  eval "set -- ${cmds[$i]}"
  valgrind --leak-check=full --log-file="$work/$name.vg" "$@" >/dev/null 2>&1 || true
  LD_PRELOAD=$lib LEAKTRACE_OPTIONS="json=$work/$name.json:log=$work/$name.log" \
    "$@" >/dev/null 2>&1 || true
done

python3 - "$work" "${names[@]}" <<'PY'
import json, re, sys

work, names = sys.argv[1], sys.argv[2:]
KINDS = [("direct", "definitely lost"), ("indirect", "indirectly lost"),
         ("possible", "possibly lost"), ("reachable", "still reachable")]

def memcheck(path):
    text = open(path).read()
    out = {k: (0, 0) for k, _ in KINDS}
    for kind, label in KINDS:
        m = re.search(label + r": ([\d,]+) bytes in ([\d,]+) blocks", text)
        if m:
            out[kind] = (int(m.group(1).replace(",", "")), int(m.group(2).replace(",", "")))
    if not re.search(r"LEAK SUMMARY|All heap blocks were freed", text):
        return None
    return out

def leaktrace(path):
    try:
        s = json.load(open(path))["summary"]
    except (OSError, ValueError, KeyError):
        return None
    return {k: (s[k]["bytes"], s[k]["blocks"]) for k, _ in KINDS}

def differs(a, b):
    return abs(a - b) > 0.01 * max(a, b) and a != b

flagged = 0
print("%-8s %-10s %24s %24s  %s" % ("program", "kind", "memcheck bytes/blocks",
                                    "leaktrace bytes/blocks", ""))
for name in names:
    vg, lt = memcheck("%s/%s.vg" % (work, name)), leaktrace("%s/%s.json" % (work, name))
    if vg is None or lt is None:
        print("%-8s %s" % (name, "no memcheck summary" if vg is None else "no leaktrace report"))
        flagged += 1
        continue
    for kind, _ in KINDS:
        (vb, vn), (lb, ln) = vg[kind], lt[kind]
        flag = ""
        if kind in ("direct", "indirect") and (differs(vb, lb) or differs(vn, ln)):
            flag = "<-- differs by more than 1%"
            flagged += 1
        print("%-8s %-10s %24s %24s  %s" % (name, kind, "%d / %d" % (vb, vn),
                                            "%d / %d" % (lb, ln), flag))
sys.exit(1 if flagged else 0)
PY
