# Shared helpers for the integration tests (sourced, bash).
#
# Every test builds its own little network out of namespaces whose names
# carry a per-run suffix, and removes them, and every process it started, on
# exit -- also when a check fails. Addresses come from the documentation
# ranges only: 198.51.100.0/24 (the "WAN" between clients and server),
# 203.0.113.0/24 (the LAN behind the server) and 192.0.2.0/24 (the pool).
#
#   it_init NAME            start a test; sets $IT_TMP, traps cleanup, and
#                           $IT_STATE: a directory in it owned by the pptpd
#                           user, for the user store and the spool (pptpd
#                           runs as that user once started, as in production
#                           with /var/lib/pptpd); $IT_TMP itself stays root's,
#                           searchable (0711) so pptpd reaches $IT_STATE
#   it_ns NAME              create namespace "$IT_PREFIX-NAME"; echoes its name
#                           (cleanup finds it by the prefix, so $(it_ns ..) is fine)
#   it_link NS_A IF_A ADDR_A/LEN NS_B IF_B ADDR_B/LEN
#                           veth pair between two namespaces, addresses, up
#   it_addr NS IF ADDR/LEN  add one more address to an interface
#   it_bg NS LOGFILE CMD... start CMD in the background inside NS; its PID is
#                           recorded for cleanup, left in $IT_LAST_PID and
#                           printed. Call it in the test's own shell, never
#                           in $(...): a subshell would lose the record.
#   it_stop PID [SIGNAL]    signal a recorded PID (default TERM), wait for it,
#                           and set $IT_STATUS to its exit status
#   it_wait_tcp NS ADDR PORT [SECONDS]
#                           wait until something listens on ADDR:PORT in NS
#   it_fail MESSAGE         print "FAIL: MESSAGE" and exit 1
#   it_pass MESSAGE         print "ok: MESSAGE"

set -euo pipefail

IT_PIDS=()
IT_NS=()
IT_STATUS=0

it_fail() {
	echo "FAIL: $*" >&2
	exit 1
}

it_pass() {
	echo "ok: $*"
}

it_cleanup() {
	local pid ns
	for pid in "${IT_PIDS[@]}"; do
		kill -TERM "$pid" 2>/dev/null || true
	done
	for pid in "${IT_PIDS[@]}"; do
		for _ in $(seq 1 50); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	done
	# Every namespace of this run carries the run's prefix: delete them all,
	# also those created through $(it_ns ...), whose subshell could not
	# record them in IT_NS.
	for ns in "${IT_NS[@]}" $(ip netns list 2>/dev/null | awk -v p="$IT_PREFIX-" 'index($1, p) == 1 { print $1 }'); do
		ip netns delete "$ns" 2>/dev/null || true
	done
	[ -n "${IT_TMP:-}" ] && rm -rf "$IT_TMP"
}

it_init() {
	[ "$(id -u)" = 0 ] || it_fail "integration tests need root (network namespaces, raw sockets)"
	IT_PREFIX="pt$$"
	# A dead run whose PID we now have may have left namespaces behind.
	local ns
	for ns in $(ip netns list 2>/dev/null | awk -v p="$IT_PREFIX-" 'index($1, p) == 1 { print $1 }'); do
		ip netns delete "$ns" 2>/dev/null || true
	done
	IT_TMP=$(mktemp -d "/tmp/pptpd-it-$1.XXXXXX")
	trap it_cleanup EXIT
	trap 'exit 1' INT TERM
	getent passwd pptpd >/dev/null ||
		it_fail "no user pptpd (pptpd runs as it): run scripts/deps.sh, which creates it"
	chmod 0711 "$IT_TMP"
	IT_STATE=$IT_TMP/state
	install -d -o pptpd -g "$(id -gn pptpd)" -m 0700 "$IT_STATE"
}

it_ns() {
	local ns="$IT_PREFIX-$1"
	ip netns add "$ns"
	IT_NS+=("$ns")
	ip -n "$ns" link set lo up
	echo "$ns"
}

it_link() {
	local nsa=$1 ifa=$2 addra=$3 nsb=$4 ifb=$5 addrb=$6
	ip link add "$ifa" netns "$nsa" type veth peer name "$ifb" netns "$nsb"
	ip -n "$nsa" addr add "$addra" dev "$ifa"
	ip -n "$nsb" addr add "$addrb" dev "$ifb"
	ip -n "$nsa" link set "$ifa" up
	ip -n "$nsb" link set "$ifb" up
}

it_addr() {
	ip -n "$1" addr add "$3" dev "$2"
}

it_bg() {
	local ns=$1 log=$2
	shift 2
	ip netns exec "$ns" "$@" >"$log" 2>&1 &
	local pid=$!
	IT_PIDS+=("$pid")
	IT_LAST_PID=$pid
	echo "$pid"
}

it_stop() {
	local pid=$1 sig=${2:-TERM}
	kill -"$sig" "$pid" 2>/dev/null || true
	IT_STATUS=0
	wait "$pid" 2>/dev/null || IT_STATUS=$?
}

it_wait_tcp() {
	local ns=$1 addr=$2 port=$3 secs=${4:-10}
	local i
	for i in $(seq 1 $((secs * 10))); do
		if ip netns exec "$ns" ss -Hltn "src $addr:$port" 2>/dev/null | grep -q LISTEN; then
			return 0
		fi
		sleep 0.1
	done
	it_fail "nothing listens on $addr:$port in $ns after ${secs}s"
}
