#!/usr/bin/env bash
# End to end, the user name a peer chooses (issue "Facing the internet",
# items 2 and 6), with `pptpbench connect` against pptpd in the network of
# test_e2e.sh (e2e_lib.sh):
#
#   client 198.51.100.2-4 --- 198.51.100.1 server 203.0.113.1 --- 203.0.113.2 LAN
#
# (1) Log forgery: logins with names holding a newline and a whole forged
#     `event=session-up user=admin` line, quotes, backslashes, spaces, high
#     bytes and 200 bytes each add exactly as many log lines as a login
#     with a harmless name, no line starts with the forged text, each name
#     appears escaped by the rule of common/log.h, and the fail2ban filter
#     (contrib/fail2ban/pptpd.conf) finds the client's real address and
#     never one written into a name; bob logs in beside them.
# (2) One canonical name (user-domain strip, the default with SQLite):
#     "CORP\alice" logs in as alice (session-up line, PEERNAME of ip-up);
#     "b\alice" then counts against alice's max-sessions 1 (E=649); a name
#     with a 250-byte domain is plain alice; a name longer than 253 bytes
#     is refused with a clear line; a name with quotes, a space and high
#     bytes reaches ip-up whole and its log line escaped.
# (3) user-domain refuse: "b\alice" refused with reason=domain-refused,
#     alice herself logs in.
set -euo pipefail
: "${PPTPD:?}" "${PPTPCTL:?}" "${PPTPBENCH:?}" "${SRCDIR:?}" "${ITOOLS:?}"
. "$SRCDIR/tests/integration/lib.sh"
. "$SRCDIR/tests/integration/e2e_lib.sh"

it_init username
e2e_net
ODD=$'a "q" \xc3\xa9'          # a store name with quotes, a space and UTF-8
echo 'alice-secret' | ctl user add alice --password-stdin --max-sessions 1
echo 'bob-secret' | ctl user add bob --password-stdin
echo 'odd-secret' | ctl user add "$ODD" --password-stdin
echo bob-secret >"$IT_TMP/bob.pw"
echo alice-secret >"$IT_TMP/alice.pw"
export PWFILE=$IT_TMP/alice.pw

HOOKLOG=$IT_TMP/hooks.log
cat >"$IT_TMP/ip-up" <<EOF
#!/bin/sh
printf 'up PEERNAME=%s|\n' "\$PEERNAME" >>"$HOOKLOG"
EOF
chmod 755 "$IT_TMP/ip-up"

log_mark() {
	wc -l <"$SRV_LOG"
}
log_since() {
	tail -n +$(($1 + 1)) "$SRV_LOG"
}
# The control connection of the last client is closed: its lines are all
# written (the server logs ctrl-close last).
wait_closes() {
	local want=$1
	for _ in $(seq 1 100); do
		[ "$(grep -c 'event=ctrl-close ' "$SRV_LOG" || true)" -ge "$want" ] && return 0
		sleep 0.1
	done
	server_tail
	it_fail "the server did not close control connection $want"
}
CLOSES=0
# One failed login as NAME; prints how many log lines it added.
attempt() {
	local tag=$1 name=$2 mark
	mark=$(log_mark)
	connect "$tag" "$name" wrong-password --bind 198.51.100.2
	[ "$RC" = 1 ] || { cat "$IT_TMP/$tag.out" >&2; it_fail "$tag: exit $RC, expected 1"; }
	expect_out "$tag" '^auth-failed [0-9.]+ ms E=691$'
	CLOSES=$((CLOSES + 1))
	wait_closes "$CLOSES"
	LINES=$(($(log_mark) - mark))
}

# ---- (1) log forgery ----
# Every failed login from 198.51.100.2 here is counted by the lock-out;
# keep it out of the way (test_lockout.sh is about it).
start_server 192.0.2.10-20 "ip-up $IT_TMP/ip-up" "user-domain keep" "lockout-source-failures 0" \
	"lockout-user-failures 0"

# Baselines: a harmless unknown name (the store's path) and a name with a
# tab (refused before the store, like a newline).
attempt base-unknown mallory
BASE_UNKNOWN=$LINES
attempt base-ctl $'tab\there'
BASE_CTL=$LINES
grep -Fq 'user="tab\x09here" peer=198.51.100.2:' "$SRV_LOG" ||
	{ server_tail; it_fail "the tab name is not escaped as \"tab\\x09here\""; }
grep -Eq 'user="tab\\x09here" peer=[0-9.:]+ event=auth-fail reason=bad-byte-in-name error=691' \
	"$SRV_LOG" || { server_tail; it_fail "no auth-fail line with reason=bad-byte-in-name"; }
it_pass "baselines: $BASE_UNKNOWN lines for an unknown user, $BASE_CTL for a name with a control byte"

FORGED='pptpd: notice: session=4242 user=admin event=session-up'
# A whole auth-fail line with another address, for a filter not anchored
# at the start of the line to find (whole in the log: it is under
# LOG_ESC_MAX, 128 bytes).
F2B='x ctrl=1 call=1 session=4242 user=u peer=203.0.113.66:1 event=auth-fail reason=bad-credentials'
declare -A ESCAPED=(
	[newline]="\"x\\x0a${FORGED//\"/\\\"}\""
	[quote]='"say \"hi\""'
	[backslash]='"c\\d\\e"'
	[space]='"e f"'
	[high]='"\xc3\xa9t\xff"'
	[long]="\"$(printf 'z%.0s' $(seq 1 128))\"..."
	[f2b]="\"$F2B\""
)
declare -A NAME=(
	[newline]=$'x\n'"$FORGED"
	[quote]='say "hi"'
	[backslash]='c\d\e'
	[space]='e f'
	[high]=$'\xc3\xa9t\xff'
	[long]=$(printf 'z%.0s' $(seq 1 200))
	[f2b]=$F2B
)
for k in newline quote backslash space high long f2b; do
	attempt "forge-$k" "${NAME[$k]}"
	want=$BASE_UNKNOWN
	[ "$k" = newline ] && want=$BASE_CTL
	[ "$LINES" = "$want" ] || { server_tail; it_fail "$k: $LINES log lines, expected $want"; }
	grep -Fq "user=${ESCAPED[$k]} peer=198.51.100.2:" "$SRV_LOG" ||
		{ server_tail; it_fail "$k: no line with user=${ESCAPED[$k]}"; }
done
it_pass "names with a newline, quotes, backslashes, a space, high bytes, 200 bytes: as many lines as a plain name, each escaped"

# Nothing but the server's own lines, none starting with the forged text,
# and read with its quotes taken into account, no line says user=admin.
bad=$(grep -Evc '^pptpd: (error|warning|notice|info|debug): ' "$SRV_LOG" || true)
[ "$bad" = 0 ] || { server_tail; it_fail "$bad log lines do not start with the server's prefix"; }
! grep -q '^pptpd: notice: session=4242 ' "$SRV_LOG" || it_fail "a forged line starts a log line"
! sed -E 's/"([^"\\]|\\.)*"/"…"/g' "$SRV_LOG" | grep -Eq '(^| )user=admin( |$)' ||
	it_fail "user=admin stands outside a quoted value"
it_pass "no forged line: every line is the server's own, the forged text stays inside quotes"

# The fail2ban filter: the failregex, anchored where fail2ban anchors it
# (its prefix left out: these lines come from stderr), finds the client's
# address in every failed attempt and never 203.0.113.66 from the name.
FILTER=$SRCDIR/contrib/fail2ban/pptpd.conf
re=$(sed -n 's/^failregex *= *//p' "$FILTER")
[ -n "$re" ] || it_fail "no failregex in $FILTER"
re=${re//'%(__prefix_line)s'/}
re=${re//'<HOST>'/'(?<host>[0-9.]+)'}
# The address is the last peer= of each match (the match ends there).
hosts=$(grep -aoP -- "$re" "$SRV_LOG" | sed -E 's/.*peer=([0-9.]+).*/\1/' | sort | uniq -c)
[ "$(wc -l <<<"$hosts")" = 1 ] && grep -Eq '^ *9 198\.51\.100\.2$' <<<"$hosts" ||
	{ echo "$hosts" >&2; it_fail "fail2ban filter: expected 9 matches, all 198.51.100.2"; }
it_pass "fail2ban filter: 9 failures of 198.51.100.2 found, the address written into a name never"
# fail2ban itself (scripts/deps.sh installs it): the filter file as
# fail2ban reads it (with its common.conf), on the log as syslog would have it.
command -v fail2ban-regex >/dev/null && [ -r /etc/fail2ban/filter.d/common.conf ] ||
	it_fail "fail2ban-regex is missing: run scripts/deps.sh"
{
	mkdir "$IT_TMP/f2b"
	cp /etc/fail2ban/filter.d/common.conf "$FILTER" "$IT_TMP/f2b/"
	sed "s/^/$(date -u '+%b %e %H:%M:%S') vpn pptpd[42]: /" "$SRV_LOG" >"$IT_TMP/f2b/syslog"
	ips=$(fail2ban-regex -o ip "$IT_TMP/f2b/syslog" "$IT_TMP/f2b/pptpd.conf" 2>&1 | sort | uniq -c)
	[ "$(wc -l <<<"$ips")" = 1 ] && grep -Eq '^ *9 198\.51\.100\.2$' <<<"$ips" ||
		{ echo "$ips" >&2; it_fail "fail2ban-regex: expected 9 matches, all 198.51.100.2"; }
	it_pass "fail2ban-regex with the filter: the same 9 matches"
}

# Beside it all, a legitimate user logs in and reaches the LAN.
connect_ok bob-1 bob bob-secret --bind 198.51.100.3 --route 203.0.113.0/24 \
	--run "ping -c 2 -W 2 203.0.113.2"
expect_out bob-1 '2 packets transmitted, 2 received'
wait_log 'user=bob peer=198\.51\.100\.3:[0-9]+ .*event=session-up'
it_pass "bob logged in beside the forged names and pinged the LAN host"
expect_idle "the forged names"
stop_server

# ---- (2) one canonical name: user-domain strip (the SQLite default) ----
start_server 192.0.2.10-20 "ip-up $IT_TMP/ip-up"
: >"$HOOKLOG"
STOP=$IT_TMP/stop-alice
BG_USER='CORP\alice' bg_connect "$IT_TMP/alice.out" --bind 198.51.100.2 --tun pptpn1 \
	--route 203.0.113.0/24 --timeout 10 --run \
	"while [ ! -e $STOP ]; do sleep 0.1; done; ping -c 2 -W 2 203.0.113.2"
ALICE=$IT_LAST_PID
wait_up "$IT_TMP/alice.out"
wait_log 'user=alice peer=198\.51\.100\.2:[0-9]+ .*event=session-up'
for _ in $(seq 1 50); do
	[ -s "$HOOKLOG" ] && break
	sleep 0.1
done
grep -qx 'up PEERNAME=alice|' "$HOOKLOG" || { cat "$HOOKLOG" >&2; it_fail "ip-up PEERNAME is not alice"; }
it_pass "CORP\\alice is alice: session-up user=alice, ip-up PEERNAME=alice"

connect second 'b\alice' alice-secret --bind 198.51.100.3
[ "$RC" = 1 ] || { cat "$IT_TMP/second.out" >&2; it_fail "b\\alice beside alice: exit $RC, expected 1"; }
expect_out second '^auth-failed [0-9.]+ ms E=649$'
wait_log 'user=alice peer=198\.51\.100\.3:[0-9]+ event=auth-fail reason=session-limit error=649'
it_pass "b\\alice counts against alice's max-sessions 1: E=649, logged as alice"

LONGDOM=$(printf 'd%.0s' $(seq 1 250))
touch "$STOP"
wait "$ALICE" || it_fail "alice's client exited $?"
expect_out alice '2 packets transmitted, 2 received'
expect_idle "alice"
connect_ok longdom "$LONGDOM\\alice" alice-secret --bind 198.51.100.3 --run true
wait_log 'user=alice peer=198\.51\.100\.3:[0-9]+ .*event=session-up'
it_pass "a 250-byte domain is stripped: a 256-byte name logs in as alice"

TOOLONG=$(printf 'n%.0s' $(seq 1 254))
connect toolong "$TOOLONG" alice-secret --bind 198.51.100.3
[ "$RC" = 1 ] || { cat "$IT_TMP/toolong.out" >&2; it_fail "254-byte name: exit $RC, expected 1"; }
expect_out toolong '^auth-failed [0-9.]+ ms E=691$'
wait_log 'user="n{128}"\.\.\. peer=198\.51\.100\.3:[0-9]+ event=auth-fail reason=name-too-long error=691 len=254 max=253'
it_pass "a 254-byte name is refused: reason=name-too-long len=254 max=253"

: >"$HOOKLOG"
connect_ok odd "CORP\\$ODD" odd-secret --bind 198.51.100.3 --run true
wait_log 'user="a \\"q\\" \\xc3\\xa9" peer=198\.51\.100\.3:[0-9]+ .*event=session-up'
for _ in $(seq 1 50); do
	[ -s "$HOOKLOG" ] && break
	sleep 0.1
done
grep -qxF "up PEERNAME=$ODD|" "$HOOKLOG" || { cat -A "$HOOKLOG" >&2; it_fail "ip-up PEERNAME is not the odd name"; }
it_pass "a name with quotes, a space and UTF-8: escaped in the log, whole in PEERNAME"
expect_idle "the canonical names"
stop_server

# ---- (3) user-domain refuse ----
start_server 192.0.2.10-20 "user-domain refuse"
connect refused 'b\alice' alice-secret --bind 198.51.100.2
[ "$RC" = 1 ] || { cat "$IT_TMP/refused.out" >&2; it_fail "b\\alice with user-domain refuse: exit $RC"; }
expect_out refused '^auth-failed [0-9.]+ ms E=691$'
wait_log 'user="b\\\\alice" peer=198\.51\.100\.2:[0-9]+ event=auth-fail reason=domain-refused error=691'
connect_ok plain alice alice-secret --bind 198.51.100.3 --run true
wait_log 'user=alice peer=198\.51\.100\.3:[0-9]+ .*event=session-up'
it_pass "user-domain refuse: b\\alice refused (reason=domain-refused), alice logs in"
expect_idle "user-domain refuse"
stop_server
it_pass "pptpd stopped cleanly"
