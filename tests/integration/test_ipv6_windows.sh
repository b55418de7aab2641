#!/usr/bin/env bash
# A Windows-shaped IPv6 client (`pptpbench connect --profile windows`,
# tools/pptpbench_windows.h, after ../shared/clients.md) against pptpd with
# `ipv6 yes`: LCP with callback, MRRU, endpoint and link discriminators
# (13, 17, 23 Rejected, resent without them, 19 Acked), Identification
# packets after LCP opens, IPCP for 0.0.0.0 with MS-DNS/NBNS, and IPCP and
# IPV6CP requests sent while CCP still negotiates: the server holds them
# and answers them once CCP is up instead of failing. IPV6CP takes the
# client's random interface identifier; the RA brings the /64 and the
# RDNSS, the DHCPv6 Information-Request the DNS server, and the client
# pings the LAN host's 2001:db8:200::2. A pppd-shaped client (plain
# --ipv6) beside it gets its own /64 and keeps pinging throughout.
#
#   clients 198.51.100.2/.3 --- 198.51.100.1 server 2001:db8:200::1 --- 2001:db8:200::2 LAN
set -euo pipefail
: "${PPTPD:?}" "${PPTPCTL:?}" "${PPTPBENCH:?}" "${SRCDIR:?}" "${ITOOLS:?}"
. "$SRCDIR/tests/integration/lib.sh"
. "$SRCDIR/tests/integration/e2e_lib.sh"

it_init ipv6-windows
e2e_net
ip netns exec "$SRV" sysctl -qw net.ipv6.conf.all.forwarding=1
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

wait_out() {
	for _ in $(seq 1 100); do
		grep -Eq -- "$2" "$1" && return 0
		sleep 0.1
	done
	cat "$1" >&2
	server_tail
	it_fail "$(basename "$1"): no '$2'"
}

# ---- the pppd-shaped client first; it pings all along ----
BG_USER=bob PWFILE=$IT_TMP/bob.pw bg_connect "$IT_TMP/pppd.out" --bind 198.51.100.3 --tun pptpv2 \
	--ipv6
PPPD_C=$IT_LAST_PID
wait_out "$IT_TMP/pppd.out" '^ipv6-up '
ip netns exec "$CLI" ping -6 -c 40 -i 0.2 -W 2 -I pptpv2 2001:db8:200::2 >"$IT_TMP/beside.out" 2>&1 &
BESIDE=$!

# ---- the Windows-shaped client ----
PWFILE=$IT_TMP/alice.pw bg_connect "$IT_TMP/win.out" --bind 198.51.100.2 --tun pptpv1 \
	--profile windows
WIN=$IT_LAST_PID
W=$IT_TMP/win.out
wait_out "$W" '^ipv6-up '
wait_out "$W" '^ra-rdnss 2001:db8:53::53$'
wait_out "$W" '^dhcpv6-dns 2001:db8:53::53$'

# LCP: what Windows asks for, what our server refuses, the resend.
grep -q '^windows-lcp-reject 13,17,23$' "$W" ||
	{ cat "$W" >&2; it_fail "the server did not Reject exactly callback, MRRU and option 23"; }
grep -q '^windows-lcp-ack 1,5,7,8,19$' "$W" ||
	{ cat "$W" >&2; it_fail "the resent request (MRU, magic, PFC, ACFC, endpoint discriminator) was not Acked"; }
grep -q '^windows-ident .* sent=3$' "$W" || { cat "$W" >&2; it_fail "no Identification packets sent"; }
if grep -Eq 'user=alice .*(event=unknown-code|protocol-reject.*0xc021)' "$SRV_LOG"; then
	server_tail
	it_fail "the server did not take the Identification packets silently"
fi
it_pass "LCP as Windows: 13, 17, 23 Rejected, resent without them, 19 Acked; 3 Identification packets accepted"

# IPCP and IPV6CP while CCP negotiates: held, answered after CCP.
early=$(grep -n '^windows-early ' "$W" | cut -d: -f1)
ccp=$(grep -n '^ccp-up ' "$W" | cut -d: -f1)
[ -n "$early" ] && [ -n "$ccp" ] && [ "$early" -lt "$ccp" ] ||
	{ cat "$W" >&2; it_fail "the early IPCP/IPV6CP requests did not go out before CCP was up"; }
# The answer to the held IPCP request: a Reject of MS-NBNS (none
# configured) comes before the Nak of 0.0.0.0 (RFC 1661 5.4).
grep -q '^windows-early-answer .* proto=ipcp code=4 id=224$' "$W" ||
	{ cat "$W" >&2; server_tail; it_fail "the early IPCP request was not held and answered (Reject of NBNS)"; }
grep -q '^windows-early-answer .* proto=ipv6cp code=2 id=225$' "$W" ||
	{ cat "$W" >&2; server_tail; it_fail "the early IPV6CP request was not held and answered (Ack)"; }
it_pass "IPCP and IPV6CP sent while CCP negotiated were held and answered once CCP was up"

grep -Eq '^ipcp-up .* addr=192\.0\.2\.[0-9]+ peer=192\.0\.2\.1 ' "$W" ||
	{ cat "$W" >&2; it_fail "no IPv4 address for the Windows-shaped client"; }
grep -Eq '^ccp-up .* mppe=128 stateless' "$W" || { cat "$W" >&2; it_fail "not MPPE-128 stateless"; }

# IPV6CP: the random identifier is the one the server took.
IID=$(sed -n 's/^windows-iid //p' "$W")
P=$(sed -n 's/^ipv6-up [0-9.]* ms \(.*\)\/64 .*/\1/p' "$W")
PB=$(sed -n 's/^ipv6-up [0-9.]* ms \(.*\)\/64 .*/\1/p' "$IT_TMP/pppd.out")
[[ $IID =~ ^[0-9a-f]{16}$ && $IID != 0000000000000000 ]] || it_fail "windows-iid '$IID'"
grep -q "^ipv6cp-up .* iid=$IID " "$W" || { cat "$W" >&2; it_fail "IPV6CP did not keep the random identifier $IID"; }
grep -q "user=alice .*event=ipv6-up prefix=$P/64 iid=$IID " "$SRV_LOG" ||
	{ server_tail; it_fail "the server logged no ipv6-up for $P/64 with iid $IID"; }
[[ $P == 2001:db8:100:* && $PB == 2001:db8:100:* && $P != "$PB" ]] ||
	it_fail "prefixes '$P' and '$PB': want two different /64s of 2001:db8:100::/56"
it_pass "IPV6CP with the random identifier $IID; RA: $P/64 with RDNSS 2001:db8:53::53; DHCPv6: 2001:db8:53::53"

ip netns exec "$CLI" ping -6 -c 3 -W 2 -I pptpv1 2001:db8:200::2 >"$IT_TMP/ping.out" 2>&1 ||
	{ cat "$IT_TMP/ping.out" >&2; server_tail; it_fail "the Windows-shaped client cannot ping 2001:db8:200::2"; }
it_pass "the Windows-shaped client pings 2001:db8:200::2 through the tunnel"
# Its RS and DHCPv6 request were valid to the server: answered, none refused.
stats >/dev/null
s6=$(grep 'event=ipv6-stats' "$SRV_LOG" | tail -n 1)
[ "$(stat_field "$s6" dhcp-replies)" = 1 ] && [ "$(stat_field "$s6" bad)" = 0 ] &&
	[ "$(stat_field "$s6" spoofed)" = 0 ] || { server_tail; it_fail "server IPv6 counters: $s6"; }
if grep -q 'event=ipv6-refused' "$SRV_LOG"; then
	server_tail
	it_fail "the server refused an RS or DHCPv6 request of the clients"
fi
it_pass "the server answered one DHCPv6 request and refused nothing: ${s6#*event=ipv6-stats }"

# ---- the pppd-shaped client beside it ----
wait "$BESIDE" || true
got=$(sed -n 's/.* \([0-9]*\) received.*/\1/p' "$IT_TMP/beside.out")
[ "${got:-0}" = 40 ] || { cat "$IT_TMP/beside.out" >&2; it_fail "the pppd-shaped client lost pings: ${got:-0} of 40"; }
grep -q '^ra-rdnss 2001:db8:53::53$' "$IT_TMP/pppd.out" || it_fail "the pppd-shaped client got no RDNSS"
it_pass "the pppd-shaped client ($PB/64) pinged 40 of 40 while the Windows-shaped one came up"

it_stop "$WIN"
[ "$IT_STATUS" = 0 ] || it_fail "the Windows-shaped client exited $IT_STATUS on SIGTERM"
it_stop "$PPPD_C"
[ "$IT_STATUS" = 0 ] || it_fail "the pppd-shaped client exited $IT_STATUS on SIGTERM"
expect_idle "the IPv6 clients"
stop_server
it_pass "both clients left cleanly; pptpd stopped cleanly"
