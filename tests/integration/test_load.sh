#!/usr/bin/env bash
# Load against an echoing pptpd (--echo-frames): many control connections
# and calls at once, from four addresses and from one address (clients
# behind a NAT), each call checking that it gets exactly its own frames
# back (pptpbench load). Then the server's SIGUSR1 stats must show every
# control connection and call gone, and `pptpbench probe` must walk its
# steps. pptpd must exit 0 on SIGTERM.
set -euo pipefail
: "${PPTPD:?}" "${PPTPBENCH:?}" "${SRCDIR:?}"
. "$SRCDIR/tests/integration/lib.sh"

it_init load
SRV=$(it_ns srv)
CLI=$(it_ns cli)
it_link "$SRV" veth0 198.51.100.1/24 "$CLI" veth0 198.51.100.10/24
for a in 11 12 13; do
	it_addr "$CLI" veth0 198.51.100.$a/24
done

cat >"$IT_TMP/pptpd.conf" <<EOF
listen 198.51.100.1
localip 192.0.2.1
remoteip 192.0.2.10-250
user-db $IT_STATE/users.db
control-socket $IT_STATE/control.sock
connections 1000
max-connections-per-address 200
EOF

# it_bg runs in this shell (not in $(...)) so that the PID is recorded for
# cleanup and pptpd stays our child for it_stop's wait.
it_bg "$SRV" "$IT_TMP/pptpd.log" "$PPTPD" -c "$IT_TMP/pptpd.conf" --echo-frames >"$IT_TMP/pptpd.pid"
PID=$(cat "$IT_TMP/pptpd.pid")
it_wait_tcp "$SRV" 198.51.100.1 1723

bench() {
	ip netns exec "$CLI" "$PPTPBENCH" "$@"
}

# "key=value" from the last line of $1 matching $2.
field() {
	grep -E "$2" "$1" | tail -n 1 | tr ' ' '\n' | sed -n "s/^$3=//p"
}

expect_field() {
	local file=$1 match=$2 key=$3 want=$4 got
	got=$(field "$file" "$match" "$key")
	[ "$got" = "$want" ] || { cat "$file" >&2; it_fail "$file: $key=$got, expected $want"; }
}

# Stats of the running server: SIGUSR1, then the newest event=stats line.
stats() {
	local before after
	before=$(grep -c 'event=stats' "$IT_TMP/pptpd.log" || true)
	kill -USR1 "$PID"
	for _ in $(seq 1 50); do
		after=$(grep -c 'event=stats' "$IT_TMP/pptpd.log" || true)
		[ "$after" -gt "$before" ] && break
		sleep 0.1
	done
	[ "$after" -gt "$before" ] || it_fail "no event=stats line after SIGUSR1"
	grep 'event=stats' "$IT_TMP/pptpd.log" | tail -n 1
}

# The server closes its side of each connection after the stop exchange;
# give it a moment to reap before the stats are read.
expect_idle() {
	local line
	for _ in $(seq 1 30); do
		line=$(stats)
		if echo "$line" | grep -q ' ctrls=0 ' && echo "$line" | grep -q ' calls=0 '; then
			it_pass "server idle after $1: $line"
			return 0
		fi
		sleep 0.2
	done
	it_fail "server not idle after $1: $line"
}

run_load() {
	local name=$1
	shift
	if ! bench load --server 198.51.100.1 "$@" >"$IT_TMP/$name.out" 2>&1; then
		cat "$IT_TMP/$name.out" >&2
		it_fail "pptpbench load ($name) failed"
	fi
	cat "$IT_TMP/$name.out"
}

# (a) 200 control connections at once from four addresses, one call each.
run_load many --sources 198.51.100.10,198.51.100.11,198.51.100.12,198.51.100.13 \
	--conns 200 --calls-per-conn 1 --frames 20 --timeout 10
expect_field "$IT_TMP/many.out" '^load ' conns-up 200
expect_field "$IT_TMP/many.out" '^load ' calls-up 200
expect_field "$IT_TMP/many.out" '^frames ' received 4000
expect_field "$IT_TMP/many.out" '^frames ' misrouted 0
expect_field "$IT_TMP/many.out" '^frames ' lost 0
it_pass "200 connections from 4 addresses, 4000 frames each back to its own call"
expect_idle "200 connections"

# (b) 50 clients behind one NAT: 50 connections from one address.
run_load nat --sources 198.51.100.10 --conns 50 --calls-per-conn 1 --frames 20 --timeout 10
expect_field "$IT_TMP/nat.out" '^load ' calls-up 50
expect_field "$IT_TMP/nat.out" '^frames ' received 1000
expect_field "$IT_TMP/nat.out" '^frames ' misrouted 0
it_pass "50 calls from one address, every frame back to its own call"
expect_idle "50 connections from one address"

# ... and one connection carrying 10 calls.
run_load multi --sources 198.51.100.11 --conns 1 --calls-per-conn 10 --frames 20 --timeout 10
expect_field "$IT_TMP/multi.out" '^load ' calls-up 10
expect_field "$IT_TMP/multi.out" '^frames ' received 200
expect_field "$IT_TMP/multi.out" '^frames ' misrouted 0
it_pass "10 calls on one connection, every frame back to its own call"
expect_idle "10 calls on one connection"

# The probe: every step printed in order, the echo identical.
if ! bench probe --server 198.51.100.1 --bind 198.51.100.12 --expect-echo --timeout 5 \
	>"$IT_TMP/probe.out" 2>&1; then
	cat "$IT_TMP/probe.out" >&2
	it_fail "pptpbench probe failed"
fi
cat "$IT_TMP/probe.out"
steps=$(awk '{print $1}' "$IT_TMP/probe.out" | tr '\n' ' ')
[ "$steps" = "tcp-connect start-reply call-reply gre-echo call-clear stop " ] ||
	it_fail "probe steps: $steps"
grep -Eq '^start-reply [0-9.]+ ms result=1 ' "$IT_TMP/probe.out" || it_fail "probe: start result"
grep -Eq '^call-reply [0-9.]+ ms result=1 call-id=[0-9]+ peer-call-id=[0-9]+' \
	"$IT_TMP/probe.out" || it_fail "probe: call reply"
grep -Eq '^gre-echo [0-9.]+ ms len=64 same=yes' "$IT_TMP/probe.out" || it_fail "probe: echo"
it_pass "probe steps"
expect_idle "probe"

# A probe to an address where nothing listens names its failing step.
if bench probe --server 198.51.100.2 --timeout 1 >"$IT_TMP/probe-fail.out" 2>&1; then
	it_fail "probe to a dead address succeeded"
fi
grep -q '^FAIL tcp-connect' "$IT_TMP/probe-fail.out" ||
	{ cat "$IT_TMP/probe-fail.out" >&2; it_fail "probe failure does not name tcp-connect"; }
it_pass "probe names the failing step"

it_stop "$PID" TERM
[ "$IT_STATUS" = 0 ] || { tail -n 20 "$IT_TMP/pptpd.log" >&2; it_fail "pptpd exited with $IT_STATUS"; }
it_pass "pptpd stopped cleanly"
