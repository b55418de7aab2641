#!/usr/bin/env bash
# radius-server ... require-message-authenticator=no against a FreeRADIUS
# whose replies carry no Message-Authenticator (radius_lib.sh
# --no-reply-authenticator, as NPS or an old server would answer), with
# `pptpbench connect` as the client.
#
# Without the flag the replies are dropped (reason=missing-message-
# authenticator) and the login fails; with it, for that server only, pptpd
# warns at start naming the server and the login succeeds.
set -euo pipefail
: "${PPTPD:?}" "${PPTPCTL:?}" "${PPTPBENCH:?}" "${SRCDIR:?}" "${ITOOLS:?}"
. "$SRCDIR/tests/integration/lib.sh"
. "$SRCDIR/tests/integration/e2e_lib.sh"

it_init radiusnoma
e2e_net
. "$SRCDIR/tests/integration/radius_lib.sh"

radius_user old alice alice-secret
radius_start old --no-reply-authenticator
COMMON=("auth radius" "radius-timeout 1" "radius-tries 1")

start_server 192.0.2.10-20 "${COMMON[@]}" "radius-server 127.0.0.1:1812 testing123"
connect refused alice alice-secret
expect_out refused '^auth-failed [0-9.]+ ms E=691$'
wait_log 'radius=auth from=127.0.0.1:1812 event=reply-dropped reason=missing-message-authenticator'
grep -q 'event=message-authenticator-not-required' "$SRV_LOG" && it_fail "warned without the flag"
it_pass "by default an Access-Accept without Message-Authenticator is dropped and the login fails"
stop_server

start_server 192.0.2.10-20 "${COMMON[@]}" \
	"radius-server 127.0.0.1:1812 testing123 require-message-authenticator=no"
wait_log 'radius=auth server=127.0.0.1:1812 event=message-authenticator-not-required'
connect_ok accepted alice alice-secret --run true
expect_out accepted '^auth-ok '
grep -q 'event=reply-dropped' "$SRV_LOG" && it_fail "a reply was dropped with require-message-authenticator=no"
it_pass "require-message-authenticator=no: warned at start naming the server, the login succeeds"
stop_server
