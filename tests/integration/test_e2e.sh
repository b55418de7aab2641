#!/usr/bin/env bash
# End to end: `pptpbench connect` (our client: PPTP call, PPP with
# MS-CHAPv2 and MPPE-128, a tun device) against pptpd, through to a host on
# the LAN behind the server.
#
#   client 198.51.100.2 --- 198.51.100.1 server 203.0.113.1 --- 203.0.113.2 LAN
#
# The client is given 192.0.2.x from the pool and a route to 203.0.113.0/24
# through its tun; the LAN host routes everything back via the server.
# Cases: ping with MPPE stateless and stateful; 10 MB each way with the
# content checked (e2e_xfer); a wrong password (E=691) and a disabled user
# (E=647) refused while the server keeps serving; a pool of two addresses
# refusing a third client. After every client the server's stats must show
# no session and no call left.
set -euo pipefail
: "${PPTPD:?}" "${PPTPCTL:?}" "${PPTPBENCH:?}" "${SRCDIR:?}" "${ITOOLS:?}"
. "$SRCDIR/tests/integration/lib.sh"
. "$SRCDIR/tests/integration/e2e_lib.sh"

it_init e2e
e2e_net
echo 'alice-secret' | ctl user add alice --password-stdin
echo 'bob-secret' | ctl user add bob --password-stdin
echo 'carol-secret' | ctl user add carol --password-stdin --disabled

UP_PHASES="tcp-connect start-reply call-up lcp-up auth-ok ccp-up ipcp-up up run disconnect "
PING="ping -c 3 -W 2 203.0.113.2"

# ---- (a) MPPE-128 stateless, ping through to the LAN host ----
start_server 192.0.2.10-20
connect_ok stateless alice alice-secret --mppe stateless --route 203.0.113.0/24 --run "$PING"
cat "$IT_TMP/stateless.out"
expect_phases stateless "$UP_PHASES"
expect_out stateless '^ccp-up [0-9.]+ ms mppe=128 stateless$'
expect_out stateless '^ipcp-up [0-9.]+ ms addr=192\.0\.2\.(1[0-9]|20) peer=192\.0\.2\.1 dns=203\.0\.113\.53 '
expect_out stateless '3 packets transmitted, 3 received'
expect_out stateless '^run [0-9.]+ ms exit=0$'
grep -Eq 'user=alice .*addr=192\.0\.2\.(1[0-9]|20) .*event=session-up' "$SRV_LOG" ||
	{ server_tail; it_fail "no session-up line for alice"; }
it_pass "MPPE-128 stateless: login, ping 203.0.113.2 through the tunnel"
expect_idle "the stateless client"

# A failing command is the client's exit status; the link still closes cleanly.
connect failing alice alice-secret --run "exit 3"
[ "$RC" = 3 ] || { cat "$IT_TMP/failing.out" >&2; it_fail "exit status $RC, expected the command's 3"; }
expect_phases failing "$UP_PHASES"
it_pass "the command's exit status is passed on"
expect_idle "the failing command"

# ---- (c) 10 MB each way to the LAN host, content checked ----
it_bg "$LAN" "$IT_TMP/xfer-server.log" "$ITOOLS/e2e_xfer" serve 203.0.113.2 5001 >/dev/null
for _ in $(seq 1 50); do
	grep -q listening "$IT_TMP/xfer-server.log" && break
	sleep 0.1
done
connect_ok xfer alice alice-secret --route 203.0.113.0/24 \
	--run "$ITOOLS/e2e_xfer send 203.0.113.2 5001 10000000 42"
cat "$IT_TMP/xfer.out"
expect_out xfer '^xfer ok bytes=10000000 '
grep -q 'rx ok bytes=10000000 seed=42' "$IT_TMP/xfer-server.log" ||
	{ cat "$IT_TMP/xfer-server.log" >&2; it_fail "the LAN host did not receive 10 MB intact"; }
it_pass "10 MB each way through MPPE stateless, content checked: $(grep '^xfer ok' "$IT_TMP/xfer.out")"
expect_idle "the transfer"

# ---- MSS clamping (mss-clamp, on by default), both directions ----
# A client whose tun keeps MTU 1500 advertises MSS 1460. The server clamps
# its SYN toward the LAN and the LAN host's SYN-ACK toward the client to fit
# the session's MTU (1396: MSS 1356 at most). e2e_xfer reports each end's
# send MSS; the same exchange without clamping is checked further down.
# check_mss NAME SEED: the client's and the LAN host's MSS, as "C L".
check_mss() {
	local c l
	c=$(sed -n 's/^xfer ok .* mss=\([0-9]*\) .*/\1/p' "$IT_TMP/$1.out")
	l=$(sed -n "s/^rx ok bytes=[0-9]* seed=$2 mss=\([0-9]*\)\$/\1/p" "$IT_TMP/xfer-server.log")
	[ -n "$c" ] && [ -n "$l" ] || { cat "$IT_TMP/$1.out" "$IT_TMP/xfer-server.log" >&2; it_fail "$1: no MSS reported"; }
	echo "$c $l"
}
connect_ok mss alice alice-secret --route 203.0.113.0/24 --tun-mtu 1500 \
	--run "$ITOOLS/e2e_xfer send 203.0.113.2 5001 100000 44"
read -r mss_c mss_l <<<"$(check_mss mss 44)"
[ "$mss_c" -le 1356 ] && [ "$mss_l" -le 1356 ] && [ "$mss_c" = "$mss_l" ] ||
	it_fail "MSS not clamped to the session: client $mss_c, LAN host $mss_l (want equal, <= 1356)"
it_pass "MSS clamped both ways: client $mss_c, LAN host $mss_l"
expect_idle "the MSS client"

# ---- (d) wrong password: E=691, and the server keeps serving ----
connect badpw alice wrong-password
[ "$RC" = 1 ] || { cat "$IT_TMP/badpw.out" >&2; it_fail "wrong password: exit $RC, expected 1"; }
expect_out badpw '^auth-failed [0-9.]+ ms E=691$'
expect_out badpw '^FAIL auth: E=691'
grep -q 'user=alice .*event=auth-fail' "$SRV_LOG" || { server_tail; it_fail "no auth-fail line"; }
it_pass "wrong password refused with E=691"
expect_idle "the wrong password"
connect_ok after-badpw alice alice-secret --route 203.0.113.0/24 --run "$PING"
expect_out after-badpw '3 packets transmitted, 3 received'
it_pass "a correct login right after works"
expect_idle "the login after the wrong password"

# ---- (e) disabled user: E=647 ----
connect disabled carol carol-secret
[ "$RC" = 1 ] || { cat "$IT_TMP/disabled.out" >&2; it_fail "disabled user: exit $RC, expected 1"; }
expect_out disabled '^auth-failed [0-9.]+ ms E=647$'
it_pass "disabled user refused with E=647"
expect_idle "the disabled user"

# ---- without --run: up until SIGTERM, then a clean disconnect ----
echo alice-secret >"$IT_TMP/alice.pw"
export PWFILE=$IT_TMP/alice.pw
bg_connect "$IT_TMP/held.out" --tun pptpb1
HELD=$IT_LAST_PID
for _ in $(seq 1 100); do
	grep -q '^up ' "$IT_TMP/held.out" && break
	sleep 0.1
done
grep -q '^up ' "$IT_TMP/held.out" || { cat "$IT_TMP/held.out" >&2; it_fail "held client not up"; }
[[ " $(stats) " == *" sessions=1 "* ]] || it_fail "stats: one session expected while a client is up"
ip -n "$CLI" -4 addr show dev pptpb1 | grep -Eq 'inet 192\.0\.2\.[0-9]+ peer 192\.0\.2\.1/32' ||
	{ ip -n "$CLI" addr show >&2; it_fail "tun pptpb1 lacks the assigned address"; }
it_stop "$HELD"
[ "$IT_STATUS" = 0 ] || { cat "$IT_TMP/held.out" >&2; it_fail "held client exited $IT_STATUS on SIGTERM"; }
grep -q '^disconnect ' "$IT_TMP/held.out" || it_fail "held client: no disconnect line"
it_pass "a client without --run stays up until SIGTERM and disconnects cleanly"
expect_idle "SIGTERM"
stop_server
it_pass "pptpd stopped cleanly"

# ---- (b) MPPE-128 stateful ----
start_server 192.0.2.10-20 "mppe-stateful yes" "mss-clamp no"
connect_ok stateful alice alice-secret --mppe stateful --route 203.0.113.0/24 --run "$PING"
cat "$IT_TMP/stateful.out"
expect_phases stateful "$UP_PHASES"
expect_out stateful '^ccp-up [0-9.]+ ms mppe=128 stateful$'
expect_out stateful '3 packets transmitted, 3 received'
it_pass "MPPE-128 stateful: login, ping 203.0.113.2 through the tunnel"
expect_idle "the stateful client"
# Bulk data through stateful MPPE: any loss is recovered with a CCP
# Reset-Request and a flushed packet (repeated if either is lost).
connect_ok xfer-stateful alice alice-secret --mppe stateful --route 203.0.113.0/24 \
	--run "$ITOOLS/e2e_xfer send 203.0.113.2 5001 10000000 43"
expect_out xfer-stateful '^xfer ok bytes=10000000 '
grep -q 'rx ok bytes=10000000 seed=43' "$IT_TMP/xfer-server.log" ||
	{ cat "$IT_TMP/xfer-server.log" >&2; it_fail "stateful: 10 MB not received intact"; }
it_pass "10 MB each way through MPPE stateful: $(grep '^xfer ok' "$IT_TMP/xfer-stateful.out")"
expect_idle "the stateful transfer"
# The MSS check's counterpart: with mss-clamp no both ends keep 1448.
connect_ok mss-off alice alice-secret --mppe stateful --route 203.0.113.0/24 --tun-mtu 1500 \
	--run "$ITOOLS/e2e_xfer send 203.0.113.2 5001 0 45"
read -r mss_c mss_l <<<"$(check_mss mss-off 45)"
[ "$mss_c" -gt 1356 ] && [ "$mss_l" -gt 1356 ] ||
	it_fail "with mss-clamp no the MSS should stay: client $mss_c, LAN host $mss_l"
it_pass "mss-clamp no: client $mss_c, LAN host $mss_l, unclamped"
expect_idle "the unclamped MSS client"
stop_server

# ---- (f) a pool of two addresses refuses a third client ----
start_server 192.0.2.10-11
pids=()
for i in 1 2; do
	bg_connect "$IT_TMP/pool$i.out" --bind 198.51.100.$((i + 2)) --tun pptpb$i
	pids+=("$IT_LAST_PID")
done
for i in 1 2; do
	for _ in $(seq 1 100); do
		grep -q '^up ' "$IT_TMP/pool$i.out" && break
		sleep 0.1
	done
	grep -q '^up ' "$IT_TMP/pool$i.out" || { cat "$IT_TMP/pool$i.out" >&2; server_tail; it_fail "pool client $i not up"; }
done
connect pool3 bob bob-secret
[ "$RC" = 1 ] || { cat "$IT_TMP/pool3.out" >&2; it_fail "third client: exit $RC, expected 1"; }
grep -q '^FAIL ' "$IT_TMP/pool3.out" || it_fail "third client: no FAIL line"
grep -q 'user=bob .*event=no-address' "$SRV_LOG" ||
	{ server_tail; it_fail "the server log does not say the pool is exhausted"; }
it_pass "a third client is refused when the pool of two is in use: $(grep '^FAIL' "$IT_TMP/pool3.out")"
[[ " $(stats) " == *" sessions=2 "* ]] || it_fail "stats: the two sessions should remain"
for pid in "${pids[@]}"; do
	it_stop "$pid"
	[ "$IT_STATUS" = 0 ] || it_fail "pool client exited $IT_STATUS on SIGTERM"
done
expect_idle "the pool test"
stop_server
it_pass "pptpd stopped cleanly"
