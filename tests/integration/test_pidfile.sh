#!/usr/bin/env bash
# The pidfile is written as root without following what sits at its name,
# the network of test_e2e.sh (e2e_lib.sh):
#
#   client 198.51.100.2 --- 198.51.100.1 server 203.0.113.1 --- 203.0.113.2 LAN
#
# Cases: a symlink at the pidfile's path pointing at a victim file is
# replaced by the pidfile, the victim untouched, while a client logs in and
# pings the LAN; the pidfile goes at a clean stop; a pidfile in a directory
# anyone may write to (no sticky bit) is refused with a clear line and the
# server does not start.
set -euo pipefail
: "${PPTPD:?}" "${PPTPCTL:?}" "${PPTPBENCH:?}" "${SRCDIR:?}" "${ITOOLS:?}"
. "$SRCDIR/tests/integration/lib.sh"
. "$SRCDIR/tests/integration/e2e_lib.sh"

it_init pidfile
e2e_net
echo 'alice-secret' | ctl user add alice --password-stdin

RUN=$IT_TMP/run
mkdir -m 0755 "$RUN"
VICTIM=$IT_TMP/victim
printf 'root:x:0:0:do not touch\n' >"$VICTIM"
chmod 0600 "$VICTIM"
victim_sum=$(sha256sum <"$VICTIM")
ln -s "$VICTIM" "$RUN/pptpd.pid"

# ---- a symlink planted at the path ----
start_server 192.0.2.10-20 "pidfile $RUN/pptpd.pid"
for _ in $(seq 1 50); do
	[ -f "$RUN/pptpd.pid" ] && [ ! -L "$RUN/pptpd.pid" ] && break
	sleep 0.1
done
[ ! -L "$RUN/pptpd.pid" ] || it_fail "the symlink at the pidfile's path is still there"
[ -f "$RUN/pptpd.pid" ] || it_fail "no pidfile"
[ "$(cat "$RUN/pptpd.pid")" = "$SRV_PID" ] ||
	it_fail "pidfile holds '$(cat "$RUN/pptpd.pid")', not the server's PID $SRV_PID"
[ "$(stat -c %a "$RUN/pptpd.pid")" = 644 ] || it_fail "pidfile mode $(stat -c %a "$RUN/pptpd.pid")"
[ "$(sha256sum <"$VICTIM")" = "$victim_sum" ] || it_fail "the victim file behind the symlink was written"
[ "$(stat -c %a "$VICTIM")" = 600 ] || it_fail "the victim's mode changed"
[ -z "$(find "$RUN" -name '.pptpd.pid.*')" ] || it_fail "a temporary file was left: $(ls -a "$RUN")"
it_pass "a symlink at the pidfile's path is replaced by the pidfile (mode 644); the file it pointed at is untouched"

connect_ok login alice alice-secret --route 203.0.113.0/24 --run "ping -c 2 -W 2 203.0.113.2"
expect_out login '2 packets transmitted, 2 received'
it_pass "a client logs in and pings the LAN host through that server"
expect_idle "the client"

stop_server
[ ! -e "$RUN/pptpd.pid" ] || it_fail "pidfile left after a clean stop"
[ "$(sha256sum <"$VICTIM")" = "$victim_sum" ] || it_fail "the victim file changed at the stop"
it_pass "the pidfile is removed at a clean stop; the victim still untouched"

# ---- a directory anyone may write to, without the sticky bit ----
OPEN=$IT_TMP/open
mkdir "$OPEN"
chmod 0777 "$OPEN"
conf=$IT_TMP/open.conf
sed "s|^pidfile .*|pidfile $OPEN/pptpd.pid|" "$IT_TMP/pptpd.conf" >"$conf"
status=0
timeout 20 ip netns exec "$SRV" "$PPTPD" -c "$conf" >"$IT_TMP/open.log" 2>&1 || status=$?
[ "$status" = 1 ] || { cat "$IT_TMP/open.log" >&2; it_fail "pptpd exited $status with a pidfile in a 0777 directory"; }
grep -qF "pidfile $OPEN/pptpd.pid: directory $OPEN is writable by everyone (and not sticky)" "$IT_TMP/open.log" ||
	{ cat "$IT_TMP/open.log" >&2; it_fail "no clear line for the world-writable directory"; }
[ -z "$(ls -A "$OPEN")" ] || it_fail "something was written into the open directory: $(ls -A "$OPEN")"
it_pass "a pidfile in a world-writable, non-sticky directory is refused and the server does not start"

# The same directory with the sticky bit (as /tmp is) is accepted.
chmod 1777 "$OPEN"
start_server 192.0.2.10-20 "pidfile $OPEN/pptpd.pid"
for _ in $(seq 1 50); do
	[ -f "$OPEN/pptpd.pid" ] && break
	sleep 0.1
done
[ "$(cat "$OPEN/pptpd.pid" 2>/dev/null)" = "$SRV_PID" ] || it_fail "no pidfile in the sticky directory"
stop_server
it_pass "a sticky world-writable directory (like /tmp) is accepted"
