# The PPTP control connection of pptpd, driven by ctrl_peer from a client
# namespace: the start exchange, echo both ways, outgoing and incoming calls,
# clear/disconnect, Set-Link-Info, WAN-Error-Notify, stop both ways, every
# malformed input, split and batched writes, the limits and the timers.
set -euo pipefail
: "${PPTPD:?}" "${ITOOLS:?}" "${SRCDIR:?}"
. "$SRCDIR/tests/integration/lib.sh"

it_init ctrl
SRV=$(it_ns srv)
CLI=$(it_ns cli)
it_link "$SRV" veth0 198.51.100.1/24 "$CLI" veth1 198.51.100.2/24
. "$SRCDIR/tests/integration/pptpd.sh"

# ---- the protocol, with long timers ----
it_addr "$SRV" veth0 198.51.100.4/24
start_server "connections 3" "max-connections-per-address 4" "listen 198.51.100.4" \
	"pidfile $IT_TMP/pptpd.pid"
[ "$(cat "$IT_TMP/pptpd.pid" 2>/dev/null)" = "$SRV_PID" ] || it_fail "pidfile does not hold the server's PID"
it_pass "pidfile written with the server's PID"
SRV_ADDR=198.51.100.4 peer "second listen address answers too" \
	open start expect-start result=1 stop expect-stop-reply

peer "start exchange, echo, stop from the peer" \
	open start expect-start result=1 echo id=7 expect-echo-reply id=7 result=1 \
	stop reason=1 expect-stop-reply result=1 expect-closed
wait_log "event=ctrl-close reason=peer-stop"

peer "outgoing calls, Set-Link-Info and WAN-Error-Notify (no reply), Call-Clear" \
	open start host=local vendor=cananian expect-start result=1 \
	ocrq peer-call=0 window=3 speed=64000 \
	expect-ocrp result=1 error=0 peer-call=0 window=64 speed=64000 save=A \
	ocrq peer-call=1 expect-ocrp result=1 peer-call=1 save=B \
	sli call=@A sli call=@A wen call=@B echo id=1 expect-echo-reply id=1 \
	ccrq peer-call=0 expect-cdn call=@A result=4 \
	ccrq peer-call=1 expect-cdn call=@B result=4 close
grep -q 'event=wan-error crc=1 framing=2' "$SRV_LOG" || it_fail "WAN-Error-Notify not logged"
[ "$(grep -c 'event=call-down reason=peer-clear' "$SRV_LOG")" = 2 ] ||
	it_fail "two calls should end by Call-Clear-Request"

peer "incoming calls (NAS role) beside an outgoing one on one connection" \
	open start expect-start result=1 \
	icrq peer-call=100 expect-icrp result=1 peer-call=100 window=64 save=X \
	icrq peer-call=101 expect-icrp result=1 peer-call=101 save=Y \
	iccn call=@X window=8 iccn call=@Y \
	ocrq peer-call=5 expect-ocrp result=1 peer-call=5 \
	cdn peer-call=100 echo id=2 expect-echo-reply id=2 close
grep -q 'role=pns peer-call=100 window=8' "$SRV_LOG" || it_fail "incoming call not up with window 8"
[ "$(grep -c 'event=call-down reason=peer-disconnect' "$SRV_LOG")" = 1 ] ||
	it_fail "Call-Disconnect-Notify did not end the incoming call"

peer "second start request: result 3, connection kept" \
	open start expect-start result=1 start expect-start result=3 \
	echo id=3 expect-echo-reply id=3 close

peer "start with version 2.0: result 5 and closed" \
	open start version=0x0200 expect-start result=5 expect-closed

peer "wrong magic cookie closes" \
	open start expect-start result=1 raw hex=0010000119999999000500000000000a expect-closed
wait_log "reason=bad-magic"

peer "length > 220 closes" \
	open start expect-start result=1 raw hex=00dd00011a2b3c4d00050000 expect-closed

peer "Echo-Request too short: Bad-Format reply, connection works" \
	open start expect-start result=1 raw hex=000c00011a2b3c4d00050000 \
	expect type=6 result=2 error=2 echo id=4 expect-echo-reply id=4 close

peer "Outgoing-Call-Request too short: Bad-Format reply" \
	open start expect-start result=1 raw hex=001000011a2b3c4d0007000000420000 \
	expect type=8 result=2 error=2 echo id=4 expect-echo-reply id=4 close

peer "unknown message type ignored, connection works" \
	open start expect-start result=1 raw hex=000c00011a2b3c4d00630000 \
	echo id=5 expect-echo-reply id=5 close

peer "call request before the start exchange closes" \
	open ocrq peer-call=1 expect-closed
wait_log "reason=msg-before-start"

peer "Call-Clear and Set-Link-Info naming another connection's call are ignored" \
	open start expect-start result=1 ocrq peer-call=9 expect-ocrp result=1 save=A \
	open start expect-start result=1 ccrq peer-call=9 sli call=@A iccn call=@A \
	echo id=6 expect-echo-reply id=6 \
	use n=0 echo id=7 expect-echo-reply id=7 ccrq peer-call=9 expect-cdn call=@A result=4
grep -q 'type=Call-Clear-Request reason=bad-call-id call=9' "$SRV_LOG" ||
	it_fail "foreign Call-Clear-Request not logged"

peer "messages split one byte per write" \
	bytewise on open start expect-start result=1 echo id=8 expect-echo-reply id=8 \
	ocrq peer-call=3 expect-ocrp result=1 peer-call=3 bytewise off close

peer "several messages in one write" \
	open batch on start ocrq peer-call=4 echo id=9 batch off \
	expect-start result=1 expect-ocrp result=1 peer-call=4 expect-echo-reply id=9 close

peer "connections limit: busy reply, never silence" \
	open start expect-start result=1 \
	ocrq peer-call=1 expect-ocrp result=1 ocrq peer-call=2 expect-ocrp result=1 \
	ocrq peer-call=3 expect-ocrp result=1 ocrq peer-call=4 expect-ocrp result=4 peer-call=4 \
	icrq peer-call=5 expect-icrp result=3 peer-call=5 close

sleep 0.5
expect_stat ctrls 0
peer "connections per address limit" \
	open start expect-start result=1 open start expect-start result=1 \
	open start expect-start result=1 open start expect-start result=1 \
	open expect-closed
[ "$(stat ctrl-refused)" = 1 ] || it_fail "refused connection not counted"

# Server-initiated stop on SIGTERM: the peer sees reason 3, pptpd exits 0.
ip netns exec "$CLI" "$ITOOLS/ctrl_peer" 198.51.100.1 open start expect-start result=1 \
	ocrq peer-call=4242 expect-ocrp result=1 \
	expect-stop-request reason=3 reply=1 timeout=20 expect-closed \
	>"$IT_TMP/term.out" 2>&1 &
term_peer=$!
wait_log "peer-call=4242 window"
stop_server
wait "$term_peer" || { cat "$IT_TMP/term.out" >&2; it_fail "peer did not see the shutdown stop"; }
grep -q 'event=ctrl-close reason=shutdown' "$SRV_LOG" || it_fail "no shutdown close logged"
it_pass "SIGTERM: Stop-Control-Connection-Request reason 3, exit 0"
[ ! -e "$IT_TMP/pptpd.pid" ] || it_fail "pidfile left behind after a clean stop"
it_pass "pidfile removed at exit"

# ---- timers ----
start_server "stimeout 2" "echo-interval 2" "echo-timeout 2" "ctrl-idle-timeout 3"

peer "stimeout closes a silent new connection" open expect-closed timeout=8
wait_log "reason=start-timeout"

peer "answered Echo-Requests keep the connection" \
	open start expect-start result=1 ocrq peer-call=1 expect-ocrp result=1 \
	expect-echo-request answer=1 timeout=5 expect-echo-request answer=1 timeout=5 \
	expect-echo-request answer=1 timeout=5 \
	echo id=1 expect-echo-reply id=1 ccrq peer-call=1 expect-cdn result=4 close

peer "unanswered Echo-Request closes after echo-timeout" \
	open start expect-start result=1 ocrq peer-call=1 expect-ocrp result=1 \
	expect-echo-request timeout=5 expect-closed timeout=8
wait_log "reason=echo-timeout"

peer "a connection without calls is stopped after ctrl-idle-timeout" \
	open start expect-start result=1 expect-stop-request reason=1 reply=1 timeout=8 \
	expect-closed
wait_log "event=ctrl-stop reason=idle"

sleep 0.5
expect_stat ctrls 0
expect_stat calls 0
stop_server
echo "all control connection checks passed"
