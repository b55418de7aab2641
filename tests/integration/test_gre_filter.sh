# The per-worker GRE filters (server/gre_filter.h) in the kernel, in the
# network of test_e2e.sh (e2e_lib.sh) beside a running pptpd: in the
# server's namespace, gre_filter_check opens W raw GRE sockets filtered for
# workers 0..W-1 and one with the main socket's filter; from the client's
# namespace, enhanced-GRE packets for 3000 call IDs (IPv4 headers with and
# without options, up to IHL 15) and GRE that is no worker's business
# (version 0, no key, a checksum, cut short) arrive. Each worker's socket
# must get exactly its call IDs ((id & (W - 1)) == k): none twice, none
# lost, none of another worker's; the main socket gets exactly the rest.
# For W = 2 and W = 4. Meanwhile bob, logged in to pptpd, pings the LAN
# host: his frames reach the socket of his call ID's worker only, pptpd's
# own (unfiltered) socket still gets every packet (the 3000 are counted as
# no call's), and his session works during and after.
set -euo pipefail
: "${PPTPD:?}" "${PPTPCTL:?}" "${PPTPBENCH:?}" "${SRCDIR:?}" "${ITOOLS:?}"
. "$SRCDIR/tests/integration/lib.sh"
. "$SRCDIR/tests/integration/e2e_lib.sh"

it_init gre_filter
e2e_net
echo 'bob-secret' | ctl user add bob --password-stdin
echo bob-secret >"$IT_TMP/bob.pw"
start_server 192.0.2.10-100
good_pinger 198.51.100.3
ID=$(sed -n 's/.* call=\([0-9]*\) peer=[0-9.:]* event=call-up .*/\1/p' "$SRV_LOG" | head -n 1)
[ -n "$ID" ] || { server_tail; it_fail "no call-up line for bob"; }
echo "bob's call ID: $ID"

FIRST=1
COUNT=3000

for W in 2 4; do
	log=$IT_TMP/recv$W.log
	nocall0=$(stat_field "$(stats)" gre-no-call)
	it_bg "$SRV" "$log" "$ITOOLS/gre_filter_check" recv "$W" "$FIRST" "$COUNT" 30 \
		198.51.100.2 >/dev/null
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
	# two of bob's pings cross the filtered sockets before the flood
	p0=$(pongs)
	for _ in $(seq 1 100); do
		[ "$(pongs)" -ge $((p0 + 2)) ] && break
		sleep 0.1
	done
	[ "$(pongs)" -ge $((p0 + 2)) ] || it_fail "W=$W: bob's pings stopped"
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

	mine=$((ID & (W - 1)))
	grep -q "^foreign worker=$mine packets=[1-9][0-9]* wrong=0 last-call=$ID$" "$log" ||
		it_fail "W=$W: bob's frames (call $ID) did not reach worker $mine's socket"
	for k in $(seq 0 $((W - 1))); do
		[ "$k" = "$mine" ] && continue
		grep -q "^foreign worker=$k packets=0 " "$log" ||
			it_fail "W=$W: worker $k's socket got frames not its own"
	done
	it_pass "W=$W: bob's frames (call $ID) reached worker $mine's socket alone"

	nocall=$(stat_field "$(stats)" gre-no-call)
	[ "$nocall" -ge $((nocall0 + COUNT - 1)) ] ||
		it_fail "W=$W: pptpd counted $((nocall - nocall0)) frames to no call, not the ~$COUNT sent"
	it_pass "W=$W: pptpd's own socket still got the flood ($((nocall - nocall0)) frames to no call)"
done
good_pinger_end
stop_server
