#!/usr/bin/env bash
# `idle N` (issue 12, pppd's `idle`) and the user store's idle field, in the
# network of test_e2e.sh (e2e_lib.sh):
#
#   client 198.51.100.2-4 --- 198.51.100.1 server 203.0.113.1 --- 203.0.113.2 LAN
#
# The server says `idle 2` and sends LCP Echo-Requests every second. sam
# logs in and sends nothing: the echoes he answers are not data, so the
# server hangs up on him (session-down reason=idle-timeout, LCP
# Terminate-Request: his client reports the link taken down) while bob
# (good_pinger) pings the LAN host the whole time and stays up well past 2 s
# of session. nora's store field says `--idle 0` (never): her silent session
# outlives the key's limit and ends only when her client ends it. Then the
# store's value replaces the key the other way: the server restarts with no
# `idle` key and quinn's `--idle 1` still hangs her up.
set -euo pipefail
: "${PPTPD:?}" "${PPTPCTL:?}" "${PPTPBENCH:?}" "${SRCDIR:?}" "${ITOOLS:?}"
. "$SRCDIR/tests/integration/lib.sh"
. "$SRCDIR/tests/integration/e2e_lib.sh"

it_init idle
e2e_net
echo 'bob-secret' >"$IT_TMP/bob.pw"
ctl user add bob --password-stdin <"$IT_TMP/bob.pw"
echo 'sam-secret' | ctl user add sam --password-stdin
echo 'nora-secret' | ctl user add nora --password-stdin --idle 0
echo 'quinn-secret' | ctl user add quinn --password-stdin --idle 1

start_server 192.0.2.10-20 "idle 2" "lcp-echo-interval 1"
good_pinger
wait_log "user=bob .*event=session-up .*idle-timeout=2\b"
it_pass "bob's session runs under the key's idle 2"

# ---- sam: silent, answering LCP echoes only -> hung up ----
mark=$(log_mark)
connect sam sam sam-secret --bind 198.51.100.2 --tun pptps1 --timeout 10 --run "sleep 8"
[ "$RC" = 1 ] || { cat "$IT_TMP/sam.out" >&2; it_fail "sam: exit $RC, expected 1 (hung up)"; }
expect_out sam '^up '
expect_out sam 'FAIL .*call down'
log_since "$mark" >"$IT_TMP/sam.log"
grep -Eq 'user=sam .*event=session-up .*idle-timeout=2\b' "$IT_TMP/sam.log" ||
	it_fail "sam's session-up line lacks idle-timeout=2"
grep -Eq 'user=sam .*event=session-down reason=idle-timeout .*detail="?idle timeout \(2 s\)' \
	"$IT_TMP/sam.log" || { server_tail; it_fail "sam not hung up with reason=idle-timeout"; }
# Nothing to him, at most the packet his tun sends when it comes up; LCP
# echoes every second, answered, so the link was alive: the cause is
# idleness, not keepalive. The call went with a Call-Disconnect-Notify.
grep -Eq 'user=sam .*event=session-down .*rx-packets=[01] tx-packets=0' "$IT_TMP/sam.log" ||
	{ cat "$IT_TMP/sam.log" >&2; it_fail "sam's session carried data; the test needs a silent one"; }
grep -Eq 'call=[0-9]+ .*event=call-down reason=ppp-down' "$IT_TMP/sam.log" ||
	it_fail "sam's call not cleared after the hang-up"
it_pass "sam, silent for 2 s with LCP echoes flowing, hung up with reason=idle-timeout"
[ "$(pongs)" -gt 0 ] || it_fail "bob has no pongs"
b1=$(pongs)

# ---- nora: --idle 0 in the store beats the key ----
mark=$(log_mark)
connect_ok nora nora nora-secret --bind 198.51.100.2 --tun pptpn1 --timeout 10 --run "sleep 4"
log_since "$mark" >"$IT_TMP/nora.log"
grep -Eq 'user=nora .*event=session-up .*idle-timeout=0\b' "$IT_TMP/nora.log" ||
	it_fail "nora's session-up line lacks idle-timeout=0"
grep -Eq 'user=nora .*event=session-down reason=(peer-terminate|lower-down)' "$IT_TMP/nora.log" ||
	{ server_tail; it_fail "nora's session did not end by her client"; }
grep -q 'user=nora .*reason=idle-timeout' "$IT_TMP/nora.log" && it_fail "nora hung up for idleness"
it_pass "nora (store idle 0 = never) stayed up 4 s silent under the key's idle 2"

# ---- bob pinged through all of it ----
[ "$(pongs)" -gt "$b1" ] || it_fail "bob's pings stopped"
touch "$STOP_GOOD"
IT_STATUS=0
wait "$GOOD" 2>/dev/null || IT_STATUS=$?
[ "$IT_STATUS" = 0 ] || { cat "$IT_TMP/good.out" >&2; it_fail "bob's pings stopped (exit $IT_STATUS)"; }
grep -q 'user=bob .*reason=idle-timeout' "$SRV_LOG" && it_fail "bob hung up for idleness while pinging"
it_pass "bob kept pinging the LAN ($(pongs) pongs) and was never idle"
expect_idle "the first round"
stop_server

# ---- the store's value without a key: quinn's idle 1 ----
start_server 192.0.2.10-20 "lcp-echo-interval 1"
mark=$(log_mark)
connect quinn quinn quinn-secret --bind 198.51.100.4 --tun pptpq1 --timeout 10 --run "sleep 6"
[ "$RC" = 1 ] || { cat "$IT_TMP/quinn.out" >&2; it_fail "quinn: exit $RC, expected 1"; }
log_since "$mark" >"$IT_TMP/quinn.log"
grep -Eq 'user=quinn .*event=session-down reason=idle-timeout .*idle timeout \(1 s\)' \
	"$IT_TMP/quinn.log" || { server_tail; it_fail "quinn not hung up by her store idle 1"; }
it_pass "quinn's store idle 1 applies with no idle key"
# A user without a store value and no key: never idle (the default 0).
connect_ok sam2 sam sam-secret --bind 198.51.100.2 --tun pptps2 --timeout 10 --run "sleep 3"
grep -Eq 'user=sam .*event=session-up .*idle-timeout=0\b' "$SRV_LOG" ||
	it_fail "sam's session-up line under no key lacks idle-timeout=0"
it_pass "no key, no store value: idle 0, sam stayed up 3 s silent"
stop_server
