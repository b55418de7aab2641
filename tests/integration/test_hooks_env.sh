#!/usr/bin/env bash
# ip-up/ip-down get pppd's environment (issue 12, migration from poptop), in
# the network of test_e2e.sh (e2e_lib.sh):
#
#   client 198.51.100.2-4 --- 198.51.100.1 server 203.0.113.1 --- 203.0.113.2 LAN
#
# `ip-up` and `ip-down` point at scripts made like Debian's /etc/ppp/ip-up
# (written here, not copied): they export PPP_IFACE, PPP_TTY, PPP_SPEED,
# PPP_LOCAL, PPP_REMOTE and PPP_IPPARAM from the six positional arguments
# and run-parts their .d directory. A script in each .d directory records
# what it sees. pptpd runs as its own user, so the privileged helper starts
# them. alice logs in, pings the LAN host, stays a few seconds quiet while
# the test reads her counters from `pptpctl session show`, and logs out; bob
# pings the LAN the whole time beside her. Checked: the .d scripts saw the
# tunnel's names and addresses, PEERNAME, LINKNAME=pptp<session id>,
# PPPLOGNAME=root and ORIG_UID=0; ip-down also CONNECT_TIME (at least the
# quiet seconds) and BYTES_SENT/BYTES_RCVD equal to the session's counters;
# ip-up none of those three.
set -euo pipefail
: "${PPTPD:?}" "${PPTPCTL:?}" "${PPTPBENCH:?}" "${SRCDIR:?}" "${ITOOLS:?}"
. "$SRCDIR/tests/integration/lib.sh"
. "$SRCDIR/tests/integration/e2e_lib.sh"
command -v run-parts >/dev/null || it_fail "run-parts not installed (debianutils)"

it_init hooks_env
e2e_net
echo 'alice-secret' | ctl user add alice --password-stdin
echo 'bob-secret' >"$IT_TMP/bob.pw"
ctl user add bob --password-stdin <"$IT_TMP/bob.pw"

# /etc/ppp as Debian lays it out, in the test's directory.
PPP=$IT_TMP/ppp
OUT=$IT_TMP/seen
mkdir -p "$PPP/ip-up.d" "$PPP/ip-down.d" "$OUT"
for kind in up down; do
	cat >"$PPP/ip-$kind" <<EOF
#!/bin/sh
# What Debian's /etc/ppp/ip-$kind does for the scripts it runs: the
# positional arguments as PPP_* variables, exported, then run-parts.
PATH=/usr/local/sbin:/usr/sbin:/sbin:/usr/local/bin:/usr/bin:/bin
export PATH
PPP_IFACE="\$1"
PPP_TTY="\$2"
PPP_SPEED="\$3"
PPP_LOCAL="\$4"
PPP_REMOTE="\$5"
PPP_IPPARAM="\$6"
export PPP_IFACE PPP_TTY PPP_SPEED PPP_LOCAL PPP_REMOTE PPP_IPPARAM
run-parts "$PPP/ip-$kind.d"
EOF
	# run-parts runs names of letters, digits, '-' and '_' only: no ".sh".
	cat >"$PPP/ip-$kind.d/50-record" <<EOF
#!/bin/sh
env | sort >"$OUT/\$PEERNAME.$kind.tmp" && mv "$OUT/\$PEERNAME.$kind.tmp" "$OUT/\$PEERNAME.$kind"
EOF
	chmod 0755 "$PPP/ip-$kind" "$PPP/ip-$kind.d/50-record"
done

start_server 192.0.2.10-20 "ip-up $PPP/ip-up" "ip-down $PPP/ip-down"
good_pinger

# var FILE NAME: the value NAME had in a recorded environment.
var() {
	sed -n "s/^$2=//p" "$1"
}
wait_file() {
	for _ in $(seq 1 100); do
		[ -s "$1" ] && return 0
		sleep 0.1
	done
	server_tail
	it_fail "no $(basename "$1"): the .d script did not run"
}

# alice: some traffic, then quiet while the test reads her counters.
QUIET=$IT_TMP/quiet
echo 'alice-secret' >"$IT_TMP/alice.pw"
BG_USER=alice PWFILE=$IT_TMP/alice.pw bg_connect "$IT_TMP/alice.out" --bind 198.51.100.2 \
	--tun pptpa1 --timeout 10 --run \
	"ping -I pptpa1 -c 5 -i 0.2 -W 2 192.0.2.1 >/dev/null && touch $QUIET && sleep 3"
ALICE=$IT_LAST_PID
wait_up "$IT_TMP/alice.out"
wait_file "$OUT/alice.up"
for _ in $(seq 1 100); do
	[ -e "$QUIET" ] && break
	sleep 0.1
done
[ -e "$QUIET" ] || { cat "$IT_TMP/alice.out" >&2; it_fail "alice's pings not answered"; }
"$PPTPCTL" --socket "$IT_STATE/control.sock" session show alice --json >"$IT_TMP/alice.json"
read -r ID ADDR RX TX < <(python3 -c '
import json, sys
s = json.load(open(sys.argv[1]))["sessions"][0]
print(s["id"], s["addr"], s["rx_bytes"], s["tx_bytes"])' "$IT_TMP/alice.json")
[ "$RX" -gt 0 ] && [ "$TX" -gt 0 ] || it_fail "alice's counters are empty: $(cat "$IT_TMP/alice.json")"

IT_STATUS=0
wait "$ALICE" 2>/dev/null || IT_STATUS=$?
[ "$IT_STATUS" = 0 ] || { cat "$IT_TMP/alice.out" >&2; it_fail "alice exited $IT_STATUS"; }
wait_file "$OUT/alice.down"

# ---- ip-up.d ----
up=$OUT/alice.up
for want in "PPP_IFACE=pptp0" "PPP_TTY=pptp" "PPP_SPEED=0" "PPP_LOCAL=192.0.2.1" \
	"PPP_REMOTE=$ADDR" "PPP_IPPARAM=198.51.100.2" "IFNAME=pptp0" "IPLOCAL=192.0.2.1" \
	"IPREMOTE=$ADDR" "PEERNAME=alice" "LINKNAME=pptp$ID" "PPPLOGNAME=root" "ORIG_UID=0" \
	"IPPARAM=198.51.100.2" "DEVICE=pptp" "SPEED=0"; do
	grep -qx -- "$want" "$up" || { cat "$up" >&2; it_fail "ip-up.d did not see $want"; }
done
grep -Eq '^(CONNECT_TIME|BYTES_SENT|BYTES_RCVD)=' "$up" && it_fail "ip-up.d saw ip-down's totals"
it_pass "ip-up.d (run-parts from a Debian-style ip-up) saw PPP_* from the arguments, pppd's variables, LINKNAME=pptp$ID, PPPLOGNAME=root"

# ---- ip-down.d ----
down=$OUT/alice.down
for want in "PPP_IFACE=pptp0" "PPP_REMOTE=$ADDR" "PEERNAME=alice" "LINKNAME=pptp$ID" \
	"PPPLOGNAME=root"; do
	grep -qx -- "$want" "$down" || { cat "$down" >&2; it_fail "ip-down.d did not see $want"; }
done
ct=$(var "$down" CONNECT_TIME)
sent=$(var "$down" BYTES_SENT)
rcvd=$(var "$down" BYTES_RCVD)
[[ $ct =~ ^[0-9]+$ ]] && [ "$ct" -ge 3 ] && [ "$ct" -le 30 ] ||
	it_fail "CONNECT_TIME '$ct': expected the 3 quiet seconds and the pings, at most 30"
# Quiet since the counters were read: the totals are those counters (a
# stray packet of the tun's own, at most, may come after them).
[[ $sent =~ ^[0-9]+$ && $rcvd =~ ^[0-9]+$ ]] || it_fail "BYTES_SENT '$sent' BYTES_RCVD '$rcvd'"
[ "$sent" -ge "$TX" ] && [ "$((sent - TX))" -le 200 ] ||
	it_fail "BYTES_SENT $sent, session show said tx_bytes $TX"
[ "$rcvd" -ge "$RX" ] && [ "$((rcvd - RX))" -le 200 ] ||
	it_fail "BYTES_RCVD $rcvd, session show said rx_bytes $RX"
# The other side's count: what alice's client sent is what the server got.
ctx=$(sed -n 's/^stats .* tx-ip-bytes=\([0-9]*\) rx-ip-bytes=\([0-9]*\) .*/\1/p' "$IT_TMP/alice.out")
crx=$(sed -n 's/^stats .* tx-ip-bytes=\([0-9]*\) rx-ip-bytes=\([0-9]*\) .*/\2/p' "$IT_TMP/alice.out")
[ "$rcvd" = "$ctx" ] && [ "$sent" = "$crx" ] ||
	it_fail "BYTES_RCVD $rcvd BYTES_SENT $sent, alice's client sent $ctx and got $crx"
it_pass "ip-down.d saw CONNECT_TIME=$ct BYTES_SENT=$sent BYTES_RCVD=$rcvd (session show: tx $TX rx $RX; the client: sent $ctx got $crx)"

# ---- bob beside it ----
[ -s "$OUT/bob.up" ] || it_fail "bob's ip-up.d did not run"
bob_link=$(var "$OUT/bob.up" LINKNAME)
[ "$bob_link" != "pptp$ID" ] && [[ $bob_link =~ ^pptp[0-9]+$ ]] ||
	it_fail "bob's LINKNAME '$bob_link' (alice's pptp$ID)"
before=$(pongs)
sleep 0.5
[ "$(pongs)" -gt "$before" ] || it_fail "bob's pings stopped"
touch "$STOP_GOOD"
IT_STATUS=0
wait "$GOOD" 2>/dev/null || IT_STATUS=$?
[ "$IT_STATUS" = 0 ] || { cat "$IT_TMP/good.out" >&2; it_fail "bob's pings stopped (exit $IT_STATUS)"; }
wait_file "$OUT/bob.down"
it_pass "bob pinged the LAN throughout, with a link name of his own ($bob_link)"
stop_server
