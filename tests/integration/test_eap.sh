#!/usr/bin/env bash
# EAP passed through to RADIUS (issue 15): pptpd with `auth radius` and
# `eap yes` against Debian's FreeRADIUS with its eap module and a test PKI
# made here (tests/integration/eap_lib.sh), `pptpbench connect --auth eap-*`
# as the client.
#
#   client 198.51.100.2 --- 198.51.100.1 server 203.0.113.1 --- 203.0.113.2 LAN
#                                  |
#                          FreeRADIUS 127.0.0.1 (in the server namespace)
#
# Cases: EAP-MSCHAPv2, PEAP-MSCHAPv2 and EAP-TLS log in, each with MPPE-128
# keyed from the Access-Accept and a ping to the LAN host; refused: a wrong
# password, the revoked certificate, another CA's certificate (the server
# log names FreeRADIUS's reason); PEAP's inner identity (FreeRADIUS sends it
# as User-Name) is the session's user in `pptpctl session list` and in
# accounting; `eap yes` alone lets a MS-CHAPv2-only client fall back;
# `require-eap yes` refuses it while an EAP client logs in beside it.
# The scripted 40-round and oversized exchanges are test_eap_forge.sh.
set -euo pipefail
: "${PPTPD:?}" "${PPTPCTL:?}" "${PPTPBENCH:?}" "${SRCDIR:?}" "${ITOOLS:?}"
. "$SRCDIR/tests/integration/lib.sh"
. "$SRCDIR/tests/integration/e2e_lib.sh"

it_init eap
e2e_net
. "$SRCDIR/tests/integration/radius_lib.sh"
. "$SRCDIR/tests/integration/eap_lib.sh"

PKI=$IT_TMP/pki
eap_make_pki "$PKI"
it_pass "test PKI: CA, server, alice, bob (revoked in the CRL), rogue (another CA)"

RCONF=(
	"auth radius"
	"radius-server 127.0.0.1:1812 testing123"
	"radius-acct-server 127.0.0.1:1813 testing123"
	"radius-acct-spool $IT_STATE/spool.db"
	"radius-timeout 2"
	"radius-tries 2"
	"eap yes"
)

# One user per method: FreeRADIUS proposes the method eap_type names.
eap_user main alice alice-unused-secret
eap_type main alice tls
eap_type main bob tls
eap_user main dave dave-secret
eap_type main dave mschapv2
eap_user main carol@corp carol-secret
eap_type main carol@corp peap
eap_user main erin erin-secret
eap_user main mdfive mdfive-secret
eap_type main mdfive md5
radius_start main --eap "$PKI" --eap-type peap
eap_selftest main mdfive mdfive-secret ||
	{ cat "$(radius_dir main)/radeapclient.log" >&2; it_fail "radeapclient: EAP-MD5 not accepted, eap is not wired"; }
# FreeRADIUS's side alone first, with a client that is not ours, so that a
# failure below is ours.
eap_selftest_user() {
	eap_reference_login main "$@" "$PKI" && return 0
	local rc=$?
	if [ "$rc" = 2 ]; then # no eapol_test here: nothing to say
		REF="eapol_test not installed: not checked"
		return 0
	fi
	tail -n 30 "$(radius_dir main)/eapol_test.log" >&2
	radius_log_tail main 40
	it_fail "eapol_test: FreeRADIUS refused $*"
}
REF=eapol_test
eap_selftest_user tls alice alice
eap_selftest_user mschapv2 dave dave-secret
eap_selftest_user peap carol@corp carol-secret
it_pass "FreeRADIUS's eap module accepts EAP-MD5 (radeapclient), EAP-TLS, EAP-MSCHAPv2 and PEAP ($REF)"

start_server 192.0.2.10-20 "${RCONF[@]}"
SOCK=$IT_STATE/control.sock
PING=(--route 203.0.113.0/24 --run "ping -c 2 -W 2 203.0.113.2")

# A method that logs in: MPPE-128 from the Accept's keys, data both ways.
eap_login_ok() {
	local name=$1 user=$2 pw=$3 accepts
	shift 3
	accepts=$(radius_auth_count main Access-Accept)
	connect_ok "$name" "$user" "$pw" "$@" "${PING[@]}"
	expect_out "$name" '^auth-ok '
	expect_out "$name" '^ccp-up [0-9.]+ ms mppe=128'
	expect_out "$name" '2 packets transmitted, 2 received'
	[ "$(radius_auth_count main Access-Accept)" -gt "$accepts" ] ||
		{ radius_log_tail main; it_fail "$name: FreeRADIUS sent no Access-Accept"; }
	wait_log "ppp=eap event=end result=success rounds=[0-9]+ .*identity=$user"
}

# ---- the three methods ----
eap_login_ok mschapv2 dave dave-secret --auth eap-mschapv2
it_pass "EAP-MSCHAPv2: MPPE-128 keyed from the Access-Accept carries a ping to the LAN"
eap_login_ok peap carol@corp carol-secret --auth peap-mschapv2 --ca "$PKI/ca.crt"
it_pass "PEAP-MSCHAPv2 (server certificate checked against the CA): MPPE-128 and a ping to the LAN"
eap_login_ok tls alice unused --auth eap-tls --ca "$PKI/ca.crt" --cert "$PKI/alice.crt" \
	--key "$PKI/alice.key"
it_pass "EAP-TLS with alice's certificate: MPPE-128 from the TLS master secret and a ping to the LAN"
expect_idle "the three EAP logins"

# ---- refusals: the server log names FreeRADIUS's reason ----
eap_refused() {
	local name=$1 why=$2 rejects
	shift 2
	rejects=$(radius_auth_count main Access-Reject)
	connect "$name" "$@"
	[ "$RC" != 0 ] || { cat "$IT_TMP/$name.out" >&2; it_fail "$name: the login was not refused"; }
	! grep -q '^up ' "$IT_TMP/$name.out" || it_fail "$name: the link came up"
	expect_out "$name" '^auth-failed '
	[ "$(radius_auth_count main Access-Reject)" -gt "$rejects" ] ||
		{ radius_log_tail main; it_fail "$name: FreeRADIUS sent no Access-Reject"; }
	wait_log "event=auth-fail .*$why"
}
eap_refused badpw "MS-CHAP2-Response is incorrect" dave wrong-password --auth eap-mschapv2
eap_refused peapbad "MS-CHAP2-Response is incorrect" carol@corp wrong-password \
	--auth peap-mschapv2 --ca "$PKI/ca.crt"
it_pass "a wrong password is refused (EAP-MSCHAPv2 and PEAP), logged with FreeRADIUS's reason"
eap_refused revoked "certificate revoked" bob unused --auth eap-tls --ca "$PKI/ca.crt" \
	--cert "$PKI/bob.crt" --key "$PKI/bob.key"
it_pass "EAP-TLS with bob's revoked certificate is refused: the server log says 'certificate revoked'"
eap_refused rogue "unable to get local issuer certificate" alice unused --auth eap-tls \
	--ca "$PKI/ca.crt" --cert "$PKI/rogue.crt" --key "$PKI/rogue.key"
it_pass "EAP-TLS with a certificate of another CA (CN alice) is refused: 'unable to get local issuer certificate'"
expect_idle "the refused clients"

# ---- `eap yes` without require-eap: a MS-CHAPv2-only client falls back ----
connect_ok fallback erin erin-secret --auth mschapv2 "${PING[@]}"
expect_out fallback '^ccp-up [0-9.]+ ms mppe=128'
expect_out fallback '2 packets transmitted, 2 received'
wait_log 'ppp=lcp event=eap-refused suggested=[a-z0-9-]+ fallback=[a-z0-9-]*chap'
it_pass "eap yes: a client that Naks EAP falls back to MS-CHAPv2 and logs in"
expect_idle "the fallback client"

# ---- PEAP's inner identity: the session's user and accounting's ----
radius_wait_detail main Accounting-On 1
starts=$(radius_detail_count main Start)
echo carol-secret >"$IT_TMP/carol.pw"
BG_USER=carol@corp PWFILE=$IT_TMP/carol.pw bg_connect "$IT_TMP/inner.out" --auth peap-mschapv2 \
	--ca "$PKI/ca.crt" --timeout 30 --run "sleep 30"
INNER=$IT_LAST_PID
wait_up "$IT_TMP/inner.out"
wait_log 'user=carol peer=[0-9.:]+ .*event=session-up'
wait_log 'event=eap-identity outer=carol@corp inner=carol$'
"$PPTPCTL" --socket "$SOCK" session list --json >"$IT_TMP/list.json"
python3 -c "
import json, sys
d = json.load(sys.stdin)
users = [x['user'] for x in d['sessions']]
assert users == ['carol'], users
" <"$IT_TMP/list.json" || { cat "$IT_TMP/list.json" >&2; it_fail "session list: not the inner identity"; }
sid=$(grep -o 'user=carol .*acct-session-id=[0-9A-F]*' "$SRV_LOG" | sed 's/.*acct-session-id=//' | tail -1)
[ -n "$sid" ] || { server_tail; it_fail "no acct-session-id for user carol"; }
radius_wait_detail main Start $((starts + 1))
u=$(radius_detail_field main Start "$sid" User-Name) || it_fail "no Start record for $sid"
[ "$u" = carol ] || it_fail "the Start record's User-Name is '$u', not the inner identity carol"
stops=$(radius_detail_count main Stop)
it_stop "$INNER"
radius_wait_detail main Stop $((stops + 1)) 15
u=$(radius_detail_field main Stop "$sid" User-Name) || it_fail "no Stop record for $sid"
[ "$u" = carol ] || it_fail "the Stop record's User-Name is '$u', not carol"
it_pass "PEAP: outer carol@corp, inner carol (FreeRADIUS's User-Name): session list and accounting say carol"
expect_idle "the PEAP session"

# ---- require-eap: no fallback; an EAP client logs in beside the refused ----
stop_server
start_server 192.0.2.10-20 "${RCONF[@]}" "require-eap yes"
echo dave-secret >"$IT_TMP/dave.pw"
BG_USER=dave PWFILE=$IT_TMP/dave.pw bg_connect "$IT_TMP/beside.out" --auth eap-mschapv2 \
	--bind 198.51.100.3 --tun pptpb1 --route 203.0.113.0/24 --timeout 20 \
	--run "ping -I pptpb1 -c 3 -W 2 203.0.113.2"
BESIDE=$IT_LAST_PID
# Bound to its own address: an unbound client's GRE socket would also see
# the frames for the one beside it (both are call 1 of the same server).
connect noeap erin erin-secret --auth mschapv2 --bind 198.51.100.2
[ "$RC" != 0 ] || { cat "$IT_TMP/noeap.out" >&2; it_fail "require-eap: a MS-CHAPv2-only client logged in"; }
! grep -q '^auth-ok' "$IT_TMP/noeap.out" || it_fail "require-eap: the MS-CHAPv2-only client authenticated"
wait_log 'ppp=lcp event=eap-refused suggested=[a-z0-9-]+ fallback=none'
rc=0
wait "$BESIDE" || rc=$?
[ "$rc" = 0 ] || { cat "$IT_TMP/beside.out" >&2; server_tail; it_fail "the EAP client beside it exited $rc"; }
grep -q '3 packets transmitted, 3 received' "$IT_TMP/beside.out" ||
	{ cat "$IT_TMP/beside.out" >&2; it_fail "the EAP client beside it lost pings"; }
it_pass "require-eap yes: the MS-CHAPv2-only client is refused at LCP; an EAP-MSCHAPv2 client beside it logs in and pings"
expect_idle "the require-eap clients"
stop_server
it_pass "pptpd stopped cleanly"
