# Guest-side helpers (busybox sh), sourced by each run's /test/run.sh before
# the test's own commands. The harness puts this file in the run's cpio, so
# changing it does not rebuild the guest image.
#
#   result KEY VALUE...          (from /init) one line for the host
#   client_start K SERVER SRC [PPPD OPTION...]
#                                pppd on unit K (interface pppK) with
#                                `pptp SERVER --nolaunchpppd` bound to SRC as
#                                its pty; pppd's own output goes to
#                                /tmp/pppd.K.log, its messages to syslog
#   client_wait K SECONDS        until pppK has a local and a peer address:
#                                reports "pppK up LOCAL PEER", or "pppK down
#                                REASON" and returns 1
#   client_local K / client_peer K
#                                pppK's addresses (after client_wait)
#   client_stop K                SIGTERM to pppd, wait: "stopK RC" (pppd
#                                exits 5 when a signal ended it)
#   syslog_count PATTERN         lines of the guest's syslog matching PATTERN

client_start() {
	local k=$1 server=$2 src=$3
	shift 3
	pppd pty "pptp $server --nolaunchpppd --nohostroute --localbind $src --logstring client$k" \
		unit "$k" nodetach "$@" >"/tmp/pppd.$k.log" 2>&1 &
	echo $! >"/tmp/pppd.$k.pid"
}

client_addr() {
	/sbin/ip -4 -o addr show dev "ppp$1" 2>/dev/null |
		sed -n "s/.* inet \([0-9.]*\) peer \([0-9.]*\).*/\\$2/p" | head -n 1
}
client_local() { client_addr "$1" 1; }
client_peer() { client_addr "$1" 2; }

client_wait() {
	local k=$1 secs=$2 pid n
	pid=$(cat "/tmp/pppd.$k.pid")
	n=0
	while [ $n -lt $((secs * 5)) ]; do
		if [ -n "$(client_peer "$k")" ]; then
			result "ppp$k up $(client_local "$k") $(client_peer "$k")"
			return 0
		fi
		if ! kill -0 "$pid" 2>/dev/null; then
			wait "$pid"
			result "ppp$k down pppd-exit-$?"
			return 1
		fi
		sleep 0.2
		n=$((n + 1))
	done
	result "ppp$k down timeout-${secs}s"
	return 1
}

client_stop() {
	local pid
	pid=$(cat "/tmp/pppd.$1.pid")
	kill -TERM "$pid" 2>/dev/null
	wait "$pid"
	result "stop$1 $?"
}

syslog_count() {
	grep -c -- "$1" /var/log/messages
}
