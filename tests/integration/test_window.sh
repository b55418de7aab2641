#!/usr/bin/env bash
# Issue 13: a client that announces a small receive window (pptp-linux
# announces 3) still gets its downloads whole and at full rate: what does
# not fit its window waits in the call's send queue and leaves as its acks
# arrive, instead of being dropped.
#
#   client 198.51.100.2 --- 198.51.100.1 server 203.0.113.1 --- 203.0.113.2 LAN
#
# alice (pptpbench connect --window 1, --window 3, and --window 3 with
# --ack-delay 10: acks only on her own data or after 10 ms) moves 2 MB each
# way to the LAN host with e2e_xfer, content checked. For each: the call
# came up with her window, the server queued frames for it, refused none
# for the window while its queue had room (tx-window 0: before the queue
# every frame beyond the window was dropped there; a queue full on a
# loaded machine refuses the next packet before encryption) and dropped
# no encrypted frame from the queue (gre-tx-queue-drop 0). Meanwhile bob,
# with the default window, pings the LAN host every 0.1 s throughout and
# after. Then the same through a window of 3 with stateful MPPE, where no
# encrypted frame may be lost: none is dropped from the queue, and the
# client decrypts everything without a single Reset-Request. Last, with
# gre-tx-queue 0, the frames beyond the window are dropped as they were
# before the queue (tx-window above 0): the counter the checks above read
# does see such drops.
set -euo pipefail
: "${PPTPD:?}" "${PPTPCTL:?}" "${PPTPBENCH:?}" "${SRCDIR:?}" "${ITOOLS:?}"
. "$SRCDIR/tests/integration/lib.sh"
. "$SRCDIR/tests/integration/e2e_lib.sh"

BYTES=2000000

it_init window
e2e_net
echo 'alice-secret' | ctl user add alice --password-stdin
echo 'bob-secret' | ctl user add bob --password-stdin
echo bob-secret >"$IT_TMP/bob.pw"
echo alice-secret >"$IT_TMP/alice.pw"

start_server 192.0.2.10-20
it_bg "$LAN" "$IT_TMP/xfer-server.log" "$ITOOLS/e2e_xfer" serve 203.0.113.2 5001 >/dev/null
for _ in $(seq 1 50); do
	grep -q listening "$IT_TMP/xfer-server.log" && break
	sleep 0.1
done

good_pinger

# transfer NAME SEED WINDOW [CLIENT OPTION...]
transfer() {
	local name=$1 seed=$2 window=$3 mark call down
	shift 3
	mark=$(log_mark)
	# A /32 route: alice's traffic takes her tun, not bob's /24.
	connect_ok "$name" alice alice-secret --bind 198.51.100.2 --tun pptpw1 \
		--route 203.0.113.2/32 --window "$window" "$@" \
		--run "$ITOOLS/e2e_xfer send 203.0.113.2 5001 $BYTES $seed"
	expect_out "$name" "^xfer ok bytes=$BYTES "
	grep -q "rx ok bytes=$BYTES seed=$seed" "$IT_TMP/xfer-server.log" ||
		{ cat "$IT_TMP/xfer-server.log" >&2; it_fail "$name: the LAN host did not receive $BYTES bytes intact"; }
	call=$(log_since "$mark" | sed -n "s/.* call=\([0-9]*\) .*event=call-up .*peer-call=[0-9]* window=$window\$/\1/p")
	[ -n "$call" ] || { server_tail; it_fail "$name: no call-up with window=$window"; }
	wait_log " call=$call .*event=call-down "
	down=$(log_since "$mark" | grep " call=$call .*event=call-down ")
	[ "$(stat_field "$down" tx-dropped)" = 0 ] || it_fail "$name: frames refused: $down"
	[ "$(stat_field "$down" tx-queued)" -gt 0 ] ||
		it_fail "$name: nothing waited for the window (the test does not test the queue): $down"
	# Nothing refused for the window while the queue had room: under
	# MPPE a full queue (gre-tx-queue, 256) refuses the next packet before
	# encryption (tx-window), which a loaded machine can reach; short of
	# that, a refusal would be the queue not doing its work.
	local sdown refused peak
	wait_log " call=$call .*event=session-down "
	sdown=$(log_since "$mark" | grep " call=$call .*event=session-down ")
	refused=$(stat_field "$sdown" tx-window)
	peak=$(stat_field "$down" tx-queue-peak)
	[ "$refused" = 0 ] || [ "$peak" = 256 ] ||
		it_fail "$name: $refused packets refused for the window with the queue at $peak of 256: $sdown"
	REFUSED=$((REFUSED + refused))
	it_pass "window $window $*: $BYTES bytes each way intact, $(grep '^xfer ok' "$IT_TMP/$name.out" | sed 's/.*up=/up=/');" \
		"queued $(stat_field "$down" tx-queued), head drops $(stat_field "$down" tx-queue-drops)," \
		"peak $(stat_field "$down" tx-queue-peak), ack time-outs $(stat_field "$down" tx-ack-timeouts)"
}

REFUSED=0
transfer win1 61 1
transfer win3 63 3
transfer win3slow 64 3 --ack-delay 10

line=$(stats)
[ "$(stat_field "$line" tx-window)" = "$REFUSED" ] || it_fail "frames refused beyond the transfers' own ($REFUSED, each with its queue full): $line"
[ "$(stat_field "$line" gre-tx-queue-drop)" = 0 ] || it_fail "encrypted frames dropped from the queue (MPPE: refused before encryption instead): $line"
[ "$(stat_field "$line" gre-tx-queued)" -gt 0 ] || it_fail "no frame counted as queued: $line"
it_pass "server: tx-window=0 gre-tx-queued=$(stat_field "$line" gre-tx-queued)" \
	"gre-tx-queue-drop=$(stat_field "$line" gre-tx-queue-drop)"

PONGS=$(pongs)
touch "$STOP_GOOD"
IT_STATUS=0
wait "$GOOD" 2>/dev/null || IT_STATUS=$?
[ "$IT_STATUS" = 0 ] || { cat "$IT_TMP/good.out" >&2; server_tail; it_fail "bob exited $IT_STATUS"; }
grep -q '3 packets transmitted, 3 received' "$IT_TMP/good.out" ||
	{ cat "$IT_TMP/good.out" >&2; it_fail "bob: final pings lost"; }
it_pass "bob pinged the LAN host throughout ($PONGS pings) and after"
expect_idle "the transfers"
stop_server

# Stateful MPPE: a frame lost after encryption would cost the client its
# MPPE state until the next flushed frame (a CCP Reset-Request round trip),
# so the server never drops a queued frame there: a full queue refuses the
# next IP packet before it is encrypted (counted tx-window, TCP backs off).
# The client must decrypt everything it got and never ask for a reset.
start_server 192.0.2.10-20 "mppe-stateful yes"
transfer stateful 65 3 --mppe stateful
expect_out stateful '^ccp-up [0-9.]+ ms mppe=128 stateful$'
expect_out stateful ' mppe-dropped=0 mppe-resets=0 '
line=$(stats)
it_pass "stateful MPPE through a window of 3: no frame the client could not decrypt," \
	"no reset; refused before encryption: tx-window=$(stat_field "$line" tx-window)," \
	"gre-tx-queue-drop=$(stat_field "$line" gre-tx-queue-drop)"
[ "$(stat_field "$line" gre-tx-queue-drop)" = 0 ] ||
	it_fail "stateful MPPE: queued (encrypted) frames were dropped: $line"
expect_idle "the stateful transfer"
stop_server

# A client that falls behind (window 1, acks only every 10 ms: about 100
# frames a second) while the LAN host sends it 2,000 numbered datagrams in
# half a second. The call's queue fills (256); past that, stateless MPPE
# too refuses the next packet before it is encrypted instead of dropping
# an encrypted frame from the queue's head: the client never sees a gap in
# the coherency count, decrypts every frame it gets (no catch-up re-key
# refused, a gap of over 1,024 would be; with head drops this run made
# gaps of about 1,700 and the client's link died), and its link outlives
# the burst.
start_server 192.0.2.10-20
BG_USER=alice PWFILE=$IT_TMP/alice.pw bg_connect "$IT_TMP/stall.out" --bind 198.51.100.2 \
	--tun pptpw2 --window 1 --ack-delay 10 --timeout 10
STALL=$IT_LAST_PID
wait_up "$IT_TMP/stall.out"
addr=$(client_addr "$IT_TMP/stall.out")
start_sink "$CLI" "$IT_TMP/stall-sink.log" --bind "$addr"
SINK=$IT_LAST_PID
ip netns exec "$LAN" "$PPTPBENCH" datapath blast --dst "$addr" --size 1396 --rate 4000 \
	--seconds 0.5 >"$IT_TMP/stall-blast.log"
# The queue drains at the client's pace: 256 frames at ~100 a second.
for _ in $(seq 1 100); do
	[ "$(stat_field "$(stats)" sessions)" = 1 ] || break
	sleep 0.1
done
kill -0 "$STALL" 2>/dev/null || { cat "$IT_TMP/stall.out" >&2; server_tail; it_fail "stall: the client's link ended"; }
it_stop "$SINK"
it_stop "$STALL"
sink=$(grep '^sink received' "$IT_TMP/stall-sink.log") || it_fail "stall: no sink line"
line=$(stats)
[ "$(stat_field "$line" tx-window)" -gt 0 ] ||
	it_fail "stall: nothing refused (the queue never filled, the test shows nothing): $line"
[ "$(stat_field "$line" gre-tx-queue-drop)" = 0 ] ||
	it_fail "stall: encrypted frames dropped from the queue: $line"
expect_out stall ' mppe-dropped=0 '
[[ "$sink" == *" reordered=0 duplicates=0 bad=0" ]] && [ "$(stat_field "$sink" received)" -ge 256 ] ||
	it_fail "stall: $sink"
it_pass "a client that falls behind: refused before encryption tx-window=$(stat_field "$line" tx-window)," \
	"no encrypted frame dropped, the client decrypted all it got and kept its link; $sink"
expect_idle "the stalled client"
stop_server

# gre-tx-queue 0: the old behaviour, for comparison and as the operator's
# way back. PPP still comes up (its replies wait while a frame is being
# delivered, whatever the key says); what the window refuses is dropped
# before encryption and counted, and TCP still gets its data through.
start_server 192.0.2.10-20 "gre-tx-queue 0"
connect_ok noqueue alice alice-secret --bind 198.51.100.2 --tun pptpw1 \
	--route 203.0.113.2/32 --window 3 --run "$ITOOLS/e2e_xfer send 203.0.113.2 5001 500000 66"
expect_out noqueue '^xfer ok bytes=500000 '
line=$(stats)
[ "$(stat_field "$line" tx-window)" -gt 0 ] ||
	it_fail "gre-tx-queue 0: nothing dropped for a window of 3 (the test shows nothing): $line"
[ "$(stat_field "$line" gre-tx-queued)" = 0 ] || it_fail "gre-tx-queue 0: frames queued: $line"
it_pass "gre-tx-queue 0: dropped for the window as before the queue: tx-window=$(stat_field "$line" tx-window)"
expect_idle "the transfer without a queue"
stop_server
it_pass "pptpd stopped cleanly"
