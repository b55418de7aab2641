#!/usr/bin/env bash
# The whole test suite: installs what it needs, then builds three times and
# runs ctest in each build:
#   build/ci    release build, warnings as errors: every test
#   build/asan  AddressSanitizer + UBSan (leaks on): every test
#   build/fuzz  clang + libFuzzer: each fuzz target for a bounded time
# Extra arguments go to every ctest run (e.g. -R unit.mppe).
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
echo "== fuzz targets (clang, libFuzzer)"
bash scripts/fuzz.sh "$@"
