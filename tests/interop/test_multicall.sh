#!/usr/bin/env bash
# Several calls on one control connection: three pppd, all bound to the
# same source address 198.51.100.21 and started a few seconds apart, share
# one pptp call manager (pptp keeps one per server and local address). The
# server sees one Start-Control-Connection-Request and three calls on that
# connection; each call gets its own pool address and carries its own
# traffic (a different number of pings through each pppK, counted by the
# server per session).
set -euo pipefail
: "${SRCDIR:?}"
. "$SRCDIR/tests/interop/harness.sh"

interop_init multicall
interop_start_server
INTEROP_GUEST_ADDRS=198.51.100.21/24

{
	for k in 0 1 2; do
		interop_client_line $k 198.51.100.21 "$INTEROP_USER" "$INTEROP_PASSWORD"
		echo "client_wait $k $INTEROP_PPP_WAIT"
		echo "sleep 2"
	done
	cat <<'EOF'
result "managers $(ps -o args | grep -c '^{pptpcm}')"
# Client K sends 3 + 2K echo requests, so that each session's count differs.
for k in 0 1 2; do
	[ -n "$(client_peer $k)" ] || continue
	if ping -c $((3 + 2 * k)) -i 0.3 -W 5 -I "ppp$k" 203.0.113.2 >/dev/null 2>&1; then
		result "lan$k ok"
	else
		result "lan$k failed"
	fi
done
for k in 2 1 0; do
	client_stop $k
done
EOF
} >"$IT_TMP/guest.sh"
interop_boot "$IT_TMP/guest.sh"
interop_expect boot ok

locals=()
for k in 0 1 2; do
	read -r state local peer <<<"$(interop_result "ppp$k")"
	[ "$state" = up ] || interop_fail_ppp "call $k through the shared call manager: $state $local"
	[ "$peer" = 192.0.2.1 ] || it_fail "ppp$k: peer address $peer, expected 192.0.2.1"
	locals+=("$local")
done
[ "$(printf '%s\n' "${locals[@]}" | sort -u | wc -l)" = 3 ] ||
	it_fail "the calls share pool addresses: ${locals[*]}"
it_pass "3 calls up with their own pool addresses: ${locals[*]}"

interop_expect managers 1
n=$(grep -c 'event=start-request ' "$SRV_LOG" || true)
[ "$n" = 1 ] || interop_fail_ppp "the server saw $n start requests, expected 1"
grep -q 'peer=198\.51\.100\.21:[0-9]* event=start-request' "$SRV_LOG" ||
	interop_fail_ppp "the start request did not come from 198.51.100.21"
ctrls=$(sed -n 's/.* ctrl=\([0-9]*\) call=[0-9]* peer=[0-9.:]* event=call-up .*/\1/p' "$SRV_LOG")
[ "$(wc -l <<<"$ctrls")" = 3 ] && [ "$(sort -u <<<"$ctrls" | wc -l)" = 1 ] ||
	interop_fail_ppp "expected 3 call-up lines on one ctrl, got ctrl ids: $(echo $ctrls)"
it_pass "one pptp call manager, one start request, 3 calls on ctrl=$(head -n 1 <<<"$ctrls")"

for k in 0 1 2; do
	interop_expect "lan$k" ok
done
it_pass "each call reaches the LAN host 203.0.113.2 through its own pppK"

# Each session's count of IP packets from the client: at least its pings,
# and fewer than the next client's (3, 5 and 7 pings).
for k in 0 1 2; do
	line=$(grep "addr=${locals[$k]} event=session-down" "$SRV_LOG" | head -n 1)
	[ -n "$line" ] || interop_fail_ppp "no session-down for ${locals[$k]}"
	rx=$(sed -n 's/.* rx-packets=\([0-9]*\) .*/\1/p' <<<"$line")
	[ "$rx" -ge $((3 + 2 * k)) ] && [ "$rx" -lt $((5 + 2 * k)) ] ||
		it_fail "session of ${locals[$k]}: rx-packets=$rx, expected $((3 + 2 * k)) pings"
done
it_pass "the server counted each call's own pings (3, 5, 7)"

for k in 0 1 2; do
	case $(interop_result "stop$k") in
	5 | 16) ;;
	*) it_fail "pppd $k did not end as asked: exit $(interop_result "stop$k")" ;;
	esac
done
stop_server
it_pass "calls hung up; pptpd exited 0 (guest run ${BOOT_SECONDS}s)"
