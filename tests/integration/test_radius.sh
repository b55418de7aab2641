#!/usr/bin/env bash
# pptpd with `auth radius` against Debian's FreeRADIUS, started here on the
# server namespace's loopback with require_message_authenticator = yes
# (tests/integration/radius_lib.sh), and `pptpbench connect` as the client.
#
#   client 198.51.100.2 --- 198.51.100.1 server 203.0.113.1 --- 203.0.113.2 LAN
#                                  |
#                          FreeRADIUS 127.0.0.1 (in the server namespace)
#
# Cases: an MS-CHAPv2 login whose MPPE keys come from RADIUS, with traffic
# through the tunnel (so the keys are right) and the Access-Request's
# attributes as FreeRADIUS saw them; a wrong password; Framed-IP-Address;
# Session-Timeout ending the session; accounting Start/Interim/Stop in the
# detail file with octet counts that match the traffic sent.
set -euo pipefail
: "${PPTPD:?}" "${PPTPCTL:?}" "${PPTPBENCH:?}" "${SRCDIR:?}" "${ITOOLS:?}"
. "$SRCDIR/tests/integration/lib.sh"
. "$SRCDIR/tests/integration/e2e_lib.sh"

it_init radius
e2e_net
. "$SRCDIR/tests/integration/radius_lib.sh"

UP_PHASES="tcp-connect start-reply call-up lcp-up auth-ok ccp-up ipcp-up up run disconnect "
RCONF=(
	"auth radius"
	"radius-server 127.0.0.1:1812 testing123"
	"radius-acct-server 127.0.0.1:1813 testing123"
	"radius-acct-spool $IT_STATE/spool.db"
	"radius-nas-identifier pptp-gw"
	"radius-timeout 1"
	"radius-tries 2"
	"pool gold 192.0.2.100-101"
)

radius_user main alice alice-secret
radius_user main fixed fixed-secret 'Framed-IP-Address = 192.0.2.77' 'Class = "gold"'
radius_user main short short-secret 'Session-Timeout = 3'
radius_user main counted counted-secret 'Acct-Interim-Interval = 2'
radius_user main pooled pooled-secret 'Framed-Pool = "gold"' 'MS-Primary-DNS-Server = 203.0.113.99' \
	'MS-Secondary-DNS-Server = 203.0.113.98'
radius_user main nopool nopool-secret 'Framed-Pool = "nosuch"'
radius_user main idle idle-secret 'Idle-Timeout = 2'
radius_start main

# ---- MS-CHAPv2 through RADIUS: keys from the Access-Accept, traffic ----
start_server 192.0.2.10-20 "${RCONF[@]}"
wait_log 'radius=acct server=127.0.0.1:1813'
radius_wait_detail main Accounting-On 1
connect_ok login alice alice-secret --mppe stateless --route 203.0.113.0/24 \
	--run "ping -c 3 -W 2 203.0.113.2"
cat "$IT_TMP/login.out"
expect_phases login "$UP_PHASES"
expect_out login '^ccp-up [0-9.]+ ms mppe=128 stateless$'
expect_out login '3 packets transmitted, 3 received'
[ "$(radius_auth_count main Access-Accept)" -ge 1 ] || { radius_log_tail main; it_fail "FreeRADIUS sent no Access-Accept"; }
it_pass "MS-CHAPv2 via RADIUS: MPPE-128 keys from MS-MPPE-Send/Recv-Key carry a ping to the LAN"
expect_idle "the RADIUS client"

# What FreeRADIUS received: the NAS and session attributes of the login.
rlog="$(radius_dir main)/radius.log"
for want in 'User-Name = "alice"' 'NAS-Identifier = "pptp-gw"' 'NAS-Port-Type = Virtual' \
	'Service-Type = Framed-User' 'Framed-Protocol = PPP' 'Calling-Station-Id = "198.51.100.2"' \
	'Called-Station-Id = "198.51.100.1"' 'MS-CHAP-Challenge = 0x' 'MS-CHAP2-Response = 0x' \
	'Message-Authenticator = 0x' 'Acct-Session-Id = "' 'NAS-Port = '; do
	grep -qF -- "$want" "$rlog" || { radius_log_tail main 80; it_fail "the Access-Request lacks $want"; }
done
it_pass "Access-Request carries User-Name, NAS-*, Service-Type, Framed-Protocol, Calling/Called-Station-Id, Acct-Session-Id, MS-CHAP attributes, Message-Authenticator"

# ---- a wrong password: Access-Reject, E=691 passed to the client ----
connect badpw alice wrong-password
expect_out badpw '^auth-failed [0-9.]+ ms E=691$'
wait_log 'user=alice .*event=auth-fail reason=bad-credentials error=691'
it_pass "wrong password: Access-Reject becomes E=691"
expect_idle "the refused client"

# ---- Framed-IP-Address and Class ----
connect_ok fixed fixed fixed-secret --route 203.0.113.0/24 --run "ping -c 1 -W 2 203.0.113.2"
expect_out fixed '^ipcp-up [0-9.]+ ms addr=192\.0\.2\.77 '
expect_out fixed '1 packets transmitted, 1 received'
it_pass "Framed-IP-Address 192.0.2.77 (outside every pool) is the client's address, routed through tun"
expect_idle "the fixed-address client"
radius_wait_detail main Stop 1
fixed_sid=$(grep -o 'user=fixed .*acct-session-id=[0-9A-F]*' "$SRV_LOG" | sed 's/.*acct-session-id=//' | tail -1)
[ -n "$fixed_sid" ] || { server_tail; it_fail "no acct-session-id for user fixed"; }
cls=$(radius_detail_field main Stop "$fixed_sid" Class) || it_fail "no Stop record for $fixed_sid"
[ "$cls" = "0x676f6c64" ] || [ "$cls" = "gold" ] || it_fail "Stop record's Class is '$cls', not gold"
it_pass "Class from the Access-Accept is echoed in accounting"

# ---- Framed-Pool and the MS DNS attributes ----
connect_ok pooled pooled pooled-secret --route 203.0.113.0/24 --run "ping -c 1 -W 2 203.0.113.2"
expect_out pooled '^ipcp-up [0-9.]+ ms addr=192\.0\.2\.10[01] peer=192\.0\.2\.1 dns=203\.0\.113\.99,203\.0\.113\.98 '
expect_out pooled '1 packets transmitted, 1 received'
it_pass "Framed-Pool gold: an address from 'pool gold', routed; MS-Primary/Secondary-DNS-Server offered in IPCP"
connect nopool nopool nopool-secret
[ "$RC" != 0 ] || it_fail "a login with an unknown Framed-Pool came up"
wait_log 'user=nopool peer=[0-9.:]+ event=no-address reason=unknown-pool pool=nosuch'
it_pass "Framed-Pool naming no configured pool ends the login, logged"
expect_idle "the pool clients"

# ---- Idle-Timeout ends a silent session ----
connect idle idle idle-secret --run "sleep 20" --timeout 30
wait_log 'user=idle .*event=session-down reason=idle-timeout' 15
isid=$(grep -o 'user=idle .*acct-session-id=[0-9A-F]*' "$SRV_LOG" | sed 's/.*acct-session-id=//' | tail -1)
radius_wait_detail main Stop 2
cause=$(radius_detail_field main Stop "$isid" Acct-Terminate-Cause) || it_fail "no Stop for $isid"
[ "$cause" = "Idle-Timeout" ] || it_fail "Acct-Terminate-Cause $cause, expected Idle-Timeout"
it_pass "Idle-Timeout 2 ends a session without traffic (Acct-Terminate-Cause Idle-Timeout)"
expect_idle "the idle client"

# ---- Session-Timeout ends the session ----
connect short short short-secret --run "sleep 20" --timeout 30
wait_log 'user=short .*event=session-down reason=session-timeout' 15
short_sid=$(grep -o 'user=short .*acct-session-id=[0-9A-F]*' "$SRV_LOG" | sed 's/.*acct-session-id=//' | tail -1)
radius_wait_detail main Stop 3
cause=$(radius_detail_field main Stop "$short_sid" Acct-Terminate-Cause) || it_fail "no Stop for $short_sid"
[ "$cause" = "Session-Timeout" ] || it_fail "Acct-Terminate-Cause $cause, expected Session-Timeout"
stime=$(radius_detail_field main Stop "$short_sid" Acct-Session-Time)
[ "$stime" -ge 2 ] && [ "$stime" -le 5 ] || it_fail "Acct-Session-Time $stime for a 3 s Session-Timeout"
it_pass "Session-Timeout 3 ends the session (Acct-Terminate-Cause Session-Timeout, Acct-Session-Time $stime)"
expect_idle "the timed-out client"

# ---- accounting: Start, Interim-Update, Stop; octets as the client counted ----
connect_ok counted counted counted-secret --route 203.0.113.0/24 \
	--run "ping -c 5 -i 1 -s 1000 -W 2 203.0.113.2"
expect_out counted '5 packets transmitted, 5 received'
csid=$(grep -o 'user=counted .*acct-session-id=[0-9A-F]*' "$SRV_LOG" | sed 's/.*acct-session-id=//' | tail -1)
radius_wait_detail main Stop 4
stats_line=$(grep '^stats ' "$IT_TMP/counted.out")
c_tx=$(sed -n 's/.* tx-ip-bytes=\([0-9]*\).*/\1/p' <<<"$stats_line")
c_rx=$(sed -n 's/.* rx-ip-bytes=\([0-9]*\).*/\1/p' <<<"$stats_line")
c_txp=$(sed -n 's/^stats tx-ip=\([0-9]*\).*/\1/p' <<<"$stats_line")
c_rxp=$(sed -n 's/.* rx-ip=\([0-9]*\).*/\1/p' <<<"$stats_line")
in_o=$(radius_detail_field main Stop "$csid" Acct-Input-Octets)
out_o=$(radius_detail_field main Stop "$csid" Acct-Output-Octets)
in_p=$(radius_detail_field main Stop "$csid" Acct-Input-Packets)
out_p=$(radius_detail_field main Stop "$csid" Acct-Output-Packets)
[ "$in_o" = "$c_tx" ] && [ "$out_o" = "$c_rx" ] && [ "$in_p" = "$c_txp" ] && [ "$out_p" = "$c_rxp" ] ||
	it_fail "Stop octets/packets in=$in_o/$in_p out=$out_o/$out_p, the client sent $c_tx/$c_txp and received $c_rx/$c_rxp"
[ "$in_o" -ge 5140 ] || it_fail "Acct-Input-Octets $in_o is less than the 5 pings of 1028 bytes"
radius_detail_field main Start "$csid" Acct-Session-Id >/dev/null || it_fail "no Start record for $csid"
radius_detail_field main Interim-Update "$csid" Acct-Session-Id >/dev/null ||
	it_fail "no Interim-Update for $csid (Acct-Interim-Interval 2, a 4 s session)"
cause=$(radius_detail_field main Stop "$csid" Acct-Terminate-Cause)
[ "$cause" = "User-Request" ] || it_fail "Acct-Terminate-Cause $cause, expected User-Request"
it_pass "accounting Start, Interim-Update, Stop: Acct-Input-Octets $in_o = client's tx, Acct-Output-Octets $out_o = client's rx, User-Request"
expect_idle "the counted client"

# ---- Disconnect-Request (radclient) ends a session ----
stop_server
wait_acct_off() { radius_wait_detail main Accounting-Off "$1"; }
wait_acct_off 1
it_pass "Accounting-Off at a clean stop"
# user-domain strip: the client logs in as CORP\alice, RADIUS is asked for
# alice, and the session (its log lines, DAE matching) is alice's.
start_server 192.0.2.10-20 "${RCONF[@]}" "dae-listen 127.0.0.1:3799" "dae-client 127.0.0.1 daesecret" \
	"user-domain strip" "control-socket $IT_TMP/control.sock"
wait_log 'radius=dae event=listening'
export PWFILE=$IT_TMP/alice.pw
echo alice-secret >"$PWFILE"
BG_USER='CORP\alice' bg_connect "$IT_TMP/dae.log" --timeout 60 --run "sleep 50"
wait_up "$IT_TMP/dae.log"
wait_log 'user=alice peer=[0-9.:]+ .*event=session-up'
reply=$(radius_disconnect 127.0.0.1:3799 daesecret 'User-Name = "nobody"')
[ "$(head -1 <<<"$reply")" = "Disconnect-NAK" ] || it_fail "unknown user: $reply"
grep -q 'Error-Cause = Session-Context-Not-Found' <<<"$reply" || it_fail "unknown user: no Error-Cause 503: $reply"
reply=$(radius_disconnect 127.0.0.1:3799 wrongsecret 'User-Name = "alice"')
[ "$(head -1 <<<"$reply")" = "timeout" ] || it_fail "a request with the wrong secret was answered: $reply"
wait_log 'radius=dae from=127.0.0.1:[0-9]* event=request-dropped reason=bad-authenticator'
dsid=$(grep -o 'user=alice .*acct-session-id=[0-9A-F]*' "$SRV_LOG" | sed 's/.*acct-session-id=//' | tail -1)
daddr=$(grep -o 'user=alice .*addr=192\.0\.2\.[0-9]*' "$SRV_LOG" | tail -1 | sed 's/.*addr=//')
# CoA: a new Session-Timeout for the running session, named by its address.
reply=$(radius_coa 127.0.0.1:3799 daesecret "Framed-IP-Address = $daddr" 'Session-Timeout = 600')
[ "$(head -1 <<<"$reply")" = "CoA-ACK" ] || { server_tail; it_fail "CoA-Request: $reply"; }
wait_log 'user=alice peer=[0-9.:]+ event=limits-changed session-timeout=600 idle-timeout=0'
# By User-Name with a domain: made canonical as the login's name was.
reply=$(radius_coa 127.0.0.1:3799 daesecret 'User-Name = "CORP\\alice"' 'Session-Timeout = 700')
[ "$(head -1 <<<"$reply")" = "CoA-ACK" ] || { server_tail; it_fail "CoA-Request for CORP\\alice: $reply"; }
wait_log 'user=alice peer=[0-9.:]+ event=limits-changed session-timeout=700 idle-timeout=0'
reply=$(radius_coa 127.0.0.1:3799 daesecret 'User-Name = "alice"' 'Filter-Id = "x"' 'Session-Timeout = 5')
[ "$(head -1 <<<"$reply")" = "CoA-NAK" ] && grep -q 'Error-Cause = Unsupported-Attribute' <<<"$reply" ||
	it_fail "CoA with an attribute we do not act on: $reply"
reply=$(radius_disconnect 127.0.0.1:3799 daesecret 'Acct-Session-Id = "nope"')
[ "$(head -1 <<<"$reply")" = "Disconnect-NAK" ] || it_fail "unknown Acct-Session-Id: $reply"
reply=$(radius_disconnect 127.0.0.1:3799 daesecret "Acct-Session-Id = \"$dsid\"" 'User-Name = "alice"')
[ "$(head -1 <<<"$reply")" = "Disconnect-ACK" ] || { server_tail; it_fail "Disconnect-Request: $reply"; }
wait_log 'user=alice .*event=session-down reason=admin'
radius_wait_detail main Stop 5
cause=$(radius_detail_field main Stop "$dsid" Acct-Terminate-Cause)
[ "$cause" = "Admin-Reset" ] || it_fail "Acct-Terminate-Cause $cause after Disconnect-Request"
it_pass "CoA-Request changed Session-Timeout (ACK; also by User-Name CORP\\alice for a CORP\\alice login kept as alice), an unsupported attribute NAK 401; Disconnect-Request: unknown user and session NAK 503, wrong secret dropped, alice's session (by Acct-Session-Id and User-Name) ended (Admin-Reset)"
expect_idle "the disconnected client"
# A CoA that shortens the Session-Timeout ends the session by it.
bg_connect "$IT_TMP/coa.log" --timeout 60 --run "sleep 50"
wait_up "$IT_TMP/coa.log"
sleep 1
reply=$(radius_coa 127.0.0.1:3799 daesecret 'User-Name = "alice"' 'Session-Timeout = 1')
[ "$(head -1 <<<"$reply")" = "CoA-ACK" ] || { server_tail; it_fail "CoA-Request: $reply"; }
wait_log 'user=alice .*event=session-down reason=session-timeout'
it_pass "CoA-Request Session-Timeout 1 ends a session that has run longer"
# pptpctl session kill: the same clean end as a Disconnect-Request.
bg_connect "$IT_TMP/kill.log" --timeout 60 --run "sleep 50"
wait_up "$IT_TMP/kill.log"
ksid=$("$PPTPCTL" --socket "$IT_TMP/control.sock" session show alice --json |
	python3 -c 'import json,sys; s=json.load(sys.stdin)["sessions"]; assert len(s)==1 and s[0]["auth"]=="radius", s; print(s[0]["id"])')
ksid=$(grep -o "session=$ksid user=alice .*acct-session-id=[0-9A-F]*" "$SRV_LOG" | sed 's/.*acct-session-id=//' | tail -1)
[ -n "$ksid" ] || { server_tail; it_fail "no acct-session-id for the session to kill"; }
"$PPTPCTL" --socket "$IT_TMP/control.sock" session kill alice | grep -q '^killed 1$' ||
	it_fail "pptpctl session kill alice"
wait_log 'user=alice .*event=session-down reason=admin .*detail="pptpctl session kill"'
cause=
for _ in $(seq 1 50); do
	cause=$(radius_detail_field main Stop "$ksid" Acct-Terminate-Cause) && break
	sleep 0.1
done
[ "$cause" = "Admin-Reset" ] || it_fail "Acct-Terminate-Cause '$cause' after pptpctl session kill"
it_pass "pptpctl session kill alice: session-down reason=admin, accounting Stop Admin-Reset"
expect_idle "the CoA client"
# A CoA that sets an Idle-Timeout ends a silent session by it.
bg_connect "$IT_TMP/coa-idle.log" --timeout 60 --run "sleep 50"
wait_up "$IT_TMP/coa-idle.log"
reply=$(radius_coa 127.0.0.1:3799 daesecret 'User-Name = "alice"' 'Idle-Timeout = 1')
[ "$(head -1 <<<"$reply")" = "CoA-ACK" ] || { server_tail; it_fail "CoA-Request: $reply"; }
wait_log 'user=alice .*event=session-down reason=idle-timeout'
it_pass "CoA-Request Idle-Timeout 1 ends a silent session"
expect_idle "the CoA idle client"
stop_server

# ---- an Access-Accept without MPPE keys while MPPE is required ----
radius_user nokeys alice alice-secret
radius_user_raw nokeys '"carol" Cleartext-Password := "carol-secret", SMB-Account-CTRL := 17'
radius_start nokeys --auth-port 1912 --acct-port 1913 --no-mppe
start_server 192.0.2.10-20 "auth radius" "radius-server 127.0.0.1:1912 testing123"
connect nokeys alice alice-secret
expect_out nokeys '^auth-failed [0-9.]+ ms E=691$'
# The message is cut in the log at LOG_ESC_MAX bytes (common/log.h).
wait_log 'user=alice .*event=auth-fail reason=backend-error .*carries no MPPE keys and MPPE is required'
it_pass "an Access-Accept without MS-MPPE keys fails the login while MPPE is required"
# MS-CHAP-Error passed through: FreeRADIUS 3.2.1 answers a disabled account
# with "E=691 R=0 ... M=Account disabled" (the E=647/649 mapping is in
# unit.backend_radius).
connect disabled carol carol-secret
expect_out disabled '^auth-failed [0-9.]+ ms E=691$'
wait_log 'user=carol .*event=auth-fail reason=bad-credentials error=691 message="Account disabled"'
it_pass "MS-CHAP-Error from the Access-Reject: its E= reaches the client, its M= the log"
expect_idle "the refused clients"
stop_server
radius_stop nokeys

# ---- MS-CHAPv1, CHAP-MD5 and PAP through RADIUS, when enabled ----
start_server 192.0.2.10-20 "${RCONF[@]}" "refuse-mschap no" "refuse-chap no" "refuse-pap no" \
	"require-mppe-128 no" "require-mppe no"
connect_ok v1 alice alice-secret --auth mschapv1 --route 203.0.113.0/24 \
	--run "ping -c 2 -W 2 203.0.113.2"
expect_out v1 '^ccp-up [0-9.]+ ms mppe=128 stateless$'
expect_out v1 '2 packets transmitted, 2 received'
wait_log 'user=alice peer=[0-9.:]+ method=mschapv1 event=auth-ok'
it_pass "MS-CHAPv1 via RADIUS: MPPE keys from MS-CHAP-MPPE-Keys carry a ping"
connect_ok md5 alice alice-secret --auth chap --mppe none --route 203.0.113.0/24 \
	--run "ping -c 1 -W 2 203.0.113.2"
expect_out md5 '1 packets transmitted, 1 received'
wait_log 'user=alice peer=[0-9.:]+ method=chap-md5 event=auth-ok'
connect md5bad alice wrong --auth chap --mppe none
expect_out md5bad '^auth-failed '
it_pass "CHAP-MD5 via RADIUS (CHAP-Password, CHAP-Challenge): right password in, wrong one out"
connect_ok pap alice alice-secret --auth pap --mppe none --run true
wait_log 'user=alice peer=[0-9.:]+ method=pap event=auth-ok'
connect papbad alice wrong --auth pap --mppe none
expect_out papbad '^auth-failed '
it_pass "PAP via RADIUS (User-Password hidden per RFC 2865): right password in, wrong one out"
expect_idle "the MS-CHAPv1, CHAP and PAP clients"
stop_server

# ---- radiusclient.conf (libradcli) and radius-attr through a dictionary ----
cat >"$IT_TMP/servers" <<EOT
127.0.0.1	testing123
EOT
# An operator's own vendor (32473, the documentation enterprise number).
cat >"$IT_TMP/dictionary" <<EOT
\$INCLUDE /etc/radcli/dictionary
VENDOR		Example		32473
ATTRIBUTE	Example-Tag	1	string	Example
EOT
cat >"$IT_TMP/radiusclient.conf" <<EOT
authserver	127.0.0.1:1812
acctserver	127.0.0.1:1813
servers		$IT_TMP/servers
dictionary	$IT_TMP/dictionary
radius_timeout	2
radius_retries	2
nas-identifier	radcli-gw
EOT
start_server 192.0.2.10-20 "auth radius" "radius-config $IT_TMP/radiusclient.conf" \
	"radius-dictionary $IT_TMP/dictionary" "radius-acct-spool $IT_STATE/spool.db" \
	'radius-attr Example-Tag = "gw-tag-7"' 'radius-attr Port-Limit = 1'
wait_log 'radius=auth server=127.0.0.1:1812 order=1'
wait_log 'radius=acct server=127.0.0.1:1813 order=1'
connect_ok radcli alice alice-secret --route 203.0.113.0/24 --run "ping -c 1 -W 2 203.0.113.2"
rlog="$(radius_dir main)/radius.log"
grep -qF 'NAS-Identifier = "radcli-gw"' "$rlog" || { radius_log_tail main 60; it_fail "nas-identifier of radiusclient.conf not sent"; }
grep -qF 'Port-Limit = 1' "$rlog" || { radius_log_tail main 60; it_fail "radius-attr Port-Limit not sent"; }
grep -qF "Attr-26.32473.1 = 0x$(printf 'gw-tag-7' | od -An -tx1 | tr -d ' \n')" "$rlog" ||
	{ radius_log_tail main 60; it_fail "radius-attr Example-Tag (vendor 32473) not sent as a Vendor-Specific attribute"; }
it_pass "radiusclient.conf: servers, secrets file and nas-identifier taken over; radius-attr names (a vendor of the operator's own dictionary too) encoded"
expect_idle "the radiusclient.conf client"

# ---- Acct-Terminate-Cause of a lost client and of a server shutdown ----
export PWFILE=$IT_TMP/alice.pw
echo alice-secret >"$PWFILE"
bg_connect "$IT_TMP/lost.log" --timeout 60 --run "sleep 50"
wait_up "$IT_TMP/lost.log"
lost_sid=$(grep -o 'user=alice .*acct-session-id=[0-9A-F]*' "$SRV_LOG" | sed 's/.*acct-session-id=//' | tail -1)
kill -KILL "$IT_LAST_PID"
wait_log 'user=alice .*event=session-down reason=lower-down'
for _ in $(seq 1 50); do
	radius_detail_field main Stop "$lost_sid" Acct-Terminate-Cause >/dev/null 2>&1 && break
	sleep 0.1
done
cause=$(radius_detail_field main Stop "$lost_sid" Acct-Terminate-Cause) || it_fail "no Stop for $lost_sid"
[ "$cause" = Lost-Carrier ] || it_fail "a killed client: Acct-Terminate-Cause $cause, expected Lost-Carrier"
bg_connect "$IT_TMP/reboot.log" --timeout 60 --run "sleep 50"
wait_up "$IT_TMP/reboot.log"
reboot_sid=$(grep -o 'user=alice .*acct-session-id=[0-9A-F]*' "$SRV_LOG" | sed 's/.*acct-session-id=//' | tail -1)
stop_server
cause=$(radius_detail_field main Stop "$reboot_sid" Acct-Terminate-Cause) ||
	it_fail "no Stop for $reboot_sid before pptpd exited"
[ "$cause" = NAS-Reboot ] || it_fail "shutdown: Acct-Terminate-Cause $cause, expected NAS-Reboot"
it_pass "Acct-Terminate-Cause Lost-Carrier for a killed client, NAS-Reboot at shutdown (acknowledged before pptpd exited)"

