#!/usr/bin/env bash
# The stock Linux client (pppd 2.4.9, built with EAP-TLS: its `ca`, `cert`
# and `key` options) logs in with EAP-TLS through pptpd (`auth radius`,
# `eap yes`) to Debian's FreeRADIUS with the eap module and a test PKI made
# here (tests/integration/eap_lib.sh). pptpd only relays: the TLS session
# is between pppd and FreeRADIUS, and the MPPE keys pppd derives from the
# TLS master secret must equal the MS-MPPE keys FreeRADIUS hands pptpd, or
# no ping gets through. Then the same client with the revoked certificate
# (bob) and with a certificate of another CA (CN alice) is refused, the
# server log naming FreeRADIUS's reason.
set -euo pipefail
: "${SRCDIR:?}"
. "$SRCDIR/tests/interop/harness.sh"

interop_init eap-tls
. "$SRCDIR/tests/integration/radius_lib.sh"
. "$SRCDIR/tests/integration/eap_lib.sh"

PKI=$IT_TMP/pki
eap_make_pki "$PKI"
INTEROP_FILES=$IT_TMP/guest-files
mkdir -p "$INTEROP_FILES"
cp "$PKI"/ca.crt "$PKI"/alice.crt "$PKI"/alice.key "$PKI"/bob.crt "$PKI"/bob.key \
	"$PKI"/rogue.crt "$PKI"/rogue.key "$INTEROP_FILES/"
eap_type main alice tls
eap_type main bob tls
radius_start main --eap "$PKI" --eap-type tls
interop_start_server "auth radius" "radius-server 127.0.0.1 testing123" "eap yes"

# pppd offers only EAP; `remotename` is the name FreeRADIUS's certificate
# carries (pppd compares them).
EAP_OPTS="remotename $EAP_SERVER_CN ca /test/files/ca.crt refuse-pap refuse-chap refuse-mschap refuse-mschap-v2 require-mppe-128 nodefaultroute noipdefault noauth nobsdcomp nodeflate novj maxfail 1 lcp-echo-interval 0"
eap_client() {
	local k=$1 user=$2 cert=$3
	echo "client_start $k $SRV_ADDR 198.51.100.$((21 + k)) name $user user $user cert /test/files/$cert.crt key /test/files/$cert.key $EAP_OPTS"
}
{
	eap_client 0 alice alice
	cat <<'EOF2'
if client_wait 0 90 && ping -c 3 -W 5 -I ppp0 203.0.113.2 >/dev/null 2>&1; then
	result "lan0 ok"
else
	result "lan0 failed"
fi
result "mppe $(syslog_count 'MPPE 128-bit stateless compression enabled')"
client_stop 0
EOF2
	eap_client 1 bob bob
	eap_client 2 alice rogue
	echo 'client_wait 1 60 || true'
	echo 'client_wait 2 60 || true'
} >"$IT_TMP/guest.sh"
interop_boot "$IT_TMP/guest.sh"
interop_expect boot ok

# 1. alice's certificate.
read -r state local peer <<<"$(interop_result ppp0)"
[ "$state" = up ] && [ "$peer" = 192.0.2.1 ] ||
	interop_fail_ppp "ppp0 with alice's certificate: $state $local $peer"
interop_expect lan0 ok
interop_expect mppe 1
grep -Eq 'peer=198\.51\.100\.21:[0-9]+ .*ppp=eap event=end result=success .*identity=alice' "$SRV_LOG" ||
	grep -Eq 'ppp=eap event=end result=success .*identity=alice' "$SRV_LOG" ||
	interop_fail_ppp "the server logged no successful EAP exchange for alice"
[ "$(radius_auth_count main Access-Accept)" -ge 1 ] || { radius_log_tail main; it_fail "FreeRADIUS sent no Access-Accept"; }
it_pass "pppd logs in with EAP-TLS (alice's certificate) and reaches 203.0.113.2 with 128-bit MPPE keyed from the TLS master secret"

# 2. bob's revoked certificate; 3. the other CA's.
for k in 1 2; do
	read -r state why <<<"$(interop_result ppp$k)"
	[ "$state" = down ] || interop_fail_ppp "ppp$k came up: $state $why"
done
grep -Eq 'event=auth-fail .*certificate revoked' "$SRV_LOG" ||
	interop_fail_ppp "the server log does not name the revoked certificate"
grep -Eq 'event=auth-fail .*unable to get local issuer certificate' "$SRV_LOG" ||
	interop_fail_ppp "the server log does not name the unknown CA"
it_pass "the revoked certificate and the other CA's are refused (server: 'certificate revoked', 'unable to get local issuer certificate')"

case $(interop_result stop0) in
5 | 16) ;;
*) it_fail "pppd 0 did not end as asked: exit $(interop_result stop0)" ;;
esac
stop_server
it_pass "pptpd exited 0 (guest run ${BOOT_SECONDS}s)"
