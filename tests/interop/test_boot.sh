#!/usr/bin/env bash
# The interop guest itself, without pptpd: it boots, its NIC comes up on the
# bridge in the server's namespace and reaches 198.51.100.1, the client's
# programs run (pppd, pptp, iproute2's ip) and the PPP modules load, with
# ppp_mppe and what it depends on.
set -euo pipefail
: "${SRCDIR:?}"
. "$SRCDIR/tests/interop/harness.sh"

interop_init boot
INTEROP_GUEST_ADDRS=198.51.100.21/24

cat >"$IT_TMP/guest.sh" <<'EOF'
ping -c 2 -W 5 198.51.100.1 >/dev/null 2>&1 && result "ping ok" || result "ping failed"
result "pppd $(pppd --version 2>&1 | head -n 1)"
result "pptp $(pptp --version 2>&1 | grep -m 1 'version')"
result "ip $(/sbin/ip -V 2>&1 | head -n 1)"
for m in ppp_mppe ppp_generic slhc libarc4 ppp_async virtio_net; do
	grep -q "^$m " /proc/modules && result "module_$m loaded" || result "module_$m missing"
done
[ -c /dev/ppp ] && result "dev_ppp ok" || result "dev_ppp missing"
[ -d /var/run/pptp ] && result "pptp_rundir ok" || result "pptp_rundir missing"
logger -t interop "syslog works"
sleep 1
result "syslog $(syslog_count 'interop: syslog works')"
exit 7
EOF
interop_boot "$IT_TMP/guest.sh"

interop_expect boot ok
it_pass "guest booted ($(interop_result kernel)), eth0 up; init at $(interop_result init_at)s of guest uptime, whole run ${BOOT_SECONDS}s"
interop_expect ping ok
it_pass "guest reaches 198.51.100.1 over the bridge"
interop_result pppd | grep -q 'pppd version 2\.4\.9' || it_fail "pppd --version: $(interop_result pppd)"
interop_result pptp | grep -q 'pptp version 1\.10' || it_fail "pptp --version: $(interop_result pptp)"
interop_result ip | grep -q 'iproute2' || it_fail "ip -V: $(interop_result ip)"
it_pass "pppd 2.4.9, pptp 1.10 and iproute2 run in the guest"
for m in ppp_mppe ppp_generic slhc libarc4 ppp_async virtio_net; do
	interop_expect "module_$m" loaded
done
interop_expect dev_ppp ok
interop_expect pptp_rundir ok
it_pass "ppp_mppe, ppp_generic, slhc, libarc4 loaded; /dev/ppp and /var/run/pptp exist"
interop_expect syslog 1
tr -d '\r' <"$IT_TMP/syslog.log" | grep -q 'interop: syslog works' ||
	it_fail "the guest's syslog did not reach the host's serial file"
it_pass "the guest's syslog reaches the host"
interop_expect rc 7
it_pass "the test script's exit status comes back"
