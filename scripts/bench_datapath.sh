#!/usr/bin/env bash
# Data-path cost of pptpd against a baseline with no PPP, in one run
# (issue 13, "TCP through one tunnel"). Run as root after a build:
#
#   bash scripts/bench_datapath.sh [BUILD_DIR]      (default build/release)
#
# The network is the integration tests' (tests/integration/e2e_lib.sh):
# client 198.51.100.2 -- 198.51.100.1 server 203.0.113.1 -- 203.0.113.2 LAN.
# The LAN host sends UDP datagrams of $SIZE IPv4 bytes (`pptpbench datapath
# blast`, $RATE a second for $SECONDS) to 192.0.2.10, which the server
# namespace routes into a tun, in turn:
#
#   baseline  `pptpbench datapath forward`: tun -> GRE with the same
#             batching as the server (tun read in batches, one sendmmsg a
#             batch) and no PPP: no encryption, no session, no window;
#             its GRE goes to a live raw socket in the client namespace
#             (`pptpbench datapath sink --gre`, baseline_receiver), as the
#             server's goes to its client: the kernel delivers into that
#             socket, and wakes its reader, in the sender's context;
#   server_syscall  pptpd with `tun-io syscall` (tun read with read())
#             and one tunnel up (`pptpbench connect --mppe stateless
#             --tun`, MPPE-128 stateless) from the client: tun -> lookup
#             -> PPP -> MPPE -> GRE flow -> sendmmsg;
#   server    the same with `tun-io io_uring` (what auto picks here: 32
#             tun reads per io_uring_enter()).
# pptpd runs with `workers 1` throughout: these figures are the one loop's
# data path; scripts/bench_workers.sh measures the split between threads.
#
# For each: packets the process read from its tun (the device's
# tx_packets, which the kernel counts as the reader takes them), packets/s,
# the process's CPU time (/proc/PID/schedstat, nanoseconds on a CPU) per
# packet, and packets per wake-up (its voluntary context switches: how
# full a batch it found). Then `pptpbench crypto`'s stateless MPPE-128
# cost per packet at $SIZE, the ratio server / (baseline + crypto), which
# the issue wants at or under 1.3, ratio_download_io_uring_vs_syscall, and
# server_gbit_per_core: SIZE bytes at the server's CPU per packet, what
# one core would forward (the issue's 1.5 Gbit/s per core and direction).
# One "figure value" line each.
#
# CPUs (PIN="M O", default "0 1"; PIN= leaves placement to the scheduler):
# the measured process (the forwarder, pptpd) and the receiver of what it
# sends (the GRE sink or the client; in the upload the LAN host's sink)
# run on CPU M, the process feeding it (the LAN blaster; in the upload the
# client and its blaster) on CPU O, as a NIC would deliver the load. The
# kernel delivers into the receiver's socket and wakes it in the sender's
# context: on the same CPU that is a cheap local wake-up, nearer what a
# NIC costs (none) than a wake-up across CPUs (an interrupt to the other
# virtual CPU). Unpinned, the scheduler decided how many packets a
# wake-up found (the forwarder 32, pptpd 5 in one run: it woke at every
# packet or two when it landed on the other CPU than the blaster), and the
# ratio measured that more than the code.
#
# Then the upload (client -> LAN), once with `tun-io syscall` (one write()
# per packet into tun) and once with `tun-io io_uring` (the packets of a
# loop turn in one io_uring_enter(), server/tun_io.h): the client (the same
# `pptpbench connect --tun`, routing 203.0.113.0/24 into its tunnel) runs
# `pptpbench datapath blast` at $UP_RATE to 203.0.113.2, where `pptpbench
# datapath sink` takes the datagrams and checks their numbers. For each
# method: the packets the server wrote into its tun (the device's
# rx_packets), the server's CPU time per packet written, its
# io_uring_enter() calls (tun-submits: packets per enter is the batch), and
# the sink's line; then ratio_upload_io_uring_vs_syscall and
# upload_io_uring_gbit_per_core.
#
# Knobs (environment): SIZE (1396: the IPv4 MTU of the tunnel, so each
# packet is a 1400-byte MPPE frame; bigger ones are fragmented), RATE
# (packets/s, 20000; 0: as fast as the blaster goes), UP_RATE (the
# upload's, default $RATE). The rate is bounded
# by the benchmark client, which decrypts every frame in one process and
# acknowledges it: past its pace the server's send queue drops frames
# from its head (gre-tx-queue-drop in the _stats lines) and a long enough run of
# drops loses the client's MPPE state (the run then fails). SECONDS_EACH
# (5), CRYPTO_PACKETS (100000), PPTPD (another server binary, e.g. a
# build from before a change, against the same tools), PERF_DATA (a
# path: each measured process is recorded with `perf record -g` into
# PATH.baseline and PATH.server while the load runs; see them with `perf
# report -i PATH.server`). PPTPCTL and PPTPBENCH may be given the same way
# (the integration test does).
set -euo pipefail
SRCDIR=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${1:-$SRCDIR/build/release}
. "$SRCDIR/scripts/bench_lib.sh"
bench_tools bench_datapath "$BUILD"

SIZE=${SIZE:-1396}
RATE=${RATE:-20000}
UP_RATE=${UP_RATE:-$RATE}
SECONDS_EACH=${SECONDS_EACH:-5}
PIN=${PIN-0 1}
[ "$(nproc)" -ge 2 ] || PIN= # one CPU: nothing to choose
CRYPTO_PACKETS=${CRYPTO_PACKETS:-100000}
DST=192.0.2.10

. "$SRCDIR/tests/integration/lib.sh"
. "$SRCDIR/tests/integration/e2e_lib.sh"
it_init bench-datapath
e2e_net

# nanoseconds on a CPU of PID's threads together
cpu_ns() {
	local t sum=0 v
	for t in /proc/"$1"/task/*/schedstat; do
		read -r v _ <"$t" || v=0
		sum=$((sum + v))
	done
	echo "$sum"
}

# voluntary context switches of PID's threads together: how often it slept
wakeups() {
	local t sum=0 v
	for t in /proc/"$1"/task/*/status; do
		v=$(awk '$1 == "voluntary_ctxt_switches:" { print $2 }' "$t" 2>/dev/null) || v=0
		sum=$((sum + ${v:-0}))
	done
	echo "$sum"
}

tun_tx() {
	ip netns exec "$SRV" cat "/sys/class/net/$1/statistics/tx_packets"
}

# packets written into the device by its owner (the kernel receives them)
tun_rx() {
	ip netns exec "$SRV" cat "/sys/class/net/$1/statistics/rx_packets"
}

# pin PID CPU: every thread of PID on CPU (the callers skip it without PIN)
pin() {
	taskset -a -p -c "$2" "$1" >/dev/null
}

# per_wakeup NAME PACKETS WAKEUPS: how full a batch a wake-up found
per_wakeup() {
	awk -v w="$3" -v p="$2" -v n="$1" \
		'BEGIN { printf "%s_packets_per_wakeup %.1f\n", n, p / (w ? w : 1) }'
}

# measure NAME PID TUN RECEIVER: blast, then one line per figure; sets US
measure() {
	local name=$1 pid=$2 tun=$3 rcv=$4 c0 c1 p0 p1 w0 w1 pkts
	local perf= blast_pin=()
	if [ -n "$PIN" ]; then
		pin "$pid" "${PIN% *}"
		pin "$rcv" "${PIN% *}"
		blast_pin=(taskset -c "${PIN#* }")
	fi
	if [ -n "${PERF_DATA:-}" ]; then
		perf record -q -g -p "$pid" -o "$PERF_DATA.$name" -- sleep "$SECONDS_EACH" \
			>/dev/null 2>&1 &
		perf=$!
	fi
	c0=$(cpu_ns "$pid")
	w0=$(wakeups "$pid")
	p0=$(tun_tx "$tun")
	ip netns exec "$LAN" "${blast_pin[@]}" "$PPTPBENCH" datapath blast --dst "$DST" --size "$SIZE" \
		--rate "$RATE" --seconds "$SECONDS_EACH" >"$IT_TMP/blast.$name"
	[ -z "$perf" ] || wait "$perf" || true
	sleep 0.2 # what is still queued in the tun
	c1=$(cpu_ns "$pid")
	w1=$(wakeups "$pid")
	p1=$(tun_tx "$tun")
	pkts=$((p1 - p0))
	[ "$pkts" -gt 0 ] || { cat "$IT_TMP/blast.$name" >&2; echo "bench_datapath: $name forwarded nothing" >&2; exit 1; }
	US=$(awk -v c=$((c1 - c0)) -v p="$pkts" 'BEGIN { printf "%.3f", c / p / 1000 }')
	echo "${name}_packets $pkts"
	awk -v p="$pkts" -v s="$SECONDS_EACH" -v n="$name" -v b="$SIZE" \
		'BEGIN { printf "%s_packets_per_s %.0f\n%s_mbit_per_s %.0f\n", n, p / s, n, p * b * 8 / s / 1e6 }'
	echo "${name}_us_per_packet $US"
	per_wakeup "$name" "$pkts" $((w1 - w0))
	echo "${name}_blast $(cat "$IT_TMP/blast.$name")"
}

echo "size $SIZE"
echo "rate $RATE"

# ---- baseline ----
it_bg "$SRV" "$IT_TMP/forward.log" "$PPTPBENCH" datapath forward --tun dpbase0 \
	--peer 198.51.100.2 --local 198.51.100.1 >/dev/null
FWD=$IT_LAST_PID
wait_line "$IT_TMP/forward.log" '^forward ready'
ip -n "$SRV" link set dpbase0 up
ip -n "$SRV" route add 192.0.2.0/24 dev dpbase0
# The baseline's GRE goes to a live raw socket in the client namespace, as
# the server's goes to its client's: the kernel delivers a packet into the
# far side's socket, and wakes its reader, in the sender's context, so a
# baseline with nobody listening would be spared a cost the server pays
# (perf: sock_def_readable under the server's sendmmsg(), ~9% of its time).
start_sink "$CLI" "$IT_TMP/gre-sink.log" --gre --bind 198.51.100.2
GRE_SINK=$IT_LAST_PID
measure baseline "$FWD" dpbase0 "$GRE_SINK"
BASE_US=$US
it_stop "$FWD"
it_stop "$GRE_SINK"
echo "baseline_forward $(grep '^forward tun_rx' "$IT_TMP/forward.log")"
echo "baseline_receiver $(grep '^sink gre' "$IT_TMP/gre-sink.log")"

# ---- server: tun-io syscall (reads with read()), then io_uring ----
echo bench-secret | ctl user add alice --password-stdin
echo bench-secret >"$IT_TMP/alice.pw"
# measure_down METHOD NAME: one server with that tun-io, one client; the
# figures under NAME; sets US
measure_down() {
	local m=$1 name=$2 line
	start_server 192.0.2.10-10 "tun-io $m" "workers 1"
	wait_log "event=tun-io method=$m( |\$)"
	PWFILE=$IT_TMP/alice.pw bg_connect "$IT_TMP/client.$name" --mppe stateless --tun dpcli0 \
		--timeout 10
	local client=$IT_LAST_PID
	wait_up "$IT_TMP/client.$name"
	# The pool holds the one address the blaster aims at.
	measure "$name" "$SRV_PID" pptp0 "$client"
	line=$(stats)
	echo "${name}_stats $(sed 's/.*event=stats //' <<<"$line")"
	grep -E 'event=session-up' "$SRV_LOG" | tail -n 1 | sed "s/^/${name}_session /"
	[ "$(stat_field "$line" sessions)" = 1 ] || { cat "$IT_TMP/client.$name" >&2; server_tail; echo "bench_datapath: the session did not last the run" >&2; exit 1; }
	it_stop "$client"
	stop_server
}
measure_down syscall server_syscall
SYS_US=$US
# "server": what tun-io auto picks here, io_uring reads and writes.
measure_down io_uring server
SRV_US=$US
awk -v s="$SRV_US" -v b="$SYS_US" \
	'BEGIN { printf "ratio_download_io_uring_vs_syscall %.2f\n", s / b }'

# ---- crypto and the ratio ----
CRYPTO_US=$("$PPTPBENCH" crypto --packets "$CRYPTO_PACKETS" --size "$SIZE" |
	awk '$1 == "mppe128_stateless" { for (i = 2; i <= NF; i++) if ($i ~ /^us\/packet=/) { sub(/.*=/, "", $i); print $i } }')
echo "crypto_mppe128_stateless_us_per_packet $CRYPTO_US"
awk -v s="$SRV_US" -v b="$BASE_US" -v c="$CRYPTO_US" \
	'BEGIN { printf "ratio_server_vs_baseline_plus_crypto %.2f (target <= 1.3)\n", s / (b + c) }'
# What one core of the server would forward at this cost per packet (the
# issue's "per server core and direction" rate): SIZE bytes per packet at
# SRV_US µs of CPU each.
awk -v s="$SRV_US" -v b="$SIZE" \
	'BEGIN { printf "server_gbit_per_core %.2f (target >= 1.5)\n", b * 8 / s / 1000 }'

# ---- upload: client -> LAN, tun-io syscall then io_uring ----
# measure_up METHOD: one server with that tun-io, one client blasting
# through it; one line per figure; sets US
measure_up() {
	local m=$1 c0 c1 p0 p1 w0 w1 pkts line subs blast_pin=()
	start_server 192.0.2.10-10 "tun-io $m" "workers 1"
	wait_log "event=tun-io method=$m( |\$)"
	start_sink "$LAN" "$IT_TMP/sink.$m" --bind 203.0.113.2
	local sink=$IT_LAST_PID
	PWFILE=$IT_TMP/alice.pw bg_connect "$IT_TMP/up-client.$m" --mppe stateless --tun dpup0 \
		--bind 198.51.100.2 --route 203.0.113.0/24 --timeout 10
	local client=$IT_LAST_PID
	wait_up "$IT_TMP/up-client.$m"
	if [ -n "$PIN" ]; then
		pin "$SRV_PID" "${PIN% *}"
		pin "$client" "${PIN#* }"
		pin "$sink" "${PIN% *}"
		blast_pin=(taskset -c "${PIN#* }")
	fi
	local perf=
	if [ -n "${PERF_DATA:-}" ]; then
		perf record -q -g -p "$SRV_PID" -o "$PERF_DATA.upload_$m" -- sleep "$SECONDS_EACH" \
			>/dev/null 2>&1 &
		perf=$!
	fi
	c0=$(cpu_ns "$SRV_PID")
	w0=$(wakeups "$SRV_PID")
	p0=$(tun_rx pptp0)
	ip netns exec "$CLI" "${blast_pin[@]}" "$PPTPBENCH" datapath blast --dst 203.0.113.2 --size "$SIZE" \
		--rate "$UP_RATE" --seconds "$SECONDS_EACH" >"$IT_TMP/up-blast.$m"
	[ -z "$perf" ] || wait "$perf" || true
	sleep 0.3 # what the client still has queued
	c1=$(cpu_ns "$SRV_PID")
	w1=$(wakeups "$SRV_PID")
	p1=$(tun_rx pptp0)
	pkts=$((p1 - p0))
	[ "$pkts" -gt 0 ] || { cat "$IT_TMP/up-blast.$m" "$IT_TMP/up-client.$m" >&2; echo "bench_datapath: upload $m wrote nothing" >&2; exit 1; }
	line=$(stats)
	it_stop "$client"
	it_stop "$sink"
	subs=$(sed -n 's/.* tun-submits=\([0-9]*\).*/\1/p' <<<"$line")
	US=$(awk -v c=$((c1 - c0)) -v p="$pkts" 'BEGIN { printf "%.3f", c / p / 1000 }')
	echo "upload_${m}_packets $pkts"
	awk -v p="$pkts" -v s="$SECONDS_EACH" -v n="upload_$m" -v b="$SIZE" \
		'BEGIN { printf "%s_packets_per_s %.0f\n%s_mbit_per_s %.0f\n", n, p / s, n, p * b * 8 / s / 1e6 }'
	echo "upload_${m}_us_per_packet $US"
	per_wakeup "upload_$m" "$pkts" $((w1 - w0))
	echo "upload_${m}_tun_submits ${subs:-0}"
	echo "upload_${m}_blast $(cat "$IT_TMP/up-blast.$m")"
	echo "upload_${m}_sink $(grep '^sink received' "$IT_TMP/sink.$m" || echo none)"
	echo "upload_${m}_server_stats $(sed 's/.*event=stats //' <<<"$line")"
	stop_server
}
measure_up syscall
UP_SYSCALL_US=$US
measure_up io_uring
UP_URING_US=$US
awk -v u="$UP_URING_US" -v s="$UP_SYSCALL_US" \
	'BEGIN { printf "ratio_upload_io_uring_vs_syscall %.2f\n", u / s }'
awk -v u="$UP_URING_US" -v b="$SIZE" \
	'BEGIN { printf "upload_io_uring_gbit_per_core %.2f (target >= 1.5)\n", b * 8 / u / 1000 }'
