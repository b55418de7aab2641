#!/usr/bin/env bash
# `cmake --install` into a scratch prefix: the programs, the systemd unit
# (naming the installed pptpd) and the docs land where they should, and
# `systemd-analyze verify` accepts the unit without a word. A copy with a
# broken line must draw a complaint, so the check can fail. verify needs no
# booted systemd: it parses the unit and checks that ExecStart exists.
set -euo pipefail
: "${PPTPD:?}" "${SRCDIR:?}"
if ! command -v systemd-analyze >/dev/null; then
	echo "FAIL: systemd-analyze not installed (Debian package systemd; scripts/deps.sh)" >&2
	exit 1
fi
build=$(cd "$(dirname "$PPTPD")/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0
fail() {
	echo "FAIL: $*" >&2
	failures=$((failures + 1))
}

cmake --install "$build" --prefix "$tmp/usr" >"$tmp/install.log" 2>&1 ||
	{ cat "$tmp/install.log" >&2; echo "FAIL: cmake --install" >&2; exit 1; }
unit=$tmp/usr/lib/systemd/system/pptpd.service
for f in sbin/pptpd bin/pptpctl bin/pptpbench lib/systemd/system/pptpd.service \
	share/doc/pptpd/pptpd.conf.example share/doc/pptpd/operations.md; do
	[ -s "$tmp/usr/$f" ] || fail "not installed: $f"
done
[ -f "$unit" ] || exit 1
grep -qx "ExecStart=$tmp/usr/sbin/pptpd -c /etc/pptpd.conf" "$unit" ||
	fail "ExecStart does not name the installed pptpd: $(grep ExecStart= "$unit")"
for line in Type=notify WatchdogSec=30s ProtectSystem=strict StateDirectory=pptpd \
	RuntimeDirectory=pptpd ProtectHome=yes PrivateTmp=yes 'DeviceAllow=/dev/net/tun rw'; do
	grep -qxF "$line" "$unit" || fail "unit lacks '$line'"
done
# Every capability privs_drop() and start-up need is in the bounding set.
caps=$(sed -n 's/^CapabilityBoundingSet=//p' "$unit")
for cap in CAP_NET_ADMIN CAP_NET_RAW CAP_NET_BIND_SERVICE CAP_SETUID CAP_SETGID CAP_SETPCAP \
	CAP_CHOWN CAP_FOWNER CAP_DAC_OVERRIDE CAP_KILL; do
	[[ " $caps " == *" $cap "* ]] || fail "CapabilityBoundingSet lacks $cap"
done

verify() { systemd-analyze verify --man=no "$1" >"$tmp/verify.out" 2>&1; }
if ! verify "$unit" || [ -s "$tmp/verify.out" ]; then
	fail "systemd-analyze verify: $(cat "$tmp/verify.out")"
fi
sed 's/^Type=notify$/Type=notifyy/' "$unit" >"$tmp/broken.service"
verify "$tmp/broken.service" || true
grep -q 'broken.service:.*notifyy' "$tmp/verify.out" ||
	fail "systemd-analyze verify did not flag a broken Type= (the check could not fail)"

[ "$failures" -eq 0 ] || exit 1
echo "ok: installed tree and unit; systemd-analyze verify is silent"
