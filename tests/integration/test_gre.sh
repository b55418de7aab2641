# The GRE data path of pptpd (run with --echo-frames), driven by ctrl_peer
# over a raw GRE socket from a client namespace: echo through a call with
# our sequence numbers and acks, two calls from one address told apart by
# call ID, a wrong source address dropped and counted, reordering, duplicates,
# sequence number wrap, the peer's receive window, and ack-only packets when
# the peer only sends.
set -euo pipefail
: "${PPTPD:?}" "${ITOOLS:?}" "${SRCDIR:?}"
. "$SRCDIR/tests/integration/lib.sh"

it_init gre
SRV=$(it_ns srv)
CLI=$(it_ns cli)
it_link "$SRV" veth0 198.51.100.1/24 "$CLI" veth1 198.51.100.2/24
it_addr "$CLI" veth1 198.51.100.3/24
. "$SRCDIR/tests/integration/pptpd.sh"

# A long hold time keeps the reordering check independent of scheduling.
start_server "gre-reorder-packets 4" "gre-reorder-hold-ms 1000"

# Call A: peer call ID 7. The server numbers from 1 and acks what it got.
peer "echo through a call, two calls demultiplexed, reordering, duplicates" \
	open start expect-start result=1 \
	ocrq peer-call=7 window=16 expect-ocrp result=1 peer-call=7 save=A \
	gre-send call=@A seq=0 data=hello gre-expect call=7 data=hello seq=1 ack=0 \
	gre-send call=@A seq=1 data=more count=5 gre-expect call=7 data=more count=5 seq=2 ack=5 \
	ocrq peer-call=8 expect-ocrp result=1 peer-call=8 save=B \
	gre-send call=@B seq=1 data=bee gre-expect call=8 data=bee seq=1 ack=1 \
	gre-send call=@A seq=6 data=ay gre-expect call=7 data=ay seq=7 ack=6 \
	gre-send call=@B seq=2 data=bee2 gre-expect call=8 data=bee2 seq=2 ack=2 \
	gre-send call=@A seq=7 data=r1 gre-send call=@A seq=9 data=r3 gre-send call=@A seq=8 data=r2 \
	gre-expect call=7 data=r1 ack=7 gre-expect call=7 data=r2 ack=9 gre-expect call=7 data=r3 \
	gre-send call=@A seq=10 data=dup gre-send call=@A seq=10 data=dup \
	gre-expect call=7 data=dup ack=10 gre-expect-none secs=1 \
	gre-send call=@A seq=11 data=evil src=198.51.100.3 gre-expect-none secs=1 \
	gre-send call=@A seq=11 data=good gre-expect call=7 data=good ack=11 \
	close
[ "$(stat gre-dup)" = 1 ] || it_fail "duplicate not counted"
[ "$(stat gre-wrong-src)" = 1 ] || it_fail "packet from a wrong source not counted"
grep -q 'event=gre-wrong-src src=198.51.100.3' "$SRV_LOG" || it_fail "wrong source not logged"

# Window 2: once the peer has acked something it is held to its window.
# "first" is echoed as seq 1 and acked (ack=1 rides on the burst); of the
# five-packet burst only two fit the window, the other three wait in the
# call's send queue and leave, in order and numbered without a gap, two for
# each ack that opens the window (or earlier, should the window's ack
# time-out pass first on a loaded machine: the order and the numbers are
# the same either way, and nothing is dropped).
peer "the peer's receive window is respected; frames beyond it wait" \
	open start expect-start result=1 \
	ocrq peer-call=11 window=2 expect-ocrp result=1 peer-call=11 save=W \
	gre-send call=@W seq=1 data=first gre-expect call=11 data=first seq=1 \
	gre-send call=@W seq=2 ack=1 data=burst count=5 \
	gre-expect call=11 data=burst count=2 seq=2 \
	gre-send call=@W seq=7 ack=3 data=after \
	gre-expect call=11 data=burst-2 seq=4 gre-expect call=11 data=burst-3 seq=5 \
	gre-send call=@W seq=8 ack=5 data=last \
	gre-expect call=11 data=burst-4 seq=6 gre-expect call=11 data=after seq=7 \
	gre-send call=@W seq=9 ack=7 data=end \
	gre-expect call=11 data=last seq=8 gre-expect call=11 data=end seq=9 \
	close
wait_log "event=call-down reason=.* frames-rx=9 frames-tx=9 tx-dropped=0 .* tx-queue-drops=0"
[ "$(stat gre-tx-queued)" -ge 3 ] || it_fail "frames queued for the window not counted"
[ "$(stat tx-window)" = 0 ] || it_fail "a frame was dropped for the window"

peer "sequence numbers wrap at 2^32" \
	open start expect-start result=1 ocrq peer-call=9 expect-ocrp result=1 save=C \
	gre-send call=@C seq=0xFFFFFFF0 data=w count=32 gre-expect call=9 data=w count=32 ack=15 \
	close

peer "GRE for a call ID that does not exist is counted" \
	open start expect-start result=1 ocrq peer-call=10 expect-ocrp result=1 save=D \
	ccrq peer-call=10 expect-cdn call=@D result=4 \
	gre-send call=@D seq=0 data=late gre-expect-none secs=1 close
[ "$(stat gre-no-call)" -ge 1 ] || it_fail "packet for a closed call not counted"
stop_server

# Without --echo-frames frames are counted and dropped: acks go alone.
PPTPD_ARGS=
start_server
peer "ack-only packets when the peer only sends" \
	open start expect-start result=1 ocrq peer-call=7 expect-ocrp result=1 save=A \
	gre-send call=@A seq=0 data=x count=3 gre-expect-ack call=7 ack=2 timeout=3 \
	gre-send call=@A seq=3 data=y gre-expect-ack call=7 ack=3 timeout=3 close
[ "$(stat frames-dropped)" = 4 ] || it_fail "dropped frames not counted"
stop_server
echo "all GRE checks passed"
