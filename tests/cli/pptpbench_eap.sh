#!/usr/bin/env bash
# pptpbench connect's EAP options: --auth eap-mschapv2|peap-mschapv2|eap-tls
# with --ca, --cert, --key. Bad combinations are usage errors (2) that say
# what is wrong; an unreadable or mismatched file is refused before any
# connection with the file named; good combinations get past the options
# and the method's set-up (the certificate and key are read) and fail only
# at the connection (exit 1, a FAIL line), with nothing listening on the
# address. EAP-TLS alone needs no password.
set -euo pipefail
: "${PPTPBENCH:?}"
command -v openssl >/dev/null || { echo "SKIP: no openssl command" >&2; exit 77; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0
fail() {
	echo "FAIL: $*" >&2
	failures=$((failures + 1))
}

# A CA, a client certificate it signed, and an unrelated key.
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$tmp/ca.key" -out "$tmp/ca.crt" -days 2 \
	-subj "/CN=cli test CA" >/dev/null 2>&1
openssl req -newkey rsa:2048 -nodes -keyout "$tmp/alice.key" -out "$tmp/alice.csr" \
	-subj "/CN=alice" >/dev/null 2>&1
openssl x509 -req -in "$tmp/alice.csr" -CA "$tmp/ca.crt" -CAkey "$tmp/ca.key" \
	-CAcreateserial -out "$tmp/alice.crt" -days 2 >/dev/null 2>&1
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$tmp/other.key" >/dev/null 2>&1

echo pw >"$tmp/pw"

# run CODE REGEX ARGS...: connect's exit status must be CODE and its
# stderr+stdout match the regex (a password waits on stdin). A closed port on loopback: the connection
# is refused at once (or, without root, the GRE socket cannot be opened).
run() {
	local code=$1 re=$2 rc=0
	shift 2
	timeout 20 "$PPTPBENCH" connect --server 127.0.0.1 --timeout 2 "$@" <"$tmp/pw" \
		>"$tmp/out" 2>&1 || rc=$?
	[ "$rc" -eq "$code" ] || fail "connect $*: exit $rc, expected $code ($(head -c 300 "$tmp/out"))"
	grep -Eq "$re" "$tmp/out" || fail "connect $*: no output matching '$re' ($(head -c 300 "$tmp/out"))"
}

# Usage errors.
run 2 'bad --auth' --user a --password-stdin --auth eap-tls,peap-mschapv2
run 2 'bad --auth' --user a --password-stdin --auth eap-md5
run 2 'needs --cert and --key' --user a --auth eap-tls --cert "$tmp/alice.crt"
run 2 'go with --auth peap-mschapv2 or eap-tls' --user a --password-stdin --auth eap-mschapv2 \
	--ca "$tmp/ca.crt"
run 2 'go with --auth peap-mschapv2 or eap-tls' --user a --password-stdin --ca "$tmp/ca.crt"
run 2 '^usage' --user a --auth peap-mschapv2 # a password is needed
run 2 '^usage' --user a --auth eap-tls,mschapv2 --cert "$tmp/alice.crt" --key "$tmp/alice.key"

# The method's files are read before anything is sent.
run 2 "cannot read certificate .*/missing.crt" --user a --auth eap-tls \
	--cert "$tmp/missing.crt" --key "$tmp/alice.key"
run 2 "cannot use key .*/other.key" --user a --auth eap-tls \
	--cert "$tmp/alice.crt" --key "$tmp/other.key"
run 2 "cannot read CA file .*/missing.crt" --user a --password-stdin --auth peap-mschapv2 \
	--ca "$tmp/missing.crt"

# Accepted: only the connection fails.
run 1 '^FAIL (tcp-connect|gre-socket)' --user a --auth eap-tls --ca "$tmp/ca.crt" \
	--cert "$tmp/alice.crt" --key "$tmp/alice.key"
for m in eap-mschapv2 peap-mschapv2 eap-mschapv2,mschapv2; do
	rc=0
	timeout 20 "$PPTPBENCH" connect --server 127.0.0.1 --timeout 2 --user a --password-stdin \
		--auth "$m" <"$tmp/pw" >"$tmp/out" 2>&1 || rc=$?
	[ "$rc" -eq 1 ] && grep -Eq '^FAIL (tcp-connect|gre-socket)' "$tmp/out" ||
		fail "--auth $m: exit $rc ($(head -c 300 "$tmp/out"))"
done
rc=0
timeout 20 "$PPTPBENCH" connect --server 127.0.0.1 --timeout 2 --user a --password-stdin \
	--auth peap-mschapv2 --ca "$tmp/ca.crt" <"$tmp/pw" >"$tmp/out" 2>&1 || rc=$?
[ "$rc" -eq 1 ] || fail "--auth peap-mschapv2 --ca: exit $rc ($(head -c 300 "$tmp/out"))"

[ "$failures" -eq 0 ] || exit 1
echo "ok: pptpbench connect's EAP options parse, refuse bad combinations and unreadable files"
