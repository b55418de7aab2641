#!/usr/bin/env bash
# IPv6 inside the tunnel (docs/ipv6.md): two `pptpbench connect --ipv6`
# clients each get their own /64 from ipv6-prefix-pool by Router
# Advertisement, with the RDNSS server (and a DHCPv6 Information-Request
# answered with it), and ping the LAN host's IPv6 address through the
# tunnel both ways. Client 1 then forges IPv6 sources (an address in
# client 2's /64, one outside the pool): dropped and counted while client 2
# keeps pinging. TCP over IPv6 has its MSS clamped both ways. A packet
# from the LAN larger than the session's MTU gets
# an ICMPv6 Packet Too Big from the server. When the clients go, the /64
# routes leave the server's routing table (also for a session killed by
# pptpctl, while the other keeps its own).
#
#   client 198.51.100.2/.3 --- 198.51.100.1 server 2001:db8:200::1 --- 2001:db8:200::2 LAN
set -euo pipefail
: "${PPTPD:?}" "${PPTPCTL:?}" "${PPTPBENCH:?}" "${SRCDIR:?}" "${ITOOLS:?}"
. "$SRCDIR/tests/integration/lib.sh"
. "$SRCDIR/tests/integration/e2e_lib.sh"

it_init ipv6
e2e_net
ip netns exec "$SRV" sysctl -qw net.ipv6.conf.all.forwarding=1
# The clients' tun addresses are usable at once (no DAD across the link).
ip netns exec "$CLI" sysctl -qw net.ipv6.conf.all.accept_dad=0
ip netns exec "$CLI" sysctl -qw net.ipv6.conf.default.accept_dad=0
ip -n "$SRV" -6 addr add 2001:db8:200::1/64 dev veth1 nodad
ip -n "$LAN" -6 addr add 2001:db8:200::2/64 dev veth0 nodad
ip -n "$LAN" -6 route add 2001:db8:100::/56 via 2001:db8:200::1
echo 'alice-secret' | ctl user add alice --password-stdin
echo 'bob-secret' | ctl user add bob --password-stdin
echo alice-secret >"$IT_TMP/alice.pw"
echo bob-secret >"$IT_TMP/bob.pw"

start_server 192.0.2.10-20 "ipv6 yes" "ipv6-prefix-pool 2001:db8:100::/56" \
	"ipv6-dns 2001:db8:53::53"

stats6() {
	stats >/dev/null
	grep 'event=ipv6-stats' "$SRV_LOG" | tail -n 1
}

wait_out() {
	for _ in $(seq 1 100); do
		grep -Eq -- "$2" "$1" && return 0
		sleep 0.1
	done
	cat "$1" >&2
	server_tail
	it_fail "$(basename "$1"): no '$2'"
}

# Client 1's tun keeps MTU 1500, so its SYNs ask for more than the link
# carries: the MSS check below.
PWFILE=$IT_TMP/alice.pw bg_connect "$IT_TMP/c1.out" --bind 198.51.100.2 --tun pptpv1 \
	--ipv6 --dhcpv6-info --tun-mtu 1500
C1=$IT_LAST_PID
BG_USER=bob PWFILE=$IT_TMP/bob.pw bg_connect "$IT_TMP/c2.out" --bind 198.51.100.3 --tun pptpv2 \
	--ipv6
C2=$IT_LAST_PID
for c in c1 c2; do
	wait_out "$IT_TMP/$c.out" '^ipv6-up '
	wait_out "$IT_TMP/$c.out" '^ra-rdnss 2001:db8:53::53$'
done
wait_out "$IT_TMP/c1.out" '^dhcpv6-dns 2001:db8:53::53$'
P1=$(sed -n 's/^ipv6-up [0-9.]* ms \(.*\)\/64 .*/\1/p' "$IT_TMP/c1.out")
P2=$(sed -n 's/^ipv6-up [0-9.]* ms \(.*\)\/64 .*/\1/p' "$IT_TMP/c2.out")
A1=$(sed -n 's/^ipv6-up .* addr=//p' "$IT_TMP/c1.out")
[[ $P1 == 2001:db8:100:* && $P2 == 2001:db8:100:* && $P1 != "$P2" ]] ||
	it_fail "prefixes '$P1' and '$P2': want two different /64s of 2001:db8:100::/56"
it_pass "two clients, two /64s by RA: $P1 and $P2, RDNSS 2001:db8:53::53"
it_pass "DHCPv6 Information-Request answered with 2001:db8:53::53"
# Whether the server's IPv6 routes (ip -6 route show [ARGS...]) have a line
# matching PATTERN. The listing is read whole first: grep -q at the end of
# a pipe can leave ip to die of SIGPIPE, which pipefail takes for "no".
has_route6() {
	local pat=$1 r
	shift
	r=$(ip -n "$SRV" -6 route show "$@") || it_fail "ip -6 route show $*"
	grep -q -- "$pat" <<<"$r"
}
for p in "$P1" "$P2"; do
	grep -q "event=ipv6-up prefix=$p/64 " "$SRV_LOG" || { server_tail; it_fail "no ipv6-up line for $p"; }
	has_route6 "^$p/64" dev pptp0 ||
		{ ip -n "$SRV" -6 route >&2; server_tail; it_fail "no route to $p/64 through pptp0"; }
done
it_pass "the server logs ipv6-up and routes each /64 into its tun"
json=$(ip netns exec "$SRV" "$PPTPCTL" --socket "$IT_STATE/control.sock" session list --json)
[[ $json == *"\"ipv6_prefix\":\"$P1/64\""* && $json == *"\"ipv6_prefix\":\"$P2/64\""* ]] ||
	it_fail "pptpctl session list --json lacks the prefixes: $json"
it_pass "pptpctl session list shows each session's prefix"

# ---- both clients ping the LAN host over IPv6 ----
for n in 1 2; do
	ip netns exec "$CLI" ping -6 -c 3 -W 2 -I pptpv$n 2001:db8:200::2 >"$IT_TMP/ping$n.out" 2>&1 ||
		{ cat "$IT_TMP/ping$n.out" >&2; server_tail; it_fail "client $n: no IPv6 ping through the tunnel"; }
done
it_pass "both clients ping 2001:db8:200::2 through the tunnel (and the replies come back)"

# ---- TCP over IPv6: MSS clamped both ways to the session ----
it_bg "$LAN" "$IT_TMP/xfer-server.log" "$ITOOLS/e2e_xfer" serve 2001:db8:200::2 5001 >/dev/null
for _ in $(seq 1 50); do
	grep -q listening "$IT_TMP/xfer-server.log" && break
	sleep 0.1
done
ip netns exec "$CLI" "$ITOOLS/e2e_xfer" send 2001:db8:200::2 5001 100000 61 >"$IT_TMP/xfer.out" 2>&1 ||
	{ cat "$IT_TMP/xfer.out" "$IT_TMP/xfer-server.log" >&2; it_fail "TCP over IPv6 through the tunnel failed"; }
mss_c=$(sed -n 's/^xfer ok .* mss=\([0-9]*\) .*/\1/p' "$IT_TMP/xfer.out")
mss_l=$(sed -n 's/^rx ok bytes=[0-9]* seed=61 mss=\([0-9]*\)$/\1/p' "$IT_TMP/xfer-server.log")
# The session's MTU 1396 (and the tun's 1400) less 60 octets of headers.
[ -n "$mss_c" ] && [ -n "$mss_l" ] && [ "$mss_c" -le 1336 ] && [ "$mss_l" -le 1336 ] ||
	{ cat "$IT_TMP/xfer.out" "$IT_TMP/xfer-server.log" >&2; it_fail "IPv6 MSS not clamped: client '$mss_c', LAN host '$mss_l' (want <= 1336)"; }
it_pass "TCP over IPv6: 100000 octets each way, MSS clamped to client $mss_c, LAN host $mss_l"

# ---- forged sources from client 1, while client 2 keeps pinging ----
ip netns exec "$CLI" ping -6 -c 20 -i 0.2 -W 2 -I pptpv2 2001:db8:200::2 >"$IT_TMP/during.out" 2>&1 &
DURING=$!
IT_PIDS+=("$DURING")
before=$(stat_field "$(stats6)" spoofed)
FORGED1=${P2}bad
ip -n "$CLI" -6 addr add "$FORGED1/128" dev pptpv1 nodad
ip -n "$CLI" -6 addr add 2001:db8:999::1/128 dev pptpv1 nodad
ip -n "$CLI" -6 route add 2001:db8:200::98/128 dev pptpv1 src "$FORGED1"
ip -n "$CLI" -6 route add 2001:db8:200::99/128 dev pptpv1 src 2001:db8:999::1
ip netns exec "$CLI" ping -6 -c 3 -i 0.2 -W 1 2001:db8:200::98 >/dev/null 2>&1 || true
ip netns exec "$CLI" ping -6 -c 3 -i 0.2 -W 1 2001:db8:200::99 >/dev/null 2>&1 || true
after=$(stat_field "$(stats6)" spoofed)
[ $((after - before)) -ge 6 ] || { server_tail; it_fail "spoofed IPv6 counted $((after - before)) times, want 6"; }
grep -Eq "user=alice .*event=ipv6-dropped reason=spoofed src=($FORGED1|2001:db8:999::1) " "$SRV_LOG" ||
	{ server_tail; it_fail "no ipv6-dropped line for alice"; }
[ "$(grep -c 'event=ipv6-dropped' "$SRV_LOG")" = 1 ] || it_fail "the spoofed source was logged more than once"
rc=0
wait "$DURING" || rc=$?
grep -q '20 packets transmitted, 20 received' "$IT_TMP/during.out" ||
	{ cat "$IT_TMP/during.out" >&2; it_fail "client 2 lost pings while client 1 forged sources"; }
# The forged addresses go (source selection could pick them); the real one works.
ip -n "$CLI" -6 addr del "$FORGED1/128" dev pptpv1
ip -n "$CLI" -6 addr del 2001:db8:999::1/128 dev pptpv1
ip netns exec "$CLI" ping -6 -c 2 -W 2 -I pptpv1 2001:db8:200::2 >/dev/null ||
	it_fail "client 1's own address stopped working after the forged packets"
it_pass "forged IPv6 sources dropped and counted ($((after - before))), logged once; client 2 pinged 20/20 meanwhile"

# ---- Packet Too Big toward the LAN ----
MTU=$(sed -n 's/^ipcp-up .* mtu=\([0-9]*\).*/\1/p' "$IT_TMP/c1.out")
# Fits the server's tun (mtu 1400) but not the session: the server answers.
SIZE=$((MTU - 48 + 2))
[ $((SIZE + 48)) -le 1400 ] || it_fail "session MTU $MTU leaves no room below the tun's 1400"
before=$(stat_field "$(stats6)" packet-too-big)
ip netns exec "$LAN" ping -6 -c 2 -W 2 -s "$SIZE" -M do "$A1" >"$IT_TMP/ptb.out" 2>&1 || true
after=$(stat_field "$(stats6)" packet-too-big)
[ "$after" -gt "$before" ] || { cat "$IT_TMP/ptb.out" >&2; server_tail; it_fail "no Packet Too Big sent"; }
grep -Eiq "packet too big: mtu=$MTU" "$IT_TMP/ptb.out" ||
	{ cat "$IT_TMP/ptb.out" >&2; it_fail "the LAN host did not see a Packet Too Big with mtu=$MTU"; }
ip netns exec "$LAN" ping -6 -c 2 -W 2 -s 1000 "$A1" >/dev/null ||
	it_fail "the LAN host cannot reach client 1 with a packet that fits"
it_pass "a $((SIZE + 48))-octet packet from the LAN got Packet Too Big mtu=$MTU; smaller ones go through"

# ---- the clients leave: their routes go ----
# Bob's session ended by the server (pptpctl session kill): his /64 goes,
# alice's stays and still carries her pings.
ip netns exec "$SRV" "$PPTPCTL" --socket "$IT_STATE/control.sock" session kill bob |
	grep -q '^killed 1$' || it_fail "pptpctl session kill bob"
wait_log "user=bob .*event=session-down"
rc=0
wait "$C2" 2>/dev/null || rc=$?
if has_route6 "^$P2/64"; then
	ip -n "$SRV" -6 route >&2
	it_fail "bob's /64 route is left after his session was killed"
fi
has_route6 "^$P1/64" dev pptp0 || it_fail "alice's /64 route went with bob's"
ip netns exec "$CLI" ping -6 -c 2 -W 2 -I pptpv1 2001:db8:200::2 >/dev/null ||
	it_fail "alice lost IPv6 when bob's session was killed"
it_pass "a killed session's /64 route goes (client exit $rc); the other session keeps its own"
it_stop "$C1"
[ "$IT_STATUS" = 0 ] || it_fail "client 1 exited $IT_STATUS on SIGTERM"
expect_idle "the IPv6 clients"
if has_route6 '^2001:db8:100:'; then
	ip -n "$SRV" -6 route >&2
	it_fail "a session /64 route is left after the clients went"
fi
[[ " $(stats6) " == *" prefixes-in-use=0 "* ]] || it_fail "prefixes still held: $(stats6)"
it_pass "the /64 routes and prefixes are released with the sessions"
stop_server
it_pass "pptpd stopped cleanly"
