# Host side of the interop tests (sourced, bash): the stock Linux PPTP client
# (Debian 12's pppd 2.4.9 + pptp 1.10 + the kernel's ppp_mppe) in a qemu
# guest against our pptpd. See docs/interop.md.
#
# The network, all inside namespaces of this run (tests/integration/lib.sh):
#   $SRV  the server's namespace: bridge br0 198.51.100.1/24 with qemu's tap0
#         on it, so the guest's eth0 (198.51.100.2x) shares the segment with
#         the server's address; lan0 203.0.113.1/24; forwarding on. pptpd and
#         qemu both run here.
#   $LAN  a host on the LAN behind the server: 203.0.113.2/24, default route
#         via the server.
# The pool is 192.0.2.0/24 (localip 192.0.2.1).
#
#   interop_init NAME          start a test: root, qemu, the guest image (built
#                              or taken from the cache), the namespaces
#   interop_start_server [CONFIG LINE...]
#                              pptpd in $SRV with a temp config and a SQLite
#                              user $INTEROP_USER / $INTEROP_PASSWORD
#   interop_client_script N [PPPD OPTION...]
#                              print guest shell that starts N clients, client
#                              K bound to 198.51.100.(21+K), and waits for
#                              their ppp interfaces (default options:
#                              $INTEROP_PPPD_OPTS)
#   interop_boot SCRIPT        boot the guest with eth0 on $INTEROP_GUEST_ADDRS
#                              (default: the addresses of 3 clients), run
#                              SCRIPT (guest shell, after guest-lib.sh) and
#                              wait until it powers off ($INTEROP_TIMEOUT s)
#   interop_result KEY         the value of the last "RESULT KEY ..." line
#                              (also while the guest runs)
#   interop_expect KEY VALUE   fail unless that value is VALUE
#   interop_ppp_log            the guest syslog's pppd/pptp lines (for errors)
#
# For tests that act while the guest runs, or need more than one kind of
# client:
#   interop_client_line K SRC USER PASSWORD [PPPD OPTION...]
#                              print the guest line that starts client K
#                              (unit K) bound to SRC, logging in as USER
#   interop_boot_start SCRIPT  boot the guest as interop_boot does, but
#                              return at once
#   interop_wait_result KEY [SECONDS]
#                              while the guest runs: until it has reported
#                              "RESULT KEY ..." (fails if it powers off first);
#                              prints the value
#   interop_boot_wait          wait until the guest powers off and read its
#                              results (interop_boot is start + wait)
#   interop_busybox            the guest's static busybox, copied out of the
#                              image for the host (nc in $LAN): prints its path
#   interop_fail_ppp MESSAGE   fail, after printing the guest's pppd/pptp log
#                              and the server's log
#
# Files for the guest: every file of the directory $INTEROP_FILES (when set
# before interop_boot) is in the guest as /test/files/NAME, mode 0600 for
# root only, as pppd runs (the EAP-TLS client's certificates and keys).
#
# Files of a run, in $IT_TMP (kept with INTEROP_KEEP=1): console.log (the
# guest's console), results.log (RESULT lines), syslog.log (the guest's
# syslog), pptpd.N.log.

: "${PPTPD:?}" "${PPTPCTL:?}" "${SRCDIR:?}"
. "$SRCDIR/tests/integration/lib.sh"
PPTPD_ARGS=${PPTPD_ARGS:-}
. "$SRCDIR/tests/integration/pptpd.sh"

INTEROP_DIR=$SRCDIR/tests/interop
INTEROP_GUEST=${INTEROP_GUEST:-}
INTEROP_USER=${INTEROP_USER:-alice}
INTEROP_PASSWORD=${INTEROP_PASSWORD:-Interop-pass-1}
INTEROP_TIMEOUT=${INTEROP_TIMEOUT:-420}
INTEROP_PPP_WAIT=${INTEROP_PPP_WAIT:-90}
INTEROP_PPPD_OPTS=${INTEROP_PPPD_OPTS:-refuse-pap refuse-chap refuse-mschap refuse-eap require-mppe-128 nodefaultroute noipdefault noauth nobsdcomp nodeflate novj maxfail 1 lcp-echo-interval 0}
INTEROP_GUEST_ADDRS=${INTEROP_GUEST_ADDRS:-198.51.100.21/24 198.51.100.22/24 198.51.100.23/24}
SRV_ADDR=198.51.100.1

interop_init() {
	command -v qemu-system-x86_64 >/dev/null ||
		it_fail "qemu-system-x86_64 is missing (package qemu-system-x86): scripts/deps.sh"
	[ -n "$INTEROP_GUEST" ] || it_fail "INTEROP_GUEST (the guest image's directory) is not set"
	it_init "interop-$1"
	if [ "${INTEROP_KEEP:-0}" = 1 ]; then
		# The test's own status, not that of the clean-up's last test.
		trap 'rc=$?; echo "interop: files kept in $IT_TMP" >&2; IT_TMP= it_cleanup || true; exit $rc' EXIT
	fi
	# Built once, then taken from the cache (a no-op when up to date).
	bash "$INTEROP_DIR/build-guest.sh" "$INTEROP_GUEST" >"$IT_TMP/build-guest.log" 2>&1 || {
		tail -n 20 "$IT_TMP/build-guest.log" >&2
		it_fail "the guest image could not be built"
	}

	SRV=$(it_ns srv)
	LAN=$(it_ns lan)
	# it_ns ran in a subshell: record them here, or the clean-up misses them.
	IT_NS+=("$SRV" "$LAN")
	ip -n "$SRV" link add br0 type bridge
	ip -n "$SRV" addr add "$SRV_ADDR/24" dev br0
	ip -n "$SRV" link set br0 up
	ip -n "$SRV" tuntap add dev tap0 mode tap
	ip -n "$SRV" link set tap0 master br0
	ip -n "$SRV" link set tap0 up
	it_link "$SRV" lan0 203.0.113.1/24 "$LAN" eth0 203.0.113.2/24
	ip -n "$LAN" route add default via 203.0.113.1
	ip netns exec "$SRV" sysctl -qw net.ipv4.ip_forward=1
}

interop_start_server() {
	printf '%s\n' "$INTEROP_PASSWORD" |
		"$PPTPCTL" --db "$IT_STATE/users.db" user add "$INTEROP_USER" --password-stdin >/dev/null ||
		it_fail "pptpctl user add $INTEROP_USER failed"
	start_server "$@"
}

interop_client_script() {
	local n=$1 k opts
	shift
	if [ $# -gt 0 ]; then opts="$*"; else opts=$INTEROP_PPPD_OPTS; fi
	for k in $(seq 0 $((n - 1))); do
		echo "client_start $k $SRV_ADDR 198.51.100.$((21 + k)) name $INTEROP_USER password '$INTEROP_PASSWORD' $opts"
	done
	echo "up=0"
	for k in $(seq 0 $((n - 1))); do
		echo "client_wait $k $INTEROP_PPP_WAIT && up=\$((up + 1))"
	done
	echo 'result "clients_up $up"'
}

# Waits for the qemu process recorded in $QEMU_PID; fails after the timeout.
interop_wait_guest() {
	local deadline=$((SECONDS + INTEROP_TIMEOUT))
	while kill -0 "$QEMU_PID" 2>/dev/null; do
		if [ $SECONDS -ge $deadline ]; then
			it_stop "$QEMU_PID" KILL
			echo "--- guest console (tail):" >&2
			tail -n 30 "$IT_TMP/console.log" >&2 || true
			echo "--- guest syslog (tail):" >&2
			tail -n 30 "$IT_TMP/syslog.log" >&2 || true
			it_fail "the guest did not power off within ${INTEROP_TIMEOUT}s"
		fi
		sleep 0.5
	done
	it_stop "$QEMU_PID"
	[ "$IT_STATUS" = 0 ] || {
		tail -n 30 "$IT_TMP/qemu.log" >&2
		it_fail "qemu exited with $IT_STATUS"
	}
}

interop_client_line() {
	local k=$1 src=$2 user=$3 password=$4
	shift 4
	local opts=$INTEROP_PPPD_OPTS
	[ $# -gt 0 ] && opts="$*"
	echo "client_start $k $SRV_ADDR $src name '$user' password '$password' $opts"
}

interop_boot() {
	interop_boot_start "$1"
	interop_boot_wait
}

interop_boot_start() {
	local script=$1 run=$IT_TMP/run
	rm -rf "$run"
	mkdir -p "$run/test"
	printf 'GUEST_ADDRS="%s"\n' "$INTEROP_GUEST_ADDRS" >"$run/test/env"
	if [ -n "${INTEROP_FILES:-}" ]; then
		mkdir -p "$run/test/files"
		cp "$INTEROP_FILES"/* "$run/test/files/"
		chmod 0600 "$run/test/files"/*
	fi
	{
		cat "$INTEROP_DIR/guest-lib.sh"
		echo "# --- the test's commands"
		cat "$script"
	} >"$run/test/run.sh"
	# The run's cpio goes after the image, which build-guest.sh padded to a
	# 4-byte boundary; the kernel unpacks both into one root.
	cat "$INTEROP_GUEST/initramfs.cpio" >"$IT_TMP/initrd"
	(cd "$run" && find test | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) >>"$IT_TMP/initrd"
	: >"$IT_TMP/console.log"
	: >"$IT_TMP/results.log"
	: >"$IT_TMP/syslog.log"
	BOOT_START=$SECONDS
	# tb-size caps TCG's translation cache (1 GiB by default).
	it_bg "$SRV" "$IT_TMP/qemu.log" qemu-system-x86_64 \
		-M pc -m 256 -smp 1 -accel tcg,tb-size=256 \
		-nodefaults -no-user-config -display none -no-reboot \
		-kernel "$INTEROP_GUEST/vmlinuz" -initrd "$IT_TMP/initrd" \
		-append "console=ttyS0 panic=1 loglevel=4 rdinit=/init" \
		-serial "file:$IT_TMP/console.log" \
		-serial "file:$IT_TMP/results.log" \
		-serial "file:$IT_TMP/syslog.log" \
		-netdev tap,id=n0,ifname=tap0,script=no,downscript=no \
		-device virtio-net-pci,netdev=n0,romfile= >"$IT_TMP/qemu.pid"
	QEMU_PID=$(<"$IT_TMP/qemu.pid")
}

interop_boot_wait() {
	interop_wait_guest
	BOOT_SECONDS=$((SECONDS - BOOT_START))
	tr -d '\r' <"$IT_TMP/results.log" >"$IT_TMP/results.txt"
	grep -q '^RESULT done' "$IT_TMP/results.txt" || {
		tail -n 30 "$IT_TMP/console.log" >&2
		it_fail "the guest stopped before its init finished"
	}
}

# Read from the serial file itself, so that it also works while the guest
# runs.
interop_result() {
	tr -d '\r' <"$IT_TMP/results.log" | sed -n "s/^RESULT $1 //p" | tail -n 1
}

interop_expect() {
	local v
	v=$(interop_result "$1")
	[ "$v" = "$2" ] || it_fail "guest: $1 is '$v', expected '$2'"
}

interop_ppp_log() {
	tr -d '\r' <"$IT_TMP/syslog.log" | grep -E 'pppd|pptp' || true
}

interop_wait_result() {
	local key=$1 secs=${2:-$INTEROP_TIMEOUT}
	local deadline=$((SECONDS + secs))
	while :; do
		if tr -d '\r' <"$IT_TMP/results.log" | grep -q "^RESULT $key\( \|\$\)"; then
			interop_result "$key"
			return 0
		fi
		kill -0 "$QEMU_PID" 2>/dev/null ||
			interop_fail_ppp "the guest powered off before it reported '$key'"
		[ $SECONDS -lt $deadline ] ||
			interop_fail_ppp "the guest did not report '$key' within ${secs}s"
		sleep 0.2
	done
}

interop_busybox() {
	local bb=$IT_TMP/host/bin/busybox
	if [ ! -x "$bb" ]; then
		mkdir -p "$IT_TMP/host"
		(cd "$IT_TMP/host" && cpio -id --quiet bin/busybox) <"$INTEROP_GUEST/initramfs.cpio" ||
			it_fail "no bin/busybox in the guest image"
	fi
	echo "$bb"
}

interop_fail_ppp() {
	echo "--- guest syslog (pppd, pptp):" >&2
	interop_ppp_log | tail -n 40 >&2
	if [ -n "${SRV_LOG:-}" ] && [ -f "$SRV_LOG" ]; then
		echo "--- server log:" >&2
		tail -n 30 "$SRV_LOG" >&2
	fi
	it_fail "$*"
}
