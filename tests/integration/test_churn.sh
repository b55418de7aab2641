#!/usr/bin/env bash
# Churn: 20,000 full login/logout cycles (start exchange, call, LCP,
# MS-CHAPv2, CCP with MPPE-128 stateless, IPCP, then a clean disconnect)
# from `pptpbench churn`, several side by side, while one long-lived
# session (bob) stays up beside them. The network of test_e2e.sh
# (e2e_lib.sh).
#
# Every 2,000 cycles the churn pauses with none of its sessions open; the
# checkpoint waits until the server has logged a session-down for every
# cycle and its stats show only bob's session left, then samples the
# server's VmRSS and open file count. The samples at cycle 2,000 and at
# the last cycle must agree: the same number of open files, RSS within 2%.
# Also: every cycle succeeded, the server logged exactly one session-up and
# one session-down per cycle, bob's session is still the one it was and
# carried pings to the LAN host all through the churn and after, and a
# fresh login works.
#
# Under AddressSanitizer (the pptpd binary calls __asan_init) the run is
# the same 20,000 cycles (about a minute, against 20 s in release) with the
# same checks but one: RSS is printed, not compared. ASan's quarantine
# keeps freed memory (256 MB by default, filled after about 5,000 cycles)
# and its own bookkeeping keeps growing slowly (with a 4 MB quarantine,
# +2.5% from cycle 2,000 to 20,000 while release stays flat), so RSS says
# nothing there; LeakSanitizer at the server's exit (it must exit 0)
# covers the heap instead. CHURN_TOTAL overrides the count (a quicker
# local run).
set -euo pipefail
: "${PPTPD:?}" "${PPTPCTL:?}" "${PPTPBENCH:?}" "${SRCDIR:?}"
. "$SRCDIR/tests/integration/lib.sh"
. "$SRCDIR/tests/integration/e2e_lib.sh"

it_init churn
e2e_net
echo 'alice-secret' | ctl user add alice --password-stdin
echo 'bob-secret' | ctl user add bob --password-stdin
echo bob-secret >"$IT_TMP/bob.pw"
export PWFILE=$IT_TMP/bob.pw

EVERY=2000
TOTAL=${CHURN_TOTAL:-20000}
if grep -qa __asan_init "$PPTPD"; then
	BUILD=asan
else
	BUILD=release
fi
[ "$TOTAL" -ge "$EVERY" ] && [ $((TOTAL % EVERY)) = 0 ] ||
	it_fail "CHURN_TOTAL must be a multiple of $EVERY"
echo "build=$BUILD cycles=$TOTAL"

start_server 192.0.2.10-100 "connections 200"

# The session that lives through the churn.
BG_USER=bob bg_connect "$IT_TMP/bob.out" --bind 198.51.100.3 --route 203.0.113.0/24 \
	--timeout 10 >/dev/null
BOB_PID=$IT_LAST_PID
wait_up "$IT_TMP/bob.out"
ip netns exec "$CLI" ping -c 2 -W 2 203.0.113.2 >/dev/null || it_fail "bob cannot reach the LAN host"
bob_session=$(sed -n 's/^.*session=\([0-9]*\) .*user=bob .*event=session-up.*$/\1/p' "$SRV_LOG")
[ -n "$bob_session" ] || it_fail "no session-up line for bob"
it_pass "bob is up (session $bob_session) and reaches the LAN host"

# The checkpoint, run by pptpbench while none of its sessions is open:
# wait for the server to have ended every cycle's session and reaped it
# (stats: only bob's control connection, call and session left), then
# sample. One line per checkpoint in samples: CYCLES RSS_KB FDS OBJECTS.
cat >"$IT_TMP/checkpoint.sh" <<'EOF'
#!/usr/bin/env bash
set -u
n=$CHURN_CYCLES
for _ in $(seq 1 100); do
	down=$(grep -c 'user=alice .*event=session-down' "$SRV_LOG" || true)
	[ "$down" = "$n" ] && break
	sleep 0.1
done
[ "$down" = "$n" ] || { echo "checkpoint $n: $down session-down lines" >&2; exit 1; }
for _ in $(seq 1 50); do
	before=$(grep -c 'event=stats' "$SRV_LOG" || true)
	kill -USR1 "$SRV_PID"
	for _ in $(seq 1 50); do
		[ "$(grep -c 'event=stats' "$SRV_LOG" || true)" -gt "$before" ] && break
		sleep 0.05
	done
	line=$(grep 'event=stats' "$SRV_LOG" | tail -n 1)
	if [[ "$line " == *" ctrls=1 "* && "$line " == *" calls=1 "* &&
		"$line " == *" sessions=1 "* ]]; then
		# The reaper runs on the loop turn after the stats line at the
		# latest. SIGUSR1 also hands free heap pages back (malloc_trim),
		# so RSS is live memory, not the high-water mark of a busier
		# stretch of the churn. RSS: the least of five looks 0.1 s apart,
		# so that a moment's allocation (bob's traffic goes on) does not
		# count.
		rss=
		for _ in 1 2 3 4 5; do
			sleep 0.1
			r=$(awk '/^VmRSS:/ { print $2 }' "/proc/$SRV_PID/status")
			[ -z "$rss" ] || [ "$r" -lt "$rss" ] && rss=$r
		done
		fds=$(ls "/proc/$SRV_PID/fd" | wc -l)
		objects=$(sed -n 's/.* objects=\([0-9-]*\).*/\1/p' <<<"$line")
		echo "$n $rss $fds $objects" >>"$SAMPLES"
		echo "checkpoint cycles=$n rss-kb=$rss fds=$fds objects=$objects"
		exit 0
	fi
	sleep 0.1
done
echo "checkpoint $n: server not idle: $line" >&2
exit 1
EOF
export SRV_LOG SRV_PID SAMPLES=$IT_TMP/samples
: >"$SAMPLES"

# bob pings the LAN host all through the churn.
it_bg "$CLI" "$IT_TMP/ping.out" ping -i 0.2 203.0.113.2 >/dev/null
PING_PID=$IT_LAST_PID

set +e
echo alice-secret | ip netns exec "$CLI" "$PPTPBENCH" churn --server 198.51.100.1 \
	--bind 198.51.100.2 --user alice --password-stdin --cycles "$TOTAL" --parallel 8 \
	--report-every "$EVERY" --checkpoint "bash $IT_TMP/checkpoint.sh" --timeout 20 \
	>"$IT_TMP/churn.out" 2>&1
rc=$?
set -e
cat "$IT_TMP/churn.out"
if [ "$rc" != 0 ]; then
	server_tail
	it_fail "pptpbench churn exited $rc"
fi

# Every cycle logged in and out.
last=$(grep '^churn ' "$IT_TMP/churn.out")
[ "$(stat_field "$last" ok)" = "$TOTAL" ] && [ "$(stat_field "$last" failed)" = 0 ] ||
	it_fail "not every cycle succeeded: $last"
rate=$(sed -n 's/.* rate=\([0-9.]*\).*/\1/p' <<<"$last")
it_pass "$TOTAL cycles, every one a full login and a clean logout ($rate cycles/s, $BUILD build)"

ups=$(grep -c 'user=alice .*event=session-up' "$SRV_LOG" || true)
downs=$(grep -c 'user=alice .*event=session-down' "$SRV_LOG" || true)
[ "$ups" = "$TOTAL" ] && [ "$downs" = "$TOTAL" ] ||
	it_fail "server logged $ups session-up and $downs session-down lines for $TOTAL cycles"
mppe=$(grep 'user=alice .*event=session-up' "$SRV_LOG" | grep -vc 'mppe=128/stateless' || true)
[ "$mppe" = 0 ] || it_fail "$mppe sessions without MPPE-128 stateless"
it_pass "server logged exactly $TOTAL session-up and $TOTAL session-down lines"

# Flat: the first sample (cycle 2,000) against the last.
[ "$(wc -l <"$SAMPLES")" = $((TOTAL / EVERY)) ] || it_fail "missing checkpoints: $(cat "$SAMPLES")"
read -r n0 rss0 fds0 obj0 < <(head -n 1 "$SAMPLES")
read -r n1 rss1 fds1 obj1 < <(tail -n 1 "$SAMPLES")
echo "samples (cycles rss-kb fds objects):"
sed 's/^/  /' "$SAMPLES"
[ "$fds1" = "$fds0" ] || it_fail "open files at cycle $n0: $fds0, at cycle $n1: $fds1"
[ "$obj1" = "$obj0" ] || it_fail "live objects at cycle $n0: $obj0, at cycle $n1: $obj1"
it_pass "flat from cycle $n0 to $n1: open files $fds0 = $fds1, live objects $obj0 = $obj1"
# |rss1 - rss0| <= 2% of rss0
diff=$((rss1 > rss0 ? rss1 - rss0 : rss0 - rss1))
if [ "$BUILD" = asan ]; then
	echo "RSS $rss0 -> $rss1 kB (not compared under ASan, see the top of this file)"
else
	[ $((diff * 100)) -le $((rss0 * 2)) ] ||
		it_fail "RSS at cycle $n0: $rss0 kB, at cycle $n1: $rss1 kB (more than 2% apart)"
	it_pass "RSS flat from cycle $n0 to $n1: $rss0 -> $rss1 kB"
fi

# bob's session lived through it all and carried traffic all along: of
# the pings sent during the churn at most one in ten may be missing (the
# last may still be on its way when ping is stopped).
it_stop "$PING_PID" INT
sent=$(sed -n 's/^\([0-9]*\) packets transmitted.*/\1/p' "$IT_TMP/ping.out")
got=$(sed -n 's/.* \([0-9]*\) received.*/\1/p' "$IT_TMP/ping.out")
[ -n "$sent" ] && [ -n "$got" ] || { cat "$IT_TMP/ping.out" >&2; it_fail "no ping statistics"; }
[ "$got" -gt 0 ] && [ $((got * 10)) -ge $((sent * 9)) ] ||
	it_fail "bob's pings during the churn: $got of $sent answered"
it_pass "bob's pings during the churn: $got of $sent answered"
kill -0 "$BOB_PID" 2>/dev/null || it_fail "bob's client exited"
! grep -q 'user=bob .*event=session-down' "$SRV_LOG" || it_fail "bob's session went down"
ip netns exec "$CLI" ping -c 2 -W 2 203.0.113.2 >/dev/null ||
	it_fail "bob cannot reach the LAN host after the churn"
it_pass "bob's session $bob_session stayed up and reaches the LAN host"

# And one more login from a fresh client.
connect_ok after alice alice-secret --bind 198.51.100.4 --tun pptpb1 --run true
expect_phases after 'tcp-connect start-reply call-up lcp-up auth-ok ccp-up ipcp-up up run disconnect '
it_pass "a fresh login works after the churn"

it_stop "$BOB_PID" TERM
[ "$IT_STATUS" = 0 ] || { cat "$IT_TMP/bob.out" >&2; it_fail "bob's client exited with $IT_STATUS"; }
stop_server
it_pass "pptpd stopped cleanly"
