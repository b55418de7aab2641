#!/usr/bin/env bash
# `workers 2` (server/worker.h): sessions handed to data-path threads.
#
#   client 198.51.100.2-4 --- 198.51.100.1 server 203.0.113.1 --- 203.0.113.2 LAN
#
# - The server opens two workers, a tun queue each, with the steering
#   program (event=workers-open ... steering=daddr).
# - alice (198.51.100.2) and carol (198.51.100.4) log in and hold their
#   sessions with a tun each: 192.0.2.10 and .11, one per worker
#   (address mod 2), each session handed over at IPCP up
#   (event=worker-taken worker=0 and worker=1).
# - The LAN host sends 4,000 numbered datagrams to each of them at once:
#   every one arrives, in order, none duplicated, and each worker sent at
#   least 4,000 packets (event=worker-stats packets=...).
# - bob pings the LAN host all along from a third session (a legitimate
#   client kept working beside the load). LCP echoes go every second and
#   3 s without a reply would end a session: the links on the main loop
#   get their replies through the workers (no session ends with
#   reason=keepalive).
# - 1400-byte packets for a worker's session (over its MTU of 1,396, not
#   the tun's): the worker passes them to the main loop, which fragments
#   them (DF clear; the pings are answered) or answers Fragmentation
#   Needed (DF set).
# - dave's rate limit (2 Mbit/s) goes with his session to its worker,
#   which polices it: about 2 Mbit/s of ten times that arrives, the drops
#   are in his session-down line.
# - erin's session (stateful MPPE) stays on the main loop
#   (event=worker-kept reason=stateful-mppe); her packets, steered to a
#   worker's tun queue by address, reach her through the main loop, all
#   of them, in order.
# - client -> LAN: 4,000 numbered datagrams from a session on each worker
#   reach the LAN sink in order; the session-down line counts them
#   (rx-packets from the worker's counters).
# - 2 MB each way over TCP with the content checked through a worker.
# - Clean end: every session and call gone, no ring overflow, and pptpd
#   exits 0 (under ASan in the sanitizer run: no leak of what the workers
#   held).
set -euo pipefail
: "${PPTPD:?}" "${PPTPCTL:?}" "${PPTPBENCH:?}" "${SRCDIR:?}" "${ITOOLS:?}"
. "$SRCDIR/tests/integration/lib.sh"
. "$SRCDIR/tests/integration/e2e_lib.sh"

it_init workers
e2e_net
it_addr "$CLI" veth0 198.51.100.5/24
for u in alice bob carol; do
	echo "$u-secret" | ctl user add "$u" --password-stdin
	echo "$u-secret" >"$IT_TMP/$u.pw"
done
# RATE: datagrams per second of each stream, 2 s each (lower it for a
# slow build: under ThreadSanitizer, RATE=300).
RATE=${RATE:-2000}
COUNT=$((RATE * 2))

field() {
	sed -n "s/.*[ ^]$2=\([0-9a-z_,]*\).*/\1/p" <<<" $1"
}

# worker_stats: the newest event=worker-stats line (SIGUSR1 writes it
# right after event=stats).
worker_stats() {
	stats >/dev/null
	wait_log 'event=worker-stats'
	grep 'event=worker-stats' "$SRV_LOG" | tail -n 1
}

# stream_ok WHAT BLAST_OUT SINK_PID SINK_LOG: as in test_tun_io.sh.
stream_ok() {
	local what=$1 out=$2 pid=$3 log=$4
	SENT=$(sed -n 's/^blast sent=\([0-9]*\) .*/\1/p' "$out")
	[ -n "$SENT" ] && [ "$SENT" -ge "$COUNT" ] ||
		{ cat "$out" >&2; it_fail "$what: the blaster sent ${SENT:-nothing}"; }
	sleep 0.5
	it_stop "$pid"
	SINK=$(grep '^sink received' "$log") || { cat "$log" >&2; it_fail "$what: no sink line"; }
	[ "$(field "$SINK" received)" = "$SENT" ] && [ "$(field "$SINK" lost)" = 0 ] &&
		[ "$(field "$SINK" reordered)" = 0 ] && [ "$(field "$SINK" duplicates)" = 0 ] ||
		{ server_tail; it_fail "$what: sent $SENT, $SINK"; }
}

# LCP echoes every second, a session ends after 3 s without a reply: the
# replies of a worker's session come back to its link through the worker.
start_server 192.0.2.10-30 "workers 2" "mppe-stateful yes" "echo-interval 1" "echo-timeout 3"
wait_log 'event=workers-open workers=2 tun=pptp0 steering=daddr'
it_pass "two workers, tun queues steered by address: $(grep -o 'event=workers-open.*' "$SRV_LOG")"

good_pinger 198.51.100.3 3

# ---- LAN -> client: two sessions, one per worker, at once ----
BG_USER=alice PWFILE=$IT_TMP/alice.pw bg_connect "$IT_TMP/a.out" --bind 198.51.100.2 \
	--tun wka0 --route 203.0.113.2/32 --timeout 10
A_PID=$IT_LAST_PID
wait_up "$IT_TMP/a.out"
BG_USER=carol PWFILE=$IT_TMP/carol.pw bg_connect "$IT_TMP/c.out" --bind 198.51.100.4 \
	--tun wkc0 --timeout 10
C_PID=$IT_LAST_PID
wait_up "$IT_TMP/c.out"
A=$(client_addr "$IT_TMP/a.out")
C=$(client_addr "$IT_TMP/c.out")
wa=$(( ${A##*.} % 2 )) wc=$(( ${C##*.} % 2 ))
[ "$wa" != "$wc" ] || it_fail "alice ($A) and carol ($C) landed on the same worker"
wait_log "user=alice .*event=worker-taken worker=$wa"
wait_log "user=carol .*event=worker-taken worker=$wc"
"$PPTPCTL" --socket "$IT_STATE/control.sock" session list >"$IT_TMP/list.txt"
awk -F'\t' -v a="$A" -v c="$C" -v wa="$wa" -v wc="$wc" '
	NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
	$col["addr"] == a && $col["worker"] == wa { ok++ }
	$col["addr"] == c && $col["worker"] == wc { ok++ }
	$col["user"] == "bob" && $col["worker"] ~ /^[01]$/ { ok++ }
	END { exit ok == 3 ? 0 : 1 }' "$IT_TMP/list.txt" ||
	{ cat "$IT_TMP/list.txt" >&2; it_fail "pptpctl session list does not show the workers"; }
it_pass "alice $A on worker $wa, carol $C on worker $wc (pptpctl session list says so too)"

start_sink "$CLI" "$IT_TMP/sink-a" --bind "$A"
SA=$IT_LAST_PID
start_sink "$CLI" "$IT_TMP/sink-c" --bind "$C"
SC=$IT_LAST_PID
it_bg "$LAN" "$IT_TMP/blast-a" "$PPTPBENCH" datapath blast --dst "$A" --size 1396 --rate $RATE \
	--seconds 2 >/dev/null
BA=$IT_LAST_PID
ip netns exec "$LAN" "$PPTPBENCH" datapath blast --dst "$C" --size 1396 --rate $RATE \
	--seconds 2 >"$IT_TMP/blast-c"
wait_line "$IT_TMP/blast-a" "^blast sent=" 10
stream_ok "down alice" "$IT_TMP/blast-a" "$SA" "$IT_TMP/sink-a"
sa=$SINK
stream_ok "down carol" "$IT_TMP/blast-c" "$SC" "$IT_TMP/sink-c"
it_pass "LAN -> client through both workers at once, all in order: alice $sa; carol $SINK"
line=$(worker_stats)
per=$(field "$line" packets)
p0=${per%,*} p1=${per#*,}
[ "$p0" -ge "$COUNT" ] && [ "$p1" -ge "$COUNT" ] ||
	{ server_tail; it_fail "a worker carried fewer than $COUNT packets: $line"; }
[ "$(field "$line" taken)" -ge 3 ] || it_fail "fewer than 3 sessions taken: $line"
it_pass "each worker carried its session's packets: packets=$per"

# Larger than the session's MTU (1,396) but not than the tun's (1,400):
# the worker passes it to the main loop, which fragments it (DF clear) and
# hands the fragments back to the worker, or answers Fragmentation Needed
# (DF set).
ip netns exec "$LAN" ping -c 3 -W 2 -M dont -s 1372 "$A" >"$IT_TMP/bigping" ||
	{ cat "$IT_TMP/bigping" >&2; server_tail; it_fail "1400-byte pings to alice through a worker"; }
ip netns exec "$LAN" ping -c 1 -W 2 -M do -s 1372 "$A" >"$IT_TMP/dfping" 2>&1 || true
line=$(stats)
[ "$(field "$line" fragmented)" -ge 3 ] && [ "$(field "$line" icmp-frag-needed)" -ge 1 ] ||
	{ cat "$IT_TMP/dfping" >&2; it_fail "the main loop did not fragment or answer: $line"; }
it_pass "1400-byte packets for a worker's session: fragmented on the main loop ($(grep -o '3 packets.*loss' "$IT_TMP/bigping")), Fragmentation Needed with DF"

# A rate limit goes with the session to its worker, which polices it:
# 2 Mbit/s against ten times that offered.
echo 'dave-secret' >"$IT_TMP/dave.pw"
echo 'dave-secret' | ctl user add dave --password-stdin --rate 2000/2000
BG_USER=dave PWFILE=$IT_TMP/dave.pw bg_connect "$IT_TMP/d.out" --bind 198.51.100.5 \
	--tun wkd0 --timeout 10
D_PID=$IT_LAST_PID
wait_up "$IT_TMP/d.out"
D=$(client_addr "$IT_TMP/d.out")
wait_log "user=dave .*event=worker-taken worker=$(( ${D##*.} % 2 ))"
start_sink "$CLI" "$IT_TMP/sink-d" --bind "$D"
SD=$IT_LAST_PID
ip netns exec "$LAN" "$PPTPBENCH" datapath blast --dst "$D" --size 1396 --rate 2000 \
	--seconds 2 >"$IT_TMP/blast-d"
sent=$(sed -n 's/^blast sent=\([0-9]*\) .*/\1/p' "$IT_TMP/blast-d")
sleep 0.5
it_stop "$SD"
got=$(sed -n 's/^sink received=\([0-9]*\) .*/\1/p' "$IT_TMP/sink-d")
# 2 Mbit/s for 2 s in 1396-byte datagrams, and the 100 ms burst
want=$((2000000 * 2 / (1396 * 8) + 2000000 / 10 / (1396 * 8)))
[ "$got" -ge $((want / 2)) ] && [ "$got" -le $((want * 3 / 2)) ] ||
	it_fail "dave's 2 Mbit/s: $got of $sent datagrams arrived, about $want expected"
wait_log "user=dave .*event=rate-limited dir=down rate=2000"
it_stop "$D_PID"
wait_log "user=dave .*event=session-down"
dropped=$(grep -E "user=dave .*event=session-down" "$SRV_LOG" | sed -n 's/.* rate-dropped=\([0-9]*\) .*/\1/p')
[ "${dropped:-0}" -ge $(( (sent - got) * 9 / 10 )) ] ||
	it_fail "dave's session-down line counts $dropped rate drops for $((sent - got)) missing"
it_pass "a rate limit policed by the worker: $got of $sent datagrams at 2 Mbit/s (about $want), rate-dropped=$dropped"

# A session with stateful MPPE stays on the main loop; its packets reach
# a worker's tun queue (steered by address) and come back to main.
echo 'erin-secret' >"$IT_TMP/erin.pw"
echo 'erin-secret' | ctl user add erin --password-stdin
BG_USER=erin PWFILE=$IT_TMP/erin.pw bg_connect "$IT_TMP/e.out" --bind 198.51.100.5 \
	--tun wke0 --mppe stateful --timeout 10
E_PID=$IT_LAST_PID
wait_up "$IT_TMP/e.out"
E=$(client_addr "$IT_TMP/e.out")
wait_log "user=erin .*event=worker-kept reason=stateful-mppe"
before=$(field "$(worker_stats)" to-main)
start_sink "$CLI" "$IT_TMP/sink-e" --bind "$E"
SE=$IT_LAST_PID
ip netns exec "$LAN" "$PPTPBENCH" datapath blast --dst "$E" --size 1396 --rate $((RATE / 2)) \
	--seconds 2 >"$IT_TMP/blast-e"
COUNT=$RATE stream_ok "down erin (kept)" "$IT_TMP/blast-e" "$SE" "$IT_TMP/sink-e"
after=$(field "$(worker_stats)" to-main)
[ $((after - before)) -ge "$SENT" ] || it_fail "erin's packets did not come through a worker's queue ($before -> $after)"
it_pass "a session kept on the main loop (stateful MPPE) gets its packets from the workers' queues: $SINK"
it_stop "$E_PID"
it_stop "$A_PID"
it_stop "$C_PID"

# ---- client -> LAN: a session on each worker in turn ----
up_through() {
	local name=$1 user=$2 bind=$3 sink_pid n
	start_sink "$LAN" "$IT_TMP/sink-$name" --bind 203.0.113.2
	sink_pid=$IT_LAST_PID
	connect_ok "$name" "$user" "$user-secret" --bind "$bind" --route 203.0.113.0/24 \
		--run "$PPTPBENCH datapath blast --dst 203.0.113.2 --size 1396 --rate $RATE --seconds 2"
	stream_ok "$name up" "$IT_TMP/$name.out" "$sink_pid" "$IT_TMP/sink-$name"
	local addr w
	addr=$(client_addr "$IT_TMP/$name.out")
	w=$(( ${addr##*.} % 2 ))
	wait_log "user=$user .*event=worker-taken worker=$w"
	# Its session-down line counts what the worker carried.
	wait_log "user=$user .*addr=$addr event=session-down"
	n=$(grep -E "user=$user .*addr=$addr event=session-down" "$SRV_LOG" | tail -n 1 |
		sed -n 's/.* rx-packets=\([0-9]*\) .*/\1/p')
	[ "${n:-0}" -ge "$SENT" ] || { server_tail; it_fail "$name: session-down rx-packets=$n < $SENT"; }
	it_pass "client -> LAN through worker $w ($addr): $SINK; session-down rx-packets=$n"
	W=$w
}
# The pool hands out its addresses in turn: consecutive logins land on
# alternate workers; a third try covers a pool that repeats one.
SEEN=
for i in 1 2 3; do
	up_through "up$i" alice 198.51.100.2
	SEEN="$SEEN $W"
	[[ $SEEN == *0* && $SEEN == *1* ]] && break
done
[[ $SEEN == *0* && $SEEN == *1* ]] || it_fail "client -> LAN went through worker(s)$SEEN only"

# ---- TCP both ways, content checked ----
it_bg "$LAN" "$IT_TMP/xfer-server.log" "$ITOOLS/e2e_xfer" serve 203.0.113.2 5001 >/dev/null
wait_line "$IT_TMP/xfer-server.log" listening
connect_ok xfer alice alice-secret --bind 198.51.100.2 --route 203.0.113.0/24 \
	--run "$ITOOLS/e2e_xfer send 203.0.113.2 5001 2000000 61"
expect_out xfer '^xfer ok bytes=2000000 '
grep -q "rx ok bytes=2000000 seed=61" "$IT_TMP/xfer-server.log" ||
	{ cat "$IT_TMP/xfer-server.log" >&2; it_fail "the LAN host did not receive 2 MB intact"; }
it_pass "2 MB each way through a worker, content checked: $(grep '^xfer ok' "$IT_TMP/xfer.out")"

good_pinger_end
it_pass "bob's pings were all answered beside the load ($(pongs) pongs)"
expect_idle "the workers' sessions"
line=$(worker_stats)
[ "$(field "$line" ring-full)" = 0 ] && [ "$(field "$line" worker-full)" = 0 ] ||
	it_fail "a ring overflowed: $line"
[ "$(field "$line" released)" = "$(field "$line" taken)" ] ||
	it_fail "sessions taken and released differ: $line"
it_pass "every session handed back: $line"
grep -q 'event=session-down reason=keepalive' "$SRV_LOG" &&
	it_fail "a session lost its LCP echo replies: $(grep -o 'user=[a-z]* .*reason=keepalive' "$SRV_LOG" | head -n 1)"
n=$(grep -c 'event=session-down' "$SRV_LOG")
it_pass "no session lost its echo replies through a worker ($n sessions ended, none by keepalive)"
stop_server
it_pass "pptpd exited cleanly with its workers"
