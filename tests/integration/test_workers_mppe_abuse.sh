#!/usr/bin/env bash
# test_mppe_abuse.sh with `workers 2`: the attacker's session, and bob's,
# are carried by data-path workers (server/worker.h), whose MPPE receivers
# refuse the count jumps; the server must log, count and end the session
# exactly as the link on the main loop does (reason=mppe-abuse, one
# mppe-rekey-refused line, mppe-refused in the stats), bob going on.
set -euo pipefail
: "${SRCDIR:?}"
E2E_EXTRA="workers 2" . "$SRCDIR/tests/integration/test_mppe_abuse.sh"

# The attacks were a worker's to refuse, not the main loop's.
n=$(grep -c 'user=alice .*event=worker-taken worker=' "$SRV_LOG" || true)
[ "$n" -ge 4 ] || it_fail "alice's sessions were not handed to workers ($n worker-taken lines)"
n=$(grep -c 'event=mppe-rekey-refused user=alice .* worker=[01]$' "$SRV_LOG" || true)
[ "$n" = 2 ] || it_fail "$n mppe-rekey-refused lines from a worker, expected 2"
grep -q 'user=bob .*event=worker-taken worker=' "$SRV_LOG" || it_fail "bob's session stayed on the main loop"
it_pass "both attacks were refused by workers' MPPE receivers, logged and ended as on the main loop"
