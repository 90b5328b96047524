#!/usr/bin/env python3
"""stack_check.py — is leaktrace's allocation stack as complete as a debugger's?

    scripts/bench/stack_check.py [--build DIR] [--work DIR]

Runs a small perl script under leaktrace (scan=0, depth=256, so every block perl leaves
at exit is reported with its full stack) and picks the deepest single-block stack. Then
it runs the same script under gdb with breakpoints on malloc, calloc and realloc, stops at
the call whose size and innermost callers (module + offset) match that stack, and takes
gdb's backtrace there. It prints both depths and how many frames agree: a complete
unwinder keeps every frame gdb sees, down to _start."""

import argparse
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
PERL_SCRIPT = ("my %h; $h{$_} = [$_ x 3, {n => $_}] for 1..50; "
               "my @s = sort { $a <=> $b } keys %h; print scalar(@s), qq{\\n};")
MATCH = 6  # innermost frames that must agree to accept a gdb stop as the same allocation

# Runs inside gdb: stop at the allocation described in TARGET, write gdb's frames to OUT.
GDB_SCRIPT = r'''
import gdb, json, os

T = json.load(open(%(target)r))
want = [(f["module"], f["offset"]) for f in T["frames"][:%(match)d]]
size = T["size"]
biases = {}

def bias_of(module):
    """Load bias of a module in the inferior: 0 for ET_EXEC, else its lowest mapping."""
    if module not in biases:
        pid = gdb.selected_inferior().pid
        low = None
        with open("/proc/%%d/maps" %% pid) as f:
            for line in f:
                parts = line.split()
                if len(parts) >= 6 and os.path.basename(parts[5]) == module:
                    start = int(parts[0].split("-")[0], 16) - int(parts[2], 16)
                    low = start if low is None else min(low, start)
        with open(path_of[module], "rb") as f:
            exec_type = f.read(18)[16] == 2
        biases[module] = 0 if exec_type else low
    return biases[module]

path_of = {}

def where(pc):
    """(module basename, offset) of a code address, like leaktrace's frames."""
    name = gdb.solib_name(pc) or gdb.current_progspace().filename
    module = os.path.basename(name)
    path_of[module] = name
    return module, pc - bias_of(module)

def chain(limit=None):
    out, f = [], gdb.newest_frame().older()
    while f is not None and (limit is None or len(out) < limit):
        out.append(where(f.pc()))
        f = f.older()
    return out

def same(a, b):
    return all(x[0] == y[0] and abs(x[1] - y[1]) <= 1 for x, y in zip(a, b))

class Alloc(gdb.Breakpoint):
    def __init__(self, spec, size_of):
        super().__init__(spec, internal=True)
        self.size_of = size_of

    def stop(self):
        if self.size_of() != size:
            return False
        got = chain(len(want))
        if len(got) < len(want) or not same(got, want):
            return False
        full = chain()
        json.dump({"frames": [[m, o] for m, o in full]}, open(%(out)r, "w"))
        return True

def reg(name):
    return int(gdb.parse_and_eval("$" + name)) & 0xffffffffffffffff

gdb.execute("set pagination off")
gdb.execute("set confirm off")
gdb.execute("set backtrace past-main on")
gdb.execute("set backtrace past-entry on")
gdb.execute("starti", to_string=True)
gdb.execute("catch load libc\\.so\\.6")
gdb.execute("continue", to_string=True)
gdb.execute("delete")
Alloc("*malloc", lambda: reg("rdi"))
Alloc("*calloc", lambda: reg("rdi") * reg("rsi"))
Alloc("*realloc", lambda: reg("rsi"))
gdb.execute("continue", to_string=True)
gdb.execute("kill")
'''


def leaktrace_stack(lib, work):
    """Run the perl script under leaktrace; return the deepest single-block stack."""
    report = os.path.join(work, "stack-check.json")
    env = dict(os.environ, LD_PRELOAD=lib,
               LEAKTRACE_OPTIONS="scan=0:depth=256:json=%s:log=%s/stack-check.txt"
               % (report, work))
    subprocess.run(["perl", "-e", PERL_SCRIPT], env=env, check=True,
                   stdout=subprocess.DEVNULL)
    with open(report) as f:
        leaks = json.load(f)["leaks"]
    single = [l for l in leaks if l["blocks"] == 1 and l["frames"]]
    best = max(single, key=lambda l: len(l["frames"]))
    frames = [{"module": os.path.basename(f.get("module", "?")),
               "offset": int(f["offset"], 16),
               "function": f.get("function", "?")} for f in best["frames"]]
    return {"size": best["bytes"], "frames": frames}


def gdb_stack(target, work):
    """Run the perl script under gdb; return gdb's frames at the matching allocation."""
    tpath, out = os.path.join(work, "stack-target.json"), os.path.join(work, "stack-gdb.json")
    with open(tpath, "w") as f:
        json.dump(target, f)
    if os.path.exists(out):
        os.unlink(out)
    script = os.path.join(work, "stack-check-gdb.py")
    with open(script, "w") as f:
        f.write(GDB_SCRIPT % {"target": tpath, "out": out, "match": MATCH})
    subprocess.run(["gdb", "-batch", "-nx", "-x", script, "--args", "perl", "-e",
                    PERL_SCRIPT], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   timeout=600)
    if not os.path.exists(out):
        return None
    with open(out) as f:
        return [(m, o) for m, o in json.load(f)["frames"]]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build", default=os.path.join(REPO, "build"))
    ap.add_argument("--work")
    args = ap.parse_args()
    work = os.path.abspath(args.work or tempfile.mkdtemp(prefix="lt-stack-"))
    os.makedirs(work, exist_ok=True)
    lib = os.path.abspath(os.path.join(args.build, "lib", "libleaktrace.so"))

    target = leaktrace_stack(lib, work)
    ours = [(f["module"], f["offset"]) for f in target["frames"]]
    theirs = gdb_stack(target, work)
    print("Stack completeness (perl, deepest single-block stack of %d bytes):" %
          target["size"])
    if theirs is None:
        print("  gdb never stopped at an allocation of that size with the same %d innermost "
              "frames; no comparison" % MATCH)
        return 1
    agree = 0
    for a, b in zip(ours, theirs):
        if a[0] != b[0] or abs(a[1] - b[1]) > 1:
            break
        agree += 1
    print("  leaktrace frames: %d   gdb frames (callers of the allocator): %d   "
          "identical from the top: %d" % (len(ours), len(theirs), agree))
    last = target["frames"][-1]
    print("  outermost frame: leaktrace %s (%s+0x%x), gdb %s+0x%x" %
          (last["function"], last["module"], last["offset"], theirs[-1][0], theirs[-1][1]))
    return 0 if agree == len(theirs) == len(ours) else 1


if __name__ == "__main__":
    sys.exit(main())
