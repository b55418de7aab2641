#!/usr/bin/env bash
# Control-plane limits against a peer that never logs in (issue 10, item 1),
# the network of test_e2e.sh (e2e_lib.sh):
#
#   client 198.51.100.2-4 --- 198.51.100.1 server 203.0.113.1 --- 203.0.113.2 LAN
#
# The attacker is ctrl_peer from 198.51.100.2; legitimate clients are
# `pptpbench connect` from .3 and .4.
#   1. Calls without PPP: Outgoing-Call-Requests never followed by LCP and
#      Incoming-Call-Requests never Connected, up to and past
#      max-calls-per-connection and max-calls-per-address. Refusals carry
#      Outgoing-Call-Reply 7 / Incoming-Call-Reply 3 and are logged once per
#      peer per minute; after call-setup-timeout every such call is
#      cleared and the slots are free again. Meanwhile bob (.3) keeps
#      pinging the LAN host and alice (.4) logs in and pings.
#   2. Silent connections past max-unstarted-connections: the cap holds (the
#      oldest silent ones are closed, logged once), and alice logs in
#      beside them, without waiting for their stimeout.
set -euo pipefail
: "${PPTPD:?}" "${PPTPCTL:?}" "${PPTPBENCH:?}" "${SRCDIR:?}" "${ITOOLS:?}"
. "$SRCDIR/tests/integration/lib.sh"
. "$SRCDIR/tests/integration/e2e_lib.sh"

it_init ctrl_limits
e2e_net
echo 'alice-secret' | ctl user add alice --password-stdin
echo 'bob-secret' | ctl user add bob --password-stdin
echo bob-secret >"$IT_TMP/bob.pw"

PING="ping -c 3 -W 2 203.0.113.2"
attacker_lines() {
	grep -c "peer=198\.51\.100\.2:[0-9]* event=$1" "$SRV_LOG" || true
}

start_server 192.0.2.10-100 "connections 20" "max-calls-per-connection 3" \
	"max-calls-per-address 5" "call-setup-timeout 8" "max-unstarted-connections 4"
grep -q 'event=fd-limit soft=[0-9]* hard=[0-9]* wanted=108' "$SRV_LOG" ||
	{ server_tail; it_fail "no event=fd-limit line with wanted=108 (2 x 20 + 4 + 64)"; }

# bob pings the LAN host through the whole test, from 198.51.100.3; two
# pings in a row may be lost while the machine is busy with the attacks.
good_pinger 198.51.100.3 3

# ---- 1. calls that never carry PPP ----
# Connection 0: three calls (the per-connection limit), then refusals.
# Connection 1: a NAS call never Connected and one more outgoing call make
# five from the address; 20 more outgoing calls and an incoming one are
# refused over max-calls-per-address. Then the five wait for
# call-setup-timeout: Call-Disconnect-Notify for ours, Call-Clear-Request
# for the NAS's; after that the address may open calls again.
over=()
for i in $(seq 1 20); do
	over+=(ocrq peer-call=$((100 + i)) expect-ocrp result=7 peer-call=$((100 + i)))
done
it_bg "$CLI" "$IT_TMP/attack1.out" "$ITOOLS/ctrl_peer" 198.51.100.1 \
	open start expect-start result=1 \
	ocrq peer-call=1 expect-ocrp result=1 ocrq peer-call=2 expect-ocrp result=1 \
	ocrq peer-call=3 expect-ocrp result=1 \
	ocrq peer-call=4 expect-ocrp result=7 peer-call=4 \
	icrq peer-call=5 expect-icrp result=3 peer-call=5 \
	open start expect-start result=1 \
	icrq peer-call=10 expect-icrp result=1 peer-call=10 \
	ocrq peer-call=11 expect-ocrp result=1 peer-call=11 \
	"${over[@]}" icrq peer-call=40 expect-icrp result=3 peer-call=40 \
	sleep secs=1 \
	use n=0 expect-cdn result=3 timeout=12 expect-cdn result=3 timeout=3 \
	expect-cdn result=3 timeout=3 \
	use n=1 expect type=12 timeout=3 expect-cdn result=3 timeout=3 \
	use n=0 ocrq peer-call=50 expect-ocrp result=1 peer-call=50 close \
	use n=1 close >/dev/null
ATTACK=$IT_LAST_PID
for _ in $(seq 1 50); do
	[ "$(stat_field "$(stats)" calls-limited)" = 23 ] && break
	sleep 0.1
done
line=$(stats)
[ "$(stat_field "$line" calls-limited)" = 23 ] || it_fail "stats: calls-limited=$(stat_field "$line" calls-limited), expected 23"
[ "$(stat_field "$line" calls)" = 6 ] || it_fail "stats: calls=$(stat_field "$line" calls), expected 5 held + bob's"
[ "$(attacker_lines call-refused)" = 1 ] ||
	{ server_tail; it_fail "$(attacker_lines call-refused) call-refused lines for 23 refusals, expected 1"; }
grep -q 'peer=198\.51\.100\.2:[0-9]* event=call-refused reason=max-calls-per-connection peer-call=4 limit=3 result=7 suppressed=0' "$SRV_LOG" ||
	{ server_tail; it_fail "first refusal not logged as max-calls-per-connection result=7"; }
it_pass "23 calls refused (Outgoing-Call-Reply 7, Incoming-Call-Reply 3), one log line"

# alice logs in from .4 while the attacker's five calls are held.
connect_ok alice alice alice-secret --bind 198.51.100.4 --tun pptpa1 \
	--route 203.0.113.0/24 --run "$PING"
expect_out alice '3 packets transmitted, 3 received'
grep -q 'call-setup-timeout\|reason=setup-timeout' "$SRV_LOG" &&
	it_fail "the attacker's calls were cleared before alice was in: the test proves nothing"
it_pass "alice logged in from another address and pinged beside the held calls"

IT_STATUS=0
wait "$ATTACK" || IT_STATUS=$?
[ "$IT_STATUS" = 0 ] || { cat "$IT_TMP/attack1.out" >&2; server_tail; it_fail "attacker: clearing not as expected"; }
n=$(grep -c 'event=call-down reason=setup-timeout' "$SRV_LOG" || true)
[ "$n" = 5 ] || { server_tail; it_fail "$n calls cleared by setup-timeout, expected 5"; }
[ "$(stat_field "$(stats)" calls-setup-timeout)" = 5 ] || it_fail "calls-setup-timeout not counted"
it_pass "after call-setup-timeout: 5 calls cleared (4 Disconnect-Notify, 1 Clear-Request), a new call accepted"

PONGS=$(pongs)
for _ in $(seq 1 50); do [ "$(pongs)" -gt "$PONGS" ] && break; sleep 0.1; done
[ "$(pongs)" -gt "$PONGS" ] && kill -0 "$GOOD" 2>/dev/null ||
	{ cat "$IT_TMP/good.out" >&2; it_fail "bob's session did not survive the setup time-outs"; }
! grep -q 'user=bob .*event=session-down' "$SRV_LOG" || it_fail "bob's session ended"
it_pass "bob's session (LCP open) was not touched by call-setup-timeout ($(pongs) pings)"

# ---- 2. silent connections past max-unstarted-connections ----
opens=()
for i in $(seq 1 10); do opens+=(open); done
checks=()
for i in $(seq 0 5); do checks+=(use n=$i expect-closed timeout=1); done
it_bg "$CLI" "$IT_TMP/attack2.out" "$ITOOLS/ctrl_peer" 198.51.100.1 \
	"${opens[@]}" sleep secs=7 "${checks[@]}" >/dev/null
ATTACK=$IT_LAST_PID
for _ in $(seq 1 50); do
	[ "$(stat_field "$(stats)" ctrl-evicted)" = 6 ] && break
	sleep 0.1
done
line=$(stats)
[ "$(stat_field "$line" ctrl-evicted)" = 6 ] || it_fail "ctrl-evicted=$(stat_field "$line" ctrl-evicted), expected 6"
[ "$(stat_field "$line" ctrl-unstarted)" = 4 ] || it_fail "ctrl-unstarted=$(stat_field "$line" ctrl-unstarted), expected the cap 4"
connect_ok alice2 alice alice-secret --bind 198.51.100.4 --tun pptpa2 \
	--route 203.0.113.0/24 --run "$PING"
expect_out alice2 '3 packets transmitted, 3 received'
grep -q 'reason=start-timeout' "$SRV_LOG" && it_fail "a silent connection timed out first: the test proves nothing"
line=$(stats)
[ "$(stat_field "$line" ctrl-evicted)" = 7 ] || it_fail "alice's connection should have made room once more"
[ "$(stat_field "$line" ctrl-unstarted)" -le 4 ] || it_fail "the cap did not hold"
[ "$(attacker_lines ctrl-evicted)" = 1 ] ||
	{ server_tail; it_fail "$(attacker_lines ctrl-evicted) ctrl-evicted lines for 7 evictions, expected 1"; }
IT_STATUS=0
wait "$ATTACK" || IT_STATUS=$?
[ "$IT_STATUS" = 0 ] || { cat "$IT_TMP/attack2.out" >&2; it_fail "the oldest silent connections were not the ones closed"; }
it_pass "10 silent connections, cap 4: the 6 oldest closed (one log line), alice logged in beside them"

good_pinger_end
expect_idle "the attacks"
stop_server
echo "all control-plane limit checks passed"
