#!/usr/bin/env bash
# Per-session rate limits (policing), against Debian's FreeRADIUS:
#
#   client 198.51.100.2 --- 198.51.100.1 server 203.0.113.1 --- 203.0.113.2/.3 LAN
#                                  |
#                          FreeRADIUS 127.0.0.1 (in the server namespace)
#
# alice's Access-Accept carries Filter-Id "4000/2000" (accel-ppp's form):
# iperf3 through her tunnel, UDP offered at twice the rate, must arrive at
# 4 Mbit/s down and 2 Mbit/s up within ±10% (the receiver's figure; the
# payload is 1300 of 1328 IP bytes, the burst 100 ms over 4 s: both well
# inside the margin). bob, up beside her, has no limit: his TCP transfer
# must exceed twice her down rate. A CoA with Filter-Id "3000/3000" is
# applied, one with a Filter-Id naming a filter NAKed (401). A CoA-Request
# with the pptpd vendor pair
# (dist/dictionary.pptpd, loaded by FreeRADIUS's radclient) then sets
# alice to 1000/1000 and the next transfer must arrive at 1 Mbit/s ±10%.
# carol's Accept has only pptpd-Rate-Limit-Down (FreeRADIUS's server loads
# the dictionary too): her session-up line shows 3000/0. The drops are
# counted: alice's session show and session-down line, the stats line.
# Then with the SQLite store: rate-limit-down/-up as every user's default
# (dora, measured at 2 Mbit/s down), a user's `pptpctl --rate` over them.
set -euo pipefail
: "${PPTPD:?}" "${PPTPCTL:?}" "${PPTPBENCH:?}" "${SRCDIR:?}" "${ITOOLS:?}"
. "$SRCDIR/tests/integration/lib.sh"
. "$SRCDIR/tests/integration/e2e_lib.sh"

command -v iperf3 >/dev/null || it_fail "iperf3 is not installed (scripts/deps.sh)"
it_init rate_limit
e2e_net
. "$SRCDIR/tests/integration/radius_lib.sh"

radius_user main alice alice-secret 'Filter-Id = "4000/2000"'
radius_user main bob bob-secret
radius_user main carol carol-secret 'pptpd-Rate-Limit-Down = 3000'
radius_start main

start_server 192.0.2.10-20 "auth radius" "radius-server 127.0.0.1:1812 testing123" \
	"dae-listen 127.0.0.1:3799" "dae-client 127.0.0.1 daesecret" \
	"control-socket $IT_TMP/control.sock"
wait_log 'radius=dae event=listening'
ctl_s() { "$PPTPCTL" --socket "$IT_TMP/control.sock" "$@"; }

# A second LAN address for bob's route, so both sessions are up at once.
it_addr "$LAN" veth0 203.0.113.3/24
it_bg "$LAN" "$IT_TMP/iperf-a.log" iperf3 -s -B 203.0.113.2 -p 5201 >/dev/null
it_bg "$LAN" "$IT_TMP/iperf-b.log" iperf3 -s -B 203.0.113.3 -p 5202 >/dev/null
it_wait_tcp "$LAN" 203.0.113.2 5201
it_wait_tcp "$LAN" 203.0.113.3 5202

# The receiver's rate of an iperf3 JSON file, kbit/s.
rate_of() {
	python3 -c 'import json,sys; print(int(json.load(open(sys.argv[1]))["end"]["sum_received"]["bits_per_second"] / 1000))' "$1" ||
		{ cat "$1" >&2; it_fail "no iperf3 result in $(basename "$1")"; }
}
# within KBIT WANT: within ±10%
within() {
	[ "$1" -ge $(($2 * 9 / 10)) ] && [ "$1" -le $(($2 * 11 / 10)) ]
}

T=$IT_TMP
U="iperf3 -c 203.0.113.2 -p 5201 -u -l 1300 -t 4 -J"
cat >"$T/alice.sh" <<EOS
$U -R -b 8M >$T/a-down.json || exit 11
$U -b 4M >$T/a-up.json || exit 12
touch $T/a-phase1
i=0
while [ ! -e $T/a-go ] && [ \$i -lt 400 ]; do sleep 0.1; i=\$((i + 1)); done
[ -e $T/a-go ] || exit 13
$U -R -b 2M >$T/a-coa.json || exit 14
EOS
export PWFILE=$T/alice.pw
echo alice-secret >"$PWFILE"
bg_connect "$T/alice.out" --timeout 90 --bind 198.51.100.2 --route 203.0.113.2/32 --run "sh $T/alice.sh"
ALICE=$IT_LAST_PID
wait_up "$T/alice.out"
wait_log 'user=alice .*event=session-up .*rate=4000/2000 '
it_pass "Filter-Id \"4000/2000\" from RADIUS: alice's session-up shows rate=4000/2000"

for _ in $(seq 1 300); do
	[ -e "$T/a-phase1" ] && break
	kill -0 "$ALICE" 2>/dev/null || break
	sleep 0.1
done
[ -e "$T/a-phase1" ] || { cat "$T/alice.out" >&2; server_tail; it_fail "alice's first transfers did not finish"; }
down=$(rate_of "$T/a-down.json")
up=$(rate_of "$T/a-up.json")
within "$down" 4000 || it_fail "alice down: $down kbit/s, configured 4000 (±10%)"
within "$up" 2000 || it_fail "alice up: $up kbit/s, configured 2000 (±10%)"
it_pass "iperf3 through alice's tunnel: down $down kbit/s (limit 4000), up $up kbit/s (limit 2000)"

show=$(ctl_s session show alice)
echo "$show"
echo "$show" | awk -F '\t' 'NR > 1 && $14 == "4000/2000" && $15 > 0 { ok = 1 } END { exit !ok }' ||
	it_fail "session show: no rate 4000/2000 with rate_dropped > 0"
it_pass "pptpctl session show: rate 4000/2000, drops counted"

# bob beside her, no limit: TCP as fast as the tunnel goes.
connect_ok bob bob bob-secret --bind 198.51.100.3 --tun pptpg1 --route 203.0.113.3/32 \
	--run "iperf3 -c 203.0.113.3 -p 5202 -t 3 -J >$T/bob.json"
grep -Eq 'user=bob .*event=session-up .*rate=0/0 ' "$SRV_LOG" || it_fail "bob's session-up is not rate=0/0"
bob=$(rate_of "$T/bob.json")
[ "$bob" -gt 8000 ] || it_fail "bob (no limit): $bob kbit/s, not above twice alice's 4000"
it_pass "bob without a limit, beside alice: $bob kbit/s"

# CoA with a Filter-Id rate; one with a Filter-Id that is a filter's name
# is refused (401) and changes nothing.
reply=$(radius_coa 127.0.0.1:3799 daesecret 'User-Name = "alice"' 'Filter-Id = "3000/3000"')
[ "$(head -1 <<<"$reply")" = CoA-ACK ] || it_fail "CoA with Filter-Id 3000/3000: '$reply'"
wait_log 'user=alice .*event=rate-changed rate=3000/3000'
reply=$(radius_coa 127.0.0.1:3799 daesecret 'User-Name = "alice"' 'Filter-Id = "guests"')
[ "$(head -1 <<<"$reply")" = CoA-NAK ] && grep -q 'Error-Cause = Unsupported-Attribute' <<<"$reply" ||
	it_fail "CoA with Filter-Id \"guests\": '$reply', expected a NAK with Unsupported-Attribute"
ctl_s session show alice | awk -F '\t' 'NR > 1 && $14 == "3000/3000" { ok = 1 } END { exit !ok }' ||
	it_fail "the refused CoA changed alice's rate"
it_pass "CoA Filter-Id \"3000/3000\" applied; Filter-Id \"guests\" NAKed, rate kept"

# CoA with the vendor pair: 1000/1000 for the rest of alice's session.
reply=$(radius_coa 127.0.0.1:3799 daesecret 'User-Name = "alice"' \
	'pptpd-Rate-Limit-Down = 1000' 'pptpd-Rate-Limit-Up = 1000')
[ "$(head -1 <<<"$reply")" = CoA-ACK ] || it_fail "CoA with the rate pair: '$reply'"
wait_log 'user=alice .*event=rate-changed rate=1000/1000'
touch "$T/a-go"
wait "$ALICE" || { cat "$T/alice.out" >&2; it_fail "alice's client exited $?"; }
coa=$(rate_of "$T/a-coa.json")
within "$coa" 1000 || it_fail "alice down after the CoA: $coa kbit/s, now 1000 (±10%)"
it_pass "CoA pptpd-Rate-Limit-Down/Up = 1000: alice's next transfer $coa kbit/s"

wait_log 'user=alice .*event=session-down .*rate-dropped=[1-9]'
st=$(stats)
[ "$(stat_field "$st" rate-dropped)" -gt 0 ] || it_fail "stats: rate-dropped is 0"
it_pass "drops in alice's session-down line and the stats line"

# carol: only the down attribute of the vendor pair in the Accept.
connect_ok carol carol carol-secret --route 203.0.113.2/32 --run "ping -c 2 -W 2 203.0.113.2"
expect_out carol '2 packets transmitted, 2 received'
grep -Eq 'user=carol .*event=session-up .*rate=3000/0 ' "$SRV_LOG" ||
	it_fail "carol's session-up is not rate=3000/0"
it_pass "pptpd-Rate-Limit-Down alone (FreeRADIUS loaded dist/dictionary.pptpd): rate=3000/0"
stop_server

# ---- the SQLite store: the keys as defaults, a user's --rate over them ----
echo dora-secret | ctl user add dora --password-stdin
echo erik-secret | ctl user add erik --password-stdin --rate 3000/1500
start_server 192.0.2.10-20 "rate-limit-down 2000" "rate-limit-up 1000"
connect_ok dora dora dora-secret --route 203.0.113.2/32 \
	--run "$U -R -b 4M >$T/dora.json"
grep -Eq 'user=dora .*event=session-up .*rate=2000/1000 ' "$SRV_LOG" ||
	it_fail "dora's session-up is not rate=2000/1000 (the keys)"
dora=$(rate_of "$T/dora.json")
within "$dora" 2000 || it_fail "dora down: $dora kbit/s, rate-limit-down 2000 (±10%)"
it_pass "rate-limit-down 2000 for a store user without a rate: $dora kbit/s"
connect_ok erik erik erik-secret --route 203.0.113.2/32 --run "ping -c 2 -W 2 203.0.113.2"
expect_out erik '2 packets transmitted, 2 received'
grep -Eq 'user=erik .*event=session-up .*rate=3000/1500 ' "$SRV_LOG" ||
	it_fail "erik's session-up is not rate=3000/1500 (pptpctl user add --rate)"
it_pass "pptpctl --rate 3000/1500 replaces the keys: rate=3000/1500"
stop_server
