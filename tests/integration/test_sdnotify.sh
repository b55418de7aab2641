# systemd's notification protocol (server/sdnotify.h), without systemd: a
# python3 datagram socket stands in for the manager. READY=1 must arrive
# only once the listener accepts (the receiver connects to port 1723 the
# moment READY=1 arrives), WATCHDOG=1 must keep coming with WATCHDOG_USEC
# set, STOPPING=1 at SIGTERM; the same over an abstract socket ("@name");
# WATCHDOG_PID of another process means no watchdog; an unusable
# NOTIFY_SOCKET stops the start with one clear line. A PPTP client works
# beside it all the while.
set -euo pipefail
: "${PPTPD:?}" "${ITOOLS:?}" "${SRCDIR:?}"
. "$SRCDIR/tests/integration/lib.sh"
command -v python3 >/dev/null || it_fail "python3 not installed"

it_init sdnotify
SRV=$(it_ns srv)
CLI=$(it_ns cli)
it_link "$SRV" veth0 198.51.100.1/24 "$CLI" veth1 198.51.100.2/24
. "$SRCDIR/tests/integration/pptpd.sh"

# recv.py ADDRESS OUT: one line in OUT per datagram, its lines joined by
# ' '; after READY=1, "listener=up" or "listener=down" from a connect to
# 198.51.100.1:1723 made right then.
cat >"$IT_TMP/recv.py" <<'PY'
import socket, sys
addr, out = sys.argv[1], sys.argv[2]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind("\0" + addr[1:] if addr.startswith("@") else addr)
with open(out, "a", buffering=1) as f:
    f.write("bound\n")
    while True:
        msg = s.recv(4096).decode(errors="replace")
        f.write(msg.replace("\n", " ") + "\n")
        if "READY=1" in msg:
            c = socket.socket()
            c.settimeout(2)
            try:
                c.connect(("198.51.100.1", 1723))
                f.write("listener=up\n")
            except OSError:
                f.write("listener=down\n")
            c.close()
PY

# start_recv ADDRESS NAME: the stand-in manager; its output in $RECV_OUT.
start_recv() {
	RECV_OUT=$IT_TMP/recv.$2.out
	: >"$RECV_OUT"
	it_bg "$SRV" "$IT_TMP/recv.log" python3 "$IT_TMP/recv.py" "$1" "$RECV_OUT" >/dev/null
	RECV_PID=$IT_LAST_PID
	for _ in $(seq 1 50); do
		grep -q '^bound$' "$RECV_OUT" && return 0
		sleep 0.1
	done
	it_fail "the notify receiver did not start: $(cat "$IT_TMP/recv.log")"
}

# wait_recv PATTERN COUNT: until COUNT lines match (10 s at most).
wait_recv() {
	for _ in $(seq 1 100); do
		[ "$(grep -c -- "$1" "$RECV_OUT" || true)" -ge "$2" ] && return 0
		sleep 0.1
	done
	it_fail "expected $2 '$1' from pptpd, got: $(tr '\n' '|' <"$RECV_OUT")"
}

# ---- a path socket, with the watchdog; stderr as systemd's journal stream ----
start_recv "$IT_TMP/notify.sock" path
export NOTIFY_SOCKET=$IT_TMP/notify.sock WATCHDOG_USEC=400000
# start_server's log is the next pptpd.N.log, opened with '>' (same inode):
# JOURNAL_STREAM naming it makes log-target auto choose journal. (command:
# pptpd.sh has a function named stat.)
: >"$IT_TMP/pptpd.$((NSTART + 1)).log"
JOURNAL_STREAM=$(command stat -c '%d:%i' "$IT_TMP/pptpd.$((NSTART + 1)).log") start_server
wait_recv 'READY=1' 1
grep -qx 'listener=up' "$RECV_OUT" || it_fail "READY=1 came before the listener accepted"
[ "$(grep -c 'READY=1' "$RECV_OUT")" = 1 ] || it_fail "READY=1 sent more than once"
it_pass "READY=1 once, after the listener is up (socket connected before the drop to pptpd)"
grep -q 'event=watchdog interval-ms=200' "$SRV_LOG" || it_fail "no watchdog at half WATCHDOG_USEC"
peer "a client beside the notifications" open start expect-start result=1 \
	echo id=1 expect-echo-reply id=1 stop expect-stop-reply
wait_recv '^WATCHDOG=1$' 5
it_pass "WATCHDOG=1 keeps coming (5 seen) with WATCHDOG_USEC=400000"
stop_server
wait_recv '^STOPPING=1$' 1
it_stop "$RECV_PID"
grep -q "^<5>notice: .*event=server-start" "$SRV_LOG" || { head -3 "$SRV_LOG" >&2; it_fail "no <5> prefix under JOURNAL_STREAM"; }
grep -q '^<5>notice: .*event=privileges-dropped' "$SRV_LOG" || it_fail "no <5> line after the drop"
grep -qv '^<[3-7]>' "$SRV_LOG" && it_fail "a line without its priority: $(grep -v '^<[3-7]>' "$SRV_LOG" | head -1)"
it_pass "JOURNAL_STREAM naming stderr: every line carries its <N> priority"

# ---- an abstract socket; WATCHDOG_PID of another process ----
start_recv "@pptpd-test-$$" abstract
export NOTIFY_SOCKET=@pptpd-test-$$ WATCHDOG_PID=1
start_server
wait_recv 'READY=1' 1
grep -qx 'listener=up' "$RECV_OUT" || it_fail "abstract socket: READY=1 before the listener"
grep -q 'event=watchdog' "$SRV_LOG" && it_fail "a watchdog for WATCHDOG_PID=1"
grep -q 'WATCHDOG=1' "$RECV_OUT" && it_fail "WATCHDOG=1 sent though WATCHDOG_PID is another process"
peer "a client beside, abstract socket" open start expect-start result=1 stop expect-stop-reply
stop_server
wait_recv '^STOPPING=1$' 1
it_stop "$RECV_PID"
it_pass "abstract NOTIFY_SOCKET: READY=1 and STOPPING=1; no watchdog for another WATCHDOG_PID"
unset WATCHDOG_PID

# ---- an unusable NOTIFY_SOCKET: exit 1, one clear line ----
for bad in relative.sock "$IT_TMP/none/notify.sock"; do
	status=0
	NOTIFY_SOCKET=$bad ip netns exec "$SRV" "$PPTPD" --echo-frames -c "$IT_TMP/pptpd.conf" \
		>"$IT_TMP/bad.log" 2>&1 || status=$?
	[ "$status" = 1 ] || it_fail "NOTIFY_SOCKET=$bad: exit $status, expected 1"
	grep -q 'event=notify-failed' "$IT_TMP/bad.log" ||
		it_fail "NOTIFY_SOCKET=$bad: no event=notify-failed: $(cat "$IT_TMP/bad.log")"
done
it_pass "an unusable NOTIFY_SOCKET stops the start with event=notify-failed"
