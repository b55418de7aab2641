#!/usr/bin/env bash
# Two pptpd nodes behind one FreeRADIUS that enforces Simultaneous-Use := 1
# through its session database (radutmp, fed by both nodes' accounting), as
# docs/scaling.md describes it; the pptpd keys of each node and the
# FreeRADIUS snippets (clients, radutmp module, accounting and session
# sections, the users file's DEFAULT) are taken from that page's marked
# blocks.
#
#   alice 198.51.100.2 ─┐          ┌─ 198.51.100.1  node A  203.0.113.1  ─┐
#                       ├─ WAN br ─┤                                       ├─ LAN br 203.0.113.2
#   bob   198.51.100.3 ─┘          └─ 198.51.100.11 node B  203.0.113.11 ─┘  (LAN host, FreeRADIUS)
#
# The LAN host routes node A's pool (192.0.2.0/25) to A and node B's
# (192.0.2.128/25) to B. bob logs in on node B first and pings the LAN host
# throughout. alice logs in on A and pings; her second login, on B, is
# refused (Access-Reject "Multiple logins", E=691 at the client) and leaves
# her session on A untouched, as do GRE frames of her call sent to node B
# (dropped there: gre-no-call); a Disconnect-Request sent to the NAS-IP-Address
# of her Start record ends that session (Stop with Admin-Reset, the radutmp
# entry goes), and her login on B is then accepted and pings.
set -euo pipefail
: "${PPTPD:?}" "${PPTPCTL:?}" "${PPTPBENCH:?}" "${SRCDIR:?}" "${ITOOLS:?}"
. "$SRCDIR/tests/integration/lib.sh"
. "$SRCDIR/tests/integration/e2e_lib.sh"

DOC=$SRCDIR/docs/scaling.md

# block NAME: the fenced block between "<!-- NAME: begin" and "<!-- NAME: end".
block() {
	local out
	out=$(awk -v b="<!-- $1: begin" -v e="<!-- $1: end" \
		'index($0, b) == 1 { on = 1; next } index($0, e) == 1 { on = 0 } on' "$DOC" |
		sed '/^```/d')
	[ -n "$out" ] || it_fail "no block '$1' in $DOC"
	printf '%s\n' "$out"
}

# section NAME: the body of "NAME {" ... "}" (both at the line start) in stdin.
section() {
	awk -v s="$1 {" '$0 == s { on = 1; next } on && /^}/ { on = 0 } on'
}

it_init two_nodes
IT_PREFIX="pt$$-${IT_TMP##*.}"
WAN=$(it_ns wan)
LAN=$(it_ns lan)
NODE_A=$(it_ns nodea)
NODE_B=$(it_ns nodeb)
CLI=$(it_ns alice)
BOB=$(it_ns bob)
IT_NS+=("$WAN" "$LAN" "$NODE_A" "$NODE_B" "$CLI" "$BOB")

# Two segments, each a bridge in its own namespace (WAN) or in the LAN
# host's (which holds the LAN's 203.0.113.2 on the bridge itself).
NPORT=0
port() {
	local br_ns=$1 ns=$2 ifname=$3 addr=$4
	NPORT=$((NPORT + 1))
	ip link add "$ifname" netns "$ns" type veth peer name "p$NPORT" netns "$br_ns"
	ip -n "$ns" addr add "$addr" dev "$ifname"
	ip -n "$ns" link set "$ifname" up
	ip -n "$br_ns" link set "p$NPORT" master br0 up
}
for ns in "$WAN" "$LAN"; do
	ip -n "$ns" link add br0 type bridge
	ip -n "$ns" link set br0 up
done
ip -n "$LAN" addr add 203.0.113.2/24 dev br0
port "$WAN" "$CLI" veth0 198.51.100.2/24
port "$WAN" "$BOB" veth0 198.51.100.3/24
port "$WAN" "$NODE_A" veth0 198.51.100.1/24
port "$WAN" "$NODE_B" veth0 198.51.100.11/24
port "$LAN" "$NODE_A" veth1 203.0.113.1/24
port "$LAN" "$NODE_B" veth1 203.0.113.11/24
ip -n "$LAN" route add 192.0.2.0/25 via 203.0.113.1
ip -n "$LAN" route add 192.0.2.128/25 via 203.0.113.11
for ns in "$NODE_A" "$NODE_B"; do
	ip netns exec "$ns" sysctl -qw net.ipv4.ip_forward=1
done

# ---- FreeRADIUS on the LAN host, configured from the document ----
. "$SRCDIR/tests/integration/radius_lib.sh"
RADIUS_NS=$LAN
RADIUS_ADDR=203.0.113.2
RDIR=$(radius_dir rad)
mkdir -p "$RDIR"
block "freeradius clients" >"$IT_TMP/clients.conf"
block "freeradius radutmp" >"$IT_TMP/radutmp.conf"
block "freeradius sections" | section accounting >"$IT_TMP/accounting.conf"
block "freeradius sections" | section session >"$IT_TMP/session.conf"
grep -qx '[[:space:]]*radutmp' "$IT_TMP/accounting.conf" || it_fail "no radutmp in the document's accounting section"
grep -qx '[[:space:]]*radutmp' "$IT_TMP/session.conf" || it_fail "no radutmp in the document's session section"
[ "$(grep -c 'nas_type = other' "$IT_TMP/clients.conf")" = 2 ] ||
	it_fail "the document's two clients are not both nas_type = other"
radius_include rad clients "$IT_TMP/clients.conf"
radius_include rad modules "$IT_TMP/radutmp.conf"
radius_include rad accounting "$IT_TMP/accounting.conf"
radius_include rad session "$IT_TMP/session.conf"
# The DEFAULT entry (falling through) first, then the users.
block "freeradius users" >"$RDIR/users"
echo >>"$RDIR/users"
radius_user rad alice alice-secret
radius_user rad bob bob-secret
# Created before the nodes' Accounting-On, as the document says.
UTMP=$RDIR/radutmp
install -m 0600 /dev/null "$UTMP"
# The LAN host itself is a client too: radius_lib's readiness check.
radius_start rad --client 203.0.113.2

# radwho's lines for USER in the session database (none: empty output).
utmp_user() {
	[ -e "$UTMP" ] || return 0
	radwho -r -F "$UTMP" -u "$1" 2>/dev/null || true
}

# ---- the two nodes, with the document's keys ----
declare -A NODE_NS=([A]=$NODE_A [B]=$NODE_B) NODE_ADDR=([A]=198.51.100.1 [B]=198.51.100.11)
declare -A NODE_LOG NODE_PID
start_node() {
	local n=$1 conf=$IT_TMP/pptpd-$1.conf
	{
		block "pptpd node $n"
		echo "tun pptp0"
		echo "log-level info"
		echo "ms-dns 203.0.113.53"
		echo "radius-timeout 1"
		echo "radius-acct-spool $IT_STATE/spool-$n.db"
		echo "control-socket $IT_STATE/control-$n.sock"
	} >"$conf"
	NODE_LOG[$n]=$IT_TMP/pptpd-$n.log
	it_bg "${NODE_NS[$n]}" "${NODE_LOG[$n]}" "$PPTPD" -c "$conf" >/dev/null
	NODE_PID[$n]=$IT_LAST_PID
	it_wait_tcp "${NODE_NS[$n]}" "${NODE_ADDR[$n]}" 1723
}
# e2e_lib.sh's helpers (connect, bg_connect, wait_log, stats, ...) act on the
# node chosen here.
use_node() {
	SRV=${NODE_NS[$1]}
	SRV_LOG=${NODE_LOG[$1]}
	SRV_PID=${NODE_PID[$1]}
	E2E_SERVER=${NODE_ADDR[$1]}
}
start_node A
start_node B
radius_wait_detail rad Accounting-On 2
it_pass "nodes A and B up, each announced by Accounting-On"

# ---- bob on node B, pinging the LAN host throughout ----
echo bob-secret >"$IT_TMP/bob.pw"
use_node B
CLI_ALICE=$CLI
CLI=$BOB
good_pinger 198.51.100.3
CLI=$CLI_ALICE
grep -Eq '^ipcp-up [0-9.]+ ms addr=192\.0\.2\.(1[4-9][0-9]|2[0-9][0-9]) ' "$IT_TMP/good.out" ||
	{ cat "$IT_TMP/good.out" >&2; it_fail "bob's address is not from node B's pool"; }

# ---- alice on node A ----
use_node A
export PWFILE=$IT_TMP/alice.pw
echo alice-secret >"$PWFILE"
bg_connect "$IT_TMP/alice-a.log" --route 203.0.113.0/24 --timeout 60 \
	--run "ping -c 2 -W 2 203.0.113.2; sleep 50"
ALICE_A=$IT_LAST_PID
wait_up "$IT_TMP/alice-a.log"
grep -Eq '^ipcp-up [0-9.]+ ms addr=192\.0\.2\.([1-9][0-9]?|1[01][0-9]|12[0-6]) ' "$IT_TMP/alice-a.log" ||
	{ cat "$IT_TMP/alice-a.log" >&2; it_fail "alice's address on A is not from node A's pool"; }
for _ in $(seq 1 60); do
	grep -q '2 packets transmitted, 2 received' "$IT_TMP/alice-a.log" && break
	sleep 0.1
done
grep -q '2 packets transmitted, 2 received' "$IT_TMP/alice-a.log" ||
	{ cat "$IT_TMP/alice-a.log" >&2; it_fail "alice on node A: pings lost"; }
wait_log 'user=alice .*event=session-up'
sid=$(grep -o 'user=alice .*acct-session-id=[0-9A-F]*' "$SRV_LOG" | sed 's/.*acct-session-id=//' | tail -1)
[ -n "$sid" ] || { server_tail; it_fail "no acct-session-id for alice on node A"; }
# The session database learns of her from the Start.
for _ in $(seq 1 50); do
	radius_detail_field rad Start "$sid" Acct-Session-Id >/dev/null 2>&1 && break
	sleep 0.1
done
nas=$(radius_detail_field rad Start "$sid" NAS-IP-Address) || it_fail "no Start record for alice's $sid"
nasid=$(radius_detail_field rad Start "$sid" NAS-Identifier)
[ "$nas" = 203.0.113.1 ] && [ "$nasid" = pptp-a ] ||
	it_fail "alice's Start: NAS-IP-Address $nas NAS-Identifier $nasid, expected node A's"
for _ in $(seq 1 50); do
	[ -n "$(utmp_user alice)" ] && break
	sleep 0.1
done
grep -q ',203\.0\.113\.1,' <<<"$(utmp_user alice)" ||
	{ radius_log_tail rad 60; it_fail "radutmp has no session of alice at node A: '$(utmp_user alice)'"; }
it_pass "alice up on node A (address from A's pool, pings the LAN host); Start from NAS pptp-a 203.0.113.1 put her into radutmp"

# ---- alice again, on node B: refused by Simultaneous-Use ----
use_node B
rejects=$(radius_auth_count rad Access-Reject)
connect second alice alice-secret
expect_out second '^auth-failed [0-9.]+ ms E=691$'
wait_log 'user=alice .*event=auth-fail reason=bad-credentials error=691 message=.*already logged in'
[ "$(radius_auth_count rad Access-Reject)" = $((rejects + 1)) ] ||
	{ radius_log_tail rad 60; it_fail "FreeRADIUS sent no (or more than one) Access-Reject for alice's second login"; }
grep -q 'Multiple logins (max 1)' "$RDIR/radius.log" ||
	{ radius_log_tail rad 60; it_fail "FreeRADIUS did not log 'Multiple logins'"; }
# Trusted without checkrad: the client is nas_type other.
! grep -q 'Executing.*checkrad' "$RDIR/radius.log" || it_fail "FreeRADIUS ran checkrad"
kill -0 "$ALICE_A" 2>/dev/null || { cat "$IT_TMP/alice-a.log" >&2; it_fail "alice's session on A ended"; }
[ "$(utmp_user alice | grep -c .)" = 1 ] || it_fail "radutmp: alice's sessions '$(utmp_user alice)'"
it_pass "alice's second login, on node B: Access-Reject 'Multiple logins (max 1)', E=691 at the client, 'already logged in' in node B's log; her session on A stays"

# ---- GRE of alice's call (node A's) sent to node B: dropped there ----
# What a front end that does not keep GRE with the control connection does.
ida=$(sed -n 's/.* call=\([0-9]*\) peer=198\.51\.100\.2:[0-9]* event=call-up .*/\1/p' "${NODE_LOG[A]}" | tail -1)
idb=$(sed -n 's/.* call=\([0-9]*\) peer=198\.51\.100\.3:[0-9]* event=call-up .*/\1/p' "${NODE_LOG[B]}" | tail -1)
[ -n "$ida" ] && [ -n "$idb" ] || it_fail "no call-up lines for alice on A and bob on B"
line=$(stats)
nocall0=$(stat_field "$line" gre-no-call)
wrongsrc0=$(stat_field "$line" gre-wrong-src)
ip netns exec "$CLI" "$ITOOLS/ctrl_peer" 198.51.100.11 gre-send call="$ida" seq=1000 count=3 \
	data=misrouted src=198.51.100.2 >"$IT_TMP/misrouted.out" 2>&1 ||
	{ cat "$IT_TMP/misrouted.out" >&2; it_fail "ctrl_peer gre-send to node B"; }
# Node B's random call IDs may hold alice's node-A ID for bob (1 in 65535):
# then the frames meet bob's call and are dropped for their source.
field=gre-no-call want=$((nocall0 + 3))
[ "$ida" != "$idb" ] || field=gre-wrong-src want=$((wrongsrc0 + 3))
for _ in $(seq 1 30); do
	[ "$(stat_field "$(stats)" "$field")" -ge "$want" ] && break
	sleep 0.1
done
[ "$(stat_field "$(stats)" "$field")" -ge "$want" ] ||
	{ server_tail; it_fail "node B did not count alice's 3 misrouted GRE frames as $field"; }
[ "$field" != gre-no-call ] || wait_log "event=gre-no-call call=$ida src=198\.51\.100\.2"
kill -0 "$ALICE_A" 2>/dev/null || { cat "$IT_TMP/alice-a.log" >&2; it_fail "alice's session on A ended"; }
it_pass "GRE of alice's call $ida on node A, sent to node B instead: dropped there as $field; her session on A stays"

# ---- Disconnect-Request to the NAS of her Start record ----
use_node A
reply=$(radius_disconnect "$nas:3799" dae-secret "Acct-Session-Id = \"$sid\"" 'User-Name = "alice"')
[ "$(head -1 <<<"$reply")" = "Disconnect-ACK" ] || { server_tail; it_fail "Disconnect-Request to $nas: $reply"; }
wait_log 'user=alice .*event=session-down reason=admin'
for _ in $(seq 1 50); do
	radius_detail_field rad Stop "$sid" Acct-Session-Id >/dev/null 2>&1 && break
	sleep 0.1
done
cause=$(radius_detail_field rad Stop "$sid" Acct-Terminate-Cause) || it_fail "no Stop for alice's $sid"
[ "$cause" = Admin-Reset ] || it_fail "alice's Stop: Acct-Terminate-Cause $cause, expected Admin-Reset"
for _ in $(seq 1 50); do
	[ -z "$(utmp_user alice)" ] && break
	sleep 0.1
done
[ -z "$(utmp_user alice)" ] || it_fail "radutmp still holds alice after the Stop: $(utmp_user alice)"
it_stop "$ALICE_A"
expect_idle "alice's disconnect on node A"
it_pass "Disconnect-Request to $nas:3799 (NAS-IP-Address of the Start) ended alice's session on A: Disconnect-ACK, Stop Admin-Reset, radutmp entry gone"

# ---- alice on node B now ----
use_node B
connect_ok third alice alice-secret --route 203.0.113.0/24 --run "ping -c 2 -W 2 203.0.113.2"
expect_out third '^ipcp-up [0-9.]+ ms addr=192\.0\.2\.(1[4-9][0-9]|2[0-9][0-9]) '
expect_out third '2 packets transmitted, 2 received'
sid_b=$(grep -o 'user=alice .*acct-session-id=[0-9A-F]*' "$SRV_LOG" | sed 's/.*acct-session-id=//' | tail -1)
for _ in $(seq 1 50); do
	radius_detail_field rad Start "$sid_b" Acct-Session-Id >/dev/null 2>&1 && break
	sleep 0.1
done
[ "$(radius_detail_field rad Start "$sid_b" NAS-Identifier)" = pptp-b ] ||
	it_fail "no Start from pptp-b for alice's $sid_b"
it_pass "alice's login on node B accepted after the disconnect: address from B's pool, pings the LAN host, Start from pptp-b"

# ---- bob, on B all along ----
[ -n "$(utmp_user bob)" ] || it_fail "radutmp lost bob's session"
good_pinger_end
expect_idle "bob's and alice's sessions on node B"
for n in A B; do
	use_node "$n"
	stop_server
done
radius_wait_detail rad Accounting-Off 2
it_pass "both nodes stopped cleanly, each with Accounting-Off"
