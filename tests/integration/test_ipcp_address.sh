#!/usr/bin/env bash
# End to end, issue 10 item 11a: IPCP never opens without the address the
# server assigned. The network of test_e2e.sh (e2e_lib.sh):
#
#   client 198.51.100.2-4 --- 198.51.100.1 server 203.0.113.1 --- 203.0.113.2 LAN
#
# bob logs in and keeps pinging the LAN host throughout. alice logs in with
# the right password and plays the attacker (`pptpbench connect
# --hostile-ipcp-addr A`): every IPCP Configure-Request she sends asks for
# A, whatever the server Naks. Once its Naks are spent the server answers
# no more such requests and ends her session (ppp=ipcp
# event=address-refused once, session-down reason=no-address): her session
# never comes up and A is never routed to her. Twice:
#   (a) A is an address on the LAN (203.0.113.77): taking it would pull a
#       LAN host's traffic into the tunnel;
#   (b) A is bob's own address: taking it would steal his traffic;
#   (c) no address at all (`--hostile-ipcp-addr none` leaves the option
#       out): the automaton would Ack such a request once its Naks are
#       spent, and run a link with no address.
# Then alice logs in normally and pings: the refusal is per session.
set -euo pipefail
: "${PPTPD:?}" "${PPTPCTL:?}" "${PPTPBENCH:?}" "${SRCDIR:?}" "${ITOOLS:?}"
. "$SRCDIR/tests/integration/lib.sh"
. "$SRCDIR/tests/integration/e2e_lib.sh"

it_init ipcp_address
e2e_net
echo 'alice-secret' | ctl user add alice --password-stdin
echo 'bob-secret' | ctl user add bob --password-stdin
echo bob-secret >"$IT_TMP/bob.pw"

# Every route in every table of the server that names this address.
routes_to() {
	ip -n "$SRV" -4 route show table all | awk -v a="$1" '$1 == a || $1 == a "/32"' || true
}

start_server 192.0.2.10-20

# ---- bob: pings the LAN host until told to stop ----
good_pinger
BOB_ADDR=$(sed -n 's/^ipcp-up .* addr=\([0-9.]*\) .*/\1/p' "$IT_TMP/good.out")
[[ "$BOB_ADDR" == 192.0.2.* ]] || { cat "$IT_TMP/good.out" >&2; it_fail "bob: no pool address ($BOB_ADDR)"; }

# One attack: alice insists on address $1 until the server ends her session.
attack() {
	local want=$1 name=attack-$2 mark pong0 n asked offered routes0
	mark=$(log_mark)
	pong0=$(pongs)
	routes0=$(routes_to "$want")
	connect "$name" alice alice-secret --bind 198.51.100.2 --tun pptpa1 \
		--hostile-ipcp-addr "$want" --run "sleep 5" # a server that gives in: exit 0
	# pptpbench reports the failure: authenticated, never up.
	if [ "$RC" != 1 ] || ! grep -Eq '^FAIL network: ' "$IT_TMP/$name.out"; then
		cat "$IT_TMP/$name.out" >&2
		server_tail
		it_fail "$want: the attacker's link was not ended in the network phase (exit $RC)"
	fi
	expect_out "$name" '^auth-ok '
	! grep -Eq '^(ipcp-up|up) ' "$IT_TMP/$name.out" ||
		{ cat "$IT_TMP/$name.out" >&2; it_fail "$want: the attacker's IPCP came up"; }
	# Her client did ask for $want, and ignored the address the server Naked
	# (one from the pool) every time.
	asked=$(grep -c "^hostile-ipcp .* addr=$want " "$IT_TMP/$name.out" || true)
	offered=$(sed -n "s/^hostile-ipcp .* addr=$want was=\(192\.0\.2\.[0-9]*\)$/\1/p" \
		"$IT_TMP/$name.out" | sort -u)
	[ "$asked" -ge 2 ] && [ -n "$offered" ] && [ "$offered" != "$want" ] ||
		{ cat "$IT_TMP/$name.out" >&2; it_fail "$want: the client did not insist ($asked requests, offered '$offered')"; }
	wait_log 'user=alice .*event=session-down reason=no-address'
	# Logged once each; never up.
	n=$(log_since "$mark" | grep -c 'user=alice .*ppp=ipcp event=address-refused' || true)
	[ "$n" = 1 ] || { server_tail; it_fail "$want: $n address-refused lines, expected one"; }
	n=$(log_since "$mark" | grep -c 'user=alice .*event=session-down reason=no-address .*detail="peer would not take its address"' || true)
	[ "$n" = 1 ] || { server_tail; it_fail "$want: $n session-down reason=no-address lines, expected one"; }
	n=$(log_since "$mark" | grep -c 'user=alice .*event=session-up' || true)
	[ "$n" = 0 ] || { server_tail; it_fail "$want: alice's session came up"; }
	n=$(log_since "$mark" | grep -c 'user=alice .*ppp=ipcp event=up' || true)
	[ "$n" = 0 ] || { server_tail; it_fail "$want: the server's IPCP opened for alice"; }
	# No route for $want appeared (none at all for a LAN address; bob's
	# address keeps the routes it had).
	[ "$(routes_to "$want")" = "$routes0" ] ||
		{ routes_to "$want" >&2; it_fail "$want: a new route for it in the server"; }
	[[ "$want" != 203.0.113.* ]] || [ -z "$routes0" ] ||
		it_fail "$want: routed in the server before the attack: $routes0"
	# bob's pings go on (the attack itself lasts milliseconds).
	for _ in $(seq 1 50); do
		[ "$(pongs)" -gt "$pong0" ] && break
		sleep 0.1
	done
	[ "$(pongs)" -gt "$pong0" ] || { cat "$IT_TMP/good.out" >&2; it_fail "$want: bob's pings stopped"; }
	kill -0 "$GOOD" 2>/dev/null || { cat "$IT_TMP/good.out" >&2; it_fail "$want: bob's session went down"; }
	echo "figure: $2: the client says: $(grep '^FAIL ' "$IT_TMP/$name.out")"
	it_pass "$2: alice asked for $want in $asked requests, Naked with $offered: refused," \
		"logged once, ended with reason=no-address, no route; bob pings on"
}

attack 203.0.113.77 lan-address
# The LAN address stays where it was: on the LAN side, not in the tunnel.
ip -n "$SRV" route get 203.0.113.77 | grep -q ' dev veth1 ' ||
	{ ip -n "$SRV" route get 203.0.113.77 >&2; it_fail "203.0.113.77 no longer routed to the LAN"; }

attack "$BOB_ADDR" bobs-address
# bob's address still reaches bob alone: the tun, one route for the pool.
ip -n "$SRV" route get "$BOB_ADDR" | grep -q ' dev pptp0 ' ||
	{ ip -n "$SRV" route get "$BOB_ADDR" >&2; it_fail "$BOB_ADDR no longer routed into the tun"; }

attack none no-address

line=$(stats)
[[ " $line " == *" sessions=1 "* ]] || it_fail "stats: only bob's session should remain: $line"
it_pass "stats: bob's session remains"

# After the attacks alice logs in normally and pings: the refusal is per session.
connect_ok after alice alice-secret --bind 198.51.100.2 --tun pptpa2 --route 203.0.113.0/24 \
	--run "ping -c 3 -W 2 203.0.113.2"
expect_out after '3 packets transmitted, 3 received'
it_pass "alice logs in again and pings the LAN host"

good_pinger_end
expect_idle "the attacks"
stop_server
it_pass "pptpd stopped cleanly"
