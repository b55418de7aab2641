# The per-worker GRE filters (server/gre_filter.h) in the kernel: in the
# server's namespace, gre_filter_check opens W raw GRE sockets filtered for
# workers 0..W-1 and one with the main socket's filter; from the client's
# namespace, enhanced-GRE packets for 3000 call IDs (IPv4 headers with and
# without options, up to IHL 15) and GRE that is no worker's business
# (version 0, no key, a checksum, cut short) arrive. Each worker's socket
# must get exactly its call IDs ((id & (W - 1)) == k): none twice, none
# lost, none of another worker's; the main socket gets exactly the rest.
# For W = 2 and W = 4.
set -euo pipefail
: "${ITOOLS:?}" "${SRCDIR:?}"
. "$SRCDIR/tests/integration/lib.sh"

it_init gre_filter
SRV=$(it_ns srv)
CLI=$(it_ns cli)
it_link "$SRV" wan0 198.51.100.1/24 "$CLI" wan0 198.51.100.2/24

FIRST=1
COUNT=3000

for W in 2 4; do
	log=$IT_TMP/recv$W.log
	it_bg "$SRV" "$log" "$ITOOLS/gre_filter_check" recv "$W" "$FIRST" "$COUNT" 20 >/dev/null
	RECV=$IT_LAST_PID
	for _ in $(seq 1 50); do
		grep -q '^ready' "$log" && break
		kill -0 "$RECV" 2>/dev/null || break
		sleep 0.1
	done
	grep -q '^ready' "$log" || {
		cat "$log" >&2
		it_fail "W=$W: gre_filter_check did not attach its filters"
	}
	sent=$(ip netns exec "$CLI" "$ITOOLS/gre_filter_check" send 198.51.100.2 198.51.100.1 \
		"$W" "$FIRST" "$COUNT")
	echo "$sent"
	wait "$RECV" || it_fail "W=$W: gre_filter_check recv failed: $(cat "$log")"
	cat "$log"

	for k in $(seq 0 $((W - 1))); do
		want=$(sed -n "s/^sent worker=$k packets=\([0-9]*\)$/\1/p" <<<"$sent")
		# IDs 1..3000: 3000 / W of each worker
		[ "$want" = $((COUNT / W)) ] || it_fail "W=$W: sender sent $want IDs of worker $k"
		line=$(grep "^worker=$k " "$log") || it_fail "W=$W: no tally of worker $k"
		grep -q " marker=1" <<<"$line" || it_fail "W=$W: worker $k never got its end marker: $line"
		grep -q " packets=$want dups=0 wrong=0 missing=0 " <<<"$line" ||
			it_fail "W=$W: worker $k did not get exactly its $want call IDs: $line"
		opts=$(sed -n 's/.* options=\([0-9]*\) .*/\1/p' <<<"$line")
		[ "$opts" -gt $((want / 2)) ] ||
			it_fail "W=$W: worker $k saw too few packets with IPv4 options: $line"
	done
	it_pass "W=$W: each worker's socket got exactly its call IDs, IPv4 options or not"

	want=$(sed -n 's/^sent rest packets=\([0-9]*\)$/\1/p' <<<"$sent")
	grep -q "^rest packets=$want wrong=0 marker=1$" "$log" ||
		it_fail "W=$W: the main socket did not get exactly the $want packets no worker takes"
	it_pass "W=$W: the main socket got the $want packets no worker takes, and no call's"
done
