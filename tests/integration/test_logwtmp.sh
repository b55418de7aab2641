#!/usr/bin/env bash
# logwtmp yes (server/wtmp.h): bob's session (good_pinger, pinging the LAN
# the whole time) is in utmp while up, as `who` would show it; a second
# client with a name longer than ut_user logs in and out beside it; in the
# end wtmp holds a login (USER_PROCESS: line pptpN, the name cut to 32
# bytes, the tunnel address as host) and a logout (DEAD_PROCESS, same line)
# for each, which `last -f` lists. The files are root's 0644, as
# /var/log/wtmp is closed to the pptpd user: pptpd opens them before it
# drops to that user. The paths come from PPTPD_TEST_WTMP/PPTPD_TEST_UTMP,
# the test-only override.
set -euo pipefail
: "${PPTPD:?}" "${PPTPCTL:?}" "${PPTPBENCH:?}" "${SRCDIR:?}" "${ITOOLS:?}"
. "$SRCDIR/tests/integration/lib.sh"
. "$SRCDIR/tests/integration/e2e_lib.sh"
command -v utmpdump >/dev/null || it_fail "utmpdump not installed (util-linux)"

it_init logwtmp
e2e_net
LONG=vpn-user-with-a-name-longer-than-ut-user-allows
echo 'bob-secret' >"$IT_TMP/bob.pw"
ctl user add bob --password-stdin <"$IT_TMP/bob.pw"
echo 'long-secret' | ctl user add "$LONG" --password-stdin

export PPTPD_TEST_WTMP=$IT_TMP/wtmp PPTPD_TEST_UTMP=$IT_TMP/utmp
install -m 0644 /dev/null "$PPTPD_TEST_WTMP"
install -m 0644 /dev/null "$PPTPD_TEST_UTMP"
start_server 192.0.2.10-20 "logwtmp yes"
grep -q "event=logwtmp-failed" "$SRV_LOG" && { server_tail; it_fail "wtmp or utmp not opened"; }

good_pinger
wait_log "user=bob .*event=session-up"
BOB_LINE=pptp$(grep 'user=bob .*event=session-up' "$SRV_LOG" | sed -n 's/.* session=\([0-9]*\).*/\1/p')
[ "$BOB_LINE" != pptp ] || it_fail "no session= in bob's session-up line"
utmpdump "$PPTPD_TEST_UTMP" 2>/dev/null >"$IT_TMP/utmp.txt"
grep -Eq "^\[7\] .*\[bob *\] \[$BOB_LINE *\] \[192\.0\.2\.[0-9]+ *\]" "$IT_TMP/utmp.txt" ||
	{ cat "$IT_TMP/utmp.txt" >&2; it_fail "bob's session not in utmp while up"; }
it_pass "a session that is up is in utmp (line $BOB_LINE, tunnel address as host)"

# Its own address and tun; no route: bob's tun holds the LAN route.
connect_ok long "$LONG" long-secret --bind 198.51.100.4 --tun pptpl1 --run "ping -c 1 -W 2 192.0.2.1"
expect_out long '1 packets transmitted, 1 received'
touch "$STOP_GOOD"
IT_STATUS=0
wait "$GOOD" 2>/dev/null || IT_STATUS=$?
[ "$IT_STATUS" = 0 ] || { cat "$IT_TMP/good.out" >&2; it_fail "bob's pings stopped (exit $IT_STATUS)"; }
[ "$(pongs)" -gt 0 ] || it_fail "bob: no pongs"
it_pass "bob kept pinging the LAN while the second client came and went"
wait_log "user=bob .*event=session-down"
stop_server

utmpdump "$PPTPD_TEST_WTMP" 2>/dev/null >"$IT_TMP/wtmp.txt"
cat "$IT_TMP/wtmp.txt"
CUT=${LONG:0:32}
for who in bob "$CUT"; do
	line=$(grep -E "^\[7\] .*\[$who *\] \[pptp[0-9]+ *\] \[192\.0\.2\.[0-9]+ *\]" "$IT_TMP/wtmp.txt" |
		sed -n 's/.*\] \[\(pptp[0-9]*\) *\] \[192.*/\1/p')
	[ -n "$line" ] || it_fail "no login record for $who in wtmp"
	grep -Eq "^\[8\] .*\[$line *\]" "$IT_TMP/wtmp.txt" || it_fail "no logout record for $who ($line)"
done
[ "$(grep -c '^\[7\]' "$IT_TMP/wtmp.txt")" = 2 ] || it_fail "expected 2 logins in wtmp"
[ "$(grep -c '^\[8\]' "$IT_TMP/wtmp.txt")" = 2 ] || it_fail "expected 2 logouts in wtmp"
grep -q "$LONG" "$IT_TMP/wtmp.txt" && it_fail "the long name was not cut to ut_user's 32 bytes"
it_pass "wtmp: login and logout for both, the long name cut to 32 bytes"
utmpdump "$PPTPD_TEST_UTMP" 2>/dev/null | grep -q '^\[7\]' && it_fail "utmp still lists a session"
it_pass "utmp: nobody left logged in after the logouts"
if command -v last >/dev/null; then
	last -f "$PPTPD_TEST_WTMP" >"$IT_TMP/last.txt" 2>&1 || true
	grep -Eq "^bob +$BOB_LINE +192\.0\.2\." "$IT_TMP/last.txt" ||
		{ cat "$IT_TMP/last.txt" >&2; it_fail "last -f does not list bob's session"; }
	it_pass "last -f lists the VPN sessions"
fi
