#!/usr/bin/env bash
# Reload without dropping sessions: SIGHUP and `pptpctl reload`
# (server/reload.h), with `auth radius` against two FreeRADIUS instances.
#
#   client 198.51.100.2 --- 198.51.100.1 server 203.0.113.1 --- 203.0.113.2 LAN
#                                  |
#                  FreeRADIUS "old" 127.0.0.1:1912, "new" 127.0.0.1:2012
#
# bob logs in through "old" with the only pool address, 192.0.2.10, and
# pings the LAN host for the whole test. The config file is rewritten: new
# ms-dns, remoteip moved to 192.0.2.11-12 (bob's address is no longer in
# it), a new named pool "office" (which also covers 192.0.2.10: bob's
# address must stay his), radius-server "new" instead of "old", and
# tun pptp9 (restart-only); carol's login is waiting for "old" to answer
# at that moment and must finish there. After SIGHUP: the reload line names each change
# and keeps tun with its line; pptp0 still carries bob, no pptp9 exists; a
# new login of alice (known to "new" only) gets the new DNS and an address
# of the new range, and one Framed-Pool login an address of the new pool;
# the old RADIUS client, with nothing in flight, is freed. Then a file with
# an error is refused by `pptpctl reload` (the FILE:LINE message in its
# answer and in the log) and the running configuration stays: alice logs in
# again as before. bob's pinger must not lose a single ping throughout.
# Last, ip-up: kept (needs a restart) while pptpd runs as `pptpd`; with
# `user root` a new ip-up runs for the next login after `pptpctl reload`.
set -euo pipefail
: "${PPTPD:?}" "${PPTPCTL:?}" "${PPTPBENCH:?}" "${SRCDIR:?}" "${ITOOLS:?}"
. "$SRCDIR/tests/integration/lib.sh"
. "$SRCDIR/tests/integration/e2e_lib.sh"

it_init reload
e2e_net
. "$SRCDIR/tests/integration/radius_lib.sh"

SOCK=$IT_STATE/control.sock
CONF=$IT_TMP/pptpd.conf
echo bob-secret >"$IT_TMP/bob.pw"

radius_user old bob bob-secret
radius_user old carol carol-secret
radius_start old --auth-port 1912 --acct-port 1913 --reject-delay 2
radius_user new alice alice-secret
radius_user new pooled pooled-secret 'Framed-Pool = "office"'
radius_start new --auth-port 2012 --acct-port 2013

start_server 192.0.2.10 "auth radius" "radius-server 127.0.0.1:1912 testing123" \
	"radius-timeout 4" "radius-tries 1"
wait_log 'radius=auth server=127.0.0.1:1912'

# ---- bob's session: pings the LAN host all along ----
good_pinger
grep -Eq 'user=bob .*addr=192\.0\.2\.10 .*event=session-up' "$SRV_LOG" ||
	{ server_tail; it_fail "bob did not get 192.0.2.10"; }
it_pass "bob is up on 192.0.2.10 (through RADIUS 'old'), pinging the LAN host"

# ---- the new file, and SIGHUP ----
cat >"$CONF" <<EOF
listen 198.51.100.1
localip 192.0.2.1
remoteip 192.0.2.11-12
user-db $DB
ms-dns 203.0.113.54
tun pptp9
log-level info
control-socket $SOCK
auth radius
radius-server 127.0.0.1:2012 testing123
radius-timeout 1
radius-tries 1
pool office 192.0.2.10,192.0.2.100-109
EOF
TUN_LINE=$(grep -n '^tun ' "$CONF" | cut -d: -f1)

# carol's wrong password is in flight at "old" (rejected after 2 s) when
# the reload replaces the RADIUS client: it must finish on the old one.
echo wrong-secret >"$IT_TMP/carol.pw"
BG_USER=carol PWFILE=$IT_TMP/carol.pw bg_connect "$IT_TMP/carol.out" --bind 198.51.100.4 \
	--tun pptpc1 --timeout 15
CAROL=$IT_LAST_PID
wait_log 'user=carol .*event=auth-request'
before=$(pongs)
mark=$(log_mark)
kill -HUP "$SRV_PID"
wait_log 'event=reloaded by=sighup'
log_since "$mark" | grep -q 'event=radius-auth-retired in-flight=1' ||
	{ server_tail; it_fail "the old RADIUS client was not retired with carol's request in flight"; }
line=$(log_since "$mark" | grep 'event=reloaded by=sighup')
for item in remoteip pool:office ms-dns radius-server; do
	[[ $line == *changed=*"$item"* ]] || { server_tail; it_fail "'$item' not in: $line"; }
done
[[ $line == *" kept=tun"* ]] || it_fail "tun not kept: $line"
log_since "$mark" | grep -q "event=reload-kept key=tun line=$TUN_LINE reason=needs-restart" ||
	{ server_tail; it_fail "no reload-kept line for tun at line $TUN_LINE"; }
it_pass "SIGHUP: $(sed 's/.*event=reloaded/event=reloaded/' <<<"$line")"

ip -n "$SRV" link show pptp0 >/dev/null 2>&1 || it_fail "pptp0 is gone"
! ip -n "$SRV" link show pptp9 >/dev/null 2>&1 || it_fail "pptp9 was created"
it_pass "the restart-only tun change is reported and not applied (pptp0 stays)"

# ---- new logins take the new values ----
# bob's tunnel holds the route to the LAN in the client namespace: ping out
# of this one's own tun. Both clients have call ID 1: --bind keeps bob's GRE
# packets (to 198.51.100.3) out of this client's raw socket.
connect_ok alice alice alice-secret --bind 198.51.100.2 --tun pptpa1 --run "ping -I pptpa1 -c 1 -W 2 203.0.113.2"
expect_out alice '^ipcp-up [0-9.]+ ms addr=192\.0\.2\.1[12] peer=192\.0\.2\.1 dns=203\.0\.113\.54 '
expect_out alice '1 packets transmitted, 1 received'
it_pass "a new login goes to RADIUS 'new', gets ms-dns 203.0.113.54 and an address of 192.0.2.11-12"
connect_ok pooled pooled pooled-secret --bind 198.51.100.2 --tun pptpa2 --run "ping -I pptpa2 -c 1 -W 2 203.0.113.2"
expect_out pooled '^ipcp-up [0-9.]+ ms addr=192\.0\.2\.10[0-9] '
expect_out pooled '1 packets transmitted, 1 received'
it_pass "a Framed-Pool login gets an address of the new pool 'office', routed through tun"
IT_STATUS=0
wait "$CAROL" || IT_STATUS=$?
grep -Eq '^auth-failed [0-9.]+ ms E=691$' "$IT_TMP/carol.out" ||
	{ cat "$IT_TMP/carol.out" >&2; it_fail "carol: no E=691 from the retired client"; }
wait_log 'radius=auth user=carol event=access-reject server=127\.0\.0\.1:1912'
wait_log 'event=radius-auth-retired-freed in-flight=0'
it_pass "carol's request in flight finished on the old RADIUS client (rejected there), which was then freed"

# ---- a broken file is refused whole, through pptpctl reload ----
before_refused=$(pongs)
sed -i 's/^ms-dns .*/ms-dns 203.0.113.99/' "$CONF"
echo "mtu 99999" >>"$CONF"
BAD_LINE=$(wc -l <"$CONF")
mark=$(log_mark)
RC=0
"$PPTPCTL" --socket "$SOCK" reload >"$IT_TMP/refused.out" 2>&1 || RC=$?
cat "$IT_TMP/refused.out"
[ "$RC" = 1 ] || it_fail "pptpctl reload of a broken file exited $RC"
grep -q "$CONF:$BAD_LINE: '99999' is out of range for 'mtu'" "$IT_TMP/refused.out" ||
	it_fail "no FILE:LINE error in the answer"
grep -q 'reload refused: 1 error' "$IT_TMP/refused.out" || it_fail "no refusal in the answer"
log_since "$mark" | grep -q "$CONF:$BAD_LINE: '99999' is out of range for 'mtu'" ||
	{ server_tail; it_fail "no FILE:LINE error in the log"; }
log_since "$mark" | grep -q 'event=reload-refused by=admin errors=1' ||
	{ server_tail; it_fail "no reload-refused line"; }
st=$("$PPTPCTL" --socket "$SOCK" stats)
grep -q '^reloads 1$' <<<"$st" && grep -q '^reloads_refused 1$' <<<"$st" ||
	it_fail "pptpctl stats: $(grep reload <<<"$st")"
it_pass "a file with an error is refused with its FILE:LINE message (answer and log); counted"

connect_ok again alice alice-secret --bind 198.51.100.2 --run true
expect_out again '^ipcp-up [0-9.]+ ms addr=192\.0\.2\.1[12] peer=192\.0\.2\.1 dns=203\.0\.113\.54 '
it_pass "the running configuration stayed (ms-dns 203.0.113.54, not the refused file's)"

# ---- bob's pings never stopped ----
[ "$(pongs)" -gt "$before_refused" ] && [ "$before_refused" -gt "$before" ] ||
	it_fail "bob's pings stalled: $before, $before_refused, $(pongs)"
touch "$STOP_GOOD"
IT_STATUS=0
wait "$GOOD" || IT_STATUS=$?
[ "$IT_STATUS" = 0 ] || { tail -5 "$IT_TMP/good.out" >&2; it_fail "bob's pinger exited $IT_STATUS (a ping was lost)"; }
grep -q '3 packets transmitted, 3 received' "$IT_TMP/good.out" || it_fail "bob's last pings lost"
it_pass "bob's session kept its address and answered all $(pongs) pings across both reloads"

# ---- the restart-only keys of a dropped daemon: ip-up is kept ----
echo '#!/bin/sh' >"$IT_TMP/up1.sh"
echo "echo up1 \$5 >>$IT_TMP/hooks.out" >>"$IT_TMP/up1.sh"
sed 's/up1/up2/g' "$IT_TMP/up1.sh" >"$IT_TMP/up2.sh"
chmod 0755 "$IT_TMP/up1.sh" "$IT_TMP/up2.sh"
echo "ip-up $IT_TMP/up2.sh" >>"$CONF"
sed -i '/^mtu 99999$/d' "$CONF"
out=$("$PPTPCTL" --socket "$SOCK" reload) || it_fail "pptpctl reload: $out"
grep -q '^kept .*ip-up' <<<"$out" || it_fail "ip-up not kept after the drop to pptpd: $out"
it_pass "pptpd running as 'pptpd': a new ip-up needs a restart (the root helper runs only vetted scripts)"

stop_server
it_pass "pptpd stopped cleanly"

# ---- a daemon that stays root: ip-up changes live ----
echo 'dave-secret' | ctl user add dave --password-stdin
start_server 192.0.2.10-20 "user root" "ip-up $IT_TMP/up1.sh"
connect_ok dave1 dave dave-secret --bind 198.51.100.2 --run true
sed -i "s|^ip-up .*|ip-up $IT_TMP/up2.sh|" "$CONF"
out=$("$PPTPCTL" --socket "$SOCK" reload) || it_fail "pptpctl reload: $out"
grep -q '^changed ip-up$' <<<"$out" || it_fail "ip-up not changed: $out"
connect_ok dave2 dave dave-secret --bind 198.51.100.2 --run true
for _ in $(seq 1 50); do
	[ "$(wc -l <"$IT_TMP/hooks.out" 2>/dev/null || echo 0)" -ge 2 ] && break
	sleep 0.1
done
grep -Eq '^up1 192\.0\.2\.[0-9]+$' "$IT_TMP/hooks.out" && grep -Eq '^up2 192\.0\.2\.[0-9]+$' "$IT_TMP/hooks.out" ||
	{ cat "$IT_TMP/hooks.out" >&2; it_fail "ip-up before/after the reload: not up1 then up2"; }
[ "$(head -n 1 "$IT_TMP/hooks.out" | cut -d' ' -f1)" = up1 ] || it_fail "hooks out of order"
it_pass "user root: the login after 'pptpctl reload' runs the new ip-up"
stop_server
