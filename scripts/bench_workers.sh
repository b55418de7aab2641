#!/usr/bin/env bash
# Throughput against data-path workers (issue 13, "Multi-core";
# server/worker.h). Run as root after a build:
#
#   bash scripts/bench_workers.sh [BUILD_DIR]       (default build/release)
#
# The integration tests' network (tests/integration/e2e_lib.sh), with a
# second LAN address: client 198.51.100.2,.4 -- 198.51.100.1 server
# 203.0.113.1 -- 203.0.113.2,.3 LAN. For each count in WORKERS_LIST
# (default "1 2") a fresh pptpd with `workers N`, and two tunnels up
# (`pptpbench connect --tun`, MPPE-128 stateless): alice's routes
# 203.0.113.2, carol's 203.0.113.3; their addresses are consecutive, so
# with two workers each session is on a worker of its own.
#
#   down  the LAN host sends RATE datagrams/s of SIZE bytes to each
#         client's address for SECONDS_EACH (`pptpbench datapath blast`,
#         two at once); a sink on each client's address counts them;
#   up    each client sends RATE datagrams/s to its LAN address through
#         its tunnel; a sink on each LAN address counts them.
#
# Per direction and worker count, one "figure value" line each:
#   workers_N_DIR_pps        datagrams the sinks received per second (what
#                            was offered, while nothing saturates);
#   workers_N_DIR_THREAD_us  CPU time of each pptpd thread (main: the
#                            main loop; pptpd-wK: worker K; other: the
#                            auth backend's; from /proc/PID/task/*/schedstat)
#                            per datagram carried in all;
#   workers_N_DIR_busiest    the thread with the most CPU time;
#   workers_N_DIR_capacity_pps  datagrams / the busiest thread's CPU
#                            seconds: the rate at which that thread would
#                            be saturated, the others keeping their share
#                            (computed, not measured: see below);
#   workers_N_DIR_capacity_mbit  the same in Mbit/s of SIZE-byte packets;
# and, with 1 and 2 in the list, ratio_DIR_capacity_2_vs_1.
#
# Why computed: on a machine with two cores the benchmark's own clients
# (which decrypt every frame) and blasters need a core's worth of CPU at
# the rates one worker carries, so two workers cannot both have a core to
# themselves and their measured rate says more about the machine than
# about the workers. The capacity figure divides by the busiest thread
# alone, so it shows what the split buys and where it stops (the main
# loop's share: it reads every GRE packet and steers those of a
# handed-over call). Measuring the scaling needs a machine with at least
# four cores, or the load generated on another one.
#
# PLOT=PATH writes the capacity against workers as a PNG (both
# directions' Mbit/s; scripts/plot_bench.sh workers, gnuplot-nox installed
# with apt-get when missing). Knobs: SIZE (1396), RATE (per stream,
# 8000), SECONDS_EACH (5), WORKERS_LIST, PPTPD/PPTPCTL/PPTPBENCH.
set -euo pipefail
SRCDIR=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${1:-$SRCDIR/build/release}
. "$SRCDIR/scripts/bench_lib.sh"
bench_tools bench_workers "$BUILD"

SIZE=${SIZE:-1396}
RATE=${RATE:-8000}
SECONDS_EACH=${SECONDS_EACH:-5}
WORKERS_LIST=${WORKERS_LIST:-1 2}
PLOT=${PLOT:-}

. "$SRCDIR/tests/integration/lib.sh"
. "$SRCDIR/tests/integration/e2e_lib.sh"
it_init bench-workers
e2e_net
it_addr "$LAN" veth0 203.0.113.3/24
for u in alice carol; do
	echo "$u-secret" | ctl user add "$u" --password-stdin
	echo "$u-secret" >"$IT_TMP/$u.pw"
done

# "tid label nanoseconds" for each thread of PID; label: main (the main
# loop), pptpd-wK (worker K) or other (the auth backend's threads)
threads_ns() {
	local t v comm label
	for t in /proc/"$1"/task/*; do
		read -r v _ <"$t/schedstat" || continue
		comm=$(<"$t/comm")
		case $comm in
		pptpd-w*) label=$comm ;;
		*) [ "${t##*/}" = "$1" ] && label=main || label=other ;;
		esac
		echo "${t##*/} $label $v"
	done
}

sink_count() {
	sed -n 's/^sink received=\([0-9]*\) .*/\1/p' "$1"
}

# measure N DIR: blast both streams, print the figures
measure() {
	local n=$1 dir=$2 before after s1 s2 b1 b2 got
	if [ "$dir" = down ]; then
		start_sink "$CLI" "$IT_TMP/s1" --bind "$A"
		s1=$IT_LAST_PID
		start_sink "$CLI" "$IT_TMP/s2" --bind "$C"
		s2=$IT_LAST_PID
	else
		start_sink "$LAN" "$IT_TMP/s1" --bind 203.0.113.2
		s1=$IT_LAST_PID
		start_sink "$LAN" "$IT_TMP/s2" --bind 203.0.113.3
		s2=$IT_LAST_PID
	fi
	before=$(threads_ns "$SRV_PID")
	if [ "$dir" = down ]; then
		it_bg "$LAN" "$IT_TMP/b1" "$PPTPBENCH" datapath blast --dst "$A" --size "$SIZE" \
			--rate "$RATE" --seconds "$SECONDS_EACH" >/dev/null
		b1=$IT_LAST_PID
		ip netns exec "$LAN" "$PPTPBENCH" datapath blast --dst "$C" --size "$SIZE" \
			--rate "$RATE" --seconds "$SECONDS_EACH" >"$IT_TMP/b2"
	else
		it_bg "$CLI" "$IT_TMP/b1" "$PPTPBENCH" datapath blast --dst 203.0.113.2 --size "$SIZE" \
			--rate "$RATE" --seconds "$SECONDS_EACH" >/dev/null
		b1=$IT_LAST_PID
		ip netns exec "$CLI" "$PPTPBENCH" datapath blast --dst 203.0.113.3 --size "$SIZE" \
			--rate "$RATE" --seconds "$SECONDS_EACH" >"$IT_TMP/b2"
	fi
	wait_line "$IT_TMP/b1" '^blast sent=' 10
	sleep 0.5
	after=$(threads_ns "$SRV_PID")
	it_stop "$s1"
	it_stop "$s2"
	got=$(( $(sink_count "$IT_TMP/s1") + $(sink_count "$IT_TMP/s2") ))
	[ "$got" -gt 0 ] || it_fail "workers $n $dir: nothing arrived"
	echo "workers_${n}_${dir}_pps $((got / SECONDS_EACH))"
	# per thread: CPU during the run / datagrams carried in all
	join <(sort <<<"$before") <(sort <<<"$after") |
		awk -v n="$n" -v d="$dir" -v got="$got" -v size="$SIZE" '
		{ ns = $5 - $3; if (ns < 0) ns = 0; sum[$2] += ns }
		END { for (l in sum) {
			printf "workers_%s_%s_%s_us %.2f\n", n, d, l, sum[l] / 1000 / got
			if (l != "other" && sum[l] > max) { max = sum[l]; who = l } }
		      cap = got / (max / 1e9)
		      printf "workers_%s_%s_busiest %s\n", n, d, who
		      printf "workers_%s_%s_capacity_pps %.0f\n", n, d, cap
		      printf "workers_%s_%s_capacity_mbit %.0f\n", n, d, cap * size * 8 / 1e6 }'
}

FIG=$IT_TMP/figures
: >"$FIG"
for n in $WORKERS_LIST; do
	start_server 192.0.2.10-200 "workers $n"
	BG_USER=alice PWFILE=$IT_TMP/alice.pw bg_connect "$IT_TMP/a.out" --bind 198.51.100.2 \
		--tun bwa0 --route 203.0.113.2/32 --mppe stateless --timeout 10
	a_pid=$IT_LAST_PID
	wait_up "$IT_TMP/a.out"
	BG_USER=carol PWFILE=$IT_TMP/carol.pw bg_connect "$IT_TMP/c.out" --bind 198.51.100.4 \
		--tun bwc0 --route 203.0.113.3/32 --mppe stateless --timeout 10
	c_pid=$IT_LAST_PID
	wait_up "$IT_TMP/c.out"
	A=$(client_addr "$IT_TMP/a.out")
	C=$(client_addr "$IT_TMP/c.out")
	if [ "$n" -gt 1 ]; then
		wait_log "event=worker-taken worker=$(( ${A##*.} % n ))"
		wait_log "event=worker-taken worker=$(( ${C##*.} % n ))"
	fi
	for dir in down up; do
		measure "$n" "$dir" | tee -a "$FIG"
	done
	grep 'event=worker-stats\|gre-tx-queue-drop' "$SRV_LOG" | tail -n 1 >/dev/null || true
	it_stop "$a_pid"
	it_stop "$c_pid"
	stop_server
done

fig() {
	awk -v k="$1" '$1 == k { print $2 }' "$FIG"
}
for dir in down up; do
	one=$(fig "workers_1_${dir}_capacity_pps") two=$(fig "workers_2_${dir}_capacity_pps")
	if [ -n "$one" ] && [ -n "$two" ]; then
		awk -v a="$one" -v b="$two" -v d="$dir" \
			'BEGIN { printf "ratio_%s_capacity_2_vs_1 %.2f\n", d, b / a }'
	fi
done

if [ -n "$PLOT" ]; then
	command -v gnuplot >/dev/null ||
		DEBIAN_FRONTEND=noninteractive apt-get install -y gnuplot-nox >/dev/null 2>&1 ||
		echo "apt-get install gnuplot-nox failed" >&2
	data=$IT_TMP/workers.dat
	{
		echo "# workers capacity_mbit capacity_pps (download, computed)"
		for n in $WORKERS_LIST; do
			echo "$n $(fig "workers_${n}_down_capacity_mbit") $(fig "workers_${n}_down_capacity_pps")"
		done
	} >"$data"
	TITLE="pptpd download capacity against workers (computed: busiest thread)" \
		bash "$SRCDIR/scripts/plot_bench.sh" workers "$data" "$PLOT"
	echo "plot $PLOT"
fi
