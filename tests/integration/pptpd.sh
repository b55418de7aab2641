# Helpers for tests that run pptpd in namespace $SRV and drive it with
# ctrl_peer from namespace $CLI (sourced after lib.sh).
#
#   start_server [CONFIG LINE...]  pptpd with a temp config (listen $SRV_ADDR,
#                                  the documentation pool, user-db in $IT_STATE)
#                                  plus the lines given; arguments from
#                                  $PPTPD_ARGS (default --echo-frames)
#   stop_server                    SIGTERM; pptpd must exit 0
#   peer NAME STEP...              run ctrl_peer; every step must pass
#   stat NAME                      one field of a fresh event=stats line
#   expect_stat NAME VALUE
#   wait_log PATTERN [SECONDS]     until the server log has a matching line

SRV_ADDR=${SRV_ADDR:-198.51.100.1}
PPTPD_ARGS=${PPTPD_ARGS---echo-frames}
NSTART=0

start_server() {
	local conf=$IT_TMP/pptpd.conf
	{
		echo "localip 192.0.2.1"
		echo "remoteip 192.0.2.10-200"
		echo "listen $SRV_ADDR"
		echo "user-db $IT_STATE/users.db"
		echo "log-level info"
		echo "control-socket $IT_STATE/control.sock"
		printf '%s\n' "$@"
	} >"$conf"
	NSTART=$((NSTART + 1))
	SRV_LOG=$IT_TMP/pptpd.$NSTART.log
	it_bg "$SRV" "$SRV_LOG" "$PPTPD" $PPTPD_ARGS -c "$conf" >"$IT_TMP/pid"
	SRV_PID=$(<"$IT_TMP/pid")
	it_wait_tcp "$SRV" "$SRV_ADDR" 1723
}

stop_server() {
	it_stop "$SRV_PID"
	[ "$IT_STATUS" = 0 ] || it_fail "pptpd exited with $IT_STATUS: $(tail -5 "$SRV_LOG")"
}

peer() {
	local name=$1
	shift
	if ! ip netns exec "$CLI" "$ITOOLS/ctrl_peer" "$SRV_ADDR" "$@" >"$IT_TMP/peer.out" 2>&1; then
		cat "$IT_TMP/peer.out" >&2
		echo "--- server log:" >&2
		tail -20 "$SRV_LOG" >&2
		it_fail "$name"
	fi
	it_pass "$name"
}

stat() {
	local before
	before=$(grep -c 'event=stats' "$SRV_LOG" || true)
	kill -USR1 "$SRV_PID"
	for _ in $(seq 1 50); do
		[ "$(grep -c 'event=stats' "$SRV_LOG" || true)" -gt "$before" ] && break
		sleep 0.1
	done
	grep 'event=stats' "$SRV_LOG" | tail -1 | sed -n "s/.* $1=\([0-9]*\).*/\1/p"
}

wait_log() {
	for _ in $(seq 1 $((${2:-10} * 10))); do
		grep -q -- "$1" "$SRV_LOG" && return 0
		sleep 0.1
	done
	it_fail "no '$1' in the server log"
}

expect_stat() {
	local v
	v=$(stat "$1")
	[ "$v" = "$2" ] || it_fail "stats: $1=$v, expected $2"
}
