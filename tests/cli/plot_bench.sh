#!/usr/bin/env bash
# scripts/plot_bench.sh on hand-made data files: bad usage exits 2; rows
# that are not numbers or lack columns are rejected with FILE:LINE before
# gnuplot is asked; then, with gnuplot, both modes (latency: setup latency
# against login rate; workers: throughput against workers, for two workers
# and for one alone) write a PNG of the size asked, from unsorted rows
# with comments and blank lines. Without gnuplot (the benchmark installs
# it, scripts/deps.sh does not) the rendering is skipped (exit 77) once
# the checks that need no gnuplot have passed.
set -euo pipefail
: "${SRCDIR:?}"
plot=$SRCDIR/scripts/plot_bench.sh
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

# run ARGS...: plot_bench.sh's exit status in $rc, its stderr in $tmp/err.
run() {
	rc=0
	bash "$plot" "$@" >"$tmp/out" 2>"$tmp/err" || rc=$?
}

run latency
[ "$rc" = 2 ] || fail "two arguments: exit $rc, expected 2"
run throughput "$tmp/x" "$tmp/x.png"
[ "$rc" = 2 ] || fail "unknown mode: exit $rc, expected 2"
run latency "$tmp/missing.dat" "$tmp/x.png"
[ "$rc" = 1 ] || fail "missing data file: exit $rc, expected 1"

printf '# workers mbit pps\n1 822 73000\n2 1500\n3 abc 1\n' >"$tmp/bad.dat"
run workers "$tmp/bad.dat" "$tmp/bad.png"
[ "$rc" = 1 ] || fail "bad rows: exit $rc, expected 1"
grep -qx "$tmp/bad.dat:3: 2 columns, 3 wanted" "$tmp/err" || fail "short row not quoted: $(<"$tmp/err")"
grep -qx "$tmp/bad.dat:4: column 2 is not a number: abc" "$tmp/err" ||
	fail "non-number not quoted: $(<"$tmp/err")"
[ ! -e "$tmp/bad.png" ] || fail "a PNG was written from bad data"
printf '# nothing but comments\n\n' >"$tmp/empty.dat"
run latency "$tmp/empty.dat" "$tmp/empty.png"
[ "$rc" = 1 ] && grep -q 'no data rows' "$tmp/err" || fail "empty data: exit $rc: $(<"$tmp/err")"
echo "ok: usage and data errors (FILE:LINE) before any plotting"

if ! command -v gnuplot >/dev/null; then
	echo "skip: no gnuplot (apt-get install gnuplot-nox) to render with"
	exit 77
fi

# png_size FILE: "WIDTH HEIGHT" from the IHDR chunk, or nothing if FILE is
# not a PNG.
png_size() {
	[ "$(head -c 8 "$1" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ] || return 0
	od -An -tu1 -j 16 -N 8 "$1" | awk '{ print $1 * 16777216 + $2 * 65536 + $3 * 256 + $4,
		$5 * 16777216 + $6 * 65536 + $7 * 256 + $8 }'
}

cat >"$tmp/lat.dat" <<'EOF'
# offered_per_s achieved_per_s setup_p50_ms setup_p99_ms setup_max_ms cpu failed
1000 990 3.0 18 30 370 0
250 250 2.1 9.5 12 400 0

0 1900 30 90 120 350 0
500 499 2.4 12 20 380 0
EOF
printf '# workers mbit_per_s pps\n2 1500 134000\n1 822 73000\n' >"$tmp/w.dat"
printf '1 822 73000\n' >"$tmp/w1.dat"
for job in "latency lat" "workers w" "workers w1"; do
	set -- $job
	run "$1" "$tmp/$2.dat" "$tmp/$2.png"
	[ "$rc" = 0 ] || fail "$1 $2.dat: exit $rc: $(<"$tmp/err")"
	size=$(png_size "$tmp/$2.png")
	[ "$size" = "800 500" ] || fail "$1 $2.dat: not an 800x500 PNG ('$size')"
	! grep -qi 'warning\|error' "$tmp/err" || fail "$1 $2.dat: gnuplot said: $(<"$tmp/err")"
done
echo "ok: latency and workers plots rendered (800x500 PNG, no gnuplot warning)"
