#!/bin/sh
# scan.sh — what the exit report costs on a big heap: scan_bench.c (1M blocks of ~1 KiB
# wired with pointers, a fifth of them left unreachable or only possibly reachable) run
# natively and under leaktrace, interleaved.
#
#   scripts/bench/scan.sh [BUILD_DIR] [RUNS] [BLOCKS]     (defaults: build, 3, 1048576)
#
# Each run prints the time it calls exit(); the time the process ends is taken when its
# stdout closes. The exit-report time is the median of (end - exit) under leaktrace minus
# the median natively (which is what tearing down a 1 GiB process costs anyway). Wall
# time: run it on an idle machine (the load average is printed).
set -eu
build=${1:-build}
runs=${2:-3}
blocks=${3:-1048576}
lib=$(readlink -f "$build/lib/libleaktrace.so")
[ -e "$lib" ] || { echo "scan.sh: $build/lib/libleaktrace.so missing; build first" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cc -O2 -o "$tmp/scan_bench" "$(dirname "$0")/scan_bench.c"

# One run: milliseconds from exit() to the end of the process. Arguments: env settings.
run() {
  t_exit=$(env "$@" "$tmp/scan_bench" "$blocks")
  t_end=$(date +%s%N)
  echo $(( (t_end - t_exit) / 1000000 ))
}

median() {
  sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}

echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
: > "$tmp/native"
: > "$tmp/traced"
i=0
while [ "$i" -lt "$runs" ]; do
  run >> "$tmp/native"
  run LD_PRELOAD="$lib" LEAKTRACE_OPTIONS="log=$tmp/report.txt" >> "$tmp/traced"
  i=$((i + 1))
done
native=$(median < "$tmp/native")
traced=$(median < "$tmp/traced")
echo "native:     exit to end $native ms (runs: $(tr '\n' ' ' < "$tmp/native"))"
echo "leaktrace:  exit to end $traced ms (runs: $(tr '\n' ' ' < "$tmp/traced"))"
echo "exit report: $((traced - native)) ms (median of $runs, $blocks blocks)"
grep '^SUMMARY' "$tmp/report.txt" | tail -n 1
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
