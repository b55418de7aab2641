#!/usr/bin/env bash
# build-guest.sh OUTDIR: the interop tests' qemu guest, built from Debian
# packages only.
#
# Fetches a Debian 12 kernel and the client's userland with `apt-get
# download`, unpacks them with `dpkg -x` (nothing is installed on the host)
# and writes:
#   OUTDIR/vmlinuz          the kernel, straight from linux-image-6.1.*-amd64
#   OUTDIR/initramfs.cpio   the whole root file system (newc, uncompressed):
#                           busybox-static, pppd, pptp, iproute2's ip, the
#                           shared libraries they need, the kernel modules
#                           for the NIC and PPP with depmod's output, and
#                           guest-init.sh as /init
#   OUTDIR/kver             the kernel's release (uname -r)
#   OUTDIR/key              what the image was built from
# The .deb files stay in OUTDIR/debs as the cache. The image is rebuilt only
# when the key changes: the package versions apt would fetch now, and the
# checksums of this script and of the guest's init. Needs apt-get, dpkg-deb,
# cpio, depmod and modprobe (kmod), readelf (binutils).
set -euo pipefail

out=${1:?usage: build-guest.sh OUTDIR}
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$out/debs"
out=$(cd "$out" && pwd)

# The client's programs and every package that holds a library they load
# (checked below against the programs' DT_NEEDED entries).
PACKAGES=(
	busybox-static ppp pptp-linux iproute2
	libc6 libcrypt1 libssl3 libpam0g libaudit1 libcap-ng0 libsystemd0
	libpcap0.8 libdbus-1-3 libgcrypt20 libgpg-error0 liblz4-1 liblzma5
	libzstd1 libbpf1 libelf1 zlib1g libmnl0 libbsd0 libmd0 libcap2
)
# Kernel modules the guest loads; modprobe adds their dependencies.
MODULES=(virtio_pci virtio_net e1000 slhc ppp_generic ppp_async ppp_synctty
	libarc4 ppp_mppe veth)

die() {
	echo "build-guest: $*" >&2
	exit 1
}

for tool in apt-get apt-cache dpkg-deb cpio depmod modprobe readelf; do
	command -v "$tool" >/dev/null || PATH=$PATH:/usr/sbin:/sbin
	command -v "$tool" >/dev/null || die "$tool is missing: run scripts/deps.sh"
done

# The kernel: the ABI that the linux-image-amd64 metapackage points to now.
kernel_package() {
	apt-cache depends linux-image-amd64 2>/dev/null |
		sed -n 's/^ *Depends: \(linux-image-6\.1\.[0-9.-]*-amd64\)$/\1/p' | head -n 1
}
updated=0
apt_update() {
	[ "$updated" = 1 ] && return 0
	echo "build-guest: apt-get update"
	apt-get update -qq || die "apt-get update failed"
	updated=1
}

# What apt would fetch now: the kernel package, and one version for each
# package (one apt-cache call for all: each call reads apt's whole cache).
declare -A VER
resolve() {
	local p v
	kpkg=$(kernel_package)
	[ -n "$kpkg" ] || return 1
	ALL=("$kpkg" "${PACKAGES[@]}")
	VER=()
	while read -r p v; do
		VER[$p]=$v
	done < <(apt-cache policy "${ALL[@]}" 2>/dev/null |
		awk '/^[^ ].*:$/ { sub(":$", ""); p = $0 } /^ *Candidate:/ && $2 != "(none)" { print p, $2 }')
	for p in "${ALL[@]}"; do
		[ -n "${VER[$p]:-}" ] || return 1
	done
}

# Download what the cache lacks into $out/debs; sets WANT to the files of
# this build. apt-get download names a file PACKAGE_VERSION_ARCH.deb with
# the epoch's colon written as %3a.
declare -A WANT
fetch() {
	local p v f
	WANT=()
	for p in "${ALL[@]}"; do
		v=${VER[$p]}
		f=$(ls -- "${p}_${v//:/%3a}_"*.deb 2>/dev/null | head -n 1 || true)
		if [ -z "$f" ]; then
			echo "build-guest: download $p=$v"
			apt-get -q -o APT::Sandbox::User=root download "$p=$v" >/dev/null || return 1
			f=$(ls -- "${p}_${v//:/%3a}_"*.deb 2>/dev/null | head -n 1 || true)
			[ -n "$f" ] || die "no .deb for $p=$v after apt-get download"
		fi
		WANT[$f]=1
	done
}

# Lists missing or older than the mirror: update once and try again.
resolve || { apt_update && resolve; } ||
	die "apt knows no linux-image-amd64 or no candidate for one of: ${PACKAGES[*]} (is this Debian 12?)"

image_key() {
	for p in "${ALL[@]}"; do echo "$p=${VER[$p]}"; done | sort
	sha256sum "$here/build-guest.sh" "$here/guest-init.sh" | cut -d' ' -f1
}
if [ -f "$out/key" ] && [ "$(cat "$out/key")" = "$(image_key)" ] &&
	[ -s "$out/vmlinuz" ] && [ -s "$out/initramfs.cpio" ] && [ -s "$out/kver" ]; then
	echo "build-guest: up to date ($kpkg=${VER[$kpkg]}) in $out"
	exit 0
fi

cd "$out/debs"
if ! fetch; then
	apt_update
	resolve || die "apt lost a package after apt-get update"
	fetch || die "apt-get download failed"
fi
key=$(image_key)
# Drop files of versions no longer wanted.
for f in *.deb; do
	[ -n "${WANT[$f]:-}" ] || rm -f -- "$f"
done

# Unpack everything into a staging tree (deleted at the end: only the debs
# and the image are kept).
stage=$out/stage
rm -rf "$stage" "$out/rootfs"
mkdir -p "$stage"
trap 'rm -rf "$stage" "$out/rootfs"' EXIT
for f in "${!WANT[@]}"; do
	dpkg-deb -x "$f" "$stage"
done

kver=${kpkg#linux-image-}
[ -f "$stage/boot/vmlinuz-$kver" ] || die "$kpkg has no boot/vmlinuz-$kver"
[ -d "$stage/lib/modules/$kver" ] || die "$kpkg has no lib/modules/$kver"
# The package ships no modules.dep: build it for the whole tree, then ask
# modprobe for each module's dependency chain.
depmod -b "$stage" "$kver"

root=$out/rootfs
mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,lib64,etc/ppp,proc,sys,dev,run,tmp,mnt,var/log,test}
mkdir -p "$root/lib/x86_64-linux-gnu" "$root/lib/modules/$kver"
ln -s ../run "$root/var/run"

# busybox and its applets (iproute2's ip is kept apart, see below).
cp "$stage/bin/busybox" "$root/bin/busybox"
for applet in $("$stage/bin/busybox" --list-full); do
	case $applet in
	*/ip) continue ;;
	esac
	[ -e "$root/$applet" ] || ln -s /bin/busybox "$root/$applet"
done

# The PPP client and iproute2. busybox's shell runs its own `ip` applet
# before any ip on PATH, so the guest calls iproute2 as /sbin/ip.
install -m 755 "$stage/usr/sbin/pppd" "$root/usr/sbin/pppd"
install -m 755 "$stage/usr/sbin/pptp" "$root/usr/sbin/pptp"
if [ -f "$stage/bin/ip" ]; then
	install -m 755 "$stage/bin/ip" "$root/sbin/ip"
else
	install -m 755 "$stage/sbin/ip" "$root/sbin/ip"
fi

# Shared libraries: the closure of DT_NEEDED over the three programs. Every
# name must be found in the unpacked packages.
find_lib() {
	local d
	for d in lib/x86_64-linux-gnu usr/lib/x86_64-linux-gnu; do
		if [ -e "$stage/$d/$1" ]; then
			echo "$stage/$d/$1"
			return 0
		fi
	done
	return 1
}
declare -A LIBS
queue=("$root/usr/sbin/pppd" "$root/usr/sbin/pptp" "$root/sbin/ip")
while [ ${#queue[@]} -gt 0 ]; do
	f=${queue[0]}
	queue=("${queue[@]:1}")
	for n in $(readelf -d "$f" | sed -n 's/.*(NEEDED).*\[\(.*\)\]$/\1/p'); do
		[ -n "${LIBS[$n]:-}" ] && continue
		p=$(find_lib "$n") || die "$(basename "$f") needs $n, which no package in PACKAGES holds"
		LIBS[$n]=$p
		queue+=("$p")
	done
done
for n in "${!LIBS[@]}" ld-linux-x86-64.so.2; do
	p=${LIBS[$n]:-}
	[ -n "$p" ] || p=$(find_lib "$n") || die "no $n in libc6"
	cp -L "$p" "$root/lib/x86_64-linux-gnu/$n"
done
ln -s ../lib/x86_64-linux-gnu/ld-linux-x86-64.so.2 "$root/lib64/ld-linux-x86-64.so.2"

# Kernel modules with their dependencies, then depmod on the small tree so
# that the guest's busybox modprobe finds them.
for m in "${MODULES[@]}"; do
	for ko in $(modprobe -d "$stage" -S "$kver" --show-depends "$m" | sed -n 's/^insmod //p'); do
		rel=${ko#"$stage"/lib/modules/"$kver"/}
		mkdir -p "$root/lib/modules/$kver/$(dirname "$rel")"
		cp "$ko" "$root/lib/modules/$kver/$rel"
	done
done
for f in modules.order modules.builtin modules.builtin.modinfo; do
	if [ -f "$stage/lib/modules/$kver/$f" ]; then
		cp "$stage/lib/modules/$kver/$f" "$root/lib/modules/$kver/"
	fi
done
depmod -b "$root" "$kver"

# Configuration the client expects.
echo 'root:x:0:0:root:/root:/bin/sh' >"$root/etc/passwd"
echo 'root:x:0:' >"$root/etc/group"
printf '127.0.0.1\tlocalhost\n' >"$root/etc/hosts"
printf 'hosts: files\n' >"$root/etc/nsswitch.conf"
printf '# the tests pass every option on the command line\n' >"$root/etc/ppp/options"
: >"$root/etc/ppp/chap-secrets"
: >"$root/etc/ppp/pap-secrets"
chmod 600 "$root/etc/ppp/chap-secrets" "$root/etc/ppp/pap-secrets"
install -m 755 "$here/guest-init.sh" "$root/init"

# The archive: newc, root-owned. The harness appends each run's own cpio to
# it, so pad it to a 4-byte boundary.
(cd "$root" && find . -mindepth 1 | LC_ALL=C sort |
	cpio -o -H newc -R 0:0 --quiet) >"$out/initramfs.cpio.tmp"
size=$(stat -c %s "$out/initramfs.cpio.tmp")
pad=$(((4 - size % 4) % 4))
[ "$pad" = 0 ] || head -c "$pad" /dev/zero >>"$out/initramfs.cpio.tmp"
mv "$out/initramfs.cpio.tmp" "$out/initramfs.cpio"
cp "$stage/boot/vmlinuz-$kver" "$out/vmlinuz"
echo "$kver" >"$out/kver"
echo "$key" >"$out/key"
echo "build-guest: built $kpkg=${VER[$kpkg]}: $(du -h "$out/initramfs.cpio" | cut -f1) initramfs in $out"
