#!/usr/bin/env bash
# Forged GRE against a live session (issue 10, item 4), the network of
# test_e2e.sh (e2e_lib.sh). The attacker sends from the legitimate
# client's own address (the same namespace: as behind one NAT) LCP
# Terminate-Requests
#   A. to call IDs 1..32 (sequential IDs would have hit the session),
#   B. to the session's real call ID (as if guessed), with sequence numbers
#      far outside its window: a run of 8 ahead, a run of 8 behind (such
#      runs used to resynchronise the flow), and one half the space away,
#   C. to every call ID 1..65535, far out of window.
# The session survives and keeps pinging the LAN host; every forged frame
# is dropped and counted (gre-no-call, gre-far), the per-call count is on
# the call-down line, and the first far drop of the call is logged once.
set -euo pipefail
: "${PPTPD:?}" "${PPTPCTL:?}" "${PPTPBENCH:?}" "${SRCDIR:?}" "${ITOOLS:?}"
. "$SRCDIR/tests/integration/lib.sh"
. "$SRCDIR/tests/integration/e2e_lib.sh"

it_init gre_forge
e2e_net
echo 'bob-secret' | ctl user add bob --password-stdin
echo bob-secret >"$IT_TMP/bob.pw"

# LCP Terminate-Request (code 5, id 1, length 4), with address and control.
TERMREQ=ff03c02105010004

start_server 192.0.2.10-100
# bob pings from the address the forged frames will claim; two pings in a
# row may be lost while the machine is busy with the attack.
good_pinger 198.51.100.2 3
for _ in $(seq 1 50); do [ "$(pongs)" -gt 2 ] && break; sleep 0.1; done
[ "$(pongs)" -gt 2 ] || { cat "$IT_TMP/good.out" >&2; it_fail "bob: no ping answered"; }
ID=$(sed -n 's/.* call=\([0-9]*\) peer=[0-9.:]* event=call-up .*/\1/p' "$SRV_LOG" | head -n 1)
[ -n "$ID" ] || { server_tail; it_fail "no call-up line for bob"; }
echo "bob's call ID: $ID"

forge() {
	ip netns exec "$CLI" "$ITOOLS/ctrl_peer" 198.51.100.1 \
		gre-send src=198.51.100.2 hex=$TERMREQ "$@" >"$IT_TMP/forge.out" 2>&1 ||
		{ cat "$IT_TMP/forge.out" >&2; it_fail "ctrl_peer gre-send $*"; }
}

line=$(stats)
NOCALL0=$(stat_field "$line" gre-no-call)
[ "$(stat_field "$line" gre-far)" = 0 ] || it_fail "gre-far is not 0 before the attack"

# A. The attack of the issue: call IDs 1..32. A random ID among 65535 is
# there with a chance of 1 in 2000; the test then shifts the range past it
# (that draw is what random IDs leave to luck, not what this checks).
FIRST=1
[ "$ID" -gt 32 ] || FIRST=33
forge call=$FIRST calls=32 seq=1 count=2
for _ in $(seq 1 30); do
	[ "$(stat_field "$(stats)" gre-no-call)" -ge $((NOCALL0 + 64)) ] && break
	sleep 0.1
done
[ "$(stat_field "$(stats)" gre-no-call)" -ge $((NOCALL0 + 64)) ] || it_fail "the 64 frames to IDs $FIRST.. were not all counted gre-no-call"
it_pass "LCP Terminate-Requests to call IDs $FIRST..$((FIRST + 31)): no call there (call IDs are random)"

# B. The real call ID, sequence numbers far outside the window.
forge call="$ID" seq=0x40000000 count=8
forge call="$ID" seq=0xC0000000 count=8
forge call="$ID" seq=0x80000000
for _ in $(seq 1 30); do
	[ "$(stat_field "$(stats)" gre-far)" = 17 ] && break
	sleep 0.1
done
[ "$(stat_field "$(stats)" gre-far)" = 17 ] || { server_tail; it_fail "gre-far=$(stat_field "$(stats)" gre-far), expected 17"; }
it_pass "17 Terminate-Requests to the real call ID, far out of window: dropped and counted"

# C. Every call ID.
forge call=1 calls=65535 seq=0x40000000
for _ in $(seq 1 50); do
	[ "$(stat_field "$(stats)" gre-far)" = 18 ] && break
	sleep 0.1
done
line=$(stats)
[ "$(stat_field "$line" gre-far)" = 18 ] || { server_tail; it_fail "gre-far=$(stat_field "$line" gre-far), expected 18"; }
[ "$(stat_field "$line" gre-no-call)" -ge $((NOCALL0 + 64 + 65534)) ] ||
	it_fail "gre-no-call=$(stat_field "$line" gre-no-call): the sweep was not all counted"
it_pass "a sweep of all 65535 call IDs: 65534 without a call, 1 far out of window"

# The session is untouched and keeps working.
! grep -q 'user=bob .*event=session-down' "$SRV_LOG" || { server_tail; it_fail "bob's session ended"; }
! grep -q 'event=lcp-terminate\|cause=peer-terminate' "$SRV_LOG" || it_fail "a forged Terminate-Request reached LCP"
PONGS=$(pongs)
for _ in $(seq 1 50); do [ "$(pongs)" -gt $((PONGS + 2)) ] && break; sleep 0.1; done
[ "$(pongs)" -gt $((PONGS + 2)) ] && kill -0 "$GOOD" 2>/dev/null ||
	{ cat "$IT_TMP/good.out" >&2; it_fail "bob stopped pinging after the attack"; }
n=$(grep -c "ctrl=[0-9]* call=$ID peer=[0-9.:]* event=gre-far-dropped" "$SRV_LOG" || true)
[ "$n" = 1 ] || it_fail "$n gre-far-dropped lines for bob's call, expected 1 (the first)"
it_pass "bob's session kept pinging ($(pongs) pings); one log line for 18 far frames"

good_pinger_end
wait_log "ctrl=[0-9]* call=$ID peer=[0-9.:]* event=call-down reason=[a-z-]* .* gre-far=18"
it_pass "bob hung up himself; his call-down line counts gre-far=18"
expect_idle "the forged GRE"
stop_server
echo "all forged GRE checks passed"
