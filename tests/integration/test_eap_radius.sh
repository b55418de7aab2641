#!/usr/bin/env bash
# The client-side EAP methods (tools/eap_peer.c) against FreeRADIUS's eap
# module, without pptpd: eap_radius_client plays the NAS (EAP-Message split
# at 253 octets, State echoed, Message-Authenticator both ways) and logs in
# with EAP-MSCHAPv2, PEAP-MSCHAPv2 and EAP-TLS. Each login is accepted and
# the MS-MPPE keys of the Access-Accept are the ones the peer derived
# (RFC 3079 for EAP-MSCHAPv2, the TLS MSK for PEAP and EAP-TLS).
#
# Refused: a wrong password (both MS-CHAPv2 methods), a revoked certificate
# (bob, named in the CRL), a certificate from another CA (rogue); and the
# client itself refuses a server whose certificate its CA did not sign. A
# legitimate login follows each refusal, so a refused attempt leaves the
# server answering.
set -euo pipefail
: "${SRCDIR:?}" "${ITOOLS:?}"
. "$SRCDIR/tests/integration/lib.sh"

it_init eapradius
SRV=$(it_ns srv)
IT_NS+=("$SRV")
. "$SRCDIR/tests/integration/radius_lib.sh"
. "$SRCDIR/tests/integration/eap_lib.sh"

PKI=$IT_TMP/pki
eap_make_pki "$PKI"
eap_user eap dave dave-secret
eap_user eap carol carol-secret
eap_type eap dave mschapv2
eap_type eap carol peap
radius_start eap --eap "$PKI" --eap-type tls

# login TAG ARGS...: eap_radius_client in the namespace; output in
# $IT_TMP/TAG.out, exit status ignored (the output says what happened).
login() {
	local tag=$1
	shift
	ip netns exec "$SRV" "$ITOOLS/eap_radius_client" --timeout 3 "$@" \
		127.0.0.1 "${RADIUS_AUTH_PORT:-1812}" testing123 >"$IT_TMP/$tag.out" 2>&1 || true
}

# expect TAG REGEX: the output of TAG has a line matching REGEX.
expect() {
	grep -Eq "$2" "$IT_TMP/$1.out" || {
		echo "--- $1:" >&2
		cat "$IT_TMP/$1.out" >&2
		radius_log_tail eap 60
		it_fail "$1: no line matching '$2'"
	}
}

accepted() {
	expect "$1" '^accept rounds=[0-9]+'
	expect "$1" '^keys-match yes$'
}

# EAP-MSCHAPv2: three round trips (Identity, Challenge, Success).
login mschapv2 --method eap-mschapv2 --user dave --password dave-secret
accepted mschapv2
expect mschapv2 '^accept rounds=3 user=dave$'
login mschapv2-bad --method eap-mschapv2 --user dave --password wrong
expect mschapv2-bad '^reject rounds='
login mschapv2-again --method eap-mschapv2 --user dave --password dave-secret
accepted mschapv2-again
it_pass "EAP-MSCHAPv2: accepted with the RFC 3079 keys of the Accept; a wrong password is rejected"

# PEAP: the TLS handshake in fragments, then MS-CHAPv2 inside; the inner
# identity comes back as User-Name.
login peap --method peap-mschapv2 --ca "$PKI/ca.crt" --user carol --password carol-secret
accepted peap
rounds=$(sed -n 's/^accept rounds=\([0-9]*\).*/\1/p' "$IT_TMP/peap.out")
[ "$rounds" -ge 8 ] || it_fail "PEAP took $rounds rounds: the TLS handshake cannot fit so few"
login peap-bad --method peap-mschapv2 --ca "$PKI/ca.crt" --user carol --password wrong
expect peap-bad '^reject rounds='
login peap-rogue-server --method peap-mschapv2 --ca "$PKI/rogue-ca.crt" --user carol \
	--password carol-secret
expect peap-rogue-server "^gave-up rounds=[0-9]+ reason=TLS: the server's certificate is refused"
login peap-again --method peap-mschapv2 --ca "$PKI/ca.crt" --user carol --password carol-secret
accepted peap-again
it_pass "PEAP-MSCHAPv2: accepted in $rounds rounds with the MSK keys; a wrong password is rejected; a server from another CA is refused by the client"

# EAP-TLS (what alice, bob and anyone unnamed get first): the client
# certificate decides.
login tls --method eap-tls --ca "$PKI/ca.crt" --cert "$PKI/alice.crt" --key "$PKI/alice.key" \
	--user alice
accepted tls
login revoked --method eap-tls --ca "$PKI/ca.crt" --cert "$PKI/bob.crt" --key "$PKI/bob.key" \
	--user bob
expect revoked '^(reject|gave-up) rounds='
grep -q '^accept' "$IT_TMP/revoked.out" && it_fail "the revoked certificate was accepted"
login rogue --method eap-tls --ca "$PKI/ca.crt" --cert "$PKI/rogue.crt" --key "$PKI/rogue.key" \
	--user alice
expect rogue '^(reject|gave-up) rounds='
grep -q '^accept' "$IT_TMP/rogue.out" && it_fail "the other CA's certificate was accepted"
login tls-again --method eap-tls --ca "$PKI/ca.crt" --cert "$PKI/alice.crt" \
	--key "$PKI/alice.key" --user alice
accepted tls-again
it_pass "EAP-TLS: accepted with the MSK keys; a revoked certificate and one from another CA are refused"

accepts=$(radius_auth_count eap Access-Accept)
[ "$accepts" -eq 6 ] || it_fail "FreeRADIUS sent $accepts Access-Accepts, expected 6"
it_pass "FreeRADIUS accepted exactly the six legitimate logins"
