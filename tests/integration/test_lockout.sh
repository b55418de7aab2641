#!/usr/bin/env bash
# End to end, password guessing (issue "Facing the internet", item 9):
# `pptpbench connect` against pptpd in the network of test_e2e.sh
# (e2e_lib.sh), with short test limits: 5 failures of one user from one
# source, or 12 from one source, in 120 s lock for 15 s.
#
#   client 198.51.100.2-4 --- 198.51.100.1 server 203.0.113.1 --- 203.0.113.2 LAN
#
# From 198.51.100.2: four wrong passwords for alice (one call), then a
# fifth starts a lock (one login-locked line) and the rest of that call is
# answered E=691 unchecked; alice's right password is refused E=691 during
# the lock; a user that does not exist gets exactly the same answers and
# lock; two more failures lock the source, whose next connection is
# closed at once. Meanwhile bob keeps pinging the LAN host from
# 198.51.100.3 and logs in again from 198.51.100.4; once the locks are
# over (the server's own count says so), alice's right password works.
set -euo pipefail
: "${PPTPD:?}" "${PPTPCTL:?}" "${PPTPBENCH:?}" "${SRCDIR:?}" "${ITOOLS:?}"
. "$SRCDIR/tests/integration/lib.sh"
. "$SRCDIR/tests/integration/e2e_lib.sh"

it_init lockout
e2e_net
echo 'alice-secret' | ctl user add alice --password-stdin
echo 'bob-secret' | ctl user add bob --password-stdin
echo bob-secret >"$IT_TMP/bob.pw"

# The lock-out counters of the last SIGUSR1 line.
lock_stats() {
	stats >/dev/null
	for _ in $(seq 1 50); do
		grep -q 'event=lockout-stats' "$SRV_LOG" && break
		sleep 0.1
	done
	grep 'event=lockout-stats' "$SRV_LOG" | tail -n 1
}
# A guessing client from 198.51.100.2: four attempts (--retries 3), all E=691.
guess() {
	local tag=$1 user=$2 pw=$3
	connect "$tag" "$user" "$pw" --bind 198.51.100.2 --retries 3
	[ "$RC" = 1 ] || { cat "$IT_TMP/$tag.out" >&2; it_fail "$tag: exit $RC, expected 1"; }
	expect_out "$tag" '^auth-failed [0-9.]+ ms E=691$'
	expect_out "$tag" '^auth-attempts 4$'
	[ "$(grep -c '^auth-retry .* E=691 ' "$IT_TMP/$tag.out")" = 3 ] ||
		{ cat "$IT_TMP/$tag.out" >&2; it_fail "$tag: expected 3 retries after E=691"; }
}
locks() {
	grep -c 'event=login-locked ' "$SRV_LOG" || true
}

start_server 192.0.2.10-20 "lockout-user-failures 5" "lockout-source-failures 12" \
	"lockout-window 120" "lockout-time 15"

# bob's session runs through it all (a lost ping is printed, not fatal:
# what counts is that his pings keep being answered).
STOP_GOOD=$IT_TMP/stop-good
BG_USER=bob PWFILE=$IT_TMP/bob.pw bg_connect "$IT_TMP/good.out" --bind 198.51.100.3 \
	--tun pptpg1 --route 203.0.113.0/24 --timeout 10 --run \
	"n=0; while [ ! -e $STOP_GOOD ]; do n=\$((n+1)); if ping -c 1 -W 2 203.0.113.2 >/dev/null; then echo pong \$n; else echo lost \$n; fi; done; ping -c 3 -W 2 203.0.113.2"
GOOD=$IT_LAST_PID
wait_up "$IT_TMP/good.out"

# ---- a known user: 4 failures, then the 5th locks ----
guess g1 alice wrong-password
[ "$(locks)" = 0 ] || { server_tail; it_fail "a lock after 4 failures"; }
guess g2 alice wrong-password
wait_log 'user=alice peer=198\.51\.100\.2 event=login-locked lock=user until=[0-9T:-]+Z failures=5 window=120 lock-time=15$'
[ "$(locks)" = 1 ] || { server_tail; it_fail "$(locks) login-locked lines, expected 1"; }
# The 5th was checked and failed; the 6th to 8th were answered unchecked.
n=$(grep -c 'user=alice peer=198\.51\.100\.2 event=login-refused reason=locked lock=user ' "$SRV_LOG" || true)
[ "$n" = 3 ] || { server_tail; it_fail "$n locked refusals of alice, expected 3"; }
n=$(grep -c 'user=alice peer=198\.51\.100\.2:[0-9]* event=auth-fail reason=bad-credentials' "$SRV_LOG" || true)
[ "$n" = 5 ] || { server_tail; it_fail "$n checked failures of alice, expected 5"; }
it_pass "alice: 5 failures from 198.51.100.2 lock her there; one login-locked line"

connect right alice alice-secret --bind 198.51.100.2
[ "$RC" = 1 ] || { cat "$IT_TMP/right.out" >&2; it_fail "alice's right password while locked: exit $RC"; }
expect_out right '^auth-failed [0-9.]+ ms E=691$'
it_pass "alice's right password is refused E=691 during the lock"

# ---- a user that does not exist: the same answers, the same lock ----
guess n1 nobody wrong-password
guess n2 nobody wrong-password
for t in 1 2; do
	diff <(grep -Eo '^(auth-retry|auth-failed|auth-attempts).*' "$IT_TMP/g$t.out" | sed -E 's/[0-9.]+ ms //') \
		<(grep -Eo '^(auth-retry|auth-failed|auth-attempts).*' "$IT_TMP/n$t.out" | sed -E 's/[0-9.]+ ms //') ||
		it_fail "call $t: nobody was not answered as alice was"
done
wait_log 'user=nobody peer=198\.51\.100\.2 event=login-locked lock=user until=[0-9T:-]+Z failures=5 '
[ "$(locks)" = 2 ] || { server_tail; it_fail "$(locks) login-locked lines, expected 2"; }
it_pass "an unknown user: the same E=691 answers and the same lock after 5 failures"

# ---- the source: 10 failures so far, 2 more lock 198.51.100.2 ----
connect c1 carol wrong-password --bind 198.51.100.2 --retries 1
[ "$RC" = 1 ] || { cat "$IT_TMP/c1.out" >&2; it_fail "carol: exit $RC"; }
wait_log 'user=carol peer=198\.51\.100\.2 event=login-locked lock=source until=[0-9T:-]+Z failures=12 '
[ "$(locks)" = 3 ] || { server_tail; it_fail "$(locks) login-locked lines, expected 3"; }
connect conn bob bob-secret --bind 198.51.100.2
[ "$RC" = 1 ] || { cat "$IT_TMP/conn.out" >&2; it_fail "a connection from the locked source: exit $RC"; }
! grep -q '^start-reply' "$IT_TMP/conn.out" ||
	{ cat "$IT_TMP/conn.out" >&2; it_fail "the locked source got a Start-Control-Connection-Reply"; }
line=$(lock_stats)
# (Counters since the start: how many locks are still in force depends on
# how fast this ran.)
[ "$(stat_field "$line" conn-refused)" = 1 ] && [ "$(stat_field "$line" failures)" = 12 ] &&
	[ "$(stat_field "$line" source-locks)" = 1 ] && [ "$(stat_field "$line" user-locks)" = 2 ] ||
	it_fail "lock-out stats: $line"
it_pass "12 failures lock the source: its next connection is closed before any reply ($line)"

# ---- meanwhile: bob from elsewhere ----
connect_ok bob2 bob bob-secret --bind 198.51.100.4 --route 203.0.113.0/24 \
	--run "ping -c 2 -W 2 203.0.113.2"
expect_out bob2 '2 packets transmitted, 2 received'
grep -q '^pong ' "$IT_TMP/good.out" && kill -0 "$GOOD" 2>/dev/null ||
	{ cat "$IT_TMP/good.out" >&2; it_fail "bob's first session did not stay up"; }
PONGS=$(grep -c '^pong ' "$IT_TMP/good.out")
it_pass "bob logs in from 198.51.100.4 during the locks; his session from 198.51.100.3 pings on ($PONGS)"

# ---- the locks end: alice's right password works ----
for _ in $(seq 1 60); do
	line=$(lock_stats)
	[ "$(stat_field "$line" locks)" = 0 ] && break
	sleep 0.5
done
[ "$(stat_field "$line" locks)" = 0 ] || it_fail "locks still in force: $line"
connect_ok after alice alice-secret --bind 198.51.100.2 --run true
wait_log 'user=alice peer=198\.51\.100\.2:[0-9]+ .*event=session-up'
it_pass "after the lock time alice's right password from 198.51.100.2 works"

touch "$STOP_GOOD"
IT_STATUS=0
wait "$GOOD" || IT_STATUS=$?
[ "$IT_STATUS" = 0 ] || { cat "$IT_TMP/good.out" >&2; it_fail "bob's client exited $IT_STATUS"; }
grep -Eq '3 packets transmitted, [1-3] received' "$IT_TMP/good.out" ||
	{ cat "$IT_TMP/good.out" >&2; it_fail "bob's final pings all lost"; }
[ "$(grep -c '^pong ' "$IT_TMP/good.out")" -gt "$PONGS" ] || it_fail "bob: no ping answered after the locks"
it_pass "bob pinged the LAN host throughout ($(grep -c '^pong ' "$IT_TMP/good.out") pings)"
[ "$(locks)" = 3 ] || it_fail "$(locks) login-locked lines in all, expected 3"
# The fail2ban filter (its prefix left out: stderr lines) finds the 12
# checked failures and the 3 lock lines, all of 198.51.100.2.
re=$(sed -n 's/^failregex *= *//p' "$SRCDIR/contrib/fail2ban/pptpd.conf")
re=${re//'%(__prefix_line)s'/}
re=${re//'<HOST>'/'(?<host>[0-9.]+)'}
hosts=$(grep -aoP -- "$re" "$SRV_LOG" | sed -E 's/.*peer=([0-9.]+).*/\1/' | sort | uniq -c)
[ "$(wc -l <<<"$hosts")" = 1 ] && grep -Eq '^ *15 198\.51\.100\.2$' <<<"$hosts" ||
	{ echo "$hosts" >&2; it_fail "fail2ban filter: expected 15 matches, all 198.51.100.2"; }
it_pass "fail2ban filter: 12 failures and 3 locks of 198.51.100.2"
expect_idle "the guessing"
stop_server
it_pass "pptpd stopped cleanly"
