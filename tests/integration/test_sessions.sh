#!/usr/bin/env bash
# End to end, sessions under stress and misuse: `pptpbench connect` clients
# against pptpd, the network of test_e2e.sh (e2e_lib.sh):
#
#   client 198.51.100.2-4 --- 198.51.100.1 server 203.0.113.1 --- 203.0.113.2 LAN
#
# Cases: a wrong password retried until the server's auth-retries are used
# up, while another client keeps pinging the LAN host; a spoofed inner
# source dropped and counted; an unknown PPP protocol answered with an LCP
# Protocol-Reject without harm to the session; 50 clients at once with 50
# distinct addresses; path MTU (ICMP Fragmentation Needed, or fragmentation
# by the server); a frozen client dropped by LCP keepalive with its (only)
# address freed; proxy ARP with ip-up / ip-down scripts.
set -euo pipefail
: "${PPTPD:?}" "${PPTPCTL:?}" "${PPTPBENCH:?}" "${SRCDIR:?}" "${ITOOLS:?}"
. "$SRCDIR/tests/integration/lib.sh"
. "$SRCDIR/tests/integration/e2e_lib.sh"

it_init sessions
e2e_net
echo 'alice-secret' | ctl user add alice --password-stdin
echo 'bob-secret' | ctl user add bob --password-stdin
echo alice-secret >"$IT_TMP/alice.pw"
echo bob-secret >"$IT_TMP/bob.pw"
export PWFILE=$IT_TMP/alice.pw

# Log lines written since a mark ($(log_mark)).
log_mark() {
	wc -l <"$SRV_LOG"
}
log_since() {
	tail -n +$(($1 + 1)) "$SRV_LOG"
}

# Wait for a background client's exit; its status in $IT_STATUS.
wait_exit() {
	local pid=$1
	IT_STATUS=0
	wait "$pid" 2>/dev/null || IT_STATUS=$?
}

# `mtu 1500` on the server's tun: a 1500-byte packet reaches pptpd, which
# must deal with the session's smaller MTU itself. Six wrong passwords of
# alice from 198.51.100.2 below are about retries, not the lock-out
# (test_lockout.sh): its per-user threshold is raised past them.
start_server 192.0.2.10-100 "mtu 1500" "lockout-user-failures 10"

# ---- 1. wrong password, retried, while another client works ----
STOP_GOOD=$IT_TMP/stop-good
BG_USER=bob PWFILE=$IT_TMP/bob.pw bg_connect "$IT_TMP/good.out" --bind 198.51.100.3 \
	--tun pptpg1 --route 203.0.113.0/24 --timeout 10 --run \
	"n=0; while [ ! -e $STOP_GOOD ]; do ping -c 1 -W 2 203.0.113.2 >/dev/null || exit 9; n=\$((n+1)); echo pong \$n; done; ping -c 3 -W 2 203.0.113.2"
GOOD=$IT_LAST_PID
wait_up "$IT_TMP/good.out"
for _ in $(seq 1 100); do
	grep -q '^pong ' "$IT_TMP/good.out" && break
	sleep 0.1
done
grep -q '^pong ' "$IT_TMP/good.out" || { cat "$IT_TMP/good.out" >&2; it_fail "good client: no ping answered"; }
MARK=$(log_mark)
PONGS_BEFORE=$(grep -c '^pong ' "$IT_TMP/good.out" || true)

# Server auth-retries 3: R=1 three times, then R=0; the client would retry 5.
# Clients that run together are bound to different addresses: each process
# numbers its calls from 1, and an unbound raw GRE socket would also take
# the other client's packets for call 1.
connect retry alice wrong-password --bind 198.51.100.2 --retries 5
[ "$RC" = 1 ] || { cat "$IT_TMP/retry.out" >&2; it_fail "wrong password with retries: exit $RC, expected 1"; }
expect_out retry '^auth-failed [0-9.]+ ms E=691$'
expect_out retry '^auth-attempts 4$'
[ "$(grep -c '^auth-retry .* E=691 ' "$IT_TMP/retry.out")" = 3 ] ||
	{ cat "$IT_TMP/retry.out" >&2; it_fail "expected 3 retries after E=691 R=1"; }
n=$(log_since "$MARK" | grep -c 'user=alice .*event=auth-fail reason=bad-credentials error=691' || true)
[ "$n" = 4 ] || { server_tail; it_fail "server logged $n auth-fail lines, expected 4"; }
wait_log 'user=alice .*event=session-down reason=auth-failed'
it_pass "wrong password: E=691 R=1 three times, then R=0 and the link ends (4 attempts)"

# The client gives up first: --retries 1 is two attempts.
MARK=$(log_mark)
connect retry1 alice wrong-password --bind 198.51.100.2 --retries 1
[ "$RC" = 1 ] || { cat "$IT_TMP/retry1.out" >&2; it_fail "--retries 1: exit $RC, expected 1"; }
expect_out retry1 '^auth-attempts 2$'
n=$(log_since "$MARK" | grep -c 'user=alice .*event=auth-fail reason=bad-credentials' || true)
[ "$n" = 2 ] || { server_tail; it_fail "server logged $n auth-fail lines, expected 2"; }
wait_log 'user=alice .*event=session-down reason='
it_pass "a client that stops retrying ends after 2 attempts ($(log_since "$MARK" |
	grep -o 'event=session-down reason=[a-z-]*' | tail -n 1))"

grep -q '^pong ' "$IT_TMP/good.out" && kill -0 "$GOOD" 2>/dev/null ||
	{ cat "$IT_TMP/good.out" >&2; it_fail "the good client did not stay up"; }
# At least one more answered ping after the refusals.
for _ in $(seq 1 50); do
	[ "$(grep -c '^pong ' "$IT_TMP/good.out")" -gt "$PONGS_BEFORE" ] && break
	sleep 0.1
done
touch "$STOP_GOOD"
wait_exit "$GOOD"
[ "$IT_STATUS" = 0 ] || { cat "$IT_TMP/good.out" >&2; server_tail; it_fail "good client exited $IT_STATUS"; }
grep -q '3 packets transmitted, 3 received' "$IT_TMP/good.out" ||
	{ cat "$IT_TMP/good.out" >&2; it_fail "good client: final pings lost"; }
[ "$(grep -c '^pong ' "$IT_TMP/good.out")" -gt "$PONGS_BEFORE" ] ||
	it_fail "good client: no ping answered after the refusals"
it_pass "meanwhile bob pinged the LAN host without a loss ($(grep -c '^pong ' "$IT_TMP/good.out") pings)"
expect_idle "the retries"

# ---- 3. spoofed inner source ----
it_bg "$LAN" "$IT_TMP/udp-rx.log" "$ITOOLS/e2e_spoof" recv 203.0.113.2 5002 >/dev/null
for _ in $(seq 1 50); do
	grep -q listening "$IT_TMP/udp-rx.log" && break
	sleep 0.1
done
SPOOFED_BEFORE=$(stat_field "$(stats)" spoofed)
connect_ok spoof alice alice-secret --tun pptps1 --route 203.0.113.0/24 \
	--run "$ITOOLS/e2e_spoof send pptps1 203.0.113.2 5002 192.0.2.99"
expect_out spoof '^sent spoofed-src=192\.0\.2\.99 real-src=192\.0\.2\.[0-9]+$'
REAL=$(sed -n 's/^sent .* real-src=\([0-9.]*\)$/\1/p' "$IT_TMP/spoof.out")
for _ in $(seq 1 50); do
	grep -q 'payload=real' "$IT_TMP/udp-rx.log" && break
	sleep 0.1
done
grep -q "^rx src=$REAL payload=real$" "$IT_TMP/udp-rx.log" ||
	{ cat "$IT_TMP/udp-rx.log" >&2; it_fail "the LAN host did not get the datagram from $REAL"; }
! grep -q 'payload=spoofed' "$IT_TMP/udp-rx.log" ||
	{ cat "$IT_TMP/udp-rx.log" >&2; it_fail "the spoofed datagram reached the LAN host"; }
wait_log 'event=spoofed-source src=192\.0\.2\.99'
wait_log "addr=$REAL event=session-down .* spoofed=1 "
SPOOFED=$(stat_field "$(stats)" spoofed)
[ "$SPOOFED" = $((SPOOFED_BEFORE + 1)) ] || it_fail "stats: spoofed=$SPOOFED, expected $((SPOOFED_BEFORE + 1))"
it_pass "spoofed source 192.0.2.99 dropped and counted; the real source $REAL passed"
expect_idle "the spoofing client"

# ---- 4. unknown protocol: LCP Protocol-Reject, the session stays up ----
connect_ok proto alice alice-secret --tun pptpp1 --route 203.0.113.0/24 --send-proto 0x8057 \
	--run "for i in 1 2 3 4 5 6 7 8 9 10; do grep -q '^proto-reject ' $IT_TMP/proto.out && break; sleep 0.2; done; ping -c 3 -W 2 203.0.113.2"
expect_out proto '^send-proto [0-9.]+ ms proto=0x8057 len=18$'
expect_out proto '^proto-reject [0-9.]+ ms proto=0x8057 '
expect_out proto '3 packets transmitted, 3 received'
expect_phases proto "tcp-connect start-reply call-up lcp-up auth-ok ccp-up ipcp-up up run disconnect "
it_pass "IPv6CP (0x8057) answered with LCP Protocol-Reject; pings still pass"
expect_idle "the unknown protocol"

# ---- 7. MTU: fragmentation by the server, ICMP Fragmentation Needed ----
bg_connect "$IT_TMP/mtu.out" --bind 198.51.100.4 --tun pptpu1 --route 203.0.113.0/24
MTUC=$IT_LAST_PID
wait_up "$IT_TMP/mtu.out"
ADDR=$(sed -n 's/^ipcp-up .* addr=\([0-9.]*\) .*/\1/p' "$IT_TMP/mtu.out")
MTU=$(sed -n 's/^ipcp-up .* mtu=\([0-9]*\)$/\1/p' "$IT_TMP/mtu.out")
[ -n "$ADDR" ] && [ -n "$MTU" ] && [ "$MTU" -lt 1500 ] || it_fail "mtu client: addr '$ADDR' mtu '$MTU'"
wait_log "addr=$ADDR mppe=[^ ]* mtu=$MTU event=session-up"
# DF clear first: the LAN host has no path MTU cached yet, so the full
# 1500 bytes reach the server, which fragments.
ip netns exec "$LAN" ping -c 2 -W 2 -M dont -s 1472 "$ADDR" >"$IT_TMP/ping-dont.out" 2>&1 || true
grep -q '2 packets transmitted, 2 received' "$IT_TMP/ping-dont.out" ||
	{ cat "$IT_TMP/ping-dont.out" >&2; server_tail; it_fail "1500-byte pings with DF clear not answered"; }
# The server's ICMP comes out of its tun from localip, an address of the tun
# itself: the kernel drops that as a martian source unless pptpd set
# accept_local on the tun.
[ "$(ip netns exec "$SRV" sysctl -n net.ipv4.conf.pptp0.accept_local)" = 1 ] ||
	it_fail "pptpd left accept_local=0 on pptp0: its ICMP from localip would be dropped"
ip netns exec "$LAN" ping -c 1 -W 2 -M do -s 1472 "$ADDR" >"$IT_TMP/ping-do.out" 2>&1 || true
grep -Eq "Frag needed.*mtu ?= ?$MTU\b" "$IT_TMP/ping-do.out" ||
	{ cat "$IT_TMP/ping-do.out" >&2; it_fail "no Fragmentation Needed with mtu=$MTU for DF set"; }
line=$(stats)
[ "$(stat_field "$line" fragmented)" -ge 1 ] || it_fail "stats: fragmented=0: $line"
[ "$(stat_field "$line" icmp-frag-needed)" -ge 1 ] || it_fail "stats: icmp-frag-needed=0: $line"
it_pass "MTU $MTU: DF clear fragmented and answered; DF set: $(grep -o 'Frag needed.*' "$IT_TMP/ping-do.out" | head -n 1)"
it_stop "$MTUC"
[ "$IT_STATUS" = 0 ] || { cat "$IT_TMP/mtu.out" >&2; it_fail "mtu client exited $IT_STATUS"; }
expect_idle "the MTU client"

# ---- 5. 50 clients at once ----
# Each from its own address: every pptpbench process numbers its calls from
# 1, and its raw GRE socket, bound to its address, takes every GRE packet
# for that address, so two processes on one address would share call ID 1.
for i in $(seq 1 50); do
	it_addr "$CLI" veth0 198.51.100.$((100 + i))/24
done
GO=$IT_TMP/go
MARK=$(log_mark)
pids=()
for i in $(seq 1 50); do
	bg_connect "$IT_TMP/many$i.out" --bind 198.51.100.$((100 + i)) --tun pptpm$i --timeout 60 \
		--run "while [ ! -e $GO ]; do sleep 0.2; done"
	pids+=("$IT_LAST_PID")
done
for i in $(seq 1 50); do
	wait_up "$IT_TMP/many$i.out" 60
done
line=$(stats)
[ "$(stat_field "$line" sessions)" = 50 ] || it_fail "stats with 50 clients up: $line"
ups=$(log_since "$MARK" | grep 'event=session-up' | sed -n 's/.* addr=\([0-9.]*\) .*/\1/p')
[ "$(wc -l <<<"$ups")" = 50 ] || it_fail "$(wc -l <<<"$ups") session-up lines, expected 50"
[ "$(sort -u <<<"$ups" | wc -l)" = 50 ] || it_fail "the 50 sessions do not have 50 distinct addresses"
while read -r a; do
	[[ $a =~ ^192\.0\.2\.([0-9]+)$ ]] && [ "${BASH_REMATCH[1]}" -ge 10 ] &&
		[ "${BASH_REMATCH[1]}" -le 100 ] || it_fail "address $a is outside the pool"
done <<<"$ups"
touch "$GO"
for i in $(seq 1 50); do
	wait_exit "${pids[$((i - 1))]}"
	[ "$IT_STATUS" = 0 ] || { cat "$IT_TMP/many$i.out" >&2; it_fail "client $i of 50 exited $IT_STATUS"; }
done
it_pass "50 clients up at once with 50 distinct pool addresses, all exited 0"
expect_idle "50 clients"
stop_server
it_pass "pptpd stopped cleanly"

# ---- 2. LCP keepalive: a frozen client is dropped, its address freed ----
start_server 192.0.2.10 "lcp-echo-interval 1" "lcp-echo-failure 3"
# Its own process group (setsid does not fork here: a background job of a
# shell without job control is no group leader), so SIGSTOP reaches it all.
it_bg "$CLI" "$IT_TMP/frozen.out" setsid sh -c 'exec "$0" "$@" <"$PWFILE"' "$PPTPBENCH" connect \
	--server 198.51.100.1 --bind 198.51.100.2 --user alice --password-stdin --tun pptpk1 >/dev/null
FROZEN=$IT_LAST_PID
wait_up "$IT_TMP/frozen.out"
expect_out frozen '^ipcp-up .* addr=192\.0\.2\.10 '
[ "$(stat_field "$(stats)" sessions)" = 1 ] || it_fail "stats: one session expected"
kill -STOP -- "-$FROZEN"
wait_log 'addr=192\.0\.2\.10 event=session-down reason=keepalive' 15
expect_idle "the keepalive failure"
connect_ok after-keepalive bob bob-secret --bind 198.51.100.3 --tun pptpk2 \
	--route 203.0.113.0/24 --run "ping -c 2 -W 2 203.0.113.2"
expect_out after-keepalive '^ipcp-up .* addr=192\.0\.2\.10 '
expect_out after-keepalive '2 packets transmitted, 2 received'
it_pass "frozen client dropped (reason=keepalive); its address 192.0.2.10 served the next client"
kill -CONT -- "-$FROZEN"
for _ in $(seq 1 100); do
	kill -0 "$FROZEN" 2>/dev/null || break
	sleep 0.1
done
if kill -0 "$FROZEN" 2>/dev/null; then
	kill -KILL -- "-$FROZEN" 2>/dev/null || true
	wait_exit "$FROZEN"
	it_fail "the thawed client did not notice its link was gone: $(cat "$IT_TMP/frozen.out")"
fi
wait_exit "$FROZEN"
[ "$IT_STATUS" = 1 ] || { cat "$IT_TMP/frozen.out" >&2; it_fail "thawed client exited $IT_STATUS, expected 1"; }
it_pass "the thawed client saw its link gone: $(grep '^FAIL' "$IT_TMP/frozen.out" || true)"
! ip -n "$CLI" link show pptpk1 >/dev/null 2>&1 || it_fail "the frozen client's tun is left over"
expect_idle "the thawed client"
stop_server

# ---- 6. proxy ARP and ip-up / ip-down ----
HOOKLOG=$IT_TMP/hooks.log
for h in up down; do
	cat >"$IT_TMP/ip-$h" <<EOF
#!/bin/sh
echo "$h argv=\$* IFNAME=\$IFNAME IPLOCAL=\$IPLOCAL IPREMOTE=\$IPREMOTE PEERNAME=\$PEERNAME PPTP_PEER=\$PPTP_PEER" >>"$HOOKLOG"
EOF
	chmod 755 "$IT_TMP/ip-$h"
done
start_server 203.0.113.100-110 "proxyarp yes" "ip-up $IT_TMP/ip-up" "ip-down $IT_TMP/ip-down"
# No route from the LAN host but its own subnet: only proxy ARP reaches the client.
ip -n "$LAN" route del default
bg_connect "$IT_TMP/parp.out" --tun pptpa1 --route 203.0.113.0/24
PARP=$IT_LAST_PID
wait_up "$IT_TMP/parp.out"
ADDR=$(sed -n 's/^ipcp-up .* addr=\([0-9.]*\) .*/\1/p' "$IT_TMP/parp.out")
[[ $ADDR =~ ^203\.0\.113\.(10[0-9]|110)$ ]] || it_fail "proxyarp client: address '$ADDR'"
wait_log "addr=$ADDR .*event=session-up"
for _ in $(seq 1 50); do
	ip -n "$SRV" neigh show proxy | grep -q "^$ADDR dev veth1" && break
	sleep 0.1
done
ip -n "$SRV" neigh show proxy | grep -q "^$ADDR dev veth1" ||
	{ ip -n "$SRV" neigh show proxy >&2; server_tail; it_fail "no proxy ARP entry for $ADDR on veth1"; }
ip netns exec "$LAN" ping -c 3 -W 2 "$ADDR" >"$IT_TMP/parp-ping.out" 2>&1 ||
	{ cat "$IT_TMP/parp-ping.out" >&2; it_fail "the LAN host cannot ping $ADDR through proxy ARP"; }
it_pass "proxy ARP: $ADDR published on veth1, the LAN host pings it on-link"
for _ in $(seq 1 50); do
	grep -q '^up ' "$HOOKLOG" 2>/dev/null && break
	sleep 0.1
done
grep -Eq "^up argv=pptp0 pptp 0 192\.0\.2\.1 $ADDR 198\.51\.100\.2 IFNAME=pptp0 IPLOCAL=192\.0\.2\.1 IPREMOTE=$ADDR PEERNAME=alice PPTP_PEER=198\.51\.100\.2:[0-9]+$" "$HOOKLOG" ||
	{ cat "$HOOKLOG" >&2 || true; it_fail "ip-up did not run with the expected arguments"; }
it_stop "$PARP"
[ "$IT_STATUS" = 0 ] || { cat "$IT_TMP/parp.out" >&2; it_fail "proxyarp client exited $IT_STATUS"; }
wait_log "addr=$ADDR event=session-down"
for _ in $(seq 1 50); do
	! ip -n "$SRV" neigh show proxy | grep -q "^$ADDR " && grep -q '^down ' "$HOOKLOG" && break
	sleep 0.1
done
! ip -n "$SRV" neigh show proxy | grep -q "^$ADDR " ||
	it_fail "the proxy ARP entry for $ADDR is left after the session"
grep -Eq "^down argv=pptp0 pptp 0 192\.0\.2\.1 $ADDR 198\.51\.100\.2 IFNAME=pptp0 IPLOCAL=192\.0\.2\.1 IPREMOTE=$ADDR PEERNAME=alice PPTP_PEER=198\.51\.100\.2:[0-9]+$" "$HOOKLOG" ||
	{ cat "$HOOKLOG" >&2; it_fail "ip-down did not run with the expected arguments"; }
it_pass "after the session: proxy entry gone, ip-down ran ($(grep -c . "$HOOKLOG") hook lines)"
ip -n "$LAN" route add default via 203.0.113.1
expect_idle "the proxyarp client"
stop_server
it_pass "pptpd stopped cleanly"
