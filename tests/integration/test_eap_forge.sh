#!/usr/bin/env bash
# The EAP relay against a scripted RADIUS server (radius_forge, issue 15):
# a 40-round exchange logs in; an Access-Challenge whose EAP-Message chain
# is longer than the relay's bound is refused cleanly. All the while a
# client logged in through the real FreeRADIUS (bob, MS-CHAPv2) keeps
# pinging the LAN host, and after the attack an EAP client logs in again.
#
# pptpd's radius-server is switched between FreeRADIUS and the forgers by
# a configuration reload (the RADIUS client is rebuilt live; running
# sessions stay).
set -euo pipefail
: "${PPTPD:?}" "${PPTPCTL:?}" "${PPTPBENCH:?}" "${SRCDIR:?}" "${ITOOLS:?}"
. "$SRCDIR/tests/integration/lib.sh"
. "$SRCDIR/tests/integration/e2e_lib.sh"

it_init eap-forge
e2e_net
. "$SRCDIR/tests/integration/radius_lib.sh"
. "$SRCDIR/tests/integration/eap_lib.sh"

PKI=$IT_TMP/pki
eap_make_pki "$PKI"
radius_user main bob bob-secret
eap_user main dave dave-secret
eap_type main dave mschapv2
radius_start main --eap "$PKI"

# The scripted servers, on their own ports.
forge() {
	local port=$1
	shift
	it_bg "$SRV" "$IT_TMP/forge-$port.log" "$ITOOLS/radius_forge" "$@" 127.0.0.1 "$port" \
		testing123 >/dev/null
	for _ in $(seq 1 50); do grep -q ready "$IT_TMP/forge-$port.log" && break; sleep 0.1; done
	grep -q ready "$IT_TMP/forge-$port.log" || it_fail "radius_forge $* did not start"
}
forge 2040 --eap-rounds 40
forge 2041 --eap-oversize

start_server 192.0.2.10-20 "auth radius" "radius-server 127.0.0.1:1812 testing123" \
	"radius-timeout 2" "radius-tries 1" "eap yes"
CONF=$IT_TMP/pptpd.conf
# Point pptpd at another RADIUS server, live.
use_radius() {
	local port=$1 n
	n=$(grep -c 'event=reloaded by=' "$SRV_LOG" || true)
	sed -i "s/^radius-server .*/radius-server 127.0.0.1:$port testing123/" "$CONF"
	kill -HUP "$SRV_PID"
	for _ in $(seq 1 50); do
		[ "$(grep -c 'event=reloaded by=' "$SRV_LOG" || true)" -gt "$n" ] && return 0
		sleep 0.1
	done
	server_tail
	it_fail "no reload after SIGHUP (radius-server 127.0.0.1:$port)"
}

echo bob-secret >"$IT_TMP/bob.pw"
good_pinger
it_pass "bob is up through FreeRADIUS (MS-CHAPv2 after EAP's Nak) and pings the LAN host"

# ---- 40 rounds ----
# Every client below is bound to its own address: an unbound one's GRE
# socket would also see bob's frames (call 1 of the same server too).
use_radius 2040
# The forger's Requests are Notifications, which the client's link answers
# itself: its method never runs, so it has no MPPE keys of its own (the
# forger's 0x42 keys are only pptpd's). --mppe none lets it get past
# authentication to show the EAP Success; what follows is not the point.
connect rounds dave dave-secret --auth eap-mschapv2 --mppe none --timeout 30 --bind 198.51.100.2
grep -q '^eap accept round=40 ' "$IT_TMP/forge-2040.log" ||
	{ tail -n 5 "$IT_TMP/forge-2040.log" >&2; it_fail "radius_forge did not reach its Accept after 40 rounds"; }
[ "$(grep -c '^eap challenge round=' "$IT_TMP/forge-2040.log")" = 39 ] ||
	it_fail "radius_forge answered $(grep -c '^eap challenge round=' "$IT_TMP/forge-2040.log") challenges, not 39"
expect_out rounds '^auth-ok '
wait_log 'user=forge-inner .*ppp=eap event=end result=success rounds=40 .*identity=dave'
it_pass "a 40-round EAP exchange (39 Access-Challenges, then Accept) logs in; the Accept's User-Name forge-inner is the session's user"

# ---- an oversized EAP-Message chain ----
use_radius 2041
connect oversize dave dave-secret --auth eap-mschapv2 --timeout 20 --bind 198.51.100.2
[ "$RC" != 0 ] || { cat "$IT_TMP/oversize.out" >&2; it_fail "the oversized exchange logged in"; }
! grep -q '^auth-ok' "$IT_TMP/oversize.out" || it_fail "the oversized exchange authenticated"
grep -q '^eap oversize ' "$IT_TMP/forge-2041.log" || it_fail "radius_forge never sent its oversized chain"
wait_log 'radius=auth user=dave event=eap-reply-dropped server=127\.0\.0\.1:2041 reply=Access-Challenge reason=too-long'
wait_log 'user=dave .*event=auth-fail reason=backend-error .*EAP-Message longer than'
kill -0 "$SRV_PID" || it_fail "pptpd died"
it_pass "an Access-Challenge with a 1771-octet EAP-Message chain is refused; pptpd stays up"

# ---- back to FreeRADIUS: a new EAP login beside bob ----
use_radius 1812
connect_ok after dave dave-secret --auth eap-mschapv2 --bind 198.51.100.4 \
	--route 203.0.113.0/24 --run "ping -c 2 -W 2 203.0.113.2"
expect_out after '^ccp-up [0-9.]+ ms mppe=128'
expect_out after '2 packets transmitted, 2 received'
it_pass "after the attack an EAP-MSCHAPv2 client logs in through FreeRADIUS and pings"
good_pinger_end
expect_idle "every client"
stop_server
it_pass "pptpd stopped cleanly"
