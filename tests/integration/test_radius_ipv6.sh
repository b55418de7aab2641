#!/usr/bin/env bash
# The RADIUS IPv6 attributes applied to sessions (docs/ipv6.md,
# docs/radius.md), against Debian's FreeRADIUS:
#
#   client 198.51.100.2/.3/.4 --- 198.51.100.1 server 2001:db8:200::1 --- 2001:db8:200::2 LAN
#                                          |
#                                  FreeRADIUS 127.0.0.1 (server namespace)
#
# alice: Framed-IPv6-Prefix inside the pool (2001:db8:100:42::/64), a
# Framed-Interface-Id (the client asks for none and is Naked with it), a
# Framed-IPv6-Route and a Delegated-IPv6-Prefix (both routed into the tun
# while she is up, gone after). bob: a Framed-IPv6-Prefix outside the pool
# (routed anyway). carol: given alice's /64 while alice holds it: no IPv6
# (logged), IPv4 pings on; her unknown Framed-IPv6-Pool is logged. dave:
# Framed-IPv6-Pool "gold", a /64 of `ipv6-pool gold`. The IPv6 users ping
# the LAN host over IPv6 (dave after a burst of 20 Router Solicitations
# that the server folds into one RA); the Interim-Updates and Stops carry
# Framed-Interface-Id, Framed-IPv6-Prefix and Delegated-IPv6-Prefix.
# DHCPv6-PD: alice's Solicit (Rapid Commit, IA_PD) gets her
# Delegated-IPv6-Prefix in a Reply; bob, who has none, NoPrefixAvail; both
# keep pinging over IPv6 after.
set -euo pipefail
: "${PPTPD:?}" "${PPTPCTL:?}" "${PPTPBENCH:?}" "${SRCDIR:?}" "${ITOOLS:?}"
. "$SRCDIR/tests/integration/lib.sh"
. "$SRCDIR/tests/integration/e2e_lib.sh"

it_init radius_ipv6
e2e_net
. "$SRCDIR/tests/integration/radius_lib.sh"

ip netns exec "$SRV" sysctl -qw net.ipv6.conf.all.forwarding=1
ip netns exec "$CLI" sysctl -qw net.ipv6.conf.all.accept_dad=0
ip netns exec "$CLI" sysctl -qw net.ipv6.conf.default.accept_dad=0
ip -n "$SRV" -6 addr add 2001:db8:200::1/64 dev veth1 nodad
ip -n "$LAN" -6 addr add 2001:db8:200::2/64 dev veth0 nodad
ip -n "$LAN" -6 route add 2001:db8:100::/56 via 2001:db8:200::1
ip -n "$LAN" -6 route add 2001:db8:500:7::/64 via 2001:db8:200::1
ip -n "$LAN" -6 route add 2001:db8:600::/60 via 2001:db8:200::1

radius_user main alice alice-secret 'Framed-IPv6-Prefix = 2001:db8:100:42::/64' \
	'Framed-Interface-Id = 0200:0000:0000:0042' \
	'Framed-IPv6-Route = "2001:db8:300::/48 :: 1"' \
	'Delegated-IPv6-Prefix = 2001:db8:400::/56'
radius_user main bob bob-secret 'Framed-IPv6-Prefix = 2001:db8:500:7::/64'
radius_user main carol carol-secret 'Framed-IPv6-Prefix = 2001:db8:100:42::/64' \
	'Framed-IPv6-Pool = "nosuch"'
radius_user main dave dave-secret 'Framed-IPv6-Pool = "gold"'
radius_start main

start_server 192.0.2.10-20 "auth radius" \
	"radius-server 127.0.0.1:1812 testing123" \
	"radius-acct-server 127.0.0.1:1813 testing123" \
	"radius-acct-spool $IT_STATE/spool.db" \
	"radius-acct-interim 2" \
	"ipv6 yes" "ipv6-prefix-pool 2001:db8:100::/56" "ipv6-dns 2001:db8:53::53" \
	"ipv6-pool gold 2001:db8:600::/60"
wait_log 'radius=acct server=127.0.0.1:1813'

wait_out() {
	for _ in $(seq 1 100); do
		grep -Eq -- "$2" "$1" && return 0
		sleep 0.1
	done
	cat "$1" >&2
	server_tail
	it_fail "$(basename "$1"): no '$2'"
}

stats6() {
	stats >/dev/null
	grep 'event=ipv6-stats' "$SRV_LOG" | tail -n 1
}

sid_of() {
	grep -o "user=$1 .*acct-session-id=[0-9A-F]*" "$SRV_LOG" | sed 's/.*acct-session-id=//' | tail -1
}

echo alice-secret >"$IT_TMP/alice.pw"
echo bob-secret >"$IT_TMP/bob.pw"
echo carol-secret >"$IT_TMP/carol.pw"
PWFILE=$IT_TMP/alice.pw bg_connect "$IT_TMP/alice.out" --bind 198.51.100.2 --tun pptpv1 --ipv6 \
	--dhcpv6-pd
CA=$IT_LAST_PID
BG_USER=bob PWFILE=$IT_TMP/bob.pw bg_connect "$IT_TMP/bob.out" --bind 198.51.100.3 --tun pptpv2 \
	--ipv6 --dhcpv6-pd
CB=$IT_LAST_PID
wait_out "$IT_TMP/alice.out" '^ipv6-up '
wait_out "$IT_TMP/bob.out" '^ipv6-up '

# ---- each gets what RADIUS said ----
grep -q '^ipv6-up [0-9.]* ms 2001:db8:100:42::/64 addr=2001:db8:100:42:200::42$' "$IT_TMP/alice.out" ||
	{ cat "$IT_TMP/alice.out" >&2; server_tail; it_fail "alice: not RADIUS's /64 and identifier"; }
grep -q 'user=alice .*event=ipv6-up prefix=2001:db8:100:42::/64 iid=0200000000000042 .*source=radius' \
	"$SRV_LOG" || { server_tail; it_fail "no ipv6-up line for alice with RADIUS's prefix and identifier"; }
it_pass "alice: RA with Framed-IPv6-Prefix 2001:db8:100:42::/64, Naked to Framed-Interface-Id ::200:0:0:42"
grep -q '^ipv6-up [0-9.]* ms 2001:db8:500:7::/64 ' "$IT_TMP/bob.out" ||
	{ cat "$IT_TMP/bob.out" >&2; server_tail; it_fail "bob: not RADIUS's /64 outside the pool"; }
it_pass "bob: Framed-IPv6-Prefix outside the pool (2001:db8:500:7::/64), routed"

routes=$(ip -n "$SRV" -6 route show dev pptp0)
for r in 2001:db8:100:42::/64 2001:db8:500:7::/64 2001:db8:300::/48 2001:db8:400::/56; do
	grep -q "^$r " <<<"$routes" || { echo "$routes" >&2; server_tail; it_fail "no route $r into pptp0"; }
done
grep -q 'user=alice .*event=route6 kind=framed route=2001:db8:300::/48' "$SRV_LOG" ||
	it_fail "no route6 line for alice's Framed-IPv6-Route"
grep -q 'user=alice .*event=route6 kind=delegated route=2001:db8:400::/56' "$SRV_LOG" ||
	it_fail "no route6 line for alice's Delegated-IPv6-Prefix"
# Outside the pools: bob's /64, alice's route and delegated prefix.
[ "$(stat_field "$(stats6)" outside-routes)" = 3 ] || it_fail "ipv6-stats: $(stats6)"
it_pass "the /64s, alice's Framed-IPv6-Route and Delegated-IPv6-Prefix routed into pptp0"

# ---- DHCPv6-PD: the delegated prefix to alice's router, none for bob ----
wait_out "$IT_TMP/alice.out" '^dhcpv6-pd '
wait_out "$IT_TMP/bob.out" '^dhcpv6-pd '
grep -qx 'dhcpv6-pd 2001:db8:400::/56' "$IT_TMP/alice.out" ||
	{ cat "$IT_TMP/alice.out" >&2; server_tail; it_fail "alice: no Delegated-IPv6-Prefix by DHCPv6-PD"; }
grep -q 'user=alice .*event=dhcpv6-pd msg=solicit prefix=2001:db8:400::/56 rapid-commit=yes' \
	"$SRV_LOG" || { server_tail; it_fail "no dhcpv6-pd line for alice"; }
it_pass "alice: Solicit with Rapid Commit and IA_PD -> Reply with 2001:db8:400::/56"
grep -qx 'dhcpv6-pd none status=6' "$IT_TMP/bob.out" ||
	{ cat "$IT_TMP/bob.out" >&2; server_tail; it_fail "bob: not NoPrefixAvail (6)"; }
grep -q 'user=bob .*event=dhcpv6-pd msg=solicit status=no-prefix-avail' "$SRV_LOG" ||
	{ server_tail; it_fail "no dhcpv6-pd no-prefix-avail line for bob"; }
[ "$(stat_field "$(stats6)" pd-replies)" = 2 ] || it_fail "ipv6-stats pd-replies: $(stats6)"
it_pass "bob (no Delegated-IPv6-Prefix): IA_PD answered NoPrefixAvail; 2 pd-replies counted"

# ---- both ping the LAN host over IPv6 ----
for n in 1 2; do
	ip netns exec "$CLI" ping -6 -c 3 -W 2 -I pptpv$n 2001:db8:200::2 >"$IT_TMP/ping$n.out" 2>&1 ||
		{ cat "$IT_TMP/ping$n.out" >&2; server_tail; it_fail "client $n: no IPv6 ping through the tunnel"; }
done
it_pass "alice and bob ping 2001:db8:200::2 over IPv6 through the tunnel"

# ---- carol is given alice's /64: no IPv6 for her, IPv4 goes on ----
connect_ok carol carol carol-secret --bind 198.51.100.4 --ipv6 --route 203.0.113.0/24 \
	--run "ping -c 2 -W 2 203.0.113.2"
expect_out carol '2 packets transmitted, 2 received'
grep -q 'user=carol .*event=ipv6-no-prefix reason=prefix-taken prefix=2001:db8:100:42::/64 source=radius' \
	"$SRV_LOG" || { server_tail; it_fail "carol's taken /64 not logged"; }
! grep -q '^ipv6-up ' "$IT_TMP/carol.out" || it_fail "carol got IPv6 with alice's /64"
ip netns exec "$CLI" ping -6 -c 2 -W 2 -I pptpv1 2001:db8:200::2 >/dev/null ||
	it_fail "alice lost IPv6 when carol was given her /64"
grep -q 'user=carol .*event=ipv6-pool-unknown pool=nosuch ' "$SRV_LOG" ||
	{ server_tail; it_fail "carol's unknown Framed-IPv6-Pool not logged"; }
it_pass "carol, given alice's /64, gets no IPv6 (logged) but pings over IPv4; alice keeps hers"

# ---- dave: Framed-IPv6-Pool "gold"; 20 RSs right after the first RA ----
folded0=$(stat_field "$(stats6)" rs-folded)
echo dave-secret >"$IT_TMP/dave.pw"
BG_USER=dave PWFILE=$IT_TMP/dave.pw bg_connect "$IT_TMP/dave.out" --bind 198.51.100.4 \
	--tun pptpv3 --ipv6 --rs-flood 20
CD=$IT_LAST_PID
wait_out "$IT_TMP/dave.out" '^ipv6-up '
wait_out "$IT_TMP/dave.out" '^rs-flood 20$'
# The flood falls inside the 3 s after the RA of ipv6-up: folded into one
# RA at the end of that window, not dropped (more may be counted: the RS
# dave sends at IPV6CP-up, and the client kernel's own RSs on its tuns).
wait_out "$IT_TMP/dave.out" '^ra-count 2$'
folded=$(($(stat_field "$(stats6)" rs-folded) - folded0))
[ "$folded" -ge 20 ] || it_fail "rs-folded grew by $folded, want at least 20: $(stats6)"
it_pass "dave's 20 RSs after ipv6-up folded ($folded) into the RA that ends the 3 s window"
grep -q '^ipv6-up [0-9.]* ms 2001:db8:60[0-9a-f]::/64 ' "$IT_TMP/dave.out" ||
	{ cat "$IT_TMP/dave.out" >&2; server_tail; it_fail "dave: not a /64 of ipv6-pool gold"; }
ip netns exec "$CLI" ping -6 -c 2 -W 2 -I pptpv3 2001:db8:200::2 >"$IT_TMP/ping3.out" 2>&1 ||
	{ cat "$IT_TMP/ping3.out" >&2; server_tail; it_fail "dave: no IPv6 ping from the gold pool"; }
[ "$(stat_field "$(stats6)" named-in-use)" = 1 ] || it_fail "ipv6-stats: $(stats6)"
it_stop "$CD"
it_pass "dave: a /64 of ipv6-pool gold by Framed-IPv6-Pool, pings the LAN host over IPv6"

# ---- accounting carries the IPv6 attributes ----
asid=$(sid_of alice)
bsid=$(sid_of bob)
[ -n "$asid" ] && [ -n "$bsid" ] || { server_tail; it_fail "no acct-session-id for alice or bob"; }
for _ in $(seq 1 60); do
	radius_detail_field main Interim-Update "$asid" Framed-IPv6-Prefix >/dev/null &&
		radius_detail_field main Interim-Update "$bsid" Framed-IPv6-Prefix >/dev/null && break
	sleep 0.1
done
check_acct() {
	local st=$1 sid=$2 attr=$3 want=$4 got
	got=$(radius_detail_field main "$st" "$sid" "$attr") ||
		{ tail -n 60 "$(radius_dir main)/detail" >&2; it_fail "$st of $sid has no $attr"; }
	[ "$got" = "$want" ] || it_fail "$st of $sid: $attr '$got', want '$want'"
}
check_acct Interim-Update "$asid" Framed-IPv6-Prefix 2001:db8:100:42::/64
check_acct Interim-Update "$asid" Framed-Interface-Id 200:0:0:42
check_acct Interim-Update "$asid" Delegated-IPv6-Prefix 2001:db8:400::/56
check_acct Interim-Update "$bsid" Framed-IPv6-Prefix 2001:db8:500:7::/64
it_pass "Interim-Updates carry Framed-IPv6-Prefix, Framed-Interface-Id, Delegated-IPv6-Prefix"

# ---- they leave: the routes go ----
it_stop "$CA"
it_stop "$CB"
expect_idle "the IPv6 clients"
radius_wait_detail main Stop 4
check_acct Stop "$asid" Framed-IPv6-Prefix 2001:db8:100:42::/64
check_acct Stop "$asid" Framed-Interface-Id 200:0:0:42
check_acct Stop "$asid" Delegated-IPv6-Prefix 2001:db8:400::/56
check_acct Stop "$bsid" Framed-IPv6-Prefix 2001:db8:500:7::/64
it_pass "the Stops carry the IPv6 attributes"
routes=$(ip -n "$SRV" -6 route show)
for r in 2001:db8:100:42:: 2001:db8:500:7:: 2001:db8:300:: 2001:db8:400:: '2001:db8:60[0-9a-f]::'; do
	! grep -Eq "^$r/" <<<"$routes" || { echo "$routes" >&2; it_fail "route $r left after the sessions"; }
done
s6=" $(stats6) "
[[ $s6 == *" prefixes-in-use=0 "* && $s6 == *" named-in-use=0 "* && $s6 == *" outside-routes=0 "* ]] ||
	it_fail "IPv6 prefixes or routes still held: $s6"
it_pass "every IPv6 route of the sessions is gone after they end"
stop_server
it_pass "pptpd stopped cleanly"
