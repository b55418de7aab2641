#!/usr/bin/env bash
# test_mppe_abuse.sh in the data-path mode this machine's default does not
# give (e2e_lib.sh, other_workers): an attacker's MPPE count jumps refused
# before any re-key work, logged once, counted, and the session ended with
# reason=mppe-abuse, bob going on, whether the main loop's link or a
# data-path worker's receiver refuses them.
set -euo pipefail
: "${SRCDIR:?}"
. "$SRCDIR/tests/integration/e2e_lib.sh"
E2E_EXTRA=$(other_workers) . "$SRCDIR/tests/integration/test_mppe_abuse.sh"
other_mode_check "$SRV_LOG"
if [ "$(other_workers)" = "workers 2" ]; then
	n=$(grep -c 'event=mppe-rekey-refused user=alice .* worker=[01]$' "$SRV_LOG" || true)
	[ "$n" = 2 ] || it_fail "$n mppe-rekey-refused lines from a worker, expected 2"
	it_pass "both attacks were refused by workers' MPPE receivers"
fi
