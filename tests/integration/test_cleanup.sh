# Peers that vanish are cleaned up: one resets its TCP connection (SO_LINGER
# 0), one goes silent (no Echo-Reply). Their calls end and the stats line
# shows no control connection, no call, no call ID and the objects count
# back at its baseline.
set -euo pipefail
: "${PPTPD:?}" "${ITOOLS:?}" "${SRCDIR:?}"
. "$SRCDIR/tests/integration/lib.sh"

it_init cleanup
SRV=$(it_ns srv)
CLI=$(it_ns cli)
it_link "$SRV" veth0 198.51.100.1/24 "$CLI" veth1 198.51.100.2/24
. "$SRCDIR/tests/integration/pptpd.sh"

start_server "echo-interval 1" "echo-timeout 1"
base=$(stat objects)
[ -n "$base" ] || it_fail "no objects count in the stats line"

# A peer with three calls of both kinds, GRE flowing, then a TCP reset.
peer "peer with calls resets its connection" \
	open start expect-start result=1 \
	ocrq peer-call=1 expect-ocrp result=1 save=A ocrq peer-call=2 expect-ocrp result=1 \
	icrq peer-call=3 expect-icrp result=1 save=C iccn call=@C \
	gre-send call=@A seq=0 data=x count=3 gre-expect call=1 data=x count=3 \
	reset
wait_log "reason=reset"
sleep 0.3
expect_stat ctrls 0
expect_stat calls 0
expect_stat callids 0
expect_stat objects "$base"
it_pass "reset peer: calls, call IDs and memory freed"

# A peer that goes silent: it neither reads nor answers Echo-Requests.
ip netns exec "$CLI" "$ITOOLS/ctrl_peer" 198.51.100.1 open start expect-start result=1 \
	ocrq peer-call=4241 expect-ocrp result=1 ocrq peer-call=4242 expect-ocrp result=1 \
	sleep secs=8 >"$IT_TMP/silent.out" 2>&1 &
silent=$!
wait_log "peer-call=4242 window"
expect_stat ctrls 1
expect_stat calls 2
expect_stat callids 2
[ "$(stat objects)" -gt "$base" ] || it_fail "objects do not count live calls"
wait_log "reason=echo-timeout"
sleep 0.3
expect_stat ctrls 0
expect_stat calls 0
expect_stat callids 0
expect_stat objects "$base"
wait "$silent" || { cat "$IT_TMP/silent.out" >&2; it_fail "silent peer failed"; }
it_pass "silent peer: closed after echo-timeout, everything freed"

# Many peers at once, half of them reset, half closed normally.
pids=()
for i in $(seq 1 20); do
	if [ $((i % 2)) = 0 ]; then last=reset; else last=close; fi
	ip netns exec "$CLI" "$ITOOLS/ctrl_peer" 198.51.100.1 open start expect-start result=1 \
		ocrq peer-call="$i" expect-ocrp result=1 $last >/dev/null 2>&1 &
	pids+=($!)
done
for pid in "${pids[@]}"; do
	wait "$pid" || it_fail "a peer of the 20 failed"
done
sleep 0.5
expect_stat ctrls 0
expect_stat calls 0
expect_stat callids 0
expect_stat objects "$base"
[ "$(stat calls-opened)" = 25 ] || it_fail "expected 25 calls opened in total"
it_pass "20 peers gone: everything freed"
stop_server
echo "all cleanup checks passed"
