#!/bin/sh
# /init of the interop guest (busybox sh, PID 1).
#
# Serial ports, as the host's harness wires them:
#   ttyS0  the kernel console and this script's own output
#   ttyS1  results: lines "RESULT KEY VALUE..." for the host to parse
#   ttyS2  the guest's syslog (pppd and pptp log only through syslog)
# The run's own files come from the cpio the harness appends to the image:
#   /test/env     shell variables: GUEST_ADDRS (address/len on eth0, one or
#                 more, space-separated), GUEST_GW (optional)
#   /test/run.sh  the test's commands, sourced in a subshell with the
#                 helpers below; its exit status is reported as "rc"
# Then the guest powers off, and qemu exits.

PATH=/sbin:/usr/sbin:/bin:/usr/bin
export PATH

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
mkdir -p /dev/pts
mount -t devpts -o ptmxmode=0666,newinstance devpts /dev/pts
[ -e /dev/ptmx ] || ln -s pts/ptmx /dev/ptmx
mount -t tmpfs tmpfs /run
mount -t tmpfs tmpfs /tmp
# pptp keeps its call manager's unix socket here; pppd its pid files.
mkdir -p /run/pptp /run/lock /var/log

RESULTS=/dev/ttyS1
result() {
	echo "RESULT $*" >"$RESULTS"
}

# Leave: report, flush, power off. The kernel's panic on PID 1's exit is the
# fallback (the harness boots with panic=1 and qemu -no-reboot).
finish() {
	result "uptime $(cut -d' ' -f1 /proc/uptime)"
	result "done"
	sleep 1
	sync
	poweroff -f
	exit 1
}

# The kernel's own uptime when this script started: the boot time.
result "kernel $(uname -r)"
result "init_at $(cut -d' ' -f1 /proc/uptime)"

# The logger first, so that nothing of the clients' is lost.
: >/var/log/messages
syslogd -O /var/log/messages
klogd 2>/dev/null || true
tail -n +1 -f /var/log/messages >/dev/ttyS2 2>/dev/null &

# Modules: the NIC (virtio or e1000, whichever qemu gave us) and PPP.
for m in virtio_pci virtio_net e1000 slhc ppp_generic ppp_async ppp_synctty \
	libarc4 ppp_mppe veth; do
	modprobe "$m" || result "modprobe_failed $m"
done

[ -f /test/env ] && . /test/env

# busybox's shell would run its own ip applet for a bare `ip`: iproute2 is
# always called by its full path.
n=0
while [ ! -e /sys/class/net/eth0 ] && [ $n -lt 50 ]; do
	sleep 0.1
	n=$((n + 1))
done
if [ ! -e /sys/class/net/eth0 ]; then
	result "boot no-eth0"
	finish
fi
/sbin/ip link set lo up
/sbin/ip link set eth0 up
for a in ${GUEST_ADDRS:-}; do
	/sbin/ip addr add "$a" dev eth0
done
[ -n "${GUEST_GW:-}" ] && /sbin/ip route add default via "$GUEST_GW"
result "boot ok"

rc=0
if [ -f /test/run.sh ]; then
	(. /test/run.sh) </dev/null || rc=$?
else
	rc=127
fi
result "rc $rc"
finish
