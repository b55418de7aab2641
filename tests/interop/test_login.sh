#!/usr/bin/env bash
# Three stock Linux clients (pppd 2.4.9 + pptp 1.10 + ppp_mppe), each from
# its own source address (198.51.100.21-23), log in to our pptpd as one
# SQLite user with MS-CHAPv2 and 128-bit MPPE: each gets its own pool
# address with 192.0.2.1 as the peer, reaches the LAN host 203.0.113.2
# through its tunnel (ping bound to its ppp interface: the guest has no other
# route to the LAN), and pppd reports "MPPE 128-bit stateless compression
# enabled". Then the clients hang up and pptpd stops cleanly.
set -euo pipefail
: "${SRCDIR:?}"
. "$SRCDIR/tests/interop/harness.sh"

interop_init login
interop_start_server

{
	interop_client_script 3
	cat <<'EOF'
for k in 0 1 2; do
	[ -n "$(client_peer $k)" ] || continue
	if ping -c 3 -W 5 -I "ppp$k" 203.0.113.2 >/dev/null 2>&1; then
		result "lan$k ok"
	else
		result "lan$k failed"
	fi
done
result "mppe $(syslog_count 'MPPE 128-bit stateless compression enabled')"
for k in 0 1 2; do
	client_stop $k
done
EOF
} >"$IT_TMP/guest.sh"
interop_boot "$IT_TMP/guest.sh"
interop_expect boot ok

up=$(interop_result clients_up)
if [ "$up" != 3 ]; then
	echo "--- guest syslog (pppd, pptp):" >&2
	interop_ppp_log | tail -n 40 >&2
	echo "--- server log:" >&2
	tail -n 30 "$SRV_LOG" >&2
	# pppd's own words, less the lines every ending has.
	what=$(interop_ppp_log | sed -n 's/.*pppd\[[0-9]*\]: //p' |
		grep -Ev '^(Exit\.|Connection terminated\.|Modem hangup|Connect time|Sent [0-9]+ bytes|pppd 2|Using interface|Connect: )' |
		awk '!seen[$0]++' | tail -n 4 | paste -sd ';' -)
	it_fail "server did not complete PPP: $up of 3 clients up; the guest's pppd says: ${what:-nothing}"
fi

locals=()
for k in 0 1 2; do
	read -r state local peer <<<"$(interop_result "ppp$k")"
	[ "$state" = up ] || it_fail "ppp$k: $state"
	[ "$peer" = 192.0.2.1 ] || it_fail "ppp$k: peer address $peer, expected 192.0.2.1"
	[[ $local == 192.0.2.* ]] || it_fail "ppp$k: local address $local is not from the pool"
	locals+=("$local")
done
[ "$(printf '%s\n' "${locals[@]}" | sort -u | wc -l)" = 3 ] ||
	it_fail "the clients share pool addresses: ${locals[*]}"
it_pass "3 clients up with their own pool addresses: ${locals[*]}"

for a in 198.51.100.21 198.51.100.22 198.51.100.23; do
	grep -q "peer=$a[: ].*event=start-request" "$SRV_LOG" ||
		it_fail "the server saw no start request from $a"
done
it_pass "each client came from its own source address"

for k in 0 1 2; do
	interop_expect "lan$k" ok
done
it_pass "each client reaches the LAN host 203.0.113.2 through its tunnel"

interop_expect mppe 3
it_pass "pppd reports MPPE 128-bit stateless on all 3 links"

# pppd ends on SIGTERM with 5 (terminated by a signal) or, when pptp's
# side of the pty closes first, 16 (hangup): either way it is gone.
for k in 0 1 2; do
	case $(interop_result "stop$k") in
	5 | 16) ;;
	*) it_fail "pppd $k did not end as asked: exit $(interop_result "stop$k")" ;;
	esac
done
stop_server
it_pass "clients hung up; pptpd exited 0 (guest run ${BOOT_SECONDS}s)"
