#!/usr/bin/env bash
# Many sessions at once from `pptpbench sessions`: 240 full logins (start
# exchange, call, LCP, MS-CHAPv2, CCP with MPPE-128 stateless, IPCP) over
# 120 control connections (two calls each) from 30 source addresses, held,
# then closed cleanly; one user (alice, no max_sessions) holds them all.
# The network of test_e2e.sh (e2e_lib.sh) with 30 more client addresses;
# 240 sessions and bob's fill the 192.0.2.0/24 pool nearly whole.
#
# While every session is up (pptpbench's --hold-cmd): `pptpctl session
# list` shows 240 up sessions of alice's, each with its own tunnel address,
# and from the 30 source addresses only; the stats show 240 more sessions,
# calls and control connections than before. Afterwards: every session
# logged in and ended cleanly (pptpbench's own verdict), the server logged
# 240 session-up and 240 session-down lines, and its live objects, calls
# and connections are back to what they were with bob alone. Beside it all
# bob's session (good_pinger) pings the LAN host, during and after.
# pptpbench's 30 clients share one raw GRE socket (`gre_sockets 1`; one
# per source address would be 30), so every session being up also shows
# that the shared socket sends each packet from its client's address and
# hands each received one to the right client, beside bob's own socket.
# Then 100 more sessions paced by --login-rate 50: all up and ended, and
# the tool's achieved rate no higher than the offered one.
set -euo pipefail
: "${PPTPD:?}" "${PPTPCTL:?}" "${PPTPBENCH:?}" "${SRCDIR:?}"
. "$SRCDIR/tests/integration/lib.sh"
. "$SRCDIR/tests/integration/e2e_lib.sh"

N=240
SOURCES=30
it_init bench_sessions
e2e_net
for i in $(seq 10 $((10 + SOURCES - 1))); do
	it_addr "$CLI" veth0 "198.51.100.$i/24"
done
echo 'alice-secret' | ctl user add alice --password-stdin
echo 'bob-secret' | ctl user add bob --password-stdin
echo bob-secret >"$IT_TMP/bob.pw"

# 121 calls and connections at most, 8 calls and 4 connections from each
# source address: under the defaults but for `connections` (100).
start_server 192.0.2.3-250 "connections 300"
SOCK=$IT_STATE/control.sock
adm() {
	"$PPTPCTL" --socket "$SOCK" "$@"
}

good_pinger
base=$(stats)
base_objects=$(stat_field "$base" objects)
[ "$(stat_field "$base" sessions)" = 1 ] || it_fail "bob alone: $base"
it_pass "bob is up and pings the LAN host; baseline: $base_objects live objects"

# The checks while all of them are up; run by pptpbench before its hold.
cat >"$IT_TMP/held.sh" <<'EOF'
#!/usr/bin/env bash
set -u
"$PPTPCTL" --socket "$SOCK" session list >"$IT_TMP/list.txt" || exit 1
before=$(grep -c 'event=stats' "$SRV_LOG" || true)
kill -USR1 "$SRV_PID"
for _ in $(seq 1 100); do
	[ "$(grep -c 'event=stats' "$SRV_LOG" || true)" -gt "$before" ] && break
	sleep 0.05
done
grep 'event=stats' "$SRV_LOG" | tail -n 1 >"$IT_TMP/held.stats"
EOF
export PPTPCTL SOCK SRV_PID SRV_LOG IT_TMP
n0=$(pongs)
set +e
echo alice-secret | ip netns exec "$CLI" "$PPTPBENCH" sessions --server 198.51.100.1 \
	--sources "198.51.100.10-198.51.100.$((10 + SOURCES - 1))" --user alice \
	--password-stdin --sessions "$N" --calls-per-conn 2 --parallel 32 --hold 1 \
	--hold-cmd "bash $IT_TMP/held.sh" --teardown-rate 400 --server-pid "$SRV_PID" \
	--timeout 20 >"$IT_TMP/sessions.out" 2>&1
rc=$?
set -e
cat "$IT_TMP/sessions.out"
if [ "$rc" != 0 ]; then
	server_tail
	it_fail "pptpbench sessions exited $rc"
fi
grep -qx "sessions total=$N up=$N failed=0 teardown_failed=0" "$IT_TMP/sessions.out" ||
	it_fail "not every session logged in and out cleanly"
grep -qx 'hold_cmd status 0' "$IT_TMP/sessions.out" || it_fail "the hold command did not run"
for f in logins_per_s setup_p50_ms setup_p99_ms rss_per_session_bytes idle_cpu_pct; do
	grep -Eq "^$f [0-9.]+$" "$IT_TMP/sessions.out" || it_fail "no figure $f"
done
it_pass "$N sessions logged in, were held and ended cleanly; every figure printed"
grep -qx 'gre_sockets 1' "$IT_TMP/sessions.out" ||
	it_fail "pptpbench opened $(awk '$1 == "gre_sockets" { print $2 }' "$IT_TMP/sessions.out") raw GRE sockets for $SOURCES source addresses, expected 1"
it_pass "one shared raw GRE socket for the $SOURCES source addresses"

# What the server showed while they were held.
rows=$(awk 'NR > 1 && $2 == "alice" && $6 == "up"' "$IT_TMP/list.txt" | wc -l)
[ "$rows" = "$N" ] || { cat "$IT_TMP/list.txt" >&2; it_fail "session list: $rows up sessions of alice's"; }
addrs=$(awk 'NR > 1 && $2 == "alice" { print $4 }' "$IT_TMP/list.txt" | sort -u | wc -l)
[ "$addrs" = "$N" ] || it_fail "$addrs distinct tunnel addresses for $N sessions"
peers=$(awk 'NR > 1 && $2 == "alice" { sub(/:[0-9]+$/, "", $3); print $3 }' "$IT_TMP/list.txt" |
	sort -u)
[ "$(wc -l <<<"$peers")" = "$SOURCES" ] || it_fail "sessions from $(wc -l <<<"$peers") addresses"
! grep -qv '^198\.51\.100\.\([1-3][0-9]\)$' <<<"$peers" || it_fail "unexpected peers: $peers"
it_pass "session list: $N up sessions, $N tunnel addresses, from the $SOURCES source addresses"

held=$(<"$IT_TMP/held.stats")
for f in ctrls calls sessions; do
	b=$(stat_field "$base" $f)
	h=$(stat_field "$held" $f)
	case $f in ctrls) want=$((b + N / 2)) ;; *) want=$((b + N)) ;; esac
	[ "$h" = "$want" ] || it_fail "held: $f=$h, expected $want ($held)"
done
it_pass "held: $((N / 2)) control connections, $N calls and $N sessions more than bob's"

# Afterwards: one session-up and one session-down each, nothing left.
ups=$(grep -c 'user=alice .*event=session-up' "$SRV_LOG" || true)
downs=0
for _ in $(seq 1 100); do
	downs=$(grep -c 'user=alice .*event=session-down' "$SRV_LOG" || true)
	[ "$downs" = "$N" ] && break
	sleep 0.1
done
[ "$ups" = "$N" ] && [ "$downs" = "$N" ] ||
	it_fail "server logged $ups session-up and $downs session-down lines for $N sessions"
mppe=$(grep 'user=alice .*event=session-up' "$SRV_LOG" | grep -vc 'mppe=128/stateless' || true)
[ "$mppe" = 0 ] || it_fail "$mppe sessions without MPPE-128 stateless"
it_pass "server logged $N session-up and $N session-down lines, all MPPE-128 stateless"

line=
for _ in $(seq 1 30); do
	line=$(stats)
	[ "$(stat_field "$line" objects)" = "$base_objects" ] &&
		[ "$(stat_field "$line" sessions)" = 1 ] && [ "$(stat_field "$line" calls)" = 1 ] &&
		[ "$(stat_field "$line" ctrls)" = 1 ] && break
	sleep 0.2
done
[ "$(stat_field "$line" objects)" = "$base_objects" ] ||
	it_fail "live objects: $(stat_field "$line" objects), $base_objects before: $line"
[ "$(stat_field "$line" sessions)" = 1 ] && [ "$(stat_field "$line" calls)" = 1 ] &&
	[ "$(stat_field "$line" ctrls)" = 1 ] || it_fail "not back to bob alone: $line"
rows=$(adm session list | awk 'NR > 1' | wc -l)
[ "$rows" = 1 ] || it_fail "session list after the teardown: $rows rows"
it_pass "back to bob alone: $base_objects live objects, one connection, call and session"

# --login-rate paces: 100 sessions at 50 a second. The tool's achieved
# rate (sessions up over the time from its start to the last IPCP up)
# cannot exceed the offered one, since the k-th login starts no earlier
# than k / 50 s; a small margin covers the printed rounding. Only this
# upper bound is asserted, never a lower one (the machine may be slow).
PACED=100
RATE=50
set +e
echo alice-secret | ip netns exec "$CLI" "$PPTPBENCH" sessions --server 198.51.100.1 \
	--sources "198.51.100.10-198.51.100.$((10 + SOURCES - 1))" --user alice \
	--password-stdin --sessions "$PACED" --parallel 32 --login-rate "$RATE" --hold 0 \
	--server-pid "$SRV_PID" --timeout 20 >"$IT_TMP/paced.out" 2>&1
rc=$?
set -e
cat "$IT_TMP/paced.out"
[ "$rc" = 0 ] || { server_tail; it_fail "pptpbench sessions --login-rate exited $rc"; }
grep -qx "sessions total=$PACED up=$PACED failed=0 teardown_failed=0" "$IT_TMP/paced.out" ||
	it_fail "paced: not every session logged in and out cleanly"
grep -qx "offered_logins_per_s $RATE" "$IT_TMP/paced.out" || it_fail "paced: no offered rate $RATE"
achieved=$(awk '$1 == "logins_per_s" { print $2 }' "$IT_TMP/paced.out")
[ -n "$achieved" ] && awk -v a="$achieved" -v r="$RATE" 'BEGIN { exit !(a <= r + 1) }' ||
	it_fail "paced: achieved $achieved logins/s, offered $RATE"
it_pass "--login-rate $RATE: $PACED sessions up and ended, achieved $achieved logins/s <= offered $RATE"

# bob carried traffic all through it and still does.
n1=$(pongs)
[ "$n1" -gt "$n0" ] || it_fail "bob: no ping answered while the sessions came and went"
touch "$STOP_GOOD"
IT_STATUS=0
wait "$GOOD" 2>/dev/null || IT_STATUS=$?
[ "$IT_STATUS" = 0 ] || { cat "$IT_TMP/good.out" >&2; it_fail "bob's pings failed ($IT_STATUS)"; }
! grep -q 'user=bob .*event=session-down.*cause=\(lower\|keepalive\)' "$SRV_LOG" ||
	it_fail "bob's session was lost"
it_pass "bob pinged the LAN host all along ($((n1 - n0)) pongs during the run, none lost) and after"

stop_server
it_pass "pptpd stopped cleanly"
