#!/usr/bin/env bash
# RFC 5176 replay protection of the DAE listener, with requests built by
# dae_send (no FreeRADIUS) on the server namespace's loopback, users in the
# SQLite store, the network of test_e2e.sh (e2e_lib.sh):
#
#   client 198.51.100.2-3 --- 198.51.100.1 server 203.0.113.1 --- 203.0.113.2 LAN
#                                  |
#                   dae_send 127.0.0.1 -> dae-listen 127.0.0.1:3799
#
# Cases, while bob keeps pinging the LAN host throughout:
#   (a) a Disconnect-Request ends alice's session; the same bytes sent
#       again from another source port get the first answer again and do
#       not end her next session;
#   (b) an Event-Timestamp an hour old (or ahead) is silently discarded
#       (RFC 5176 6.3), counted, logged; the session lives;
#   (c) no Message-Authenticator: NAK, Error-Cause 402, by default; with
#       `dae-require-message-authenticator no` it is acted on; with
#       `dae-require-event-timestamp yes` a request without one gets 402;
#   (d) a captured request replayed after its Event-Timestamp left a short
#       window is discarded, the session lives.
set -euo pipefail
: "${PPTPD:?}" "${PPTPCTL:?}" "${PPTPBENCH:?}" "${SRCDIR:?}" "${ITOOLS:?}"
. "$SRCDIR/tests/integration/lib.sh"
. "$SRCDIR/tests/integration/e2e_lib.sh"

it_init dae_replay
e2e_net
echo 'alice-secret' | ctl user add alice --password-stdin
echo 'bob-secret' | ctl user add bob --password-stdin
echo alice-secret >"$IT_TMP/alice.pw"
echo bob-secret >"$IT_TMP/bob.pw"
export PWFILE=$IT_TMP/alice.pw
TO=(127.0.0.1 3799 daesecret)
DAE=("dae-listen 127.0.0.1:3799" "dae-client 127.0.0.1 daesecret")

# dae_send in the server's namespace; prints its one-line answer. Where
# no answer is the expected one, the callers wait 1 s instead of 3.
dae() {
	ip netns exec "$SRV" "$ITOOLS/dae_send" --timeout 3 "$@"
}

expect_reply() {
	[ "$1" = "$2" ] || { server_tail; it_fail "$3: answer '$1', expected '$2'"; }
}

# Sessions of alice ended by a Disconnect-Request, in this server's log.
admin_downs() {
	grep -c 'user=alice .*event=session-down reason=admin' "$SRV_LOG" || true
}

expect_admin_downs() {
	local n=0
	for _ in $(seq 1 50); do
		n=$(admin_downs)
		[ "$n" = "$1" ] && return 0
		sleep 0.1
	done
	server_tail
	it_fail "$n of alice's sessions ended by a Disconnect-Request, expected $1 ($2)"
}

# bob: pings the LAN host until told to stop, then 3 more; each answered
# ping is a "pong N" line. Any lost ping ends the client with status 9.
start_bob() {
	STOP_BOB=$IT_TMP/stop-bob-$NSTART
	BG_USER=bob PWFILE=$IT_TMP/bob.pw bg_connect "$IT_TMP/bob-$NSTART.out" --bind 198.51.100.3 \
		--tun pptpb1 --route 203.0.113.0/24 --timeout 10 --run \
		"n=0; while [ ! -e $STOP_BOB ]; do ping -c 1 -W 2 203.0.113.2 >/dev/null || exit 9; n=\$((n+1)); echo pong \$n; done; ping -c 3 -W 2 203.0.113.2"
	BOB=$IT_LAST_PID
	wait_up "$IT_TMP/bob-$NSTART.out"
	for _ in $(seq 1 100); do
		grep -q '^pong ' "$IT_TMP/bob-$NSTART.out" && break
		sleep 0.1
	done
	BOB_PONGS=$(grep -c '^pong ' "$IT_TMP/bob-$NSTART.out" || true)
	[ "$BOB_PONGS" -gt 0 ] || { cat "$IT_TMP/bob-$NSTART.out" >&2; it_fail "bob: no ping answered"; }
}

stop_bob() {
	local out=$IT_TMP/bob-$NSTART.out
	for _ in $(seq 1 50); do
		[ "$(grep -c '^pong ' "$out")" -gt "$BOB_PONGS" ] && break
		sleep 0.1
	done
	grep -q 'user=bob .*event=session-down' "$SRV_LOG" && it_fail "bob's session went down during the attacks"
	touch "$STOP_BOB"
	IT_STATUS=0
	wait "$BOB" 2>/dev/null || IT_STATUS=$?
	[ "$IT_STATUS" = 0 ] || { cat "$out" >&2; server_tail; it_fail "bob exited $IT_STATUS (a ping was lost)"; }
	grep -q '3 packets transmitted, 3 received' "$out" || { cat "$out" >&2; it_fail "bob: final pings lost"; }
	[ "$(grep -c '^pong ' "$out")" -gt "$BOB_PONGS" ] || it_fail "bob: no ping answered during the attacks"
	it_pass "bob pinged the LAN host throughout ($(grep -c '^pong ' "$out") pings, none lost)"
}

# alice logs in (in the background); her client's PID in $ALICE.
alice_up() {
	bg_connect "$IT_TMP/alice-$1.out" --bind 198.51.100.2 --tun "pptpa$1" --timeout 10 --run "sleep 50"
	ALICE=$IT_LAST_PID
	wait_up "$IT_TMP/alice-$1.out"
}

# ---- defaults: Message-Authenticator required, Event-Timestamp optional ----
start_server 192.0.2.10-20 "${DAE[@]}"
wait_log 'radius=dae event=listening .* require-message-authenticator=yes require-event-timestamp=no event-timestamp-window=300'
start_bob

# (a) A Disconnect-Request, saved as an attacker would capture it.
alice_up 1
reply=$(dae --sport 40001 --ts 0 --save "$IT_TMP/captured.bin" "${TO[@]}" user=alice)
expect_reply "$reply" "Disconnect-ACK" "the first Disconnect-Request"
expect_admin_downs 1 "the first request"
wait_log 'radius=dae from=127\.0\.0\.1:40001 event=disconnect-ack id=[0-9]+ sessions=1 error-cause=0 reason=- event-timestamp=current'
# alice's next session; the captured bytes again, from another port.
alice_up 2
reply=$(dae --sport 40002 --replay "$IT_TMP/captured.bin" "${TO[@]}")
expect_reply "$reply" "Disconnect-ACK" "the replayed request (the cached answer)"
wait_log 'radius=dae from=127\.0\.0\.1:40002 event=duplicate id=[0-9]+ answer=Disconnect-ACK duplicates=1'
it_pass "the same Disconnect-Request from another source port gets the first answer again"

# (b) Event-Timestamps an hour old and an hour ahead: no answer at all.
reply=$(dae --timeout 1 --ts -3600 "${TO[@]}" user=alice)
expect_reply "$reply" "timeout" "an Event-Timestamp an hour old"
wait_log 'radius=dae from=127\.0\.0\.1:[0-9]+ event=request-dropped reason=stale-event-timestamp dropped=1 stale=1'
reply=$(dae --timeout 1 --ts 3600 "${TO[@]}" user=alice)
expect_reply "$reply" "timeout" "an Event-Timestamp an hour ahead"
it_pass "Event-Timestamps outside the 300 s window are silently discarded (RFC 5176 6.3)"

# (c) No Message-Authenticator: refused by default.
reply=$(dae --no-ma --ts 0 "${TO[@]}" user=alice)
expect_reply "$reply" "Disconnect-NAK error-cause=402" "a request without Message-Authenticator"
wait_log 'event=disconnect-nak id=[0-9]+ sessions=0 error-cause=402 reason=no-message-authenticator'
it_pass "a request without Message-Authenticator: Disconnect-NAK, Error-Cause 402 (Missing Attribute)"

# None of that touched alice's second session; a fresh request ends it,
# and its answer line carries the counters.
kill -0 "$ALICE" 2>/dev/null || { cat "$IT_TMP/alice-2.out" >&2; it_fail "alice's second session ended"; }
expect_admin_downs 1 "after the replay, the stale and the unsigned requests"
reply=$(dae --ts 0 "${TO[@]}" user=alice)
expect_reply "$reply" "Disconnect-ACK" "a fresh Disconnect-Request"
expect_admin_downs 2 "a fresh request"
wait_log 'event=disconnect-ack id=[0-9]+ sessions=1 error-cause=0 reason=- event-timestamp=current answered=3 duplicates=1 dropped=2 stale=2 no-ma=1 no-ts=0 cache-full=0'
it_pass "alice's next session survived the replay, the stale and the unsigned requests; a fresh one ends it"
stop_bob
expect_idle "the default-policy cases"
stop_server

# ---- Message-Authenticator optional, Event-Timestamp required, window 2 s ----
start_server 192.0.2.10-20 "${DAE[@]}" "dae-require-message-authenticator no" \
	"dae-require-event-timestamp yes" "dae-event-timestamp-window 2"
wait_log 'radius=dae event=listening .* require-message-authenticator=no require-event-timestamp=yes event-timestamp-window=2'
start_bob
alice_up 3
reply=$(dae --no-ma "${TO[@]}" user=alice)
expect_reply "$reply" "Disconnect-NAK error-cause=402" "a request without Event-Timestamp"
wait_log 'event=disconnect-nak id=[0-9]+ sessions=0 error-cause=402 reason=no-event-timestamp'
expect_admin_downs 0 "a request without Event-Timestamp"
it_pass "dae-require-event-timestamp yes: a request without one gets Disconnect-NAK 402"
reply=$(dae --no-ma --ts 0 --sport 40003 --save "$IT_TMP/captured2.bin" "${TO[@]}" user=alice)
expect_reply "$reply" "Disconnect-ACK" "a request without Message-Authenticator, allowed"
expect_admin_downs 1 "a request without Message-Authenticator, allowed"
it_pass "dae-require-message-authenticator no: a request without one is acted on"

# (d) The captured request once its Event-Timestamp has left the window.
alice_up 4
ts_sent=$(stat -c %Y "$IT_TMP/captured2.bin")
while [ "$(date +%s)" -le $((ts_sent + 3)) ]; do
	sleep 0.2
done
reply=$(dae --timeout 1 --sport 40004 --replay "$IT_TMP/captured2.bin" "${TO[@]}")
expect_reply "$reply" "timeout" "the request replayed after its window"
wait_log 'radius=dae from=127\.0\.0\.1:40004 event=request-dropped reason=stale-event-timestamp'
kill -0 "$ALICE" 2>/dev/null || { cat "$IT_TMP/alice-4.out" >&2; it_fail "alice's fourth session ended"; }
reply=$(dae --ts 0 "${TO[@]}" user=alice)
expect_reply "$reply" "Disconnect-ACK" "a fresh Disconnect-Request"
expect_admin_downs 2 "the stale replay, then a fresh request"
it_pass "a captured request replayed after its Event-Timestamp left the window is discarded; the session lived"
stop_bob
expect_idle "the strict-policy cases"
stop_server
