#!/usr/bin/env python3
"""test_wrapper.py — end-to-end checks of build/bin/leaktrace, one CTest test per case.

    test_wrapper.py --wrapper W --traced P --example E --version V CASE

Each case runs the wrapper as a user would and checks its exit status, its messages and
what reached the runtime (the environment the program saw, the reports it wrote). The
cases are listed in CASES at the bottom; CMake registers one test per name."""

import argparse
import glob
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

ARGS = None
TMP = None


class Failure(Exception):
    pass


def check(cond, what, *detail):
    if not cond:
        raise Failure(what + "".join("\n  " + str(d) for d in detail))


def run(argv, env=None, timeout=60, stdin=subprocess.DEVNULL):
    """Run argv with the test's environment plus env; returns CompletedProcess."""
    full = dict(os.environ)
    full.pop("LEAKTRACE_OPTIONS", None)
    full.pop("LD_PRELOAD", None)
    full.update(env or {})
    return subprocess.run(argv, env=full, stdin=stdin, capture_output=True, text=True,
                          timeout=timeout)


def wrap(*argv, env=None):
    return run([ARGS.wrapper, *argv], env=env)


def show(p):
    return "rc=%d\n  stdout: %r\n  stderr: %r" % (p.returncode, p.stdout, p.stderr)


def load_json(path):
    check(os.path.exists(path), "no JSON report at " + path, os.listdir(TMP))
    with open(path) as f:
        return json.load(f)


def wait_for(pred, what, timeout=20.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        got = pred()
        if got:
            return got
        time.sleep(0.05)
    raise Failure("timed out waiting for " + what)


# --- cases -----------------------------------------------------------------

def case_help():
    for flag in ("--help", "-h"):
        p = wrap(flag)
        check(p.returncode == 0, flag + " must exit 0", show(p))
        check(p.stdout.startswith("usage: leaktrace"), flag + " prints the usage", show(p))
        for opt in ("--log", "--json", "--depth", "--signal", "--exitcode", "--show",
                    "--scan", "--symbolize", "--dump"):
            check(opt in p.stdout, "usage does not mention " + opt, p.stdout)


def case_version():
    p = wrap("--version")
    check(p.returncode == 0, "--version must exit 0", show(p))
    check(p.stdout == "leaktrace %s\n" % ARGS.version, "version is CMake's PROJECT_VERSION",
          show(p))


def case_usage_errors():
    cases = [(["--bogus", ARGS.traced], "--bogus"),
             (["--depth"], "--depth"),
             (["--depth", "many", ARGS.traced], "--depth"),
             (["--scan", "2", ARGS.traced], "--scan"),
             (["--log", "a:b", ARGS.traced], "--log"),
             (["--dump", "abc"], "abc"),
             ([], "no program")]
    for argv, word in cases:
        p = wrap(*argv)
        check(p.returncode == 2, "usage error %r must exit 2" % argv, show(p))
        lines = p.stderr.splitlines()
        check(len(lines) == 2 and word in lines[0] and "--help" in lines[1],
              "usage error %r: one line naming %r, then a hint" % (argv, word), show(p))
        check(p.stdout == "", "a usage error runs nothing", show(p))


def case_missing_program():
    for prog in (os.path.join(TMP, "no-such-program"), "leaktrace-no-such-command"):
        p = wrap(prog)
        check(p.returncode == 127, prog + ": a missing program exits 127", show(p))
        check(p.stderr == "leaktrace: %s: not found\n" % prog, "message names it", show(p))


def case_not_executable():
    plain = os.path.join(TMP, "plain-file")
    with open(plain, "w") as f:
        f.write("#!/bin/sh\nexit 0\n")
    os.chmod(plain, 0o644)
    for prog in (plain, TMP):
        p = wrap(prog)
        check(p.returncode == 126, prog + ": exists but cannot run: exit 126", show(p))
        check(p.stderr.startswith("leaktrace: %s: " % prog), "message names it", show(p))
    # Found on PATH but not executable: a shell says "permission denied", 126.
    p = wrap("plain-file", env={"PATH": TMP + ":" + os.environ["PATH"]})
    check(p.returncode == 126, "non-executable file on PATH: exit 126", show(p))


def case_path_lookup():
    """A bare name is found through PATH, arguments after it are the program's, and the
    runtime is prepended to an LD_PRELOAD the user already had."""
    bindir, name = os.path.split(ARGS.traced)
    env = {"PATH": bindir + ":" + os.environ["PATH"], "LD_PRELOAD": "libm.so.6"}
    p = wrap("--", name, "env", "--bogus", "-o", "x", env=env)
    check(p.returncode == 0, "program found on PATH runs", show(p))
    lib = os.path.realpath(os.path.join(os.path.dirname(ARGS.wrapper), "..", "lib",
                                        "libleaktrace.so"))
    check("LD_PRELOAD=%s:libm.so.6\n" % lib in p.stdout,
          "the runtime is prepended to the user's LD_PRELOAD", show(p))
    check("ARGS=--bogus -o x\n" in p.stdout, "arguments after the program are untouched",
          show(p))
    check("LEAKTRACE_OPTIONS=\n" in p.stdout, "no flags, no options", show(p))


def case_options_append():
    """Flags are appended to LEAKTRACE_OPTIONS the user set, and reach the runtime."""
    out = os.path.join(TMP, "r.json")
    p = wrap("--depth", "1", "--show=all", "--", ARGS.traced, "env",
             env={"LEAKTRACE_OPTIONS": "json=" + out})
    check(p.returncode == 0, "traced program runs", show(p))
    check("LEAKTRACE_OPTIONS=json=%s:depth=1:show=all\n" % out in p.stdout,
          "the flags follow the user's options", show(p))
    report = load_json(out)
    check(report["leaks"], "the report lists the leak", report)
    for leak in report["leaks"]:
        check(len(leak["frames"]) <= 1, "--depth 1 keeps one frame", leak)


def case_json():
    out = os.path.join(TMP, "out.json")
    p = wrap("--json", out, ARGS.traced)
    check(p.returncode == 0, "traced program exits 0", show(p))
    report = load_json(out)
    check(report.get("leaktrace") == 1 and report.get("trigger") == "exit",
          "an exit report in schema 1", report)
    check(any(l["kind"] == "direct" and l["bytes"] == 40 and l["blocks"] == 1
              for l in report["leaks"]), "the 40-byte direct leak is in it", report)


def case_log():
    pattern = os.path.join(TMP, "log.%p.txt")
    p = wrap("-o", pattern, ARGS.traced)
    check(p.returncode == 0, "traced program exits 0", show(p))
    logs = glob.glob(os.path.join(TMP, "log.*.txt"))
    check(len(logs) == 1 and logs[0].split(".")[-2].isdigit(), "-o FILE with %p names the "
          "log after the pid", logs)
    with open(logs[0]) as f:
        text = f.read()
    check("Direct leak of 40 bytes in 1 blocks" in text or
          "Direct leak of 40 bytes in 1 block" in text, "the log holds the report", text)


def case_exitcode():
    for argv in (["--exitcode", "23"], ["--exitcode=23"]):
        p = wrap(*argv, ARGS.traced)
        check(p.returncode == 23, "%r on a leaking program exits 23" % argv, show(p))
    p = wrap("--exitcode", "23", "--", "/bin/true")
    check(p.returncode == 0, "--exitcode without leaks keeps the status", show(p))


def start_waiting(*flags, env=None):
    """Start the traced program in wait mode under the wrapper; returns (Popen, pid)."""
    full = dict(os.environ)
    full.pop("LEAKTRACE_OPTIONS", None)
    full.update(env or {})
    proc = subprocess.Popen([ARGS.wrapper, *flags, "--", ARGS.traced, "wait"], env=full,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    line = proc.stdout.readline()
    if not line.startswith("ready "):
        proc.kill()
        raise Failure("traced program did not start: %r" % line)
    return proc, int(line.split()[1])


def finish(proc):
    proc.stdin.close()
    try:
        return proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        raise Failure("traced program did not exit after EOF")


def case_dump():
    """--dump PID makes a running traced program write a live report, then it goes on."""
    pattern = os.path.join(TMP, "r.%n.json")
    proc, pid = start_waiting("--json", pattern)
    try:
        p = wrap("--dump", str(pid))
        check(p.returncode == 0, "--dump of a traced process exits 0", show(p))
        check("SIGUSR1" in p.stdout and pattern in p.stdout,
              "--dump says which signal it sent and where the JSON goes", show(p))

        def live():
            for path in glob.glob(os.path.join(TMP, "r.*.json")):
                try:
                    with open(path) as f:
                        r = json.load(f)
                except (OSError, ValueError):
                    continue
                if r.get("trigger") == "signal":
                    return r
            return None

        report = wait_for(live, "a live report (trigger signal)")
        check(report["pid"] == pid, "the live report is the traced process's", report)
        check(any(l["kind"] == "direct" and l["bytes"] == 40 for l in report["leaks"]),
              "the live report shows the leak", report)
    finally:
        rc = finish(proc)
    check(rc == 0, "the program goes on and exits normally after the live report", rc)
    reports = glob.glob(os.path.join(TMP, "r.*.json"))
    triggers = sorted(load_json(path)["trigger"] for path in reports)
    check(triggers == ["exit", "signal"], "one live and one exit report", triggers)


def case_dump_errors():
    pid = 4194304
    while os.path.exists("/proc/%d" % pid):
        pid -= 1
    p = wrap("--dump", str(pid))
    check(p.returncode == 1 and "no process" in p.stderr, "--dump of no process", show(p))

    plain = subprocess.Popen(["sleep", "30"])
    try:
        p = wrap("--dump", str(plain.pid))
        check(p.returncode == 1 and "not traced" in p.stderr,
              "--dump of an untraced process", show(p))
    finally:
        plain.kill()
        plain.wait()

    proc, pid = start_waiting("--signal", "none")
    try:
        p = wrap("--dump", str(pid))
        check(p.returncode == 1 and "signal=none" in p.stderr,
              "--dump of a process with live reports disabled", show(p))
        # Another user may not look inside the process: as root, ask as nobody.
        if os.geteuid() == 0 and shutil.which("setpriv") and os.access(ARGS.wrapper, os.X_OK):
            p = run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                     ARGS.wrapper, "--dump", str(pid)])
            check(p.returncode == 1 and "permission denied" in p.stderr,
                  "--dump of another user's process", show(p))
    finally:
        finish(proc)


def case_example():
    """The bundled example shows every kind with the sizes its header promises."""
    out = os.path.join(TMP, "leaky.json")
    p = wrap("--json", out, "--show", "all", ARGS.example)
    check(p.returncode == 0, "leaky exits 0", show(p))
    report = load_json(out)
    s = report["summary"]
    want = {"direct": (80, 2), "indirect": (64, 1), "possible": (100, 1)}
    for kind, (nbytes, blocks) in want.items():
        check((s[kind]["bytes"], s[kind]["blocks"]) == (nbytes, blocks),
              "summary %s is %d bytes in %d blocks" % (kind, nbytes, blocks), s)
    tops = {(l["kind"], l["bytes"]): l["frames"][0].get("function") for l in report["leaks"]}
    for key, fn in {("direct", 48): "make_direct_leak", ("direct", 32): "make_lost_tree",
                    ("indirect", 64): "make_lost_tree", ("possible", 100): "make_possible_leak",
                    ("reachable", 256): "make_reachable"}.items():
        check(tops.get(key) == fn, "%s leak of %d bytes comes from %s" % (key + (fn,)), tops)
    check("Direct leak of 48 bytes" in p.stderr and "SUMMARY:" in p.stderr,
          "the text report goes to stderr", p.stderr)


CASES = {name[len("case_"):]: fn for name, fn in globals().items() if name.startswith("case_")}


def main():
    global ARGS, TMP
    ap = argparse.ArgumentParser()
    ap.add_argument("--wrapper", required=True)
    ap.add_argument("--traced", required=True)
    ap.add_argument("--example", required=True)
    ap.add_argument("--version", required=True)
    ap.add_argument("case", choices=sorted(CASES))
    ARGS = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="lt-wrapper-") as tmp:
        TMP = tmp
        try:
            CASES[ARGS.case]()
        except Failure as e:
            print("FAIL wrapper.%s: %s" % (ARGS.case, e))
            return 1
    print("ok wrapper." + ARGS.case)
    return 0


if __name__ == "__main__":
    sys.exit(main())
