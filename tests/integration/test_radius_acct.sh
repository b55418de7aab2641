#!/usr/bin/env bash
# RADIUS accounting as FreeRADIUS records it: every assertion reads the
# server's detail file (radius_lib.sh), `pptpbench connect` as the clients.
#
# One run of pptpd: Accounting-On is the first record; bob's session (his
# pings to the LAN host every 0.1 s) has a Start with its attributes,
# Interim-Updates every 2 s whose counters grow, a Stop with
# Acct-Terminate-Cause User-Request and the final counters; Accounting-Off
# is the last record after a clean stop. Then the spool: the accounting
# server goes away, alice's session comes and goes, pptpd stops cleanly
# with her records unanswered, the server comes back, the next pptpd
# replays them: they arrive once, with an Acct-Delay-Time counting the
# time they waited.
set -euo pipefail
: "${PPTPD:?}" "${PPTPCTL:?}" "${PPTPBENCH:?}" "${SRCDIR:?}" "${ITOOLS:?}"
. "$SRCDIR/tests/integration/lib.sh"
. "$SRCDIR/tests/integration/e2e_lib.sh"

it_init radiusacct
e2e_net
. "$SRCDIR/tests/integration/radius_lib.sh"

radius_user main alice alice-secret
radius_user main bob bob-secret
radius_start main
# Accounting on its own instance, so it can go away alone.
radius_start acct --auth-port 1912 --acct-port 1913

CONF=("auth radius" "radius-server 127.0.0.1:1812 testing123"
	"radius-acct-server 127.0.0.1:1913 testing123" "radius-acct-spool $IT_STATE/spool.db"
	"radius-acct-interim 2" "radius-timeout 1" "radius-tries 1")
last_sid() { grep -o "user=$1 .*acct-session-id=[0-9A-F]*" "$SRV_LOG" | sed 's/.*acct-session-id=//' | tail -1; }
field() {
	radius_detail_field acct "$1" "$2" "$3" || { radius_detail_statuses acct >&2; it_fail "no $3 in the $1 of $2"; }
}

# ---- one run: On, Start, Interim-Updates that grow, Stop, Off ----
start_server 192.0.2.10-20 "${CONF[@]}"
radius_wait_detail acct Accounting-On 1
[ "$(radius_detail_statuses acct | head -1)" = Accounting-On ] ||
	it_fail "the first record is $(radius_detail_statuses acct | head -1), not Accounting-On"
echo bob-secret >"$IT_TMP/bob.pw"
good_pinger
sid=$(last_sid bob)
[ -n "$sid" ] || it_fail "no acct-session-id for bob in the log"
radius_wait_detail acct Interim-Update 3 15
good_pinger_end
radius_wait_detail acct Stop 1

[ "$(field Start "$sid" User-Name)" = bob ] || it_fail "Start: User-Name"
[ "$(field Start "$sid" Framed-IP-Address)" = 192.0.2.10 ] || it_fail "Start: Framed-IP-Address"
[ "$(field Start "$sid" NAS-Port-Type)" = Virtual ] || it_fail "Start: NAS-Port-Type"
[ "$(field Start "$sid" Acct-Authentic)" = RADIUS ] || it_fail "Start: Acct-Authentic"
field Start "$sid" Event-Timestamp >/dev/null
radius_detail_field acct Start "$sid" Acct-Input-Octets >/dev/null &&
	it_fail "the Start carries counters"
it_pass "Accounting-On first; Start of $sid with User-Name, Framed-IP-Address, NAS-Port-Type, Acct-Authentic"

# Counters in Interim-Updates, oldest first, then the Stop: each grows.
grows() {
	local attr=$1 prev=-1 v n=0
	for v in $(radius_detail_values acct Interim-Update "$sid" "$attr") \
		$(radius_detail_values acct Stop "$sid" "$attr"); do
		[ "$v" -gt "$prev" ] || it_fail "$attr went from $prev to $v: $(radius_detail_values acct Interim-Update "$sid" "$attr" | tr '\n' ' ')"
		prev=$v
		n=$((n + 1))
	done
	[ "$n" -ge 4 ] || it_fail "$attr in only $n records"
	echo "$prev"
}
in_o=$(grows Acct-Input-Octets)
out_o=$(grows Acct-Output-Octets)
in_p=$(grows Acct-Input-Packets)
grows Acct-Output-Packets >/dev/null
[ "$(radius_detail_values acct Interim-Update "$sid" Acct-Session-Time | tail -1)" -ge 4 ] ||
	it_fail "the last Interim-Update's Acct-Session-Time is under 4 s"
[ "$(field Stop "$sid" Acct-Terminate-Cause)" = User-Request ] || it_fail "Stop: Acct-Terminate-Cause"
it_pass "$(radius_detail_count acct Interim-Update) Interim-Updates with growing counters, then the Stop (User-Request): in $in_o octets / $in_p packets, out $out_o octets"

stop_server
radius_wait_detail acct Accounting-Off 1
[ "$(radius_detail_statuses acct | tail -1)" = Accounting-Off ] ||
	it_fail "the last record is $(radius_detail_statuses acct | tail -1), not Accounting-Off"
it_pass "Accounting-Off is the last record after a clean stop"

# ---- the spool: records of a clean stop without a server, replayed ----
start_server 192.0.2.10-20 "${CONF[@]}"
radius_wait_detail acct Accounting-On 2
radius_stop acct
connect_ok away alice alice-secret --bind 198.51.100.2 --run true
asid=$(last_sid alice)
wait_log "radius=acct server=127.0.0.1:1913 event=server-dead"
stop_server
sleep 2 # the records wait in the spool
radius_start acct --auth-port 1912 --acct-port 1913
start_server 192.0.2.10-20 "${CONF[@]}"
wait_log 'radius=acct event=spool-loaded records=[0-9]+'
radius_wait_detail acct Stop 2 15
radius_wait_detail acct Accounting-Off 2 15
delay=$(field Stop "$asid" Acct-Delay-Time)
[ "$delay" -ge 2 ] || it_fail "the replayed Stop of $asid says Acct-Delay-Time $delay"
[ "$(field Start "$asid" Acct-Delay-Time)" -ge "$delay" ] || it_fail "the replayed Start is younger than its Stop"
[ "$(radius_detail_count acct Stop)" = 2 ] || it_fail "$(radius_detail_count acct Stop) Stops, wanted 2"
# bob logs in beside the replay, and his Start arrives too.
starts=$(radius_detail_count acct Start)
connect_ok beside bob bob-secret --bind 198.51.100.3 --run true
radius_wait_detail acct Start $((starts + 1))
it_pass "replayed from the spool after a clean stop without a server: alice's Start and Stop (Acct-Delay-Time $delay s), the Accounting-Off, each once; bob's new session accounted beside"
stop_server
