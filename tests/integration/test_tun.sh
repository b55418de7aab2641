# server/tun in a fresh namespace, driven by the tun_check helper: the
# device comes up with its MTU, the server's address and one route per
# CIDR block of the pool; a ping to a pool address goes into the tun, the
# helper answers it through the tun, and ping succeeds; when the helper
# exits, the device and its routes are gone.
set -euo pipefail
: "${ITOOLS:?}" "${SRCDIR:?}"
. "$SRCDIR/tests/integration/lib.sh"

it_init tun
NS=$(it_ns srv)
TUN=pptpt0

it_bg "$NS" "$IT_TMP/tun_check.log" "$ITOOLS/tun_check" "$TUN" 192.0.2.1 192.0.2.10-20 1396 3 \
	>/dev/null
HELPER=$IT_LAST_PID
for _ in $(seq 1 50); do
	grep -q '^ready' "$IT_TMP/tun_check.log" && break
	kill -0 "$HELPER" 2>/dev/null || break
	sleep 0.1
done
grep -q '^ready' "$IT_TMP/tun_check.log" || {
	cat "$IT_TMP/tun_check.log" >&2
	it_fail "tun_check did not open the device"
}

link=$(ip -n "$NS" -o link show dev "$TUN")
echo "$link"
grep -q 'mtu 1396' <<<"$link" || it_fail "MTU is not 1396"
grep -q '<[^>]*UP' <<<"$link" || it_fail "device is not up"
grep -q 'POINTOPOINT' <<<"$link" || it_fail "not a tun (point-to-point) device"
it_pass "device up with its MTU"
if [ -e /proc/sys/net/ipv6 ]; then
	[ "$(ip netns exec "$NS" cat /proc/sys/net/ipv6/conf/"$TUN"/disable_ipv6)" = 1 ] ||
		it_fail "IPv6 is not disabled on the tun"
	it_pass "IPv6 disabled on the tun (it carries IPv4 only)"
fi

ip -n "$NS" -o -4 addr show dev "$TUN" | grep -q 'inet 192.0.2.1/32' ||
	it_fail "address 192.0.2.1/32 missing"
it_pass "address"

routes=$(ip -n "$NS" -4 route show dev "$TUN")
echo "$routes"
# 192.0.2.10-20 = .10/31 .12/30 .16/30 .20/32
for r in 192.0.2.10/31 192.0.2.12/30 192.0.2.16/30 "192.0.2.20 "; do
	grep -q "^$r.*scope link.*src 192.0.2.1" <<<"$routes" || it_fail "route $r missing"
done
[ "$(wc -l <<<"$routes")" = 4 ] || it_fail "expected exactly 4 routes"
it_pass "one route per CIDR block of the pool"

ip netns exec "$NS" ping -c 3 -i 0.2 -W 2 192.0.2.15 || it_fail "ping through the tun failed"
it_pass "ping answered through the tun"

# The helper exits by itself after its third reply (signal 0 only waits).
it_stop "$HELPER" 0
cat "$IT_TMP/tun_check.log"
[ "$IT_STATUS" = 0 ] || it_fail "tun_check exited with $IT_STATUS"
grep -q '^done replies=3' "$IT_TMP/tun_check.log" || it_fail "helper did not answer 3 requests"
if ip -n "$NS" -4 route show | grep -q '192\.0\.2\.'; then
	it_fail "routes left behind"
fi
! ip -n "$NS" link show dev "$TUN" >/dev/null 2>&1 || it_fail "device left behind"
it_pass "routes and device gone after close"
