#!/usr/bin/env bash
# RADIUS when servers misbehave: pptpd against FreeRADIUS (radius_lib.sh),
# a server that never answers (radius_blackhole), forged replies
# (radius_forge) and a slow relay (radius_slow_proxy), with
# `pptpbench connect` as the client.
#
# Cases: failover from a silent first server to the second, and the dead
# server skipped for the next login; forged Access-Accepts (wrong
# Response Authenticator, wrong or missing Message-Authenticator, another
# secret, another source port) ignored, so the login fails with "no RADIUS
# server answered"; the accounting server down for a while, then back, with
# every record arriving exactly once; records left unacknowledged across a
# restart of pptpd arriving after it; a RADIUS server that takes seconds to
# answer while another session's traffic and a new control connection are
# served meanwhile (the loop never waits for RADIUS).
set -euo pipefail
: "${PPTPD:?}" "${PPTPCTL:?}" "${PPTPBENCH:?}" "${SRCDIR:?}" "${ITOOLS:?}"
. "$SRCDIR/tests/integration/lib.sh"
. "$SRCDIR/tests/integration/e2e_lib.sh"

it_init radiusfo
e2e_net
. "$SRCDIR/tests/integration/radius_lib.sh"

radius_user main alice alice-secret
radius_user main bob bob-secret
radius_start main
# The accounting server is its own instance, so it can go away alone.
radius_start acct --auth-port 1912 --acct-port 1913

BASE=(
	"auth radius"
	"radius-acct-server 127.0.0.1:1913 testing123"
	"radius-acct-spool $IT_STATE/spool.db"
	"radius-dead-time 60"
)
COMMON=("${BASE[@]}" "radius-timeout 1" "radius-tries 2")

# ---- failover: a silent first server, then FreeRADIUS ----
radius_blackhole 1999
start_server 192.0.2.10-20 "${COMMON[@]}" "radius-server 127.0.0.1:1999 testing123" \
	"radius-server 127.0.0.1:1812 testing123"
connect_ok fo1 alice alice-secret --timeout 20 --run true
wait_log 'radius=auth event=failover from=127.0.0.1:1999 to=127.0.0.1:1812'
wait_log 'radius=auth server=127.0.0.1:1999 event=server-dead'
holes=$(radius_packets blackhole-1999)
[ "$holes" = 2 ] || it_fail "the silent server got $holes tries, radius-tries is 2"
connect_ok fo2 bob bob-secret --run true
[ "$(radius_packets blackhole-1999)" = "$holes" ] || it_fail "the dead server was asked again within radius-dead-time"
stats >/dev/null
rs=$(grep 'event=radius-stats what=auth' "$SRV_LOG" | tail -1)
[ "$(stat_field "$rs" failovers)" = 1 ] && [ "$(stat_field "$rs" retransmitted)" = 1 ] &&
	[ "$(stat_field "$rs" replies)" = 2 ] || it_fail "radius-stats after the failover: $rs"
it_pass "failover: 2 tries at the silent server, then the second; the dead one skipped for the next login ($rs)"
expect_idle "the failover clients"
stop_server

# ---- forged replies are ignored ----
fport=2000
for mode in bad-authenticator bad-ma no-ma wrong-secret other-port; do
	it_bg "$SRV" "$IT_TMP/forge-$mode.log" "$ITOOLS/radius_forge" 127.0.0.1 $fport testing123 $mode \
		>/dev/null
	for _ in $(seq 1 50); do grep -q ready "$IT_TMP/forge-$mode.log" && break; sleep 0.1; done
	start_server 192.0.2.10-20 "${COMMON[@]}" "radius-server 127.0.0.1:$fport testing123"
	connect forge-$mode alice alice-secret --timeout 15
	expect_out forge-$mode '^auth-failed [0-9.]+ ms E=691$'
	grep -q "^forged $mode" "$IT_TMP/forge-$mode.log" || it_fail "$mode: the forger never answered"
	wait_log 'user=alice .*event=auth-fail reason=backend-error .*no RADIUS server answered'
	case $mode in
	bad-authenticator) why=bad-authenticator ;;
	bad-ma | wrong-secret) why='bad-(authenticator|message-authenticator)' ;;
	no-ma) why=missing-message-authenticator ;;
	other-port) why=no-request ;;
	esac
	wait_log "radius=auth from=127.0.0.1:[0-9]+ event=reply-dropped reason=$why"
	grep -q 'user=alice .*event=session-up' "$SRV_LOG" && it_fail "$mode: a forged Accept let alice in"
	it_pass "forged Access-Accept ($mode) ignored: login refused, logged reason=$(grep -o 'event=reply-dropped reason=[a-z-]*' "$SRV_LOG" | head -1 | cut -d= -f3)"
	stop_server
	fport=$((fport + 1))
done

# ---- the accounting server away, then back: every record exactly once ----
ALL=("${COMMON[@]}" "radius-server 127.0.0.1:1812 testing123")
last_sid() { grep -o "user=$1 .*acct-session-id=[0-9A-F]*" "$SRV_LOG" | sed 's/.*acct-session-id=//' | tail -1; }
start_server 192.0.2.10-20 "${ALL[@]}"
radius_wait_detail acct Accounting-On "$NSTART"
stops=$(radius_detail_count acct Stop)
starts=$(radius_detail_count acct Start)
radius_stop acct
connect_ok out1 alice alice-secret --run true
sid1=$(last_sid alice)
connect_ok out2 bob bob-secret --run true
sid2=$(last_sid bob)
sleep 3 # several retries of each record while the server is away
radius_start acct --auth-port 1912 --acct-port 1913
radius_wait_detail acct Stop $((stops + 2)) 20
radius_wait_detail acct Start $((starts + 2)) 20
for sid in "$sid1" "$sid2"; do
	for st in Start Stop; do
		radius_detail_field acct $st "$sid" Acct-Session-Id >/dev/null || it_fail "no $st for $sid after the outage"
	done
done
delay=$(radius_detail_field acct Start "$sid1" Acct-Delay-Time)
[ "$delay" -ge 2 ] || it_fail "Acct-Delay-Time $delay for a record held through the outage"
it_pass "accounting server away and back: Start and Stop of both sessions arrive (Acct-Delay-Time $delay s)"
offs=$(radius_detail_count acct Accounting-Off)
stop_server
radius_wait_detail acct Accounting-Off $((offs + 1))

# ---- across a restart of pptpd: the spool ----
radius_stop acct
start_server 192.0.2.10-20 "${ALL[@]}"
connect_ok spooled alice alice-secret --run true
spool_sid=$(last_sid alice)
stop_server
start_server 192.0.2.10-20 "${ALL[@]}"
wait_log 'radius=acct event=spool-loaded records=[0-9]+'
radius_start acct --auth-port 1912 --acct-port 1913
radius_wait_detail acct Stop $((stops + 3)) 20
radius_detail_field acct Start "$spool_sid" Acct-Session-Id >/dev/null ||
	it_fail "the Start of $spool_sid did not survive the restart"
radius_detail_field acct Stop "$spool_sid" Acct-Session-Id >/dev/null ||
	it_fail "the Stop of $spool_sid did not survive the restart"
radius_wait_detail acct Accounting-Off $((offs + 2)) 20
it_pass "records unacknowledged at shutdown sent after the restart ($(grep -o 'spool-loaded records=[0-9]*' "$SRV_LOG" | tail -1))"
stop_server

# Exactly once: no (status, session) pair twice in the detail file.
dups=$(awk '
	/^[A-Z][a-z]{2} / { if (st != "") print st " " sid; st = ""; sid = "" }
	/Acct-Status-Type =/ { st = $3 }
	/Acct-Session-Id =/ { sid = $3 }
	END { if (st != "") print st " " sid }' "$(radius_dir acct)/detail" | sort | uniq -d)
[ -z "$dups" ] || it_fail "records that arrived twice: $dups"
n=$(awk '/Acct-Status-Type =/ { n++ } END { print n + 0 }' "$(radius_dir acct)/detail")
it_pass "every accounting record arrived exactly once ($n records)"

# ---- a slow RADIUS server never holds up the loop ----
# The relay answers after 6 s. bob logs in first (6 s), then pings the LAN
# host 20 times in 3.8 s while alice's Access-Request waits at the relay,
# and a probe opens a new control connection and a call meanwhile. Had the
# loop waited for RADIUS, the pings would stall for seconds and the probe
# would come up only after alice's answer; the log's order shows it did not.
radius_slow_proxy 2100 1812 6
start_server 192.0.2.10-20 "${BASE[@]}" "radius-server 127.0.0.1:2100 testing123" \
	"radius-timeout 10" "radius-tries 1"
export PWFILE=$IT_TMP/bob.pw
echo bob-secret >"$PWFILE"
BG_USER=bob bg_connect "$IT_TMP/busy.log" --timeout 40 --route 203.0.113.0/24 \
	--run "sleep 0.3; ping -c 20 -i 0.2 -W 1 203.0.113.2"
wait_up "$IT_TMP/busy.log" 15
# Each client its own source address: pptpbench numbers its calls from 1.
connect slow alice alice-secret --timeout 20 --bind 198.51.100.3 --run true &
slow_pid=$!
wait_log 'user=alice peer=[0-9.:]+ method=mschapv2 event=auth-request'
probe_ok=no
if ip netns exec "$CLI" "$PPTPBENCH" probe --server 198.51.100.1 --bind 198.51.100.4 \
	>"$IT_TMP/probe.out" 2>&1; then
	probe_ok=yes
fi
wait "$slow_pid" || true
for _ in $(seq 1 100); do grep -q '^disconnect' "$IT_TMP/busy.log" && break; sleep 0.1; done
cat "$IT_TMP/busy.log" "$IT_TMP/probe.out"
grep -q '20 packets transmitted, 20 received' "$IT_TMP/busy.log" ||
	it_fail "bob's pings were lost while alice's RADIUS request waited"
[ "$probe_ok" = yes ] || it_fail "a new control connection was not served while RADIUS was slow"
expect_out slow '^auth-ok '
# Order in the server log: alice asks, bob's session and the probe's call
# live and end, only then alice's answer.
line_of() { grep -nE -- "$1" "$SRV_LOG" | head -1 | cut -d: -f1; }
l_req=$(line_of 'user=alice peer=[0-9.:]+ method=mschapv2 event=auth-request')
l_bob=$(line_of 'user=bob .*event=session-down')
l_probe=$(line_of 'peer=198\.51\.100\.4:[0-9]+ event=ctrl-open')
l_ok=$(line_of 'user=alice peer=[0-9.:]+ method=mschapv2 event=auth-ok')
[ -n "$l_req" ] && [ -n "$l_bob" ] && [ -n "$l_probe" ] && [ -n "$l_ok" ] &&
	[ "$l_req" -lt "$l_probe" ] && [ "$l_probe" -lt "$l_ok" ] && [ "$l_bob" -lt "$l_ok" ] ||
	{ server_tail; it_fail "not served meanwhile: request line $l_req, probe $l_probe, bob's end $l_bob, answer $l_ok"; }
auth_ms=$(sed -n 's/^auth-ok \([0-9.]*\) ms.*/\1/p' "$IT_TMP/slow.out")
rtt=$(sed -n 's/^rtt min\/avg\/max\/mdev = [0-9.]*\/[0-9.]*\/\([0-9.]*\)\/.*/\1/p' "$IT_TMP/busy.log")
it_pass "slow RADIUS (6 s): while alice's login waited ($auth_ms ms) bob's 20 pings all came back (max RTT $rtt ms) and a probe connected and made a call"
stop_server
