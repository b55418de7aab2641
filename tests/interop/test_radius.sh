#!/usr/bin/env bash
# The stock Linux client (pppd 2.4.9 + pptp 1.10) logs in through RADIUS:
# pptpd runs `auth radius` against Debian's FreeRADIUS on the server
# namespace's loopback (tests/integration/radius_lib.sh, with
# require_message_authenticator = yes). The Access-Accept gives the client
# Framed-IP-Address 192.0.2.99 and the MPPE keys; the client pings the LAN
# host through its tunnel (so pppd's keys, derived by the kernel from its
# own MS-CHAPv2 exchange, match the ones FreeRADIUS sent us), pppd reports
# 128-bit MPPE, and the session's Start and Stop (User-Request, when pppd
# hangs up) land in FreeRADIUS's detail file.
set -euo pipefail
: "${SRCDIR:?}"
. "$SRCDIR/tests/interop/harness.sh"

interop_init radius
. "$SRCDIR/tests/integration/radius_lib.sh"
radius_user main "$INTEROP_USER" "$INTEROP_PASSWORD" 'Framed-IP-Address = 192.0.2.99'
radius_start main
interop_start_server "auth radius" "radius-server 127.0.0.1 testing123" \
	"radius-acct-server 127.0.0.1 testing123" "radius-acct-spool $IT_STATE/spool.db"
radius_wait_detail main Accounting-On 1

{
	interop_client_script 1
	cat <<'EOF2'
if [ -n "$(client_peer 0)" ] && ping -c 3 -W 5 -I ppp0 203.0.113.2 >/dev/null 2>&1; then
	result "lan0 ok"
else
	result "lan0 failed"
fi
result "mppe $(syslog_count 'MPPE 128-bit stateless compression enabled')"
client_stop 0
EOF2
} >"$IT_TMP/guest.sh"
interop_boot "$IT_TMP/guest.sh"
interop_expect boot ok
[ "$(interop_result clients_up)" = 1 ] || interop_fail_ppp "pppd did not come up through RADIUS"
read -r state local peer <<<"$(interop_result ppp0)"
[ "$state" = up ] && [ "$local" = 192.0.2.99 ] && [ "$peer" = 192.0.2.1 ] ||
	interop_fail_ppp "ppp0: $state $local $peer, expected up with the RADIUS address 192.0.2.99"
it_pass "pppd logged in through RADIUS and got Framed-IP-Address 192.0.2.99"
interop_expect lan0 ok
interop_expect mppe 1
it_pass "the client reaches 203.0.113.2 with 128-bit MPPE keyed from MS-MPPE-Send/Recv-Key"

sid=$(grep -o "user=$INTEROP_USER .*acct-session-id=[0-9A-F]*" "$SRV_LOG" | sed 's/.*acct-session-id=//' | tail -1)
[ -n "$sid" ] || interop_fail_ppp "no session-up line with an acct-session-id"
radius_wait_detail main Stop 1 20
radius_detail_field main Start "$sid" Acct-Session-Id >/dev/null || it_fail "no Start record for $sid"
cause=$(radius_detail_field main Stop "$sid" Acct-Terminate-Cause)
[ "$cause" = User-Request ] || it_fail "Stop for $sid: Acct-Terminate-Cause $cause, expected User-Request"
in_o=$(radius_detail_field main Stop "$sid" Acct-Input-Octets)
[ "$in_o" -ge 252 ] || it_fail "Stop for $sid: Acct-Input-Octets $in_o, less than 3 pings"
it_pass "accounting: Start and Stop (User-Request, Acct-Input-Octets $in_o) for pppd's session"
stop_server
radius_wait_detail main Accounting-Off 1
it_pass "pptpd stopped cleanly (guest run ${BOOT_SECONDS}s)"
