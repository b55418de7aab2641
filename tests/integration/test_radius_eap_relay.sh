#!/usr/bin/env bash
# The RADIUS side of the EAP relay (RFC 3579) against scripted servers
# (radius_forge --eap-rounds / --eap-oversize) on the loopback of a
# namespace, driven by eap_relay_check, which runs the real backend as a
# session does.
#
# Hostile or broken servers: an EAP-Message chain past the 1500-byte bound
# is dropped and ends the round (counted, logged once); EAP replies
# without Message-Authenticator are discarded (RFC 3579 3.2). Beside them,
# at the same time, a legitimate 40-round exchange ends in an Accept with
# MPPE keys and the inner User-Name. Failover: an exchange whose server
# dies after its first Challenge is not moved to the other server (which
# does not know the State): it fails saying so, and the next exchange
# goes to the live server and succeeds.
set -euo pipefail
: "${SRCDIR:?}" "${ITOOLS:?}"
. "$SRCDIR/tests/integration/lib.sh"

it_init radiuseap
NS=$(it_ns radius)
FORGE=$ITOOLS/radius_forge
CHECK=$ITOOLS/eap_relay_check

wait_ready() {
	local i
	for i in $(seq 1 50); do
		grep -q '^ready' "$1" && return 0
		sleep 0.1
	done
	it_fail "$1: the forged server did not start"
}

it_bg "$NS" "$IT_TMP/good.log" "$FORGE" --eap-rounds 40 127.0.0.1 1812 testing123 >/dev/null
it_bg "$NS" "$IT_TMP/big.log" "$FORGE" --eap-oversize 127.0.0.1 1813 testing123 >/dev/null
it_bg "$NS" "$IT_TMP/noma.log" "$FORGE" --eap-rounds 3 127.0.0.1 1814 testing123 no-ma >/dev/null
for f in good big noma; do wait_ready "$IT_TMP/$f.log"; done

# All three at once: the hostile ones do not hold up the good one.
ip netns exec "$NS" "$CHECK" testing123 127.0.0.1:1813 >"$IT_TMP/c-big.out" 2>"$IT_TMP/c-big.err" &
P1=$!
ip netns exec "$NS" "$CHECK" testing123 127.0.0.1:1814 >"$IT_TMP/c-noma.out" 2>"$IT_TMP/c-noma.err" &
P2=$!
ip netns exec "$NS" "$CHECK" testing123 127.0.0.1:1812 >"$IT_TMP/c-good.out" 2>"$IT_TMP/c-good.err" &
P3=$!
wait $P1 || it_fail "eap_relay_check (oversize) failed: $(cat "$IT_TMP/c-big.err")"
wait $P2 || it_fail "eap_relay_check (no-ma) failed: $(cat "$IT_TMP/c-noma.err")"
wait $P3 || it_fail "eap_relay_check (good) failed: $(cat "$IT_TMP/c-good.err")"

grep -q '^exchange=1 result verdict=backend-error rounds=1 .*message="Access-Challenge from 127.0.0.1:1813: EAP-Message longer than 1500 bytes, dropped"' "$IT_TMP/c-big.out" ||
	it_fail "the oversized chain was not refused: $(cat "$IT_TMP/c-big.out")"
grep -q '^stats rounds=1 challenges=0 accepts=0 rejects=0 oversized=1 ' "$IT_TMP/c-big.out" ||
	it_fail "the oversized reply was not counted: $(tail -1 "$IT_TMP/c-big.out")"
[ "$(grep -c 'event=eap-reply-dropped .*reason=too-long eap-attrs=7 max=1500' "$IT_TMP/c-big.err")" = 1 ] ||
	it_fail "the oversized reply was not logged once: $(cat "$IT_TMP/c-big.err")"
grep -q '^eap oversize ' "$IT_TMP/big.log" || it_fail "the oversize server did not answer"
it_pass "an EAP-Message chain of 1771 bytes is dropped, ends the round, counted and logged once"

grep -q '^exchange=1 result verdict=backend-error rounds=1 .*message="no RADIUS server answered"' "$IT_TMP/c-noma.out" ||
	it_fail "an EAP reply without Message-Authenticator was taken: $(cat "$IT_TMP/c-noma.out")"
[ "$(grep -c '^eap challenge round=1/3' "$IT_TMP/noma.log")" = 2 ] ||
	it_fail "the no-ma server did not answer both tries: $(cat "$IT_TMP/noma.log")"
grep -q 'event=reply-dropped reason=missing-message-authenticator' "$IT_TMP/c-noma.err" ||
	it_fail "the dropped reply was not logged: $(cat "$IT_TMP/c-noma.err")"
it_pass "EAP Challenges without Message-Authenticator are discarded (RFC 3579 3.2)"

[ "$(grep -c '^exchange=1 round=[0-9]* verdict=challenge eap-len=1[0-9] state-len=1[0-9]$' "$IT_TMP/c-good.out")" = 39 ] ||
	it_fail "not 39 Challenges relayed: $(cat "$IT_TMP/c-good.out")"
grep -q '^exchange=1 result verdict=accept rounds=40 keys=yes eap=success reply-user=forge-inner ' "$IT_TMP/c-good.out" ||
	it_fail "the 40th round was not an Accept with keys: $(tail -2 "$IT_TMP/c-good.out")"
grep -q '^stats rounds=40 challenges=39 accepts=1 rejects=0 oversized=0 malformed=0 stranded=0$' "$IT_TMP/c-good.out" ||
	it_fail "counters: $(tail -1 "$IT_TMP/c-good.out")"
[ "$(grep -c '^eap challenge' "$IT_TMP/good.log")" = 39 ] && grep -q '^eap accept round=40 ' "$IT_TMP/good.log" ||
	it_fail "the server did not see 40 rounds: $(tail -3 "$IT_TMP/good.log")"
it_pass "beside them, a 40-round exchange: 39 Challenges, then Accept with MPPE keys and the inner name"

# Failover mid-exchange: two servers; the first dies after round 1.
it_bg "$NS" "$IT_TMP/one.log" "$FORGE" --eap-rounds 4 127.0.0.1 1815 testing123 >/dev/null
ONE=$IT_LAST_PID
it_bg "$NS" "$IT_TMP/two.log" "$FORGE" --eap-rounds 4 127.0.0.1 1816 testing123 >/dev/null
wait_ready "$IT_TMP/one.log"
wait_ready "$IT_TMP/two.log"
# ip netns exec runs the forge as its child's PID: kill by the PID we know.
ip netns exec "$NS" "$CHECK" --exchanges 2 --kill-after 1 "$ONE" testing123 \
	127.0.0.1:1815 127.0.0.1:1816 >"$IT_TMP/c-fo.out" 2>"$IT_TMP/c-fo.err" ||
	it_fail "eap_relay_check (failover) failed: $(cat "$IT_TMP/c-fo.err")"
grep -q '^exchange=1 result verdict=backend-error rounds=2 .*message="RADIUS server 127.0.0.1:1815 holding this EAP exchange did not answer (no failover mid-exchange)"' "$IT_TMP/c-fo.out" ||
	it_fail "the exchange was not failed with its server: $(cat "$IT_TMP/c-fo.out")"
grep -q '^exchange=2 result verdict=accept rounds=4 keys=yes ' "$IT_TMP/c-fo.out" ||
	it_fail "the next exchange did not succeed at the other server: $(cat "$IT_TMP/c-fo.out")"
grep -q 'event=no-answer pinned-to=127.0.0.1:1815' "$IT_TMP/c-fo.err" ||
	it_fail "no pinned no-answer line: $(cat "$IT_TMP/c-fo.err")"
# The second server saw only the second exchange: 4 rounds, the first without State.
[ "$(grep -c '^eap ' "$IT_TMP/two.log")" = 4 ] ||
	it_fail "the second server saw rounds of the first exchange: $(cat "$IT_TMP/two.log")"
grep -q '^stats rounds=6 challenges=4 accepts=1 rejects=0 oversized=0 malformed=0 stranded=1$' "$IT_TMP/c-fo.out" ||
	it_fail "counters: $(tail -1 "$IT_TMP/c-fo.out")"
it_pass "a dead server's exchange fails with it instead of moving its State elsewhere; the next one succeeds at the live server"
