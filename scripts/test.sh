#!/usr/bin/env bash
# The whole test suite: installs what it needs, builds twice (warnings as
# errors; then AddressSanitizer + UBSan) and runs every ctest test in both.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
bash scripts/build.sh build/ci -DPPTPD_WERROR=ON
bash scripts/build.sh build/asan -DPPTPD_WERROR=ON -DPPTPD_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
echo "== test suite (release build)"
ctest --test-dir build/ci --output-on-failure -j2 "$@"
echo "== test suite (ASan+UBSan build)"
ctest --test-dir build/asan --output-on-failure -j2 "$@"
