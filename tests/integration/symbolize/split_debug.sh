#!/bin/sh
# split_debug.sh debuglink PROG         move PROG's debug info to PROG.debug next to it,
#                                       found through .gnu_debuglink
# split_debug.sh build-id PROG DIR      move it to DIR/.build-id/xx/rest.debug, found by
#                                       build-id only (no debuglink)
# Either way PROG is left with no .symtab and no DWARF (objcopy --strip-all), the way
# distributions ship binaries.
set -eu
mode=$1 prog=$2
case $mode in
debuglink)
  objcopy --only-keep-debug "$prog" "$prog.debug"
  (cd "$(dirname "$prog")" && objcopy --strip-all --add-gnu-debuglink="$(basename "$prog").debug" "$(basename "$prog")")
  ;;
build-id)
  dir=$3
  id=$(readelf -n "$prog" | sed -n 's/^ *Build ID: *\([0-9a-f]*\)$/\1/p')
  [ -n "$id" ] || { echo "split_debug.sh: $prog has no build-id" >&2; exit 1; }
  sub=$(printf %s "$id" | cut -c1-2) rest=$(printf %s "$id" | cut -c3-)
  mkdir -p "$dir/.build-id/$sub"
  objcopy --only-keep-debug --compress-debug-sections=zlib "$prog" "$dir/.build-id/$sub/$rest.debug"
  objcopy --strip-all "$prog"
  ;;
*)
  echo "split_debug.sh: unknown mode $mode" >&2
  exit 2
  ;;
esac
