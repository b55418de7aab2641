#!/usr/bin/env bash
# Builds the libFuzzer targets with clang in build/fuzz (separate from the
# other builds) and runs each for a bounded time over a copy of its seed
# corpus. Extra arguments go to ctest (e.g. -R fuzz.gre).
# Longer runs: PPTPD_FUZZ_TIME=600 bash scripts/fuzz.sh
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh build/fuzz -DCMAKE_C_COMPILER=clang -DPPTPD_FUZZ=ON -DPPTPD_WERROR=ON \
	-DPPTPD_FUZZ_TIME="${PPTPD_FUZZ_TIME:-20}"
ctest --test-dir build/fuzz -L fuzz --output-on-failure "$@"
