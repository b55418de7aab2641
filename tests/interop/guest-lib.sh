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
#   client_pptp_pids K           PIDs of client K's pptp processes (the call
#                                and, if it started one, its call manager)
#   client_kill K                SIGSTOP, then SIGKILL, to pppd K and its pptp
#                                processes: none of them cleans up, the
#                                kernel closes their sockets; "killK N" (how
#                                many were killed)
#   client_wait_exit K SECONDS   until pppd K has exited: "exitK RC", or
#                                "exitK timeout" and returns 1
#   uptime_cs                    the guest's uptime in hundredths of a second

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

client_pptp_pids() {
	local d
	for d in /proc/[0-9]*; do
		tr '\0' ' ' <"$d/cmdline" 2>/dev/null | grep -q "^pptp .*--logstring client$1 \$" &&
			echo "${d#/proc/}"
	done
}

client_kill() {
	local pids n
	pids="$(cat "/tmp/pppd.$1.pid") $(client_pptp_pids "$1")"
	# Stopped first, so that none of them sees another die and reacts
	# (pptp's call manager would send a Call-Clear-Request).
	for p in $pids; do
		kill -STOP "$p" 2>/dev/null
	done
	n=0
	for p in $pids; do
		kill -KILL "$p" 2>/dev/null && n=$((n + 1))
	done
	result "kill$1 $n"
}

client_wait_exit() {
	local k=$1 secs=$2 pid n rc
	pid=$(cat "/tmp/pppd.$k.pid")
	n=0
	while kill -0 "$pid" 2>/dev/null; do
		if [ $n -ge $((secs * 5)) ]; then
			result "exit$k timeout"
			return 1
		fi
		sleep 0.2
		n=$((n + 1))
	done
	rc=0
	wait "$pid" || rc=$?
	result "exit$k $rc"
}

uptime_cs() {
	sed 's/^\([0-9]*\)\.\([0-9][0-9]\).*/\1\2/' /proc/uptime
}
