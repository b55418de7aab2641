#!/usr/bin/env bash
# The stock Linux client (pppd 2.4.9 `+ipv6` + pptp 1.10) gets IPv6 from
# pptpd (`ipv6 yes`, docs/ipv6.md): IPV6CP gives ppp0 its link-local
# address, the guest kernel does SLAAC on ppp0 from the server's Router
# Advertisement (accept_ra 2, so that nothing turns RA processing off), and
# the global address it makes must lie in the /64 the server logged
# (`event=ipv6-up prefix=...`). Through that address, with 128-bit MPPE,
# the guest pings the LAN host's 2001:db8:200::2 (and, beside it, the IPv4
# LAN host still answers over the same link).
#
#   guest ppp0 2001:db8:100:X::/64 --- pptpd (lan0 2001:db8:200::1) --- 2001:db8:200::2 LAN
set -euo pipefail
: "${SRCDIR:?}"
. "$SRCDIR/tests/interop/harness.sh"

interop_init ipv6
ip netns exec "$SRV" sysctl -qw net.ipv6.conf.all.forwarding=1
ip -n "$SRV" -6 addr add 2001:db8:200::1/64 dev lan0 nodad
ip -n "$LAN" -6 addr add 2001:db8:200::2/64 dev eth0 nodad
ip -n "$LAN" -6 route add default via 2001:db8:200::1
interop_start_server "ipv6 yes" "ipv6-prefix-pool 2001:db8:100::/56" "ipv6-dns 2001:db8:53::53"

{
	# Every new interface (ppp0 too) takes RAs even if forwarding were on,
	# and builds its addresses from the prefix (SLAAC); the kernel takes the
	# interface identifier from the link-local address pppd sets.
	cat <<'EOF'
echo 2 >/proc/sys/net/ipv6/conf/default/accept_ra
echo 1 >/proc/sys/net/ipv6/conf/default/autoconf
EOF
	interop_client_line 0 198.51.100.21 "$INTEROP_USER" "$INTEROP_PASSWORD" \
		"$INTEROP_PPPD_OPTS +ipv6"
	cat <<'EOF'
client_wait 0 90
# The global address: RA (sent at once, then every 4 s at first) and DAD.
v6=
n=0
while [ $n -lt 150 ]; do
	v6=$(/sbin/ip -6 -o addr show dev ppp0 scope global 2>/dev/null |
		grep -v tentative | sed -n 's/.* inet6 \([0-9a-f:]*\)\/64 .*/\1/p' | head -n 1)
	[ -n "$v6" ] && break
	sleep 0.2
	n=$((n + 1))
done
result "v6addr ${v6:-none}"
result "v6ll $(/sbin/ip -6 -o addr show dev ppp0 scope link | sed -n 's/.* inet6 \(fe80:[0-9a-f:]*\)[ \/].*/\1/p' | head -n 1)"
result "v6route $(/sbin/ip -6 route show default dev ppp0 | head -n 1 | cut -d' ' -f1-3)"
if [ -n "$v6" ] && ping -6 -c 3 -W 5 -I "$v6" 2001:db8:200::2 >/tmp/ping6.out 2>&1; then
	result "ping6 ok"
else
	result "ping6 failed $(tail -n 2 /tmp/ping6.out | tr '\n' ' ')"
fi
if ping -c 2 -W 5 -I ppp0 203.0.113.2 >/dev/null 2>&1; then result "ping4 ok"; else result "ping4 failed"; fi
result "ipv6cp $(syslog_count 'local  LL address fe80::')"
result "mppe $(syslog_count 'MPPE 128-bit stateless compression enabled')"
client_stop 0
EOF
} >"$IT_TMP/guest.sh"
interop_boot "$IT_TMP/guest.sh"
interop_expect boot ok

read -r state local peer <<<"$(interop_result ppp0)"
[ "$state" = up ] || interop_fail_ppp "ppp0 did not come up: $state $local"
interop_expect mppe 1
[ "$(interop_result ipv6cp)" -ge 1 ] 2>/dev/null ||
	interop_fail_ppp "pppd logged no IPV6CP link-local address"
ll=$(interop_result v6ll)
[ -n "$ll" ] || interop_fail_ppp "no link-local address on ppp0"
it_pass "pppd +ipv6 is up with 128-bit MPPE and IPV6CP ($(interop_result v6ll) on ppp0)"

prefix=$(sed -n 's/.*event=ipv6-up prefix=\([0-9a-f:]*\)\/64 .*/\1/p' "$SRV_LOG" | tail -n 1)
iid=$(sed -n 's/.*event=ipv6-up prefix=.* iid=\([0-9a-f]*\) .*/\1/p' "$SRV_LOG" | tail -n 1)
[ -n "$prefix" ] || interop_fail_ppp "the server logged no event=ipv6-up"
addr=$(interop_result v6addr)
[ "$addr" != none ] || interop_fail_ppp "no global address on ppp0 from the RA (server prefix $prefix/64)"
python3 - "$addr" "$prefix" "$ll" "$iid" <<'EOF' ||
import ipaddress, sys
a, ll = ipaddress.ip_address(sys.argv[1]), ipaddress.ip_address(sys.argv[3])
in_prefix = a in ipaddress.ip_network(sys.argv[2] + "/64")
same_iid = int(a) & (2**64 - 1) == int(ll) & (2**64 - 1) == int(sys.argv[4] or "0", 16)
sys.exit(0 if in_prefix and same_iid else 1)
EOF
	interop_fail_ppp "ppp0's $addr is not inside the server's $prefix/64 with the identifier of $ll (server: iid=$iid)"
it_pass "the guest kernel did SLAAC from the RA: $addr is in the server's $prefix/64, with the IPV6CP identifier of $ll (server: iid=$iid)"

[ "$(interop_result v6route)" = "default via fe80::1" ] ||
	interop_fail_ppp "the guest's IPv6 default route: '$(interop_result v6route)', expected via fe80::1"
it_pass "the RA made the server (fe80::1) the guest's IPv6 default router"

interop_expect ping6 ok
it_pass "the guest pings 2001:db8:200::2 from $addr through the tunnel"
interop_expect ping4 ok
it_pass "IPv4 to 203.0.113.2 works beside it on the same link"

case $(interop_result stop0) in
5 | 16) ;;
*) it_fail "pppd did not end as asked: exit $(interop_result stop0)" ;;
esac
grep -q "event=ipv6-up prefix=$prefix/64 " "$SRV_LOG" || it_fail "ipv6-up line changed"
stop_server
it_pass "pptpd exited 0 (guest run ${BOOT_SECONDS}s)"
