# server/neigh (proxy ARP) in a namespace, driven by the neigh_check helper:
# an entry for a client address inside the LAN subnet appears on the LAN
# interface in `ip neigh show proxy` and goes away again; an address in no
# LAN subnet is skipped; the excluded interface (the tun) is never chosen.
set -euo pipefail
: "${ITOOLS:?}" "${SRCDIR:?}"
. "$SRCDIR/tests/integration/lib.sh"

it_init neigh
NS=$(it_ns srv)
LAN=$(it_ns lan)
it_link "$NS" lan0 203.0.113.1/24 "$LAN" lan1 203.0.113.2/24

out=$(ip netns exec "$NS" "$ITOOLS/neigh_check" add 203.0.113.50)
echo "$out"
grep -q '^added dev=lan0' <<<"$out" || it_fail "entry not added on lan0"
ip -n "$NS" neigh show proxy | grep -q '^203.0.113.50 dev lan0' ||
	it_fail "ip neigh show proxy does not list 203.0.113.50"
it_pass "proxy entry added on the LAN interface"

out=$(ip netns exec "$NS" "$ITOOLS/neigh_check" del 203.0.113.50)
grep -q '^removed' <<<"$out" || it_fail "entry not removed"
if ip -n "$NS" neigh show proxy | grep -q '203.0.113.50'; then
	it_fail "proxy entry still listed after removal"
fi
it_pass "proxy entry removed"

out=$(ip netns exec "$NS" "$ITOOLS/neigh_check" add 192.0.2.77)
grep -q '^skipped' <<<"$out" || it_fail "address outside every LAN subnet not skipped"
out=$(ip netns exec "$NS" "$ITOOLS/neigh_check" add 203.0.113.51 lan0)
grep -q '^skipped' <<<"$out" || it_fail "excluded interface was chosen"
[ -z "$(ip -n "$NS" neigh show proxy)" ] || it_fail "unexpected proxy entries"
it_pass "no LAN subnet: skipped"
