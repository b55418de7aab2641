#!/usr/bin/env bash
# Migration from poptop + pppd: a set-up as poptop ships it (/etc/pptpd.conf
# with option, localip, a remoteip range and comma list, logwtmp, debug; an
# /etc/ppp/options.pptpd with ms-dns, require-mschap-v2, require-mppe-128,
# lcp-echo-*, proxyarp and the usual harmless options; a chap-secrets with a
# server column and static addresses) is used unchanged:
#   - `pptpd -t` accepts it: exit 0, one notice naming the ignored options,
#     no error or warning, and prints the keys the options mapped to;
#   - `pptpctl import-chap-secrets` takes the lines for pptpd and '*' and
#     reports the line for another server;
#   - pptpd started on those files logs in dave (static address from
#     chap-secrets, ms-dns from options.pptpd) while erin (a '*' line, a pool
#     address) pings the LAN host before, during and after; frank, whose line
#     is for l2tpd, is refused.
#   - a second options.pptpd with `plugin radius.so` + `radius-config-file`
#     becomes `auth radius` + `radius-config`, and a client logs in through
#     FreeRADIUS with it.
# What the test changes in the copies, with sed, and nothing else: the
# option line's path (/etc/ppp/options.pptpd -> the test's copy) and, in the
# radius variant, radius-config-file's path; it appends the lines the test
# harness needs (user-db and control-socket in the test's state directory,
# listen on the namespace address). logwtmp writes to test files
# (PPTPD_TEST_WTMP/PPTPD_TEST_UTMP), never the system's.
set -euo pipefail
: "${PPTPD:?}" "${PPTPCTL:?}" "${PPTPBENCH:?}" "${SRCDIR:?}" "${ITOOLS:?}"
. "$SRCDIR/tests/integration/lib.sh"
. "$SRCDIR/tests/integration/e2e_lib.sh"

it_init poptop
e2e_net
export PPTPD_TEST_WTMP=$IT_TMP/wtmp PPTPD_TEST_UTMP=$IT_TMP/utmp
install -m 0644 /dev/null "$PPTPD_TEST_WTMP"
install -m 0644 /dev/null "$PPTPD_TEST_UTMP"
ETC=$IT_TMP/etc
mkdir -p "$ETC/ppp"

# ---- the poptop files, as an operator has them ----
cat >"$ETC/pptpd.conf" <<'EOF'
###############################################################################
# Poptop configuration file /etc/pptpd.conf
#
# Changes are effective when pptpd is restarted.
###############################################################################

# TAG: ppp
#	the pppd program
#ppp /usr/sbin/pppd

# TAG: option
#	the pppd options file
option /etc/ppp/options.pptpd

# TAG: debug
debug

# TAG: stimeout
stimeout 10

# TAG: noipparam
#noipparam

# TAG: logwtmp
logwtmp

# TAG: connections
connections 100

# TAG: localip / remoteip
localip 192.0.2.1
remoteip 192.0.2.10-20,192.0.2.25
EOF

cat >"$ETC/ppp/options.pptpd" <<'EOF'
###############################################################################
# /etc/ppp/options.pptpd: pppd options for PPTP sessions
###############################################################################

# Local name for authentication (the server column of chap-secrets)
name pptpd

# Encryption: MS-CHAPv2 and 128-bit MPPE only
refuse-pap
refuse-chap
refuse-mschap
require-mschap-v2
require-mppe-128

# Name servers handed to Windows clients
ms-dns 203.0.113.53
ms-dns 203.0.113.54

proxyarp
nodefaultroute
#debug
#dump
lock
nobsdcomp
novj novjccomp
nologfd

# Dead peer detection
lcp-echo-interval 10
lcp-echo-failure 3
EOF

cat >"$ETC/ppp/chap-secrets" <<'EOF'
# Secrets for authentication using CHAP
# client	server	secret			IP addresses
dave		pptpd	"dave secret"		192.0.2.77
erin		*	erin-secret		*
frank		l2tpd	frank-secret		192.0.2.78
EOF

# The copies the test runs with: only the options file's path changes.
sed "s|^option /etc/ppp/options.pptpd\$|option $ETC/ppp/options.pptpd|" "$ETC/pptpd.conf" \
	>"$IT_TMP/pptpd.conf"
grep -qx "option $ETC/ppp/options.pptpd" "$IT_TMP/pptpd.conf" || it_fail "sed did not rewrite option"

# ---- pptpd -t on it ----
status=0
"$PPTPD" -t -c "$IT_TMP/pptpd.conf" >"$IT_TMP/t.out" 2>"$IT_TMP/t.err" || status=$?
[ "$status" = 0 ] || { cat "$IT_TMP/t.err" >&2; it_fail "pptpd -t exited $status"; }
grep -qxF "pptpd: notice: $ETC/ppp/options.pptpd: ignored pppd options with no meaning here: name, nodefaultroute, lock, nobsdcomp, novj, novjccomp, nologfd" "$IT_TMP/t.err" ||
	{ cat "$IT_TMP/t.err" >&2; it_fail "no summary notice of the ignored options"; }
[ "$(wc -l <"$IT_TMP/t.err")" = 1 ] || { cat "$IT_TMP/t.err" >&2; it_fail "pptpd -t said more than the notice"; }
for line in 'ms-dns 203.0.113.53' 'ms-dns 203.0.113.54' 'refuse-pap yes' 'refuse-chap yes' \
	'refuse-mschap yes' 'refuse-mschap-v2 no' 'require-mppe yes' 'require-mppe-128 yes' \
	'proxyarp yes' 'lcp-echo-interval 10' 'lcp-echo-failure 3' 'logwtmp yes' \
	'log-level debug' 'remoteip 192.0.2.10-20,192.0.2.25' 'auth sqlite'; do
	grep -qxF "$line" "$IT_TMP/t.out" || it_fail "pptpd -t does not print '$line'"
done
it_pass "pptpd -t accepts the poptop files: one notice, the pppd options mapped to keys"

# ---- the users ----
ctl import-chap-secrets "$ETC/ppp/chap-secrets" >"$IT_TMP/import.out" 2>&1 ||
	{ cat "$IT_TMP/import.out" >&2; it_fail "import-chap-secrets failed"; }
grep -qxF "$ETC/ppp/chap-secrets:5: skipped 'frank': server 'l2tpd' is not pptpd (--server NAME takes its lines)" "$IT_TMP/import.out" ||
	{ cat "$IT_TMP/import.out" >&2; it_fail "frank's l2tpd line not reported"; }
grep -qxF "imported 2 users, skipped 1 lines" "$IT_TMP/import.out" ||
	{ cat "$IT_TMP/import.out" >&2; it_fail "not 2 users imported"; }
ctl user show dave | grep -q '192\.0\.2\.77' || it_fail "dave's static address not imported"
ctl user show frank >/dev/null 2>&1 && it_fail "frank (l2tpd) was imported"
it_pass "chap-secrets: pptpd and '*' lines imported, the l2tpd line reported"

# ---- pptpd on the same files ----
# The harness's lines: where the test keeps its state, where it listens.
cp "$IT_TMP/pptpd.conf" "$IT_TMP/run.conf"
{
	echo "listen 198.51.100.1"
	echo "user-db $DB"
	test_control_socket
} >>"$IT_TMP/run.conf"
SRV_LOG=$IT_TMP/pptpd.log
it_bg "$SRV" "$SRV_LOG" "$PPTPD" -c "$IT_TMP/run.conf" >"$IT_TMP/pid"
SRV_PID=$(<"$IT_TMP/pid")
it_wait_tcp "$SRV" 198.51.100.1 1723

echo 'erin-secret' >"$IT_TMP/erin.pw"
STOP_GOOD=$IT_TMP/stop-good
BG_USER=erin PWFILE=$IT_TMP/erin.pw bg_connect "$IT_TMP/good.out" --bind 198.51.100.3 \
	--tun pptpg1 --route 203.0.113.0/24 --timeout 10 --run \
	"n=0; while [ ! -e $STOP_GOOD ]; do ping -I pptpg1 -c 1 -W 2 203.0.113.2 >/dev/null || exit 9; n=\$((n+1)); echo pong \$n; sleep 0.1; done; ping -I pptpg1 -c 3 -W 2 203.0.113.2"
GOOD=$IT_LAST_PID
wait_up "$IT_TMP/good.out"
grep -Eq '^ipcp-up .* addr=192\.0\.2\.(1[0-9]|20|25) ' "$IT_TMP/good.out" ||
	{ cat "$IT_TMP/good.out" >&2; it_fail "erin has no pool address"; }
for _ in $(seq 1 100); do
	[ "$(pongs)" -gt 0 ] && break
	sleep 0.1
done
before=$(pongs)
[ "$before" -gt 0 ] || { cat "$IT_TMP/good.out" >&2; it_fail "erin: no ping answered"; }

connect_ok dave dave 'dave secret' --bind 198.51.100.2 --route 203.0.113.0/24 \
	--run "ping -c 2 -W 2 203.0.113.2"
expect_out dave '^ccp-up [0-9.]+ ms mppe=128 '
expect_out dave '^ipcp-up [0-9.]+ ms addr=192\.0\.2\.77 peer=192\.0\.2\.1 dns=203\.0\.113\.53,203\.0\.113\.54 '
expect_out dave '2 packets transmitted, 2 received'
it_pass "dave: static address 192.0.2.77 from chap-secrets, ms-dns from options.pptpd, MPPE-128"

connect frank frank frank-secret --bind 198.51.100.4 --tun pptpf1
[ "$RC" != 0 ] || it_fail "frank (an l2tpd line) logged in"
expect_out frank '^auth-failed '
it_pass "frank, whose line was for l2tpd, is refused"

touch "$STOP_GOOD"
IT_STATUS=0
wait "$GOOD" 2>/dev/null || IT_STATUS=$?
[ "$IT_STATUS" = 0 ] || { cat "$IT_TMP/good.out" >&2; it_fail "erin's client exited $IT_STATUS (9: a ping lost)"; }
grep -q '3 packets transmitted, 3 received' "$IT_TMP/good.out" ||
	{ cat "$IT_TMP/good.out" >&2; it_fail "erin's pings after the other logins were lost"; }
[ "$(pongs)" -gt "$before" ] || it_fail "erin's pings stopped during the other logins"
it_pass "erin (pool address) pinged the LAN host before, during and after: $(pongs) pongs"
grep -q 'user=dave .*event=session-up' "$SRV_LOG" || { server_tail; it_fail "no session-up for dave"; }
stop_server

# ---- the radius plugin variant ----
. "$SRCDIR/tests/integration/radius_lib.sh"
radius_user main gina gina-secret
radius_start main
mkdir -p "$ETC/radiusclient"
cat >"$ETC/radiusclient/servers" <<'EOF'
127.0.0.1	testing123
EOF
cat >"$ETC/radiusclient/radiusclient.conf" <<EOF
authserver	127.0.0.1:1812
servers		$ETC/radiusclient/servers
dictionary	/etc/radcli/dictionary
radius_timeout	2
radius_retries	2
EOF
cat >"$ETC/ppp/options.pptpd-radius" <<'EOF'
name pptpd
refuse-pap refuse-chap refuse-mschap require-mschap-v2
mppe required,no40,no56,stateless
ms-dns 203.0.113.53
plugin radius.so
radius-config-file /etc/radiusclient/radiusclient.conf
lock nobsdcomp novj novjccomp nologfd
EOF
sed -i "s|/etc/radiusclient/|$ETC/radiusclient/|" "$ETC/ppp/options.pptpd-radius"
sed "s|^option /etc/ppp/options.pptpd\$|option $ETC/ppp/options.pptpd-radius|" "$ETC/pptpd.conf" \
	>"$IT_TMP/radius.conf"
status=0
"$PPTPD" -t -c "$IT_TMP/radius.conf" >"$IT_TMP/t.out" 2>"$IT_TMP/t.err" || status=$?
[ "$status" = 0 ] || { cat "$IT_TMP/t.err" >&2; it_fail "pptpd -t (radius) exited $status"; }
for line in 'auth radius' "radius-config $ETC/radiusclient/radiusclient.conf" \
	'require-mppe yes' 'mppe-stateful no' 'mppe-40 no' 'mppe-56 no'; do
	grep -qxF "$line" "$IT_TMP/t.out" || it_fail "pptpd -t (radius) does not print '$line'"
done
grep -q 'ignored pppd options with no meaning here: name, lock, nobsdcomp, novj, novjccomp, nologfd$' "$IT_TMP/t.err" ||
	{ cat "$IT_TMP/t.err" >&2; it_fail "radius variant: no summary notice"; }
it_pass "plugin radius.so + radius-config-file: auth radius, radius-config"

cp "$IT_TMP/radius.conf" "$IT_TMP/run-radius.conf"
{
	echo "listen 198.51.100.1"
	echo "radius-acct-spool $IT_STATE/spool.db"
	test_control_socket
} >>"$IT_TMP/run-radius.conf"
SRV_LOG=$IT_TMP/pptpd-radius.log
it_bg "$SRV" "$SRV_LOG" "$PPTPD" -c "$IT_TMP/run-radius.conf" >"$IT_TMP/pid"
SRV_PID=$(<"$IT_TMP/pid")
it_wait_tcp "$SRV" 198.51.100.1 1723
connect_ok gina gina gina-secret --route 203.0.113.0/24 --run "ping -c 2 -W 2 203.0.113.2"
expect_out gina '^ccp-up [0-9.]+ ms mppe=128 stateless$'
expect_out gina 'dns=203\.0\.113\.53 '
expect_out gina '2 packets transmitted, 2 received'
connect wrong gina not-her-secret --bind 198.51.100.3 --tun pptpw1
[ "$RC" != 0 ] || it_fail "gina logged in with a wrong password through RADIUS"
it_pass "a client logs in through FreeRADIUS with the converted radius plugin options"
stop_server
