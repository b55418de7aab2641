#!/usr/bin/env bash
# test_rate_limit.sh with `workers 2`: rate limits from RADIUS (Filter-Id,
# the vendor pair), CoAs that change them mid-session, and the SQLite
# store's defaults, with every session's packets policed by a data-path
# worker (server/worker.h) instead of the main loop: the same rates within
# the same margins, the same drops counted in session show, the
# session-down lines and the stats line.
set -euo pipefail
: "${SRCDIR:?}"
E2E_EXTRA="workers 2" . "$SRCDIR/tests/integration/test_rate_limit.sh"

n=$(grep -c 'event=worker-taken worker=' "$SRV_LOG" || true)
[ "$n" -ge 1 ] || it_fail "no session was handed to a worker"
grep -q 'event=worker-kept' "$SRV_LOG" && it_fail "a session stayed on the main loop: $(grep -o 'event=worker-kept.*' "$SRV_LOG" | head -n 1)"
it_pass "the rate-limited sessions were the workers' ($n worker-taken lines in the last server's log)"
