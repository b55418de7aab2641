#!/usr/bin/env bash
# The nftables ruleset and the ip-up/ip-down hooks of docs/operations.md
# ("Firewalling"), taken from the document by their markers, in the server
# namespace of test_e2e.sh's network (e2e_lib.sh):
#
#   client 198.51.100.2-4 --- 198.51.100.1 server 203.0.113.1 --- 203.0.113.2 LAN
#
# The LAN host has no route back to the pool, so replies reach the clients
# only through the ruleset's masquerade. bob logs in through the firewall
# (TCP 1723 in, GRE accepted because he holds a control connection, his
# tunnel address put in the `sessions` set by the ip-up hook, forwarded to
# the LAN only from that set) and pings the LAN host throughout. The attack:
# GRE from 198.51.100.4, an address without a control connection, is
# dropped by the firewall and never reaches pptpd (its gre-no-call stays
# put), while the same packets from bob's address do reach it (the rule
# filters by address; pptpd's own checks drop them). alice logs in and out
# beside it; the ip-down hook takes each address out of the set again. The
# ruleset also loads a second time over itself, and the shaping example
# parses.
set -euo pipefail
: "${PPTPD:?}" "${PPTPCTL:?}" "${PPTPBENCH:?}" "${SRCDIR:?}" "${ITOOLS:?}"
. "$SRCDIR/tests/integration/lib.sh"
. "$SRCDIR/tests/integration/e2e_lib.sh"

command -v nft >/dev/null || it_fail "nft not installed (Debian package nftables; scripts/deps.sh)"
DOC=$SRCDIR/docs/operations.md

# block NAME: the fenced block between "<!-- NAME: begin" and "<!-- NAME: end".
block() {
	awk -v b="<!-- $1: begin" -v e="<!-- $1: end" \
		'index($0, b) == 1 { on = 1; next } index($0, e) == 1 { on = 0 } on' "$DOC" |
		sed '/^```/d'
}

it_init firewall
e2e_net
echo 'alice-secret' | ctl user add alice --password-stdin
echo 'bob-secret' | ctl user add bob --password-stdin
echo bob-secret >"$IT_TMP/bob.pw"

# ---- the ruleset of the document, for this network ----
block "nftables ruleset" >"$IT_TMP/doc.nft"
[ "$(grep -c '^define ' "$IT_TMP/doc.nft")" = 4 ] || it_fail "no ruleset with 4 defines in $DOC"
sed -e 's|^define WAN = .*|define WAN = "veth0"|' -e 's|^define LAN = .*|define LAN = "veth1"|' \
	-e 's|^define TUN = .*|define TUN = "pptp0"|' -e 's|^define POOL = .*|define POOL = 192.0.2.0/24|' \
	"$IT_TMP/doc.nft" >"$IT_TMP/pptpd.nft"
nsnft() { ip netns exec "$SRV" nft "$@"; }
nsnft -c -f "$IT_TMP/pptpd.nft" || it_fail "nft -c rejects the ruleset of $DOC"
nsnft -f "$IT_TMP/pptpd.nft" || it_fail "nft -f: the ruleset does not load"
nsnft -f "$IT_TMP/pptpd.nft" || it_fail "nft -f: the ruleset does not load over itself"
[ "$(nsnft list tables)" = "table inet pptpd" ] || it_fail "tables after two loads: $(nsnft list tables)"
# The shaping example (an indented line of the document) parses too.
meter=$(grep -m 1 'meter client_rate' "$DOC" | sed 's/^ *//')
[ -n "$meter" ] || it_fail "no shaping example in $DOC"
printf 'table inet shape {\n chain f {\n  type filter hook forward priority 0;\n  %s\n }\n}\n' "$meter" \
	>"$IT_TMP/shape.nft"
nsnft -c -f "$IT_TMP/shape.nft" || it_fail "nft -c rejects the shaping example: $meter"
it_pass "the document's ruleset passes nft -c, loads, and loads again over itself"

for h in ip-up ip-down; do
	block "$h hook" >"$IT_TMP/$h"
	head -n 1 "$IT_TMP/$h" | grep -qx '#!/bin/sh' || it_fail "no $h hook in $DOC"
	chmod 755 "$IT_TMP/$h"
done

# Replies from the LAN find the pool only through the masquerade.
ip -n "$LAN" route del default

# members SET: the set's elements, one per line.
members() {
	nsnft -j list set inet pptpd "$1" |
		python3 -c 'import json,sys
for o in json.load(sys.stdin)["nftables"]:
	for e in o.get("set", {}).get("elem", []):
		print(e["elem"]["val"] if isinstance(e, dict) else e)'
}
wait_member() { # SET ADDR yes|no
	for _ in $(seq 1 50); do
		if members "$1" | grep -qx "$2"; then [ "$3" = yes ] && return 0
		else [ "$3" = no ] && return 0; fi
		sleep 0.1
	done
	it_fail "set $1: $2 member=$3 expected; members: $(members "$1" | tr '\n' ' ')"
}
gre_refused() {
	nsnft -j list counter inet pptpd gre_refused |
		python3 -c 'import json,sys
print([o["counter"]["packets"] for o in json.load(sys.stdin)["nftables"] if "counter" in o][0])'
}

start_server 192.0.2.10-20 "ip-up $IT_TMP/ip-up" "ip-down $IT_TMP/ip-down"
# bob: as good_pinger (e2e_lib.sh), except that the first ping may be
# retried: the ip-up hook adds his address to the set just after the session
# is up, and packets before that are dropped by the forward chain.
STOP_GOOD=$IT_TMP/stop-good
BG_USER=bob PWFILE=$IT_TMP/bob.pw bg_connect "$IT_TMP/good.out" --bind 198.51.100.3 \
	--tun pptpg1 --route 203.0.113.0/24 --timeout 10 --run \
	"i=0; until ping -I pptpg1 -c 1 -W 1 203.0.113.2 >/dev/null; do i=\$((i+1)); [ \$i -lt 5 ] || exit 8; done; n=0; while [ ! -e $STOP_GOOD ]; do ping -I pptpg1 -c 1 -W 2 203.0.113.2 >/dev/null || exit 9; n=\$((n+1)); echo pong \$n; sleep 0.1; done; ping -I pptpg1 -c 3 -W 2 203.0.113.2"
GOOD=$IT_LAST_PID
wait_up "$IT_TMP/good.out"
for _ in $(seq 1 100); do
	[ "$(pongs)" -gt 0 ] && break
	sleep 0.1
done
[ "$(pongs)" -gt 0 ] || { cat "$IT_TMP/good.out" >&2; nsnft list ruleset >&2; it_fail "bob: no ping answered"; }
BOB_ADDR=$(sed -n 's/^ipcp-up .* addr=\([0-9.]*\) .*/\1/p' "$IT_TMP/good.out")
[ -n "$BOB_ADDR" ] || it_fail "no address in bob's ipcp-up line"
wait_member sessions "$BOB_ADDR" yes
wait_member pptp_peers 198.51.100.3 yes
members pptp_peers | grep -qx 198.51.100.4 && it_fail "198.51.100.4 in pptp_peers without a connection"
it_pass "bob ($BOB_ADDR) pings the LAN through the ruleset: 198.51.100.3 in pptp_peers, $BOB_ADDR in sessions"

# ---- the attack: GRE from an address without a control connection ----
ID=$(sed -n 's/.* call=\([0-9]*\) peer=[0-9.:]* event=call-up .*/\1/p' "$SRV_LOG" | head -n 1)
[ -n "$ID" ] || { server_tail; it_fail "no call-up line for bob"; }
OTHER=$((ID % 65535 + 1)) # a call ID that is not bob's
TERMREQ=ff03c02105010004  # LCP Terminate-Request
forge() { # SOURCE
	ip netns exec "$CLI" "$ITOOLS/ctrl_peer" 198.51.100.1 \
		gre-send src="$1" call=$OTHER seq=1 count=20 hex=$TERMREQ >"$IT_TMP/forge.out" 2>&1 ||
		{ cat "$IT_TMP/forge.out" >&2; it_fail "ctrl_peer gre-send from $1"; }
}
PONG0=$(pongs)
NOCALL0=$(stat_field "$(stats)" gre-no-call)
REFUSED0=$(gre_refused)
forge 198.51.100.4
for _ in $(seq 1 30); do
	[ "$(gre_refused)" -ge $((REFUSED0 + 20)) ] && break
	sleep 0.1
done
[ "$(gre_refused)" -ge $((REFUSED0 + 20)) ] ||
	it_fail "gre_refused counter $(gre_refused), expected at least $((REFUSED0 + 20))"
[ "$(stat_field "$(stats)" gre-no-call)" = "$NOCALL0" ] ||
	it_fail "GRE from 198.51.100.4 reached pptpd (gre-no-call $NOCALL0 -> $(stat_field "$(stats)" gre-no-call))"
it_pass "20 GRE packets from 198.51.100.4 (no control connection): dropped by the firewall, never seen by pptpd"
forge 198.51.100.3
for _ in $(seq 1 30); do
	[ "$(stat_field "$(stats)" gre-no-call)" -ge $((NOCALL0 + 20)) ] && break
	sleep 0.1
done
[ "$(stat_field "$(stats)" gre-no-call)" -ge $((NOCALL0 + 20)) ] ||
	it_fail "GRE from bob's address did not reach pptpd (gre-no-call $(stat_field "$(stats)" gre-no-call))"
it_pass "the same from bob's address passes the firewall (by address) and pptpd drops it (gre-no-call)"

# ---- a second client beside it; the hooks keep the set ----
connect_ok alice alice alice-secret --bind 198.51.100.2 --tun pptpa1 --route 203.0.113.0/24 \
	--run "i=0; until ping -c 1 -W 1 203.0.113.2 >/dev/null; do i=\$((i+1)); [ \$i -lt 5 ] || exit 8; done; ping -c 2 -W 2 203.0.113.2"
expect_out alice '2 packets transmitted, 2 received'
ALICE_ADDR=$(sed -n 's/^ipcp-up .* addr=\([0-9.]*\) .*/\1/p' "$IT_TMP/alice.out")
wait_member sessions "$ALICE_ADDR" no
wait_member sessions "$BOB_ADDR" yes
it_pass "alice ($ALICE_ADDR) logged in and reached the LAN; ip-down took her address out of sessions"

# ---- bob pinged throughout ----
for _ in $(seq 1 50); do
	[ "$(pongs)" -gt $((PONG0 + 5)) ] && break
	sleep 0.1
done
[ "$(pongs)" -gt $((PONG0 + 5)) ] || { cat "$IT_TMP/good.out" >&2; it_fail "bob's pings stopped"; }
touch "$STOP_GOOD"
IT_STATUS=0
wait "$GOOD" 2>/dev/null || IT_STATUS=$?
[ "$IT_STATUS" = 0 ] || { cat "$IT_TMP/good.out" >&2; server_tail; it_fail "bob exited $IT_STATUS"; }
grep -q '3 packets transmitted, 3 received' "$IT_TMP/good.out" ||
	{ cat "$IT_TMP/good.out" >&2; it_fail "bob: final pings lost"; }
wait_member sessions "$BOB_ADDR" no
grep -q 'event=hook-failed' "$SRV_LOG" && { server_tail; it_fail "a hook failed"; }
it_pass "bob pinged the LAN throughout ($(pongs) pings); the sessions set is empty again"
stop_server
