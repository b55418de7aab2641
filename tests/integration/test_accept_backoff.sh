#!/usr/bin/env bash
# Descriptor exhaustion (issue 10, item 8), the network of test_e2e.sh
# (e2e_lib.sh).
#   1. At start pptpd raises its soft RLIMIT_NOFILE to what the
#      configuration needs (2 x connections + max-unstarted-connections +
#      64), within the hard limit, and logs it (event=fd-limit).
#   2. Under `ulimit -n 64` (hard), 150 connections that stay open exhaust
#      the descriptors: accept() fails with EMFILE and the listener pauses
#      instead of spinning. The accept-failure lines stay few (one per run
#      of failures); pptpd's CPU time over the attack is printed, not
#      asserted. When the attackers close, the listener resumes and alice
#      logs in and pings the LAN host.
set -euo pipefail
: "${PPTPD:?}" "${PPTPCTL:?}" "${PPTPBENCH:?}" "${SRCDIR:?}" "${ITOOLS:?}"
. "$SRCDIR/tests/integration/lib.sh"
. "$SRCDIR/tests/integration/e2e_lib.sh"

it_init accept_backoff
e2e_net
echo 'alice-secret' | ctl user add alice --password-stdin

# pptpd under given limits: start_server runs $PPTPD, here a wrapper that
# sets them and becomes pptpd (exec), so $SRV_PID is pptpd's own.
REAL_PPTPD=$PPTPD
with_limits() {
	PPTPD=$IT_TMP/pptpd-limited
	# The soft limit first: a hard limit below the current soft one is refused.
	printf '#!/bin/sh\nulimit -Sn %s && ulimit -Hn %s && exec "%s" "$@"\n' "$2" "$1" \
		"$REAL_PPTPD" >"$PPTPD"
	chmod +x "$PPTPD"
}
open_files() {
	awk '/^Max open files/ { print $4 " " $5 }' "/proc/$SRV_PID/limits"
}
cpu_ticks() {
	awk '{ print $14 + $15 }' "/proc/$SRV_PID/stat"
}

# ---- 1. the soft limit raised to the need ----
with_limits 4096 100
start_server 192.0.2.10-100
wait_log "event=fd-limit "
grep -q 'event=fd-limit soft=520 hard=4096 wanted=520' "$SRV_LOG" ||
	{ server_tail; it_fail "expected event=fd-limit soft=520 hard=4096 wanted=520 (2 x 100 + 256 + 64)"; }
[ "$(open_files)" = "520 4096" ] || it_fail "/proc limits: $(open_files), expected 520 4096"
! grep -q 'fd-limit-low' "$SRV_LOG" || it_fail "a warning although the limit was raised"
it_pass "soft RLIMIT_NOFILE raised from 100 to 520 at start, logged"
stop_server

# ---- 2. exhaustion ----
with_limits 64 64
start_server 192.0.2.10-100 "connections 16" "max-connections-per-address 1000" \
	"max-unstarted-connections 1000" "stimeout 30"
grep -q 'event=fd-limit soft=64 hard=64 wanted=1096' "$SRV_LOG" || { server_tail; it_fail "no fd-limit line for 64"; }
grep -q 'warning: event=fd-limit-low soft=64 wanted=1096' "$SRV_LOG" || { server_tail; it_fail "no warning for a hard limit below the need"; }
it_pass "a hard limit below the need is kept and warned about"

CPU0=$(cpu_ticks)
it_bg "$CLI" "$IT_TMP/flood.out" "$ITOOLS/ctrl_peer" 198.51.100.1 hold-open n=150 secs=4 >/dev/null
FLOOD=$IT_LAST_PID
wait_log 'event=accept-failed error=EMFILE'
sleep 3
CPU1=$(cpu_ticks)
FAILS=$(grep -c 'event=accept-failed' "$SRV_LOG" || true)
line=$(stats)
echo "pptpd CPU over ~3 s of exhaustion: $((CPU1 - CPU0)) ticks; accept-failed=$(stat_field "$line" accept-failed) accept-paused=$(stat_field "$line" accept-paused) ctrls=$(stat_field "$line" ctrls); log lines: $FAILS"
[ "$FAILS" -lt 20 ] || { server_tail; it_fail "$FAILS accept-failed lines: the listener spins"; }
[ "$(stat_field "$line" accept-paused)" -ge 1 ] || it_fail "no back-off counted"
[ "$(stat_field "$line" accept-failed)" -ge 1 ] || it_fail "no accept failure counted"
[ "$(stat_field "$line" accept-failed)" -lt 100 ] || it_fail "$(stat_field "$line" accept-failed) failed accepts in 3 s: no back-off"
it_pass "EMFILE: $FAILS log line(s), $(stat_field "$line" accept-failed) failed accepts over the attack"

IT_STATUS=0
wait "$FLOOD" || IT_STATUS=$?
[ "$IT_STATUS" = 0 ] || { cat "$IT_TMP/flood.out" >&2; it_fail "ctrl_peer hold-open failed"; }
grep -q 'hold-open connected=150 of 150' "$IT_TMP/flood.out" || { cat "$IT_TMP/flood.out" >&2; it_fail "the flood did not connect 150 times"; }
wait_log 'event=accept-resumed failures=[0-9]+'
connect_ok alice alice alice-secret --route 203.0.113.0/24 --run "ping -c 3 -W 2 203.0.113.2"
expect_out alice '3 packets transmitted, 3 received'
it_pass "after the flood closed, accepting resumed and alice logged in and pinged"
expect_idle "the flood"
stop_server
echo "all descriptor exhaustion checks passed"
