#!/usr/bin/env bash
# Login rate, memory and idle CPU per held session: `pptpbench sessions`
# against pptpd with the SQLite user store, in network namespaces, for
# each size in $SIZES. Run as root after a build:
#
#   bash scripts/bench_sessions.sh [BUILD_DIR]      (default build/release)
#
# The network is the integration tests' (tests/integration/e2e_lib.sh):
# the client namespace holds $SOURCES addresses from 198.51.100.10 up on
# its veth, the server 198.51.100.1; the pool is taken from the benchmark
# range 198.18.0.0/15 (RFC 2544), which never leaves the namespaces. One
# user, no max_sessions, holds every session. Each size gets a fresh
# server, so its RSS before the first login is the same for every size.
#
# Knobs (environment): SIZES ("200 1000 5000"), SOURCES (200),
# CALLS_PER_CONN (1, as Windows), PARALLEL (logins in flight, 64),
# LOGIN_RATE (new logins a second, 0: as fast as PARALLEL allows; the sweep
# over rates is scripts/bench_login_sweep.sh), HOLD
# (seconds, 30: one LCP echo interval), TEARDOWN_RATE (sessions/s, 0: all
# at once), LOG_LEVEL (notice), PERF_DATA (a path: the server is
# recorded with `perf record --call-graph dwarf` into PATH.SIZE while pptpbench runs; see
# it with `perf report -i PATH.SIZE`), PPTPD (another server binary to measure
# against the same tools, e.g. the build before a change), PIN ("S C":
# every thread of pptpd on CPU S, pptpbench on CPU C; empty, the default:
# where the scheduler puts them). Output: per size, one `figure value` line each as pptpbench
# prints them, then one summary table.
set -euo pipefail
SRCDIR=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${1:-$SRCDIR/build/release}
. "$SRCDIR/scripts/bench_lib.sh"
bench_tools bench_sessions "$BUILD"

SIZES=${SIZES:-200 1000 5000}
SOURCES=${SOURCES:-200}
CALLS_PER_CONN=${CALLS_PER_CONN:-1}
PARALLEL=${PARALLEL:-64}
HOLD=${HOLD:-30}
TEARDOWN_RATE=${TEARDOWN_RATE:-0}
LOG_LEVEL=${LOG_LEVEL:-notice}
LOGIN_RATE=${LOGIN_RATE:-0}
[ "$SOURCES" -ge 1 ] && [ "$SOURCES" -le 240 ] || { echo "SOURCES: 1..240" >&2; exit 2; }

. "$SRCDIR/tests/integration/lib.sh"
. "$SRCDIR/tests/integration/e2e_lib.sh"
it_init bench-sessions
e2e_net
for i in $(seq 10 $((10 + SOURCES - 1))); do
	ip -n "$CLI" addr add "198.51.100.$i/24" dev veth0
done
echo bench-secret | ctl user add bench --password-stdin
# Descriptors: one TCP socket per control connection on each side, so a
# size over the hard limit (ulimit -Hn) needs CALLS_PER_CONN > 1.
ulimit -n "$(ulimit -Hn)"

summary=$IT_TMP/summary
printf '%-8s %12s %12s %12s %16s %16s %14s %12s %8s\n' sessions logins_per_s setup_p50_ms \
	setup_p99_ms srv_cpu_login_us cli_cpu_login_us rss_per_sess_B idle_cpu_pct failed >"$summary"
for n in $SIZES; do
	# As e2e_lib.sh's start_server, with the limits opened and the
	# production log level.
	cat >"$IT_TMP/pptpd.conf" <<-EOF
		listen 198.51.100.1
		localip 192.0.2.1
		remoteip 198.18.0.10-198.18.255.250
		user-db $DB
		tun pptp0
		log-level $LOG_LEVEL
		control-socket $IT_STATE/control.sock
		connections 65535
		max-connections-per-address 65535
		max-unstarted-connections 65535
		max-calls-per-address 65535
		max-calls-per-connection 1024
	EOF
	# WORKERS: `workers N` (data-path threads, server/worker.h); unset: the
	# server's default
	[ -z "${WORKERS:-}" ] || echo "workers $WORKERS" >>"$IT_TMP/pptpd.conf"
	SRV_LOG=$IT_TMP/pptpd.$n.log
	it_bg "$SRV" "$SRV_LOG" "$PPTPD" -c "$IT_TMP/pptpd.conf" >"$IT_TMP/pid"
	SRV_PID=$(<"$IT_TMP/pid")
	it_wait_tcp "$SRV" 198.51.100.1 1723
	client_pin=()
	if [ -n "${PIN:-}" ]; then
		taskset -a -p -c "${PIN% *}" "$SRV_PID" >/dev/null
		client_pin=(taskset -c "${PIN#* }")
	fi
	out=$IT_TMP/sessions.$n.out
	echo "== $n sessions, $SOURCES source addresses, $CALLS_PER_CONN call(s) per connection"
	perf_pid=
	if [ -n "${PERF_DATA:-}" ]; then
		perf record -q -F 999 --call-graph dwarf,16384 -p "$SRV_PID" -o "$PERF_DATA.$n" >/dev/null 2>&1 &
		perf_pid=$!
		sleep 1
	fi
	set +e
	echo bench-secret | ip netns exec "$CLI" "${client_pin[@]}" "$PPTPBENCH" sessions --server 198.51.100.1 \
		--sources "198.51.100.10-198.51.100.$((10 + SOURCES - 1))" --user bench \
		--password-stdin --sessions "$n" --calls-per-conn "$CALLS_PER_CONN" \
		--parallel "$PARALLEL" --login-rate "$LOGIN_RATE" --hold "$HOLD" \
		--teardown-rate "$TEARDOWN_RATE" \
		--server-pid "$SRV_PID" --timeout 60 >"$out" 2>&1
	rc=$?
	set -e
	if [ -n "$perf_pid" ]; then
		kill -INT "$perf_pid"
		wait "$perf_pid" || true
	fi
	cat "$out"
	[ "$rc" = 0 ] || { echo "--- server log:"; tail -n 20 "$SRV_LOG"; }
	stop_server
	fig() { awk -v k="$1" '$1 == k { print $2 }' "$out"; }
	printf '%-8s %12s %12s %12s %16s %16s %14s %12s %8s\n' "$n" "$(fig logins_per_s)" \
		"$(fig setup_p50_ms)" "$(fig setup_p99_ms)" "$(fig server_cpu_per_login_us)" "$(fig client_cpu_per_login_us)" \
		"$(fig rss_per_session_bytes)" \
		"$(fig idle_cpu_pct)" "$(fig sessions_failed)" >>"$summary"
	[ "$rc" = 0 ] || echo "(pptpbench sessions exited $rc)"
done
echo "== summary"
cat "$summary"
