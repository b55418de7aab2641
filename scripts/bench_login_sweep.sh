#!/usr/bin/env bash
# Setup latency against login rate: `pptpbench sessions --login-rate R` for
# each R in $RATES, SESSIONS sessions per step, each step a fresh run of
# scripts/bench_sessions.sh (its namespaces, its server with the SQLite
# store, its limits). Run as root after a build:
#
#   bash scripts/bench_login_sweep.sh [BUILD_DIR]      (default build/release)
#
# Prints one line per step: the offered rate (unpaced for 0), the achieved
# logins/s, the setup latency's p50 and p99 (TCP connect started to IPCP
# up, ms), the server's CPU per login (µs) and the sessions that failed.
# Writes the same as a data file, $OUT_DIR/login_sweep.dat, and, with
# gnuplot, $OUT_DIR/login_sweep.png (scripts/plot_bench.sh latency): p50
# and p99 against the achieved rate. gnuplot-nox is installed with apt-get
# if it is missing (NO_INSTALL=1: no plot instead).
#
# Knobs (environment): RATES ("250 500 1000 2000 4000 0"; 0 = unpaced, as
# fast as PARALLEL allows), SESSIONS (2000 per step), PARALLEL (logins in
# flight at most, 256: above what a paced rate below saturation needs, so
# the pace sets the load; unpaced, it is the load, and by Little's law the
# latency then is about PARALLEL / logins per second), HOLD (seconds, 1),
# SOURCES (200), CALLS_PER_CONN (1), OUT_DIR ($BUILD/bench), TITLE (the
# plot's).
set -euo pipefail
SRCDIR=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${1:-$SRCDIR/build/release}
BUILD=$(cd "$BUILD" && pwd)
RATES=${RATES:-250 500 1000 2000 4000 0}
SESSIONS=${SESSIONS:-2000}
PARALLEL=${PARALLEL:-256}
HOLD=${HOLD:-1}
OUT_DIR=${OUT_DIR:-$BUILD/bench}
for r in $RATES; do
	[[ $r =~ ^[0-9]+$ ]] || { echo "RATES: whole numbers, 0 = unpaced: '$r'" >&2; exit 2; }
done
[[ $SESSIONS =~ ^[0-9]+$ ]] && [ "$SESSIONS" -ge 1 ] || { echo "SESSIONS: a count" >&2; exit 2; }
mkdir -p "$OUT_DIR"
data=$OUT_DIR/login_sweep.dat
png=$OUT_DIR/login_sweep.png

{
	echo "# pptpbench sessions --login-rate sweep: $SESSIONS sessions per step," \
		"--parallel $PARALLEL, ${CALLS_PER_CONN:-1} call(s) per connection"
	echo "# offered_per_s achieved_per_s setup_p50_ms setup_p99_ms setup_max_ms" \
		"server_cpu_per_login_us failed"
} >"$data"
fmt='%-10s %14s %10s %10s %18s %8s\n'
printf "$fmt" offered achieved_per_s p50_ms p99_ms server_cpu_login_us failed
step=0
for r in $RATES; do
	step=$((step + 1))
	# Per step, so a rate given twice keeps both runs' output.
	log=$OUT_DIR/login_sweep.$step.$r.log
	SIZES=$SESSIONS LOGIN_RATE=$r PARALLEL=$PARALLEL HOLD=$HOLD \
		bash "$SRCDIR/scripts/bench_sessions.sh" "$BUILD" >"$log" 2>&1 ||
		{ echo "bench_sessions.sh failed at rate $r:" >&2; tail -n 20 "$log" >&2; exit 1; }
	# The figures pptpbench printed, one `name value` line each.
	fig() { awk -v k="$1" '$1 == k { v = $2 } END { print v == "" ? "-" : v }' "$log"; }
	achieved=$(fig logins_per_s) p50=$(fig setup_p50_ms) p99=$(fig setup_p99_ms)
	max=$(fig setup_max_ms) cpu=$(fig server_cpu_per_login_us) failed=$(fig sessions_failed)
	[ "$(fig offered_logins_per_s)" = "$r" ] ||
		{ echo "rate $r: pptpbench did not report it as offered (see $log)" >&2; exit 1; }
	printf "$fmt" "$([ "$r" = 0 ] && echo unpaced || echo "$r")" "$achieved" "$p50" "$p99" \
		"$cpu" "$failed"
	# A step without its figures (every login failed) stays out of the plot.
	if [ "$achieved" != - ] && [ "$p50" != - ] && [ "$p99" != - ]; then
		echo "$r $achieved $p50 $p99 $max ${cpu/-/0} ${failed/-/0}" >>"$data"
	else
		echo "# $r: no figures ($log)" >>"$data"
	fi
done
echo "data: $data"

if ! command -v gnuplot >/dev/null && [ "${NO_INSTALL:-0}" != 1 ]; then
	echo "installing gnuplot-nox for the plot"
	DEBIAN_FRONTEND=noninteractive apt-get install -y gnuplot-nox >/dev/null 2>&1 ||
		echo "apt-get install gnuplot-nox failed" >&2
fi
if command -v gnuplot >/dev/null; then
	TITLE=${TITLE:-"setup latency against login rate ($SESSIONS sessions per step)"} \
		bash "$SRCDIR/scripts/plot_bench.sh" latency "$data" "$png"
else
	echo "no gnuplot: no plot (bash scripts/plot_bench.sh latency $data PNG draws it)"
fi
