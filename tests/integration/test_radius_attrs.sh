#!/usr/bin/env bash
# The RADIUS attributes ISPs rely on, against Debian's FreeRADIUS (set up by
# tests/integration/radius_lib.sh, its accounting written to a detail file):
#
#   client 198.51.100.2 --- 198.51.100.1 server 203.0.113.1 --- 203.0.113.2 LAN
#                                  |
#                          FreeRADIUS 127.0.0.1 (in the server namespace)
#
# Cases: Framed-Route installed into the tun while the session is up (the
# LAN host and the client reach each other through it), removed after it,
# with a route overlapping the pool and one through another gateway
# refused, as is one the kernel has already (the LAN's); two Class values in the Access-Accept both echoed in Start and Stop;
# Acct-Multi-Session-Id and NAS-Port-Id in every record (NAS-Port-Id also
# in the Access-Request, with Framed-MTU); MS-MPPE-Encryption-Policy/-Types
# of a user who must use 128-bit keys refusing a client that only offers 40
# bits, while that user with 128 bits and another user allowed 40 bits get
# through and ping the LAN host; Framed-MTU capping the session's MTU.
set -euo pipefail
: "${PPTPD:?}" "${PPTPCTL:?}" "${PPTPBENCH:?}" "${SRCDIR:?}" "${ITOOLS:?}"
. "$SRCDIR/tests/integration/lib.sh"
. "$SRCDIR/tests/integration/e2e_lib.sh"

it_init radius_attrs
e2e_net
. "$SRCDIR/tests/integration/radius_lib.sh"

radius_user main billing billing-secret 'Class = "plan-gold"' 'Class += "cc-4711"'
radius_user main strong strong-secret 'MS-MPPE-Encryption-Policy = 2' 'MS-MPPE-Encryption-Types = 4'
radius_user main weak weak-secret 'MS-MPPE-Encryption-Policy = 1' 'MS-MPPE-Encryption-Types = 6'
radius_user main routed routed-secret 'Framed-MTU = 1200' 'Framed-Route = "10.99.0.0/24 0.0.0.0 1"' \
	'Framed-Route += "192.0.2.16/28 0.0.0.0 1"' 'Framed-Route += "10.98.0.0/16 203.0.113.9 1"' \
	'Framed-Route += "203.0.113.0/24 0.0.0.0 1"'
radius_start main

# The server allows 40-bit keys: only a user's own policy narrows that.
start_server 192.0.2.10-20 "auth radius" \
	"radius-server 127.0.0.1:1812 testing123" \
	"radius-acct-server 127.0.0.1:1813 testing123" \
	"radius-acct-spool $IT_STATE/spool.db" \
	"radius-nas-identifier pptp-gw" \
	"require-mppe-128 no" "mppe-40 yes" "mtu 1400"
wait_log 'radius=acct server=127.0.0.1:1813'
radius_wait_detail main Accounting-On 1

sid_of() {
	grep -o "user=$1 .*acct-session-id=[0-9A-F]*" "$SRV_LOG" | sed 's/.*acct-session-id=//' | tail -1
}

# Every value of ATTR in the record of STATUS for SESSION, one a line.
detail_all() {
	_radius_detail_rows main | RS_S=$1 RS_ID=$2 RS_A=$3 awk -F '\t' '
		BEGIN { s = ENVIRON["RS_S"]; id = ENVIRON["RS_ID"]; a = ENVIRON["RS_A"] }
		$2 == s && $3 == id && $4 == a { print $5 }'
}

hex() { printf '0x%s' "$(printf '%s' "$1" | od -An -tx1 | tr -d ' \n')"; }

# ---- every Class echoed; Acct-Multi-Session-Id, NAS-Port-Id ----
connect_ok billing billing billing-secret --route 203.0.113.0/24 \
	--run "ping -c 2 -W 2 203.0.113.2"
expect_out billing '2 packets transmitted, 2 received'
bsid=$(sid_of billing)
[ -n "$bsid" ] || { server_tail; it_fail "no acct-session-id for billing"; }
radius_wait_detail main Stop 1
for st in Start Stop; do
	classes=$(detail_all "$st" "$bsid" Class | tr '\n' ' ')
	want_s="plan-gold cc-4711 "
	want_h="$(hex plan-gold) $(hex cc-4711) "
	[ "$classes" = "$want_s" ] || [ "$classes" = "$want_h" ] ||
		it_fail "$st record's Class values are '$classes', expected plan-gold and cc-4711 in order"
done
it_pass "both Class values of the Access-Accept echoed, in order, in Start and Stop"

multi_start=$(radius_detail_field main Start "$bsid" Acct-Multi-Session-Id) || it_fail "Start has no Acct-Multi-Session-Id"
multi_stop=$(radius_detail_field main Stop "$bsid" Acct-Multi-Session-Id) || it_fail "Stop has no Acct-Multi-Session-Id"
[ -n "$multi_start" ] && [ "$multi_start" = "$multi_stop" ] ||
	it_fail "Acct-Multi-Session-Id Start '$multi_start', Stop '$multi_stop'"
[ "$multi_start" != "$bsid" ] || it_fail "Acct-Multi-Session-Id equals the Acct-Session-Id"
port=$(radius_detail_field main Start "$bsid" NAS-Port) || it_fail "Start has no NAS-Port"
for st in Start Stop; do
	pid=$(radius_detail_field main "$st" "$bsid" NAS-Port-Id) || it_fail "$st has no NAS-Port-Id"
	[ "$pid" = "pptp:$port" ] || it_fail "$st NAS-Port-Id '$pid', expected pptp:$port"
done
it_pass "Acct-Multi-Session-Id ($multi_start) the same in Start and Stop; NAS-Port-Id pptp:$port in both"

rlog="$(radius_dir main)/radius.log"
for want in "NAS-Port-Id = \"pptp:$port\"" 'Framed-MTU = 1400'; do
	grep -qF -- "$want" "$rlog" || { radius_log_tail main 60; it_fail "the Access-Request lacks $want"; }
done
it_pass "the Access-Request carries NAS-Port-Id and Framed-MTU (the mtu key)"
expect_idle "the billing client"

# ---- Framed-Route: installed with the session, removed with it ----
export PWFILE=$IT_TMP/routed.pw
echo routed-secret >"$PWFILE"
BG_USER=routed bg_connect "$IT_TMP/routed.log" --timeout 60 --route 203.0.113.0/24 \
	--run "ip addr add 10.99.0.1/32 dev pptpb0 && ping -I 10.99.0.1 -c 2 -W 2 203.0.113.2 && sleep 40"
routed_pid=$IT_LAST_PID
wait_up "$IT_TMP/routed.log"
wait_log 'user=routed .*event=framed-route route=10\.99\.0\.0/24'
wait_log 'user=routed .*event=framed-route-refused route=192\.0\.2\.16/28 reason=overlaps-pool'
wait_log 'user=routed .*event=framed-route-refused route=10\.98\.0\.0/16 reason=gateway-not-client'
# The LAN's own prefix: the kernel has it (through veth1), not the session's.
wait_log 'user=routed .*event=framed-route-refused route=203\.0\.113\.0/24 reason=route-exists'
ip -n "$SRV" route show 10.99.0.0/24 | grep -q 'dev pptp0' ||
	{ ip -n "$SRV" route >&2; it_fail "no route 10.99.0.0/24 dev pptp0 while the session is up"; }
! ip -n "$SRV" route show 10.98.0.0/16 | grep -q . || it_fail "the refused 10.98.0.0/16 was installed"
for _ in $(seq 1 50); do grep -q '2 packets transmitted, 2 received' "$IT_TMP/routed.log" && break; sleep 0.1; done
grep -q '2 packets transmitted, 2 received' "$IT_TMP/routed.log" ||
	{ cat "$IT_TMP/routed.log" >&2; server_tail; it_fail "the client's ping from 10.99.0.1 (behind it) got no answers"; }
ip netns exec "$LAN" ping -c 1 -W 2 10.99.0.1 >/dev/null ||
	{ server_tail; it_fail "the LAN host cannot reach 10.99.0.1 through the Framed-Route"; }
it_pass "Framed-Route 10.99.0.0/24 installed via the tun; traffic from and to it crosses the tunnel; overlapping and foreign-gateway routes refused"
# Framed-MTU 1200 (the link agreed 1396): a DF packet bigger than that from
# the LAN is answered with Fragmentation Needed for 1200.
wait_log 'user=routed .*event=framed-mtu framed-mtu=1200 mtu=1200'
out=$(ip netns exec "$LAN" ping -c 1 -M do -s 1250 -W 2 10.99.0.1 2>&1 || true)
grep -Eq 'mtu ?= ?1200' <<<"$out" || { server_tail; it_fail "a 1278-byte DF ping through a Framed-MTU 1200 session: $out"; }
ip netns exec "$LAN" ping -c 1 -M do -s 1100 -W 2 10.99.0.1 >/dev/null || it_fail "a 1128-byte ping through Framed-MTU 1200 failed"
it_pass "Framed-MTU 1200 caps the session's MTU: larger DF packets get Fragmentation Needed (mtu 1200), smaller ones pass"
kill -TERM "$routed_pid"
wait_log 'user=routed .*event=session-down'
for _ in $(seq 1 50); do ip -n "$SRV" route show 10.99.0.0/24 | grep -q . || break; sleep 0.1; done
! ip -n "$SRV" route show 10.99.0.0/24 | grep -q . || { ip -n "$SRV" route >&2; it_fail "route 10.99.0.0/24 left after the session ended"; }
ip -n "$SRV" route show 203.0.113.0/24 | grep -q 'dev veth1' || { ip -n "$SRV" route >&2; it_fail "the LAN's route went with the session"; }
it_pass "the Framed-Route is removed when the session ends; the LAN's own route, refused as a Framed-Route, stays"
expect_idle "the routed client"

# ---- MS-MPPE-Encryption-Policy / -Types ----
connect strong40 strong strong-secret --mppe-bits 40 --run true
[ "$RC" != 0 ] || { cat "$IT_TMP/strong40.out" >&2; it_fail "a 40-bit client of a 128-bit-only user came up"; }
grep -q '^up ' "$IT_TMP/strong40.out" && it_fail "strong40 reached up"
wait_log 'user=strong .*event=mppe-policy policy=2 types=0x4 required=yes keys=0x4'
wait_log 'user=strong .*event=session-down reason=encryption-refused'
it_pass "Encryption-Policy required with Types 128-bit: a client offering only 40-bit keys is refused"

connect_ok strong128 strong strong-secret --route 203.0.113.0/24 --run "ping -c 1 -W 2 203.0.113.2"
expect_out strong128 '^ccp-up [0-9.]+ ms mppe=128 '
expect_out strong128 '1 packets transmitted, 1 received'
connect_ok weak40 weak weak-secret --mppe-bits 40 --route 203.0.113.0/24 --run "ping -c 1 -W 2 203.0.113.2"
expect_out weak40 '^ccp-up [0-9.]+ ms mppe=40 '
expect_out weak40 '1 packets transmitted, 1 received'
it_pass "the same user with 128-bit keys, and a user whose Types allow 40 bits with 40, ping the LAN"
expect_idle "the MPPE policy clients"
stop_server
