#!/usr/bin/env bash
# Plot a benchmark's data file into a PNG with gnuplot (Debian package
# gnuplot-nox; this script does not install it, the benchmark scripts do):
#
#   bash scripts/plot_bench.sh latency DATA PNG
#       setup latency against login rate, from scripts/bench_login_sweep.sh:
#       columns  offered_per_s achieved_per_s p50_ms p99_ms [more...]
#       x = the achieved logins/s, y = p50 and p99 setup latency (ms, on a
#       log scale: a few ms below the knee, hundreds past it); each
#       point is labelled with its offered rate (0: "unpaced"), and the
#       points are joined in the order of the offered rate, unpaced last
#   bash scripts/plot_bench.sh workers DATA PNG
#       throughput against data-path workers:
#       columns  workers mbit_per_s pps [more...]
#       x = the workers given (whatever counts the file holds), y = Mbit/s,
#       y2 = packets/s
#
# DATA: one row per measurement, numbers separated by blanks; lines that
# start with '#' and empty lines are skipped. A row that is not numbers, or
# has too few columns, is an error quoting FILE:LINE. TITLE (environment)
# replaces the plot's title. Exit status: 0 with the PNG written, 1 on bad
# data, 2 on bad usage, 3 if gnuplot is missing.
set -euo pipefail

usage() {
	echo "usage: plot_bench.sh latency|workers DATA PNG" >&2
	exit 2
}
[ $# = 3 ] || usage
mode=$1 data=$2 png=$3
case $mode in
latency) ncol=4 ;;
workers) ncol=3 ;;
*) usage ;;
esac
[ -r "$data" ] || { echo "plot_bench: cannot read $data" >&2; exit 1; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# The rows, checked, sorted by the x column (achieved rate or workers).
awk -v n="$ncol" -v f="$data" '
	/^[ \t]*(#|$)/ { next }
	{
		if (NF < n) {
			printf "%s:%d: %d columns, %d wanted\n", f, NR, NF, n > "/dev/stderr"
			bad = 1; next
		}
		for (i = 1; i <= NF; i++)
			if ($i !~ /^[0-9]+(\.[0-9]+)?$/) {
				printf "%s:%d: column %d is not a number: %s\n", f, NR, i, $i > "/dev/stderr"
				bad = 1; next
			}
		rows++
		print
	}
	END {
		if (!bad && !rows) { printf "%s: no data rows\n", f > "/dev/stderr"; bad = 1 }
		exit bad
	}' "$data" >"$tmp/rows" || exit 1
if [ "$mode" = latency ]; then
	# In the order of the sweep, the offered rate rising and unpaced (0)
	# last: past the knee the achieved rate stops rising or falls back, and
	# the line shows that instead of zig-zagging between the steps.
	awk '{ print ($1 == 0 ? 1e18 : $1), $0 }' "$tmp/rows" | sort -g -k1,1 |
		cut -d' ' -f2- >"$tmp/data"
else
	sort -g -k1,1 "$tmp/rows" >"$tmp/data"
fi

command -v gnuplot >/dev/null ||
	{ echo "plot_bench: no gnuplot (apt-get install gnuplot-nox)" >&2; exit 3; }

# pngcairo where gnuplot has it (gnuplot-nox 5.4 does), else the libgd png.
term="png size 800,500"
gnuplot -e 'set terminal' 2>&1 | grep -qw pngcairo && term="pngcairo size 800,500 font 'sans,10'"

# Strings handed to gnuplot as double-quoted literals: no quote or backslash.
gp_str() {
	tr -d '"\\\n' <<<"$1"
}

if [ "$mode" = latency ]; then
	title=$(gp_str "${TITLE:-setup latency against login rate (pptpbench sessions)}")
	cat >"$tmp/plot.gp" <<-EOF
		set terminal $term
		set output "$(gp_str "$png")"
		set title "$title"
		set xlabel "achieved logins/s"
		set ylabel "setup latency, TCP connect to IPCP up (ms, log scale)"
		set grid
		set key top left
		set xrange [0:*]
		set logscale y 10
		set yrange [*:*]
		set autoscale yfix
		set offsets graph 0.02, graph 0.08, graph 0.12, graph 0.05
		lbl(o) = o == 0 ? "unpaced" : sprintf("%g/s", o)
		plot "$tmp/data" using 2:4 with linespoints lw 2 pt 7 title "p99", \\
		     "$tmp/data" using 2:3 with linespoints lw 2 pt 5 title "p50", \\
		     "$tmp/data" using 2:4:(lbl(\$1)) with labels offset 0,1 font ",8" notitle
	EOF
else
	title=$(gp_str "${TITLE:-data-path throughput against workers}")
	# From 0 to one past the most workers: one worker alone is a point
	# in the middle of the plot, not an empty range.
	xmax=$(awk '$1 > m { m = $1 } END { print int(m) + 1 }' "$tmp/data")
	cat >"$tmp/plot.gp" <<-EOF
		set terminal $term
		set output "$(gp_str "$png")"
		set title "$title"
		set xlabel "workers"
		set ylabel "Mbit/s"
		set y2label "packets/s"
		set ytics nomirror
		set y2tics
		set grid
		set key top left
		set xtics 1
		set xrange [0:$xmax]
		set yrange [0:*]
		set y2range [0:*]
		plot "$tmp/data" using 1:2 axes x1y1 with linespoints lw 2 pt 7 title "Mbit/s", \\
		     "$tmp/data" using 1:3 axes x1y2 with linespoints lw 2 pt 5 dt 2 title "packets/s"
	EOF
fi
gnuplot "$tmp/plot.gp"
[ -s "$png" ] || { echo "plot_bench: gnuplot wrote no $png" >&2; exit 1; }
echo "plot_bench: $png"
