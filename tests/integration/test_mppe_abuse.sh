#!/usr/bin/env bash
# End to end, issue 10 items 3 and 5: CPU amplification through the MPPE
# coherency count, and CCP renegotiation. The network of test_e2e.sh
# (e2e_lib.sh):
#
#   client 198.51.100.2-4 --- 198.51.100.1 server 203.0.113.1 --- 203.0.113.2 LAN
#
# bob logs in and keeps pinging the LAN host throughout. alice logs in and
# plays the attacker (`pptpbench connect --hostile-ccount-jump N`): 200
# stateless MPPE frames a second, each claiming a coherency count N ahead
# of the one before, which used to cost N re-keys (SHA-1 + RC4 set-up)
# apiece before anything checked the frame.
#   (a) N = 2048, past the per-frame bound (1024): every such frame is
#       refused before any re-key work;
#   (b) N = 1024, within the bound: the per-session budget (2048 catch-up
#       re-keys a second) pays for about two a second, the rest is refused.
# Either way the refusals go on, so after 3 s the server ends alice's
# session with reason=mppe-abuse (logged once, counted in the stats), while
# bob's pings keep being answered during and after. pptpd's CPU time over
# each attack is printed as a figure, never asserted.
#   (c) alice sends one CCP Configure-Request while MPPE runs: MPPE would
#       restart from the same keys, so the server ends her session with
#       reason=ccp-renegotiated instead.
set -euo pipefail
: "${PPTPD:?}" "${PPTPCTL:?}" "${PPTPBENCH:?}" "${SRCDIR:?}" "${ITOOLS:?}"
. "$SRCDIR/tests/integration/lib.sh"
. "$SRCDIR/tests/integration/e2e_lib.sh"

it_init mppe_abuse
e2e_net
echo 'alice-secret' | ctl user add alice --password-stdin
echo 'bob-secret' | ctl user add bob --password-stdin
echo bob-secret >"$IT_TMP/bob.pw"

# pptpd's user + system CPU time in milliseconds.
cpu_ms() {
	local f
	read -r -a f <"/proc/$SRV_PID/stat"
	# fields 14 and 15 (utime, stime) in clock ticks; the command name
	# (field 2) holds no space for pptpd
	echo $(((f[13] + f[14]) * 1000 / $(getconf CLK_TCK)))
}

start_server 192.0.2.10-20

# ---- bob: pings the LAN host until told to stop ----
good_pinger

# One attack: alice with --hostile-ccount-jump $1 until the server ends her
# session (or 15 s of it, when it does not).
attack() {
	local jump=$1 name=attack-$1 mark cpu0 cpu1 pong0 n refused0 refused1 line
	mark=$(log_mark)
	line=$(stats)
	refused0=$(stat_field "$line" mppe-refused)
	pong0=$(pongs)
	cpu0=$(cpu_ms)
	connect "$name" alice alice-secret --bind 198.51.100.2 --tun pptpa1 \
		--hostile-ccount-jump "$jump" --hostile-rate 200 --hostile-seconds 15
	cpu1=$(cpu_ms)
	local sent
	sent=$(sed -n 's/^hostile-ccount sent=\([0-9]*\) .*/\1/p' "$IT_TMP/$name.out")
	echo "figure: jump $jump: pptpd CPU $((cpu1 - cpu0)) ms for $sent hostile frames" \
		"($(grep -Eo '^hostile-(start|done) [0-9.]+' "$IT_TMP/$name.out" | tr '\n' ' '))"
	# The server clears the call: "FAIL up: call down: peer ..." or "link down".
	if [ "$RC" != 1 ] || ! grep -Eq '^FAIL up: (call|link) down' "$IT_TMP/$name.out"; then
		cat "$IT_TMP/$name.out" >&2
		server_tail
		it_fail "jump $jump: the attacker's link was not ended by the server (exit $RC)"
	fi
	expect_out "$name" "^hostile-start .* jump=$jump rate=200$"
	wait_log 'user=alice .*event=session-down reason=mppe-abuse'
	log_since "$mark" | grep -Eq 'user=alice .*event=session-down reason=mppe-abuse .*detail="MPPE count jumps refused for 3 s \([0-9]+ frames\)"' ||
		{ server_tail; it_fail "jump $jump: no session-down line with reason=mppe-abuse and its detail"; }
	n=$(log_since "$mark" | grep -c 'event=mppe-rekey-refused user=alice ' || true)
	[ "$n" = 1 ] || { server_tail; it_fail "jump $jump: $n mppe-rekey-refused lines, expected one"; }
	line=$(stats)
	refused1=$(stat_field "$line" mppe-refused)
	# Every refused frame is counted; the session ends on one.
	[ "$((refused1 - refused0))" -ge 10 ] && [ "$((refused1 - refused0))" -le "$sent" ] ||
		it_fail "jump $jump: mppe-refused went $refused0 -> $refused1 for $sent hostile frames"
	# bob's pings went on during the attack.
	[ "$(pongs)" -gt "$pong0" ] || { cat "$IT_TMP/good.out" >&2; it_fail "jump $jump: bob's pings stopped"; }
	kill -0 "$GOOD" 2>/dev/null || { cat "$IT_TMP/good.out" >&2; it_fail "jump $jump: bob's session went down"; }
	echo "figure: jump $jump: $((refused1 - refused0)) of $sent refused before re-keying," \
		"bob answered $(($(pongs) - pong0)) pings meanwhile"
	it_pass "jump $jump: refused, counted, logged once; alice ended with reason=mppe-abuse"
}

attack 2048
attack 1024
line=$(stats)
[ "$(stat_field "$line" mppe-abuse)" = 2 ] || it_fail "stats: mppe-abuse=$(stat_field "$line" mppe-abuse), expected 2"
[[ " $line " == *" sessions=1 "* ]] || it_fail "stats: only bob's session should remain: $line"
it_pass "stats: mppe-abuse=2, bob's session remains"

# ---- (c) CCP renegotiation ----
MARK=$(log_mark)
PONG0=$(pongs)
connect reneg alice alice-secret --bind 198.51.100.2 --tun pptpa1 --send-proto 0x80FD \
	--run "sleep 5" # a server that lets it pass: exit 0 after 5 s
[ "$RC" = 1 ] && grep -Eq '^FAIL up: (call|link) down' "$IT_TMP/reneg.out" ||
	{ cat "$IT_TMP/reneg.out" >&2; server_tail; it_fail "CCP renegotiation: exit $RC, the server should end the link"; }
expect_out reneg '^send-proto .* proto=0x80fd '
wait_log 'user=alice .*event=session-down reason=ccp-renegotiated'
log_since "$MARK" | grep -q 'ppp=ccp event=renegotiation-refused' ||
	{ server_tail; it_fail "CCP renegotiation: no renegotiation-refused line"; }
for _ in $(seq 1 50); do
	[ "$(pongs)" -gt "$PONG0" ] && break
	sleep 0.1
done
[ "$(pongs)" -gt "$PONG0" ] || { cat "$IT_TMP/good.out" >&2; it_fail "CCP renegotiation: bob's pings stopped"; }
it_pass "a CCP Configure-Request while MPPE runs ends alice's session (ccp-renegotiated); bob goes on"

# After the attacks alice logs in normally and pings: the defence is per session.
connect_ok after alice alice-secret --bind 198.51.100.2 --tun pptpa2 --route 203.0.113.0/24 \
	--run "ping -c 3 -W 2 203.0.113.2"
expect_out after '3 packets transmitted, 3 received'
it_pass "alice logs in again and pings the LAN host"

good_pinger_end
expect_idle "the attacks"
stop_server
it_pass "pptpd stopped cleanly"
