#!/usr/bin/env bash
# pptpd stopped with SIGTERM while three stock clients are up: the server
# ends each link (LCP Terminate-Request, then the call's Call-Disconnect-
# Notify), logs session-down reason=shutdown for each and exits 0; each
# pppd logs "LCP terminated by peer" or the call's end ("Modem hangup") and
# exits by itself, nobody in the guest having told it to.
set -euo pipefail
: "${SRCDIR:?}"
. "$SRCDIR/tests/interop/harness.sh"

interop_init sigterm
interop_start_server

{
	interop_client_script 3
	cat <<'EOF'
result "ready"
for k in 0 1 2; do
	client_wait_exit $k 60
done
for k in 0 1 2; do
	pid=$(cat /tmp/pppd.$k.pid)
	result "term$k $(syslog_count "pppd\[$pid\]: LCP terminated by peer")"
	result "hangup$k $(syslog_count "pppd\[$pid\]: Modem hangup")"
done
EOF
} >"$IT_TMP/guest.sh"
interop_boot_start "$IT_TMP/guest.sh"
interop_wait_result ready >/dev/null
up=$(interop_result clients_up)
[ "$up" = 3 ] || {
	interop_boot_wait
	interop_fail_ppp "$up of 3 clients up"
}
it_pass "3 clients up"

it_stop "$SRV_PID"
[ "$IT_STATUS" = 0 ] || it_fail "pptpd exited with $IT_STATUS on SIGTERM: $(tail -n 5 "$SRV_LOG")"
n=$(grep -c 'event=session-down reason=shutdown ' "$SRV_LOG" || true)
[ "$n" = 3 ] || interop_fail_ppp "$n session-down reason=shutdown lines, expected 3"
it_pass "pptpd exited 0 on SIGTERM after ending 3 sessions (reason=shutdown)"

interop_boot_wait
for k in 0 1 2; do
	rc=$(interop_result "exit$k")
	[ "$rc" != timeout ] && [ -n "$rc" ] ||
		interop_fail_ppp "pppd $k was still running 60 s after the server stopped"
	term=$(interop_result "term$k")
	hangup=$(interop_result "hangup$k")
	[ "$term" -ge 1 ] || [ "$hangup" -ge 1 ] ||
		interop_fail_ppp "pppd $k (exit $rc) logged neither 'LCP terminated by peer' nor 'Modem hangup'"
	it_pass "pppd $k exited $rc after 'LCP terminated by peer' x$term, 'Modem hangup' x$hangup"
done
it_pass "guest run ${BOOT_SECONDS}s"
