#!/usr/bin/env bash
# setup-and-demo.sh — from a fresh Debian 12 checkout to a first leak report: installs
# the build and test dependencies with apt-get (through sudo unless run as root),
# configures and builds into build/, then runs the bundled leaky example under leaktrace.
#   --no-apt          skip the package installation (dependencies already present)
#   --print-packages  print the Debian packages it installs, and stop
set -euo pipefail

cd "$(dirname "$0")/.."

PACKAGES=(
  build-essential cmake pkg-config binutils   # compilers, make, the build system
  libunwind-dev libdw-dev libelf-dev elfutils # unwinding and DWARF symbolization
  libc6-dbg                                   # glibc's debug info, for frames inside libc
  check python3                               # unit tests and integration test driver
  sqlite3 php-cli perl git                    # real programs the integration tests trace
)

if [[ "${1:-}" == "--print-packages" ]]; then
  echo "${PACKAGES[@]}"
  exit 0
fi

if [[ "${1:-}" != "--no-apt" ]]; then
  sudo=()
  if [[ $(id -u) -ne 0 ]]; then
    command -v sudo >/dev/null || { echo "setup-and-demo: run as root or install sudo" >&2; exit 1; }
    sudo=(sudo)
  fi
  "${sudo[@]}" apt-get update -q
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -q --no-install-recommends "${PACKAGES[@]}"
fi

cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo
cmake --build build -j"$(nproc)"

echo
echo "== build/bin/leaktrace --show all build/examples/leaky"
build/bin/leaktrace --show all build/examples/leaky
