#!/usr/bin/env bash
# Installs every Debian 12 package the build and the test suite need.
# Idempotent: asks apt only for what is missing.
set -euo pipefail
PACKAGES=(
  build-essential cmake pkg-config clang libclang-rt-14-dev
  libev-dev libssl-dev libsqlite3-dev libradcli-dev libcmocka-dev
  # pptpd drops to an unprivileged user after start-up and keeps only
  # CAP_NET_ADMIN: libcap-ng changes the IDs and the capability sets in
  # one call (server/privs.c).
  libcap-ng-dev
  # Packets for the tun device are written in batches through io_uring, one
  # io_uring_enter() per batch instead of one write() each (server/tun_io.c).
  liburing-dev
  sqlite3 openssl iproute2 util-linux procps pptp-linux
  # capsh: integration.privs starts pptpd without CAP_SETPCAP
  libcap2-bin
  iputils-ping
  # The interop tests (tests/interop): qemu-system-x86 runs the client's
  # guest; cpio packs its initramfs; kmod's depmod and modprobe resolve the
  # guest kernel's module tree. The guest's own packages are fetched with
  # apt-get download into the build directory, never installed here.
  qemu-system-x86 cpio kmod
  # The RADIUS tests (tests/integration/*radius*): Debian's FreeRADIUS
  # server and radclient, run from a temporary directory on the test
  # namespace's loopback, never as the system service; python3 runs the
  # tests' UDP black hole and slow relay.
  freeradius freeradius-utils python3
  # The EAP tests (integration.eap): wpa_supplicant's eapol_test is a
  # reference EAP client (EAP-TLS, PEAP, EAP-MSCHAPv2) that tells a
  # FreeRADIUS set-up fault from a fault of the project's own client.
  eapoltest
  # integration.rate_limit measures a session's rate with iperf3 (server in
  # the LAN namespace, client through the tunnel).
  iperf3
  # The log tests run the shipped fail2ban filter (contrib/fail2ban) through
  # fail2ban-regex; the fail2ban service itself is not wanted.
  fail2ban
  # cli.systemd_unit checks dist/pptpd.service with systemd-analyze verify
  # (no booted systemd needed); cli.logwtmp reads wtmp back with utmpdump
  # (util-linux, above) and last (wtmpdb or util-linux's last).
  systemd
  # The man pages (docs/man) are scdoc sources: scdoc is small, C, no
  # dependencies. cli.man_pages renders them with man-db's `man -l` and
  # groff (groff-base) with warnings on.
  scdoc man-db groff-base
  # docs/operations.md's nftables rulesets are loaded into a test namespace
  # (integration.firewall); the nftables service itself stays disabled.
  nftables
)
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "deps: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
# Installing freeradius enables and starts its system service; the tests
# only need the binaries. When this script installed it, stop and disable
# that service again (an existing installation is left as it was).
if [[ " ${missing[*]:-} " == *" freeradius "* ]] && command -v systemctl >/dev/null &&
	systemctl is-enabled freeradius >/dev/null 2>&1; then
	echo "deps: stopping and disabling the freeradius service the package started"
	systemctl disable --now freeradius >/dev/null 2>&1 || true
fi
if [[ " ${missing[*]:-} " == *" fail2ban "* ]] && command -v systemctl >/dev/null &&
	systemctl is-enabled fail2ban >/dev/null 2>&1; then
	echo "deps: stopping and disabling the fail2ban service the package started"
	systemctl disable --now fail2ban >/dev/null 2>&1 || true
fi
# pptpd runs as this system user once its sockets and tun are open (the
# `user` key); the integration tests rely on it too. Created once, never
# changed afterwards.
if ! getent passwd pptpd >/dev/null; then
	echo "deps: creating the system user pptpd"
	getent group pptpd >/dev/null || groupadd --system pptpd
	useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin \
		--gid pptpd pptpd
fi
