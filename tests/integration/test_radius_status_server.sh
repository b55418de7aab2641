#!/usr/bin/env bash
# A dead RADIUS server found back by Status-Server probes (RFC 5997)
# instead of waiting out radius-dead-time: pptpd against two FreeRADIUS
# instances (radius_lib.sh), `pptpbench connect` as the clients.
#
# The first server (auth and acct) is frozen with SIGSTOP while bob's
# session pings the LAN host: alice's login fails over to the second
# server, her accounting records too, and both ports of the first are
# marked dead for 300 s. The first server is thawed: pptpd's probes find
# it back within seconds (event=server-alive by=status-server), long
# before the 300 s could explain it, and carol's login is answered by it
# again. bob pings throughout.
set -euo pipefail
: "${PPTPD:?}" "${PPTPCTL:?}" "${PPTPBENCH:?}" "${SRCDIR:?}" "${ITOOLS:?}"
. "$SRCDIR/tests/integration/lib.sh"
. "$SRCDIR/tests/integration/e2e_lib.sh"

it_init radiusss
e2e_net
. "$SRCDIR/tests/integration/radius_lib.sh"

for n in main backup; do
	radius_user $n alice alice-secret
	radius_user $n bob bob-secret
	radius_user $n carol carol-secret
done
radius_start main
radius_start backup --auth-port 1822 --acct-port 1823
main_pid=${RADIUS_PIDS[main]}
thaw() { kill -CONT "$main_pid" 2>/dev/null || true; }
trap 'thaw; it_cleanup' EXIT

start_server 192.0.2.10-20 "auth radius" \
	"radius-server 127.0.0.1:1812 testing123" "radius-server 127.0.0.1:1822 testing123" \
	"radius-acct-server 127.0.0.1:1813 testing123" "radius-acct-server 127.0.0.1:1823 testing123" \
	"radius-acct-spool $IT_STATE/spool.db" \
	"radius-timeout 1" "radius-tries 1" "radius-dead-time 300"
radius_wait_detail main Accounting-On 1

# bob, the legitimate client beside: logs in at the first server, pings on.
echo bob-secret >"$IT_TMP/bob.pw"
good_pinger
[ "$(radius_auth_count main Access-Accept)" = 1 ] || it_fail "bob was not answered by the first server"

# ---- the first server freezes: failover, dead for 300 s ----
kill -STOP "$main_pid"
# Own source address each: pptpbench numbers its calls from 1 (bob is on .3).
connect_ok out alice alice-secret --timeout 20 --bind 198.51.100.2 --run true
wait_log 'radius=auth event=failover from=127.0.0.1:1812 to=127.0.0.1:1822'
wait_log 'radius=auth server=127.0.0.1:1812 event=server-dead tries=1 dead-for=300s status-server=probing'
wait_log 'radius=acct server=127.0.0.1:1813 event=server-dead tries=1 dead-for=300s status-server=probing' 15
[ "$(radius_auth_count backup Access-Accept)" -ge 1 ] || it_fail "alice was not answered by the second server"
it_pass "first server frozen: alice's login and accounting failed over, both of its ports dead for 300 s"

# ---- thawed: probes find it back long before 300 s ----
thaw
wait_log 'radius=auth server=127.0.0.1:1812 event=server-alive by=status-server answer=Access-Accept' 20
wait_log 'radius=acct server=127.0.0.1:1813 event=server-alive by=status-server answer=Accounting-Response' 20
grep -q 'event=server-alive by=reply' "$SRV_LOG" && it_fail "a server came back by a reply, not by a probe"
before=$(radius_auth_count main Access-Accept)
connect_ok after carol carol-secret --bind 198.51.100.2 --run true
[ "$(radius_auth_count main Access-Accept)" -gt "$before" ] ||
	it_fail "carol's login did not go to the revived first server"
grep -q 'Received Status-Server' "$(radius_dir main)/radius.log" ||
	it_fail "the first server's log shows no Status-Server"
it_pass "thawed: Status-Server revived auth and acct ports of the first server within seconds (dead-time 300 s); carol's login went to it"

good_pinger_end
stop_server
