#!/usr/bin/env bash
# The admin socket (issue 12, "Session control and statistics"): pptpctl
# against pptpd's control-socket in the network of test_e2e.sh (e2e_lib.sh).
#
#   client 198.51.100.2-4 --- 198.51.100.1 server 203.0.113.1 --- 203.0.113.2 LAN
#
# alice (198.51.100.2) and bob (198.51.100.3, pinging the LAN host) log in;
# `session list --json` names both with their addresses and ports; `stats`
# counts two sessions up; `session kill alice` ends hers with the
# Admin-Reset cause in the session-down line while bob pings on; failed
# logins of carol lock her, `lock list` shows it, `lock clear carol` lets
# her right password in. Hostile input on the socket (an over-long line,
# garbage, 100 parallel clients) is answered with an error or closed, and
# the server keeps answering. The socket is 0600, owned by pptpd.
set -euo pipefail
: "${PPTPD:?}" "${PPTPCTL:?}" "${PPTPBENCH:?}" "${SRCDIR:?}" "${ITOOLS:?}"
. "$SRCDIR/tests/integration/lib.sh"
. "$SRCDIR/tests/integration/e2e_lib.sh"

it_init admin
e2e_net
echo 'alice-secret' | ctl user add alice --password-stdin
echo 'bob-secret' | ctl user add bob --password-stdin
echo 'carol-secret' | ctl user add carol --password-stdin
echo alice-secret >"$IT_TMP/alice.pw"
echo bob-secret >"$IT_TMP/bob.pw"
# A directory of its own: pptpd makes it and gives it to the run user.
SOCKDIR=$IT_TMP/run
SOCK=$SOCKDIR/control.sock
adm() {
	"$PPTPCTL" --socket "$SOCK" "$@"
}
# One request line, raw, on the socket; the answer (or nothing) on stdout.
raw() {
	python3 - "$SOCK" "$1" <<'PY'
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.settimeout(5)
s.connect(sys.argv[1])
s.sendall(sys.argv[2].encode('latin-1').decode('unicode_escape').encode('latin-1'))
data = b''
try:
    while not data.endswith(b'\n'):
        d = s.recv(65536)
        if not d:
            break
        data += d
except (socket.timeout, ConnectionResetError):
    pass
sys.stdout.write(data.decode('ascii', 'replace'))
PY
}
jq_py() {
	python3 -c "import json,sys; d=json.load(sys.stdin); $1"
}

# ---- before the server: one clear line ----
out=$(adm session list 2>&1) && it_fail "pptpctl with no server: exit 0"
grep -q 'is pptpd running? is control-socket set?' <<<"$out" || it_fail "no-server message: $out"
it_pass "no server: '$out'"

start_server 192.0.2.10-20 "control-socket $SOCK" "lockout-user-failures 3" \
	"lockout-window 120" "lockout-time 600"
wait_log "event=admin-socket path=$SOCK mode=0600"
[ "$(stat -c '%a %U %F' "$SOCK")" = "600 pptpd socket" ] || it_fail "socket: $(stat -c '%a %U %F' "$SOCK")"
[ "$(stat -c '%a %U' "$SOCKDIR")" = "700 pptpd" ] || it_fail "directory: $(stat -c '%a %U' "$SOCKDIR")"
it_pass "the socket is 0600 owned by pptpd, in a 0700 directory made for it"

# ---- two sessions ----
good_pinger
BG_USER=alice PWFILE=$IT_TMP/alice.pw bg_connect "$IT_TMP/alice.out" --bind 198.51.100.2 \
	--timeout 10 --run "sleep 60"
ALICE=$IT_LAST_PID
wait_up "$IT_TMP/alice.out"

adm session list --json >"$IT_TMP/list.json"
jq_py "
s = sorted(d['sessions'], key=lambda x: x['user'])
assert d['ok'] is True, d
assert [x['user'] for x in s] == ['alice', 'bob'], s
assert s[0]['peer'].startswith('198.51.100.2:') and s[1]['peer'].startswith('198.51.100.3:'), s
for x in s:
    assert x['state'] == 'up', x
    assert x['addr'].startswith('192.0.2.'), x
    assert x['auth'] == 'local' and x['mppe'].startswith('128/') and x['method'] == 'mschapv2', x
    assert x['call_id'] > 0 and x['id'] > 0, x
assert s[1]['rx_packets'] > 0 and s[1]['tx_packets'] > 0, s[1]
" <"$IT_TMP/list.json" || { cat "$IT_TMP/list.json" >&2; it_fail "session list --json"; }
# The addresses are the ones the server logged for each session-up.
for u in alice bob; do
	a=$(jq_py "print([x['addr'] for x in d['sessions'] if x['user']=='$u'][0])" <"$IT_TMP/list.json")
	grep -Eq "user=$u .*addr=$a .*event=session-up|user=$u .*event=session-up.* addr=$a( |$)" "$SRV_LOG" ||
		{ server_tail; it_fail "$u: $a is not the address of the session-up line"; }
done
it_pass "session list --json: alice and bob, up, with their peers and addresses"

adm session list >"$IT_TMP/list.txt"
[ "$(wc -l <"$IT_TMP/list.txt")" = 3 ] && head -1 "$IT_TMP/list.txt" | grep -q '^id	user	peer	addr' &&
	grep -Eq '	bob	198\.51\.100\.3:[0-9]+	192\.0\.2\.[0-9]+	' "$IT_TMP/list.txt" ||
	{ cat "$IT_TMP/list.txt" >&2; it_fail "session list (rows)"; }
adm session show bob --json | jq_py "assert [x['user'] for x in d['sessions']] == ['bob']" ||
	it_fail "session show bob"
it_pass "session list (one row each) and session show USER"

adm stats --json >"$IT_TMP/stats.json"
jq_py "assert d['sessions'] == 2 and d['sessions_up'] == 2 and d['auth_ok'] == 2 and d['calls'] == 2, d" \
	<"$IT_TMP/stats.json" || { cat "$IT_TMP/stats.json" >&2; it_fail "stats do not match 2 sessions"; }
adm stats | grep -q '^sessions 2$' || it_fail "stats (text) has no 'sessions 2'"
it_pass "stats: 2 sessions, 2 up, 2 logins, 2 calls"

# ---- kill alice; bob pings on ----
P0=$(pongs)
adm session kill alice | grep -q '^killed 1$' || it_fail "session kill alice"
wait_log 'user=alice .*event=session-down reason=admin '
wait_log 'user=alice .*event=admin-kill'
IT_STATUS=0
wait "$ALICE" || IT_STATUS=$?
adm session list --json | jq_py "assert [x['user'] for x in d['sessions']] == ['bob'], d" ||
	it_fail "alice still listed after the kill"
out=$(adm session kill alice 2>&1) && it_fail "killing a gone session: exit 0"
[ "$out" = "pptpctl: no such session" ] || it_fail "kill of a gone session: '$out'"
for _ in $(seq 1 50); do
	[ "$(pongs)" -gt "$((P0 + 3))" ] && break
	sleep 0.1
done
[ "$(pongs)" -gt "$((P0 + 3))" ] || it_fail "bob stopped pinging after alice's kill"
it_pass "session kill alice: session-down reason=admin (client exit $IT_STATUS); bob pings on"

# ---- a lock from failed logins, listed and cleared ----
connect bad carol wrong-password --bind 198.51.100.4 --retries 3
[ "$RC" = 1 ] || it_fail "carol's wrong passwords: exit $RC"
wait_log 'user=carol peer=198\.51\.100\.4 event=login-locked lock=user'
adm lock list --json | jq_py "
l = d['locks']
assert len(l) == 1 and l[0]['user'] == 'carol' and l[0]['addr'] == '198.51.100.4' and l[0]['kind'] == 'user', l
" || it_fail "lock list"
adm lock list | grep -Eq '^user	carol	198\.51\.100\.4	[0-9]+	3$' || it_fail "lock list (rows)"
connect locked carol carol-secret --bind 198.51.100.4
[ "$RC" = 1 ] || it_fail "carol's right password while locked: exit $RC"
adm lock clear carol | grep -q '^cleared 1$' || it_fail "lock clear carol"
[ "$(adm lock list --json | jq_py "print(len(d['locks']))")" = 0 ] || it_fail "a lock left after lock clear"
connect_ok unlocked carol carol-secret --bind 198.51.100.4 --run true
it_pass "carol's failures lock her; lock list shows it; lock clear carol lets her right password in"

# ---- hostile input ----
a=$(raw "$(printf 'x%.0s' $(seq 1 2000))\n")
[ "$a" = '{"ok":false,"error":"line too long"}' ] || it_fail "over-long line: '$a'"
a=$(raw 'session\x01\xff\x00 list\n')
[ "$a" = '{"ok":false,"error":"bad request"}' ] || it_fail "garbage: '$a'"
# Several requests on one connection, sent at once: answered in order.
python3 - "$SOCK" <<'PY' || it_fail "two requests on one connection"
import json, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.settimeout(5)
s.connect(sys.argv[1])
s.sendall(b'session list\r\nstats\n')
data = b''
while data.count(b'\n') < 2:
    d = s.recv(65536)
    assert d, data
    data += d
a, b = [json.loads(x) for x in data.split(b'\n')[:2]]
assert a['ok'] and 'sessions' in a and b['ok'] and 'gre_rx' in b, (a, b)
PY
a=$(raw 'frobnicate all\n')
grep -q '"ok":false,"error":"unknown command' <<<"$a" || it_fail "unknown command: '$a'"
a=$(raw 'session kill --peer\n')
grep -q '"ok":false' <<<"$a" || it_fail "kill --peer without address: '$a'"
# 100 clients at once, each holding its connection open: at most 8 are
# served, the rest answered "busy" and closed; none may hang the server.
python3 - "$SOCK" >"$IT_TMP/flood.out" <<'PY'
import socket, sys
socks, busy, served = [], 0, 0
for i in range(100):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(sys.argv[1])  # blocking: waits while the backlog is full
    s.settimeout(5)
    socks.append(s)
for s in socks:
    try:
        s.sendall(b'stats\n')
    except (BrokenPipeError, ConnectionResetError):
        pass  # answered busy and closed already: the answer is still to read
    try:
        d = s.recv(65536)
    except (ConnectionResetError, socket.timeout):
        d = b''
    if d.startswith(b'{"ok":false,"error":"busy'):
        busy += 1
    elif d.startswith(b'{"ok":true'):
        served += 1
print(busy, served)
PY
read -r busy served <"$IT_TMP/flood.out"
[ "$busy" -ge 92 ] && [ "$((busy + served))" = 100 ] ||
	it_fail "100 parallel clients: $busy answered busy, $served served"
adm stats --json | jq_py "
a = d['admin']
assert a['busy'] >= 92 and a['too_long'] == 1 and a['bad'] >= 3, a
assert d['sessions'] == 1, d
" || it_fail "admin counters after the hostile input"
it_pass "over-long line, garbage, unknown commands answered with errors; 100 clients: $served served, $busy busy; counted"
# A client that says nothing is closed by the timeout, not held forever:
# it does not count here (30 s); the server still answers at once.
adm session show bob --json | jq_py "assert len(d['sessions']) == 1" || it_fail "no answer after the flood"
P1=$(pongs)
for _ in $(seq 1 50); do
	[ "$(pongs)" -gt "$((P1 + 2))" ] && break
	sleep 0.1
done
[ "$(pongs)" -gt "$((P1 + 2))" ] || it_fail "bob stopped pinging during the hostile input"
it_pass "the server answers after the hostile input; bob pings on ($(pongs) pings)"

touch "$STOP_GOOD"
IT_STATUS=0
wait "$GOOD" || IT_STATUS=$?
[ "$IT_STATUS" = 0 ] || { cat "$IT_TMP/good.out" >&2; it_fail "bob's client exited $IT_STATUS"; }
expect_idle "the admin commands"
stop_server
[ ! -e "$SOCK" ] || it_fail "the socket is left after exit"
it_pass "pptpd stopped cleanly and removed its socket"
