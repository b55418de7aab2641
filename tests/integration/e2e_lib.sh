# Helpers for the end-to-end tests that run `pptpbench connect` against
# pptpd (sourced after lib.sh, bash).
#
#   client 198.51.100.2 --- 198.51.100.1 server 203.0.113.1 --- 203.0.113.2 LAN
#
#   e2e_net                 the three namespaces ($CLI, $SRV, $LAN; their
#                           prefix made unique with $IT_TMP's) and links;
#                           the client also holds 198.51.100.3 and .4; the LAN
#                           host routes everything back via the server
#   ctl ARGS...             pptpctl on the test's user store $DB
#   start_server REMOTEIP [CONFIG LINE...]
#                           pptpd with a fresh config; $SRV_LOG, $SRV_PID
#   stop_server             SIGTERM; pptpd must exit 0
#   stats                   a fresh event=stats line (after SIGUSR1)
#   stat_field LINE NAME    one field of such a line
#   expect_idle WHAT        until the stats show sessions=0 calls=0
#   wait_log PATTERN [S]    until the server log has a matching line
#   server_tail             the end of the server log, on stderr
#   connect NAME USER PW [OPTIONS...]
#                           pptpbench connect in $CLI; output in
#                           $IT_TMP/NAME.out, exit status in $RC
#   connect_ok NAME ...     the same; must exit 0
#                           (connect and bg_connect go to $E2E_SERVER,
#                           default 198.51.100.1)
#   bg_connect LOG [OPTIONS...]
#                           pptpbench connect in the background as $BG_USER
#                           (default alice) with the password in $PWFILE;
#                           its PID in $IT_LAST_PID
#   wait_up LOG [S]         until a background client printed "up"
#   expect_phases NAME 'PHASE ...'
#   expect_out NAME REGEX   a line of the client's output matches
#   good_pinger [ADDR [MISSES]]
#                           bob (password in $IT_TMP/bob.pw) logs in from
#                           ADDR (default 198.51.100.3) and pings the LAN
#                           host every 0.1 s into $IT_TMP/good.out ("pong
#                           N") until $STOP_GOOD exists, then 3 more;
#                           MISSES lost pings in a row (default 1) end it
#                           (exit 9). Sets GOOD; returns once a ping was
#                           answered
#   pongs                   the answered pings in $IT_TMP/good.out so far
#   good_pinger_end         stops bob's pinger: it must exit 0 with its
#                           last 3 pings answered
#   log_mark / log_since N  the server log's line count; the lines after it

# other_workers: the config line for the data-path mode the default does
# not give this machine (`workers auto` is one worker per CPU, and none on
# one CPU): `workers 1` where pptpd runs workers by default, `workers 2`
# where it would not. The *_other_mode tests run a test again with it, so
# that both modes are tested on any machine.
other_workers() {
	if [ "$(nproc)" -ge 2 ]; then echo "workers 1"; else echo "workers 2"; fi
}

# other_mode_check LOG: the server that wrote LOG ran in other_workers'
# mode: sessions handed to workers with `workers 2`, no worker at all with
# `workers 1`.
other_mode_check() {
	if [ "$(other_workers)" = "workers 2" ]; then
		grep -q 'event=worker-taken worker=' "$1" ||
			it_fail "workers 2: no session was handed to a worker"
		it_pass "the sessions were the workers' ($(grep -c 'event=worker-taken' "$1") handed over)"
	else
		grep -q 'event=workers-open' "$1" && it_fail "workers 1, yet workers were opened"
		it_pass "workers 1: every session stayed on the main loop"
	fi
}

e2e_net() {
	local n
	# A prefix no stale namespace holds: the PID alone repeats once runs
	# were killed before their clean-up (it_ns in $(...) cannot stop us).
	IT_PREFIX="pt$$-${IT_TMP##*.}"
	for n in cli srv lan; do
		[ ! -e "/run/netns/$IT_PREFIX-$n" ] || it_fail "namespace $IT_PREFIX-$n exists already"
	done
	CLI=$(it_ns cli)
	SRV=$(it_ns srv)
	LAN=$(it_ns lan)
	# it_ns ran in a subshell: record them here, or the clean-up misses them.
	IT_NS+=("$CLI" "$SRV" "$LAN")
	it_link "$CLI" veth0 198.51.100.2/24 "$SRV" veth0 198.51.100.1/24
	it_link "$SRV" veth1 203.0.113.1/24 "$LAN" veth0 203.0.113.2/24
	it_addr "$CLI" veth0 198.51.100.3/24
	it_addr "$CLI" veth0 198.51.100.4/24
	ip -n "$LAN" route add default via 203.0.113.1
	ip netns exec "$SRV" sysctl -qw net.ipv4.ip_forward=1
	DB=$IT_STATE/users.db
}

ctl() {
	"$PPTPCTL" --db "$DB" "$@"
}

# The admin socket stays in the test's own state directory (never the
# system's /run/pptpd), unless the test names one.
test_control_socket() {
	local a
	for a in "$@"; do
		[[ $a == control-socket\ * ]] && return 0
	done
	echo "control-socket $IT_STATE/control.sock"
}

NSTART=0
start_server() {
	local conf=$IT_TMP/pptpd.conf pool=$1
	shift
	{
		echo "listen 198.51.100.1"
		echo "localip 192.0.2.1"
		echo "remoteip $pool"
		echo "user-db $DB"
		echo "ms-dns 203.0.113.53"
		echo "tun pptp0"
		echo "log-level info"
		test_control_socket "$@"
		printf '%s\n' "$@"
		# E2E_EXTRA: lines every server of the test gets (a test run
		# again with `workers 2`: test_workers_*.sh)
		[ -z "${E2E_EXTRA:-}" ] || printf '%s\n' "$E2E_EXTRA"
	} >"$conf"
	NSTART=$((NSTART + 1))
	SRV_LOG=$IT_TMP/pptpd.$NSTART.log
	it_bg "$SRV" "$SRV_LOG" "$PPTPD" -c "$conf" >"$IT_TMP/pid"
	SRV_PID=$(<"$IT_TMP/pid")
	it_wait_tcp "$SRV" 198.51.100.1 1723
}

stop_server() {
	it_stop "$SRV_PID"
	[ "$IT_STATUS" = 0 ] || it_fail "pptpd exited with $IT_STATUS: $(tail -5 "$SRV_LOG")"
}

stats() {
	local before after=0
	before=$(grep -c 'event=stats' "$SRV_LOG" || true)
	kill -USR1 "$SRV_PID"
	for _ in $(seq 1 50); do
		after=$(grep -c 'event=stats' "$SRV_LOG" || true)
		[ "$after" -gt "$before" ] && break
		sleep 0.1
	done
	[ "$after" -gt "$before" ] || it_fail "no event=stats line after SIGUSR1"
	grep 'event=stats' "$SRV_LOG" | tail -n 1
}

stat_field() {
	sed -n "s/.* $2=\([0-9]*\).*/\1/p" <<<"$1"
}

# Every session and call gone (the server reaps asynchronously).
expect_idle() {
	local line=
	for _ in $(seq 1 30); do
		line=$(stats)
		if [[ " $line " == *" sessions=0 "* && " $line " == *" calls=0 "* ]]; then
			it_pass "server idle after $1"
			return 0
		fi
		sleep 0.2
	done
	it_fail "server not idle after $1: $line"
}

wait_log() {
	for _ in $(seq 1 $((${2:-10} * 10))); do
		grep -Eq -- "$1" "$SRV_LOG" && return 0
		sleep 0.1
	done
	server_tail
	it_fail "no '$1' in the server log"
}

server_tail() {
	echo "--- server log:" >&2
	tail -n 30 "$SRV_LOG" >&2
}

connect() {
	local name=$1 user=$2 pw=$3
	shift 3
	RC=0
	printf '%s\n' "$pw" | ip netns exec "$CLI" "$PPTPBENCH" connect --server "${E2E_SERVER:-198.51.100.1}" \
		--user "$user" --password-stdin --timeout 10 "$@" >"$IT_TMP/$name.out" 2>&1 || RC=$?
}

connect_ok() {
	local name=$1
	connect "$@"
	if [ "$RC" != 0 ]; then
		cat "$IT_TMP/$name.out" >&2
		server_tail
		it_fail "$name: pptpbench connect exited $RC"
	fi
}

# A background job's stdin is /dev/null: sh redirects it, then becomes
# pptpbench (exec), so the recorded PID is the client's own.
bg_connect() {
	local log=$1
	shift
	it_bg "$CLI" "$log" sh -c 'exec "$0" "$@" <"$PWFILE"' "$PPTPBENCH" connect \
		--server "${E2E_SERVER:-198.51.100.1}" --user "${BG_USER:-alice}" --password-stdin "$@" >/dev/null
}

# wait_line FILE REGEX [SECONDS]: until a line of FILE matches REGEX
# (grep -E; 5 s by default); the test fails if none does in time.
wait_line() {
	local f=$1 re=$2
	for _ in $(seq 1 $((${3:-5} * 10))); do
		grep -qE "$re" "$f" 2>/dev/null && return 0
		sleep 0.1
	done
	cat "$f" >&2 2>/dev/null || true
	it_fail "no line matching '$re' in $(basename "$f")"
}

# start_sink NS LOG SINK-OPTIONS...: `pptpbench datapath sink` in NS, its
# output in LOG, once it says it is ready; IT_LAST_PID is its PID.
start_sink() {
	local ns=$1 log=$2 pid
	shift 2
	it_bg "$ns" "$log" "$PPTPBENCH" datapath sink "$@" >/dev/null
	pid=$IT_LAST_PID
	wait_line "$log" '^sink ready'
	IT_LAST_PID=$pid
}

# client_addr OUT: the address IPCP gave the pptpbench connect whose
# output is OUT (use as addr=$(client_addr OUT): under set -e a client
# without one ends the test).
client_addr() {
	local a
	a=$(sed -n 's/^ipcp-up .* addr=\([0-9.]*\) .*/\1/p' "$1")
	[ -n "$a" ] || { cat "$1" >&2; it_fail "no address in $(basename "$1")"; }
	echo "$a"
}

wait_up() {
	for _ in $(seq 1 $((${2:-10} * 10))); do
		grep -q '^up ' "$1" && return 0
		sleep 0.1
	done
	cat "$1" >&2
	server_tail
	it_fail "background client $(basename "$1") not up"
}

expect_phases() {
	local name=$1 want=$2 got
	got=$(awk '{print $1}' "$IT_TMP/$name.out" |
		grep -E '^(tcp-connect|start-reply|call-up|lcp-up|auth-ok|auth-failed|ccp-up|ipcp-up|up|run|disconnect)$' |
		tr '\n' ' ')
	[ "$got" = "$want" ] || { cat "$IT_TMP/$name.out" >&2; it_fail "$name: phases '$got', expected '$want'"; }
}

expect_out() {
	grep -Eq -- "$2" "$IT_TMP/$1.out" || { cat "$IT_TMP/$1.out" >&2; it_fail "$1: no '$2' in the client output"; }
}

good_pinger() {
	local addr=${1:-198.51.100.3}
	GOOD_MISSES=${2:-1}
	STOP_GOOD=$IT_TMP/stop-good
	BG_USER=bob PWFILE=$IT_TMP/bob.pw bg_connect "$IT_TMP/good.out" --bind "$addr" \
		--tun pptpg1 --route 203.0.113.0/24 --timeout 10 --run \
		"n=0; miss=0; while [ ! -e $STOP_GOOD ]; do if ping -I pptpg1 -c 1 -W 2 203.0.113.2 >/dev/null; then n=\$((n+1)); miss=0; echo pong \$n; else miss=\$((miss+1)); echo miss; [ \$miss -lt $GOOD_MISSES ] || exit 9; fi; sleep 0.1; done; ping -I pptpg1 -c 3 -W 2 203.0.113.2"
	GOOD=$IT_LAST_PID
	wait_up "$IT_TMP/good.out"
	for _ in $(seq 1 100); do
		[ "$(pongs)" -gt 0 ] && return 0
		sleep 0.1
	done
	cat "$IT_TMP/good.out" >&2
	it_fail "bob: no ping answered"
}

pongs() {
	grep -c '^pong ' "$IT_TMP/good.out" || true
}

good_pinger_end() {
	local n rc=0
	n=$(pongs)
	touch "$STOP_GOOD"
	wait "$GOOD" 2>/dev/null || rc=$?
	[ "$rc" = 0 ] || { cat "$IT_TMP/good.out" >&2; server_tail; it_fail "bob exited $rc"; }
	# With lost pings allowed (GOOD_MISSES > 1), one final answer will do.
	local want='3 received'
	[ "$GOOD_MISSES" = 1 ] || want='[1-3] received'
	grep -Eq "3 packets transmitted, $want" "$IT_TMP/good.out" ||
		{ cat "$IT_TMP/good.out" >&2; it_fail "bob: final pings lost"; }
	it_pass "bob pinged the LAN host throughout ($n pings) and after"
}

log_mark() {
	wc -l <"$SRV_LOG"
}

log_since() {
	tail -n +$(($1 + 1)) "$SRV_LOG"
}
