#!/usr/bin/env bash
# Clients that vanish without a word, with a short LCP keepalive (echo every
# 2 s, 3 misses) and a slower PPTP one (echo after 15 s, 15 s to answer), so
# that LCP's is the one that notices; a control connection without calls
# goes after 5 s:
#  - client 0 (bob, static address 192.0.2.50): pppd and both its pptp
#    processes (the call and the call manager) get SIGKILL, so only the
#    guest's kernel closes the TCP connection; the server frees the call and
#    the address: a new login as bob gets 192.0.2.50
#    again (it would be refused as static-address-busy otherwise), while
#    client 1 keeps working;
#  - then the guest powers off with clients 1 and 2 up: no FIN, no
#    Terminate, nothing. The server must notice by its keepalives
#    (session-down reason=keepalive for both).
# At the end the server holds nothing: ctrls=0 calls=0 sessions=0 and as
# many objects as before the first client came (SIGUSR1 stats).
set -euo pipefail
: "${SRCDIR:?}"
. "$SRCDIR/tests/interop/harness.sh"

interop_init kill
printf 'Bob-pass-2\n' |
	"$PPTPCTL" --db "$IT_STATE/users.db" user add bob --static-ip 192.0.2.50 --password-stdin >/dev/null ||
	it_fail "pptpctl user add bob failed"
interop_start_server "lcp-echo-interval 2" "lcp-echo-failure 3" \
	"echo-interval 15" "echo-timeout 15" "ctrl-idle-timeout 5"
base=$(stat objects)
[ -n "$base" ] || it_fail "no objects= in the server's stats"
expect_stat sessions 0

{
	interop_client_line 0 198.51.100.21 bob Bob-pass-2
	interop_client_line 1 198.51.100.22 "$INTEROP_USER" "$INTEROP_PASSWORD"
	echo "client_wait 0 $INTEROP_PPP_WAIT"
	echo "client_wait 1 $INTEROP_PPP_WAIT"
	cat <<'EOF'
result "before_kill $(client_pptp_pids 0 | wc -l) pptp"
client_kill 0
client_wait_exit 0 10
sleep 3
EOF
	interop_client_line 2 198.51.100.23 bob Bob-pass-2
	echo "client_wait 2 $INTEROP_PPP_WAIT"
	cat <<'EOF'
for k in 1 2; do
	if ping -c 2 -W 5 -I "ppp$k" 203.0.113.2 >/dev/null 2>&1; then
		result "lan$k ok"
	else
		result "lan$k failed"
	fi
done
# The guest now powers off with clients 1 and 2 up.
EOF
} >"$IT_TMP/guest.sh"
interop_boot "$IT_TMP/guest.sh"
interop_expect boot ok

read -r state local _ <<<"$(interop_result ppp0)"
[ "$state" = up ] && [ "$local" = 192.0.2.50 ] ||
	interop_fail_ppp "client 0 (bob): $state $local, expected up with 192.0.2.50"
read -r state _ <<<"$(interop_result ppp1)"
[ "$state" = up ] || interop_fail_ppp "client 1: $state"
interop_expect before_kill "2 pptp"
interop_expect kill0 3
interop_expect exit0 137
it_pass "client 0 up as bob on 192.0.2.50; pppd, pptp and its call manager killed with SIGKILL"

line=$(grep 'peer=198\.51\.100\.21:.*event=session-down' "$SRV_LOG" | head -n 1)
[ -n "$line" ] || interop_fail_ppp "the server logged no session-down for the killed client"
kill_reason=$(sed -n 's/.* reason=\([^ ]*\) .*/\1/p' <<<"$line")
ctrl_reason=$(sed -n 's/.*peer=198\.51\.100\.21:.* event=ctrl-close reason=\([^ ]*\) .*/\1/p' "$SRV_LOG" | head -n 1)
call=$(sed -n 's/.* call=\([0-9]*\) .*/\1/p' <<<"$line")
call_reason=$(sed -n "s/^.* ctrl=[0-9]* call=$call peer=[0-9.:]* event=call-down reason=\([^ ]*\) .*/\1/p" "$SRV_LOG" | head -n 1)
# Had anything of the client's lived to clear the call, it would be
# peer-clear; the killed client's call must go with its connection.
[ -n "$ctrl_reason" ] && [ "$call_reason" != peer-clear ] ||
	interop_fail_ppp "the killed client's call ended as '$call_reason', its connection as '${ctrl_reason:-still open}'"
read -r state local _ <<<"$(interop_result ppp2)"
[ "$state" = up ] && [ "$local" = 192.0.2.50 ] ||
	interop_fail_ppp "bob again after the kill: $state $local, expected up with 192.0.2.50"
interop_expect lan1 ok
interop_expect lan2 ok
it_pass "server freed the killed call (ctrl-close reason=$ctrl_reason, call-down reason=$call_reason, session-down reason=$kill_reason): bob logs in again on 192.0.2.50; client 1 unaffected"

# The guest is gone: wait for the keepalives to end both sessions and the
# control connections.
ctrls='' calls='' sessions=''
for _ in $(seq 1 90); do
	ctrls=$(stat ctrls)
	line=$(grep 'event=stats' "$SRV_LOG" | tail -n 1)
	calls=$(sed -n 's/.* calls=\([0-9]*\) .*/\1/p' <<<"$line")
	sessions=$(sed -n 's/.* sessions=\([0-9]*\) .*/\1/p' <<<"$line")
	[ "$ctrls$calls$sessions" = 000 ] && break
	sleep 1
done
[ "$ctrls$calls$sessions" = 000 ] ||
	interop_fail_ppp "90 s after the guest vanished the server still holds ctrls=$ctrls calls=$calls sessions=$sessions"
for a in 198.51.100.22 198.51.100.23; do
	reason=$(grep "peer=$a:.*event=session-down" "$SRV_LOG" | sed -n 's/.* reason=\([^ ]*\) .*/\1/p' | head -n 1)
	[ "$reason" = keepalive ] ||
		interop_fail_ppp "session of the vanished client $a ended with reason '${reason:-none}', expected keepalive"
done
it_pass "the vanished clients' sessions ended with reason=keepalive; ctrls=0 calls=0 sessions=0"

objects=$(stat objects)
[ "$objects" = "$base" ] ||
	interop_fail_ppp "objects=$objects after every client is gone, $base before the first came"
it_pass "objects back to $base"

stop_server
it_pass "pptpd exited 0 (guest run ${BOOT_SECONDS}s)"
