#!/usr/bin/env bash
# test_sessions.sh with `workers 2`: session limits, retries, a spoofed
# inner source (dropped, logged once, counted in the session-down line and
# the stats), an unknown protocol answered with Protocol-Reject, LCP echo
# failures, proxy ARP and the hooks, with every session's data path on a
# data-path worker (server/worker.h).
set -euo pipefail
: "${SRCDIR:?}"
E2E_EXTRA="workers 2" . "$SRCDIR/tests/integration/test_sessions.sh"

n=$(grep -c 'event=worker-taken worker=' "$IT_TMP"/pptpd.1.log || true)
[ "$n" -ge 3 ] || it_fail "the first server handed $n sessions to workers"
it_pass "the sessions were the workers' ($n worker-taken lines in the first server's log)"
