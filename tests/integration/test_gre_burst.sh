# Batched GRE I/O (issue 13): bursts larger than one receive batch
# (GRE_SOCK_BATCH, 32) and than one readiness event's batches (8 x 32)
# sent in one go to pptpd --echo-frames must all come back, in order and
# numbered without a gap (ctrl_peer's gre-expect checks each payload and
# that seq increases by one), the echoes leaving through sendmmsg batches.
# A second call on another control connection is echoed before, between
# and after the bursts, with its own numbering untouched. Afterwards the
# server counts no send error and no queue drop, and every frame received.
set -euo pipefail
: "${PPTPD:?}" "${ITOOLS:?}" "${SRCDIR:?}"
. "$SRCDIR/tests/integration/lib.sh"

it_init gre_burst
SRV=$(it_ns srv)
CLI=$(it_ns cli)
it_link "$SRV" veth0 198.51.100.1/24 "$CLI" veth1 198.51.100.2/24
. "$SRCDIR/tests/integration/pptpd.sh"

start_server

# Call A (peer call 7) takes the bursts; call B (peer call 8, its own
# control connection) is the bystander. Neither acks, so the window does
# not hold the echoes back (it binds once the peer has acked something).
peer "bursts of 40, 300 and 600 frames echoed whole and in order beside a second call" \
	open start expect-start result=1 \
	ocrq peer-call=7 window=64 expect-ocrp result=1 peer-call=7 save=A \
	open start expect-start result=1 \
	ocrq peer-call=8 window=64 expect-ocrp result=1 peer-call=8 save=B \
	gre-send call=@B seq=0 data=b0 gre-expect call=8 data=b0 seq=1 ack=0 \
	gre-send call=@A seq=0 data=x count=40 gre-expect call=7 data=x count=40 seq=1 ack=39 \
	gre-send call=@B seq=1 data=b1 gre-expect call=8 data=b1 seq=2 ack=1 \
	gre-send call=@A seq=40 data=y count=300 gre-expect call=7 data=y count=300 seq=41 ack=339 \
	gre-send call=@B seq=2 data=b2 count=5 gre-expect call=8 data=b2 count=5 seq=3 ack=6 \
	gre-send call=@A seq=340 data=z count=600 gre-expect call=7 data=z count=600 seq=341 ack=939 \
	gre-send call=@B seq=7 data=b3 gre-expect call=8 data=b3 seq=8 ack=7 \
	close use n=0 close

# 940 frames on A, 8 on B: all received, all echoed, none lost anywhere.
wait_log "call=.* event=call-down .*frames-rx=940 frames-tx=940 tx-dropped=0 .*tx-queue-drops=0"
wait_log "call=.* event=call-down .*frames-rx=8 frames-tx=8 tx-dropped=0 .*tx-queue-drops=0"
expect_stat gre-tx-err 0
expect_stat gre-dup 0
expect_stat gre-old 0
expect_stat frames-rx 948
stop_server
echo "all GRE burst checks passed"
