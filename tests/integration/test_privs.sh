#!/usr/bin/env bash
# Privileges: pptpd opens its sockets, tun and routes as root, then runs as
# the `user` (default pptpd) with CAP_NET_ADMIN alone; hooks run through
# the privileged helper as `hook-user`, with a clean environment.
#
#   client 198.51.100.2 --- 198.51.100.1 server 203.0.113.1 --- 203.0.113.2 LAN
#
# 1. Defaults (user pptpd), hook-user nobody, proxyarp, a pidfile, RADIUS
#    accounting (its spool), a user store pptpctl created as root: every
#    thread of pptpd has the pptpd UIDs/GIDs and exactly CAP_NET_ADMIN
#    (CapEff = CapPrm = 0x1000), nothing inheritable, ambient or in the
#    bounding set, NoNewPrivs 1; the helper is pptpd's child and root; the
#    store and the spool are 0600 and pptpd's. alice logs in (proxy ARP
#    entry added after the drop: the LAN host reaches her on-link), her
#    ip-up runs as nobody with exactly the documented variables, and
#    logging out removes the entry and runs ip-down. bob, with a static
#    address outside the pool, gets a host route (added after the drop),
#    the LAN host pings him; SIGTERM with bob still up: exit 0, the host
#    route, the pool's routes and tun gone, the pidfile removed.
# 2. `user root`: one line says so, pptpd stays root, a client logs in.
# 3. `user nosuchuser`: the config line named, exit 1. `pptpd -t` prints
#    user, group and hook-user.
# 4. A store the run user cannot use (in a root-owned directory), a
#    damaged store, a symbolic link as the store, an ip-up the run user
#    could change, and a start where the switch is impossible (no
#    CAP_SETPCAP): a clear line, exit 1. Then a client logs in as before.
set -euo pipefail
: "${PPTPD:?}" "${PPTPCTL:?}" "${PPTPBENCH:?}" "${SRCDIR:?}" "${ITOOLS:?}"
. "$SRCDIR/tests/integration/lib.sh"
. "$SRCDIR/tests/integration/e2e_lib.sh"

it_init privs
e2e_net
echo 'alice-secret' | ctl user add alice --password-stdin
echo 'bob-secret' | ctl user add bob --password-stdin --static-ip 192.0.2.50
echo alice-secret >"$IT_TMP/alice.pw"
echo bob-secret >"$IT_TMP/bob.pw"
export PWFILE=$IT_TMP/alice.pw
PUID=$(id -u pptpd)
PGID=$(id -g pptpd)

# The hooks dump the environment exactly as execve gave it (/proc/$$/environ:
# the shell adds PWD to its own, not to what it was given) and their IDs.
OUT=$IT_TMP/hookout
mkdir -m 0777 "$OUT"
for h in up down; do
	cat >"$IT_TMP/ip-$h" <<EOF
#!/bin/sh
f="$OUT/$h.\$PEERNAME"
cat /proc/\$\$/environ >"\$f.env"
echo "\$(id -u) \$(id -g) \$(pwd)" >"\$f.id"
EOF
	chmod 755 "$IT_TMP/ip-$h"
done

# status_field PID FIELD: the value of FIELD in /proc/PID/status (tabs to spaces).
status_field() {
	sed -n "s/^$2:[[:space:]]*//p" "/proc/$1/status" | tr '\t' ' '
}

# ---- 1. the default user ----
start_server 203.0.113.100-110 "proxyarp yes" "pidfile $IT_TMP/pptpd.pid" \
	"ip-up $IT_TMP/ip-up" "ip-down $IT_TMP/ip-down" "hook-user nobody" \
	"radius-acct-server 127.0.0.1 testing123" "radius-acct-spool $IT_STATE/spool.db" \
	"radius-timeout 1" "radius-tries 1"
wait_log "event=privileges-dropped user=pptpd uid=$PUID gid=$PGID caps=cap_net_admin"
wait_log "event=server-start"
[ "$(grep -c 'event=privileges' "$SRV_LOG")" = 1 ] || { server_tail; it_fail "more than one privileges line"; }
ntasks=0
for t in /proc/"$SRV_PID"/task/*; do
	tid=${t##*/}
	[ "$(status_field "$SRV_PID/task/$tid" Uid)" = "$PUID $PUID $PUID $PUID" ] ||
		it_fail "thread $tid: Uid $(status_field "$SRV_PID/task/$tid" Uid)"
	[ "$(status_field "$SRV_PID/task/$tid" Gid)" = "$PGID $PGID $PGID $PGID" ] ||
		it_fail "thread $tid: Gid $(status_field "$SRV_PID/task/$tid" Gid)"
	[ -z "$(status_field "$SRV_PID/task/$tid" Groups)" ] ||
		it_fail "thread $tid: supplementary groups $(status_field "$SRV_PID/task/$tid" Groups)"
	for f in CapEff CapPrm; do
		v=$(status_field "$SRV_PID/task/$tid" $f)
		[ $((16#$v)) = $((1 << 12)) ] || it_fail "thread $tid: $f $v, expected CAP_NET_ADMIN (1<<12) alone"
	done
	for f in CapInh CapBnd CapAmb; do
		v=$(status_field "$SRV_PID/task/$tid" $f)
		[ $((16#$v)) = 0 ] || it_fail "thread $tid: $f $v, expected 0"
	done
	[ "$(status_field "$SRV_PID/task/$tid" NoNewPrivs)" = 1 ] || it_fail "thread $tid: NoNewPrivs not set"
	ntasks=$((ntasks + 1))
done
# The loop, the SQLite worker and the accounting spool thread at least.
[ "$ntasks" -ge 3 ] || it_fail "only $ntasks threads: the worker threads were not checked"
it_pass "all $ntasks threads: uid/gid pptpd ($PUID/$PGID), no groups, CapEff=CapPrm=CAP_NET_ADMIN, no inheritable/bounding/ambient, NoNewPrivs"
HELPER=$(ps -o pid= --ppid "$SRV_PID" | tr -d ' ')
[ -n "$HELPER" ] && [ "$(cat "/proc/$HELPER/comm")" = pptpd-helper ] ||
	it_fail "no pptpd-helper child of pptpd: '$HELPER'"
[ "$(status_field "$HELPER" Uid)" = "0 0 0 0" ] || it_fail "the helper is not root"
it_pass "the privileged helper $HELPER is pptpd's child, root, with one thread: $(status_field "$HELPER" Threads)"
[ "$(stat -c '%U %a' "$DB")" = "pptpd 600" ] || it_fail "user store: $(stat -c '%U %a' "$DB")"
for _ in $(seq 1 50); do [ -e "$IT_STATE/spool.db" ] && break; sleep 0.1; done
[ "$(stat -c '%U %a' "$IT_STATE/spool.db")" = "pptpd 600" ] || it_fail "spool: $(stat -c '%U %a' "$IT_STATE/spool.db")"
[ "$(stat -c '%U %a' "$IT_STATE")" = "pptpd 700" ] || it_fail "state directory: $(stat -c '%U %a' "$IT_STATE")"
[ "$(cat "$IT_TMP/pptpd.pid")" = "$SRV_PID" ] || it_fail "pidfile does not hold $SRV_PID"
it_pass "user store (created by pptpctl as root) and spool: 0600, owned by pptpd; pidfile written"

# alice through proxy ARP: the LAN host has no route but its own subnet.
ip -n "$LAN" route del default
bg_connect "$IT_TMP/alice.out" --tun pptpa1 --route 203.0.113.0/24
ALICE=$IT_LAST_PID
wait_up "$IT_TMP/alice.out"
ADDR=$(sed -n 's/^ipcp-up .* addr=\([0-9.]*\) .*/\1/p' "$IT_TMP/alice.out")
for _ in $(seq 1 50); do
	ip -n "$SRV" neigh show proxy | grep -q "^$ADDR dev veth1" && break
	sleep 0.1
done
ip -n "$SRV" neigh show proxy | grep -q "^$ADDR dev veth1" || { server_tail; it_fail "no proxy ARP entry for $ADDR"; }
ip netns exec "$LAN" ping -c 3 -W 2 "$ADDR" >"$IT_TMP/ping-alice.out" 2>&1 ||
	{ cat "$IT_TMP/ping-alice.out" >&2; it_fail "the LAN host cannot ping alice at $ADDR"; }
it_pass "after the drop: proxy ARP entry for $ADDR added, the LAN host pings alice"
for _ in $(seq 1 50); do [ -s "$OUT/up.alice.id" ] && break; sleep 0.1; done
[ "$(cat "$OUT/up.alice.id" 2>/dev/null)" = "$(id -u nobody) $(id -g nobody) /" ] ||
	it_fail "ip-up ran as '$(cat "$OUT/up.alice.id" 2>/dev/null)', expected nobody in /"
names=$(tr '\0' '\n' <"$OUT/up.alice.env" | sed 's/=.*//' | sort | tr '\n' ' ')
want="DEVICE IFNAME IPLOCAL IPPARAM IPREMOTE LINKNAME ORIG_UID PATH PEERNAME PPPLOGNAME PPTP_CALL_ID PPTP_PEER SPEED "
[ "$names" = "$want" ] || it_fail "ip-up environment: '$names', expected '$want'"
tr '\0' '\n' <"$OUT/up.alice.env" | grep -qx "IPREMOTE=$ADDR" || it_fail "ip-up: IPREMOTE is not $ADDR"
it_pass "ip-up ran as hook-user nobody, in /, with exactly: $want"
it_stop "$ALICE"
[ "$IT_STATUS" = 0 ] || { cat "$IT_TMP/alice.out" >&2; it_fail "alice's client exited $IT_STATUS"; }
for _ in $(seq 1 50); do
	! ip -n "$SRV" neigh show proxy | grep -q "^$ADDR " && [ -s "$OUT/down.alice.id" ] && break
	sleep 0.1
done
! ip -n "$SRV" neigh show proxy | grep -q "^$ADDR " || it_fail "the proxy ARP entry for $ADDR is left"
[ "$(cat "$OUT/down.alice.id" 2>/dev/null)" = "$(id -u nobody) $(id -g nobody) /" ] ||
	it_fail "ip-down did not run as nobody"
it_pass "alice logged out: proxy ARP entry removed, ip-down ran as nobody"
ip -n "$LAN" route add default via 203.0.113.1

# bob: a static address outside the pool gets a host route into tun.
BG_USER=bob PWFILE=$IT_TMP/bob.pw bg_connect "$IT_TMP/bob.out" --tun pptpb1 --route 203.0.113.0/24
BOB=$IT_LAST_PID
wait_up "$IT_TMP/bob.out"
ip -n "$SRV" route show 192.0.2.50 | grep -q "dev pptp0" ||
	{ ip -n "$SRV" route >&2; it_fail "no host route 192.0.2.50 into pptp0"; }
ip netns exec "$LAN" ping -c 3 -W 2 192.0.2.50 >"$IT_TMP/ping-bob.out" 2>&1 ||
	{ cat "$IT_TMP/ping-bob.out" >&2; it_fail "the LAN host cannot ping bob at 192.0.2.50"; }
it_pass "after the drop: host route 192.0.2.50 added, the LAN host pings bob"

# SIGTERM with bob up: routes removed with CAP_NET_ADMIN, pidfile by the helper.
stop_server
! ip -n "$SRV" route | grep -Eq "192\.0\.2\.50|pptp0|203\.0\.113\.(9[6-9]|1[01][0-9])" ||
	{ ip -n "$SRV" route >&2; it_fail "routes left after SIGTERM"; }
! ip -n "$SRV" link show pptp0 >/dev/null 2>&1 || it_fail "tun pptp0 left after SIGTERM"
[ ! -e "$IT_TMP/pptpd.pid" ] || it_fail "pidfile left after SIGTERM"
! kill -0 "$HELPER" 2>/dev/null || it_fail "the helper outlived pptpd"
it_pass "SIGTERM with bob up: exit 0, host and pool routes and tun gone, pidfile removed, helper gone"
it_stop "$BOB"

# ---- 2. `user root`, explicitly ----
start_server 192.0.2.10-20 "user root"
wait_log "event=server-start"
grep -q "event=privileges-kept user=root reason=\"'user root' in the configuration\"" "$SRV_LOG" ||
	{ server_tail; it_fail "no line saying pptpd stays root"; }
[ "$(status_field "$SRV_PID" Uid)" = "0 0 0 0" ] || it_fail "'user root': Uid $(status_field "$SRV_PID" Uid)"
! grep -q "event=privileges-dropped" "$SRV_LOG" || it_fail "'user root' dropped privileges"
connect_ok root alice alice-secret --route 203.0.113.0/24 --run "ping -c 2 -W 2 203.0.113.2"
expect_out root '2 packets transmitted, 2 received'
stop_server
it_pass "'user root': one line says so, pptpd stays root, alice logs in and pings the LAN"

# ---- 3. a user that does not exist; -t prints the keys ----
conf=$IT_TMP/bad.conf
printf 'localip 192.0.2.1\nremoteip 192.0.2.10-20\nuser-db %s\nuser nosuchuser\n' "$DB" >"$conf"
status=0
ip netns exec "$SRV" "$PPTPD" -c "$conf" 2>"$IT_TMP/bad.err" || status=$?
[ "$status" = 1 ] || it_fail "'user nosuchuser': exit status $status, expected 1"
grep -qF "$conf:4: 'nosuchuser' for 'user': no such user" "$IT_TMP/bad.err" ||
	it_fail "'user nosuchuser': unclear message: $(cat "$IT_TMP/bad.err")"
printf 'localip 192.0.2.1\nremoteip 192.0.2.10-20\n' >"$IT_TMP/t.conf"
"$PPTPD" -t -c "$IT_TMP/t.conf" >"$IT_TMP/t.out"
grep -qx 'user pptpd' "$IT_TMP/t.out" && grep -qx '# group (not set)' "$IT_TMP/t.out" &&
	grep -qx 'hook-user root' "$IT_TMP/t.out" ||
	{ grep -E 'user|group' "$IT_TMP/t.out" >&2; it_fail "pptpd -t does not print user, group, hook-user"; }
it_pass "'user nosuchuser': $(cat "$IT_TMP/bad.err"); pptpd -t prints user, group and hook-user"

# ---- 4. stores the run user cannot use ----
# refused CASE STORE MESSAGE: pptpd on a store must exit 1 with MESSAGE.
refused() {
	local name=$1 store=$2 msg=$3
	printf 'listen 198.51.100.1\nlocalip 192.0.2.1\nremoteip 192.0.2.10-20\nuser-db %s\ncontrol-socket %s\n' \
		"$store" "$IT_STATE/control.sock" >"$IT_TMP/$name.conf"
	status=0
	ip netns exec "$SRV" "$PPTPD" --echo-frames -c "$IT_TMP/$name.conf" 2>"$IT_TMP/$name.err" || status=$?
	[ "$status" = 1 ] || { cat "$IT_TMP/$name.err" >&2; it_fail "$name: exit status $status, expected 1"; }
	grep -qF -- "$msg" "$IT_TMP/$name.err" ||
		{ cat "$IT_TMP/$name.err" >&2; it_fail "$name: no '$msg'"; }
	it_pass "$name: $(grep -F -- "$msg" "$IT_TMP/$name.err" | head -1)"
}
mkdir -m 0755 "$IT_TMP/rootdir"
refused root-dir "$IT_TMP/rootdir/users.db" \
	"user store $IT_TMP/rootdir/users.db: user pptpd cannot create files in $IT_TMP/rootdir"
printf 'this is not a database at all, not even close........' >"$IT_STATE/damaged.db"
refused damaged "$IT_STATE/damaged.db" "user store $IT_STATE/damaged.db: $IT_STATE/damaged.db: the file is not a database"
[ "$(stat -c %U "$IT_STATE/damaged.db")" = pptpd ] || it_fail "the damaged store was not given to pptpd"
ln -s /etc/passwd "$IT_STATE/link.db"
refused symlink "$IT_STATE/link.db" "user store $IT_STATE/link.db: is a symbolic link: refused"
[ "$(stat -c %U /etc/passwd)" = root ] || it_fail "/etc/passwd changed owner"
# A hook the run user could change would give it hook-user's (root's) powers.
cp "$IT_TMP/ip-up" "$IT_STATE/ip-up"
printf 'listen 198.51.100.1\nlocalip 192.0.2.1\nremoteip 192.0.2.10-20\nuser-db %s\nip-up %s\ncontrol-socket %s\n' \
	"$DB" "$IT_STATE/ip-up" "$IT_STATE/control.sock" >"$IT_TMP/weak.conf"
status=0
ip netns exec "$SRV" "$PPTPD" -c "$IT_TMP/weak.conf" 2>"$IT_TMP/weak.err" || status=$?
[ "$status" = 1 ] || { cat "$IT_TMP/weak.err" >&2; it_fail "ip-up in pptpd's directory: exit status $status"; }
grep -qF "ip-up $IT_STATE/ip-up: $IT_STATE can be changed by user pptpd, which could then run its own code as hook-user root: refused" \
	"$IT_TMP/weak.err" || { cat "$IT_TMP/weak.err" >&2; it_fail "ip-up in pptpd's directory: unclear message"; }
it_pass "an ip-up in a directory pptpd owns is refused: $(cat "$IT_TMP/weak.err")"
# Where the switch is impossible (here: no CAP_SETPCAP, as in some
# containers) one line says why and what to do; nothing runs half-dropped.
sed -i "s|^ip-up .*||" "$IT_TMP/weak.conf"
status=0
ip netns exec "$SRV" capsh --drop=cap_setpcap -- -c 'exec "$0" --echo-frames -c "$1"' \
	"$PPTPD" "$IT_TMP/weak.conf" 2>"$IT_TMP/nocap.err" || status=$?
[ "$status" = 1 ] && grep -q "event=privileges-failed user=pptpd error=.*set 'user root' to run as root" "$IT_TMP/nocap.err" ||
	{ cat "$IT_TMP/nocap.err" >&2; it_fail "without CAP_SETPCAP: exit $status, no line saying why"; }
it_pass "without CAP_SETPCAP the drop is impossible: $(grep privileges-failed "$IT_TMP/nocap.err")"
# The server still serves afterwards.
start_server 192.0.2.10-20
connect_ok after alice alice-secret --run "true"
stop_server
it_pass "refused stores change nothing: alice logs in afterwards"
