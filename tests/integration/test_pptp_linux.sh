#!/usr/bin/env bash
# The stock Linux client's PPTP layer (Debian's pptp-linux) against an
# echoing pptpd: `pptp SERVER --nolaunchpppd` runs on a pseudo-terminal
# driven by pty_peer, which plays pppd: it writes HDLC-framed PPP frames and
# must read every one back, re-framed by pptp after the server's echo.
# Checks the server saw pptp-linux's start request (host "local", vendor
# "cananian") and a call, that SIGTERM to pptp's process group leaves no
# pptp process behind, and that the server then has no connection or call.
set -euo pipefail
: "${PPTPD:?}" "${SRCDIR:?}" "${ITOOLS:?}"
. "$SRCDIR/tests/integration/lib.sh"

command -v pptp >/dev/null || PATH=$PATH:/usr/sbin:/sbin
command -v pptp >/dev/null || it_fail "pptp (package pptp-linux) is not installed: scripts/deps.sh"

it_init pptp_linux
SRV=$(it_ns srv)
CLI=$(it_ns cli)
it_link "$SRV" veth0 198.51.100.1/24 "$CLI" veth0 198.51.100.10/24

cat >"$IT_TMP/pptpd.conf" <<EOF
listen 198.51.100.1
localip 192.0.2.1
remoteip 192.0.2.10-250
user-db $IT_STATE/users.db
control-socket $IT_STATE/control.sock
EOF

# it_bg runs in this shell (not in $(...)) so that the PID is recorded for
# cleanup and pptpd stays our child for it_stop's wait.
it_bg "$SRV" "$IT_TMP/pptpd.log" "$PPTPD" -c "$IT_TMP/pptpd.conf" --echo-frames >"$IT_TMP/pptpd.pid"
PID=$(cat "$IT_TMP/pptpd.pid")
it_wait_tcp "$SRV" 198.51.100.1 1723

stats() {
	local before after
	before=$(grep -c 'event=stats' "$IT_TMP/pptpd.log" || true)
	kill -USR1 "$PID"
	for _ in $(seq 1 50); do
		after=$(grep -c 'event=stats' "$IT_TMP/pptpd.log" || true)
		[ "$after" -gt "$before" ] && break
		sleep 0.1
	done
	[ "$after" -gt "$before" ] || it_fail "no event=stats line after SIGUSR1"
	grep 'event=stats' "$IT_TMP/pptpd.log" | tail -n 1
}

# pptp's call manager lives on in its own process: whatever pty_peer leaves
# behind is found by session and process group and killed by PID here.
PEER_OUT=$IT_TMP/peer.out
leftovers() {
	local sid
	sid=$(sed -n 's/^pgid=//p' "$PEER_OUT" 2>/dev/null | head -n 1)
	[ -n "$sid" ] || return 0
	# Zombies are not running; an orphan waits for PID 1 to reap it.
	ps -e -o pid=,sid=,pgid=,stat= | awk -v s="$sid" '($2 == s || $3 == s) && $4 !~ /^Z/ {print $1}'
}
kill_leftovers() {
	local p
	for p in $(leftovers); do
		kill -KILL "$p" 2>/dev/null || true
	done
}
trap 'kill_leftovers; it_cleanup' EXIT

status=0
ip netns exec "$CLI" "$ITOOLS/pty_peer" --frames 20 --size 200 --timeout 10 -- \
	pptp 198.51.100.1 --nolaunchpppd --nohostroute --loglevel 1 \
	>"$PEER_OUT" 2>"$IT_TMP/pptp.log" || status=$?
cat "$PEER_OUT"
if [ "$status" != 0 ]; then
	tail -n 30 "$IT_TMP/pptp.log" >&2
	tail -n 30 "$IT_TMP/pptpd.log" >&2
	it_fail "pty_peer exited with $status"
fi
grep -q '^frames sent=20 echoed=20 bad-fcs=0' "$PEER_OUT" || it_fail "frames did not all come back intact"
it_pass "20 HDLC frames through pptp-linux and the server's echo, back intact"

# The server logged pptp-linux's identity and a call.
grep -Eq 'host="?local"?' "$IT_TMP/pptpd.log" || { cat "$IT_TMP/pptpd.log" >&2; it_fail "server log lacks host local"; }
grep -Eq 'vendor="?cananian"?' "$IT_TMP/pptpd.log" || it_fail "server log lacks vendor cananian"
grep -Eq 'event=call-up|event=call-connected|event=call-start' "$IT_TMP/pptpd.log" ||
	{ cat "$IT_TMP/pptpd.log" >&2; it_fail "server log shows no call coming up"; }
it_pass "server saw the start exchange (local/cananian) and a call"

# Nothing of pptp may be left running.
for _ in $(seq 1 30); do
	[ -z "$(leftovers)" ] && break
	sleep 0.1
done
left=$(leftovers)
if [ -n "$left" ]; then
	ps -o pid,pgid,sid,args -p "$(echo $left | tr ' ' ',')" >&2 || true
	kill_leftovers
	it_fail "pptp processes left after SIGTERM to its process group: $left"
fi
it_pass "no pptp process left"

# The server cleans up the call and the control connection.
line=""
for _ in $(seq 1 30); do
	line=$(stats)
	if echo "$line" | grep -q ' ctrls=0 ' && echo "$line" | grep -q ' calls=0 '; then
		break
	fi
	sleep 0.2
done
echo "$line" | grep -q ' ctrls=0 ' && echo "$line" | grep -q ' calls=0 ' ||
	it_fail "server still holds state after pptp ended: $line"
it_pass "server cleaned up: $line"

it_stop "$PID" TERM
[ "$IT_STATUS" = 0 ] || it_fail "pptpd exited with $IT_STATUS"
it_pass "pptpd stopped cleanly"
