#!/usr/bin/env bash
# scripts/bench_datapath.sh as a correctness test, at a low rate and for
# one second a path: the no-PPP baseline forwarder sends every packet it
# reads from its tun as GRE (its own counts agree with the device's), the
# server path keeps its one MPPE-128 stateless session up through the
# load (the script fails otherwise) and reads the load from its tun; in
# the upload direction each tun-io method writes every datagram the client
# sent into tun, in order (the LAN host's sink checks their numbers), and
# io_uring does it in fewer io_uring_enter() calls than packets; every
# figure line is printed. No figure's value is asserted: this is
# the benchmark kept working, the figures are docs/performance.md's.
set -euo pipefail
: "${PPTPD:?}" "${PPTPCTL:?}" "${PPTPBENCH:?}" "${SRCDIR:?}"
. "$SRCDIR/tests/integration/lib.sh"

it_init bench_datapath_outer
OUT=$IT_TMP/bench.out
SIZE=1396 RATE=2000 SECONDS_EACH=1 CRYPTO_PACKETS=2000 \
	bash "$SRCDIR/scripts/bench_datapath.sh" >"$OUT" 2>&1 || { cat "$OUT" >&2; it_fail "bench_datapath.sh failed"; }

val() {
	awk -v k="$1" '$1 == k { print $2; exit }' "$OUT"
}
for k in baseline_packets baseline_packets_per_s baseline_us_per_packet server_packets \
	server_packets_per_s server_us_per_packet crypto_mppe128_stateless_us_per_packet \
	ratio_server_vs_baseline_plus_crypto upload_syscall_packets upload_syscall_us_per_packet \
	upload_io_uring_packets upload_io_uring_us_per_packet upload_io_uring_tun_submits \
	ratio_upload_io_uring_vs_syscall server_syscall_packets server_syscall_us_per_packet \
	ratio_download_io_uring_vs_syscall baseline_packets_per_wakeup server_packets_per_wakeup \
	upload_io_uring_packets_per_wakeup; do
	[ -n "$(val "$k")" ] || { cat "$OUT" >&2; it_fail "no $k line"; }
done
it_pass "every figure printed"

# The forwarder: what it read from the tun it sent, and that is what the
# script counted on the device.
fwd=$(grep '^baseline_forward ' "$OUT")
rx=$(sed -n 's/.* tun_rx=\([0-9]*\).*/\1/p' <<<"$fwd")
tx=$(sed -n 's/.* gre_tx=\([0-9]*\).*/\1/p' <<<"$fwd")
[ "${rx:-0}" -gt 0 ] && [ "$rx" = "$tx" ] || { cat "$OUT" >&2; it_fail "forwarder: tun_rx=$rx gre_tx=$tx"; }
[ "$(val baseline_packets)" = "$rx" ] || { cat "$OUT" >&2; it_fail "device count $(val baseline_packets) != forwarder's $rx"; }
# Its receiver in the client namespace read every one of them.
rcv=$(grep '^baseline_receiver ' "$OUT")
[[ "$rcv" == "baseline_receiver sink gre received=$tx bad=0" ]] || { cat "$OUT" >&2; it_fail "baseline receiver: $rcv, forwarder sent $tx"; }
it_pass "baseline forwarded $rx packets, its receiver read them all"

# The server, reading tun with read() and then through io_uring: the
# tunnel carried the load (its GRE transmit count covers every packet read
# from tun, less any the window's queue dropped).
for n in server_syscall server; do
	[ "$(val ${n}_packets)" -gt 0 ] || { cat "$OUT" >&2; it_fail "$n read nothing from tun"; }
	st=$(grep "^${n}_stats " "$OUT")
	gtx=$(sed -n 's/.* gre-tx=\([0-9]*\).*/\1/p' <<<"$st")
	drop=$(sed -n 's/.* gre-tx-queue-drop=\([0-9]*\).*/\1/p' <<<"$st")
	[ $((gtx + drop)) -ge "$(val ${n}_packets)" ] || { cat "$OUT" >&2; it_fail "$n: gre-tx=$gtx + drops=$drop < tun packets $(val ${n}_packets)"; }
	it_pass "$n path carried $(val ${n}_packets) packets"
done
# The upload: every datagram the client sent reached the LAN host, in
# order, through either method; io_uring batched them.
for m in syscall io_uring; do
	sent=$(sed -n "s/^upload_${m}_blast blast sent=\([0-9]*\) .*/\1/p" "$OUT")
	sink=$(grep "^upload_${m}_sink " "$OUT")
	[ -n "$sent" ] && [ "$sent" -gt 0 ] &&
		[[ "$sink" == *" sink received=$sent lost=0 reordered=0 duplicates=0 "* ]] ||
		{ cat "$OUT" >&2; it_fail "upload $m: sent ${sent:-?}, $sink"; }
	[ "$(val "upload_${m}_packets")" -ge "$sent" ] || { cat "$OUT" >&2; it_fail "upload $m: tun packets below $sent"; }
	it_pass "upload through tun-io $m: $sink"
done
subs=$(val upload_io_uring_tun_submits)
[ "$(val upload_syscall_tun_submits)" = 0 ] && [ "$subs" -gt 0 ] &&
	[ "$subs" -lt "$(val upload_io_uring_packets)" ] ||
	{ cat "$OUT" >&2; it_fail "io_uring: $subs submits for $(val upload_io_uring_packets) packets"; }
it_pass "io_uring wrote $(val upload_io_uring_packets) packets in $subs io_uring_enter() calls"
echo "bench_datapath checks passed"
