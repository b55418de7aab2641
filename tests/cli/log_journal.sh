#!/usr/bin/env bash
# The journal test of issue 12 ("Logs where operators look"): pptpd run by
# systemd (systemd-run: a transient service, its stderr the journal stream)
# logs a warning, and `journalctl -p warning` shows it, at priority warning
# exactly (4), while the notice/info lines of the same run stay out of it.
# The warning is the one a poptop key pptpd ignores gives (`noipparam`),
# logged by `pptpd -t`, which checks the file and exits: nothing to bind,
# no root needed beyond what systemd-run asks.
#
# Needs a booted systemd and a journald it can reach. Where there is none
# (a container without systemd as PID 1: `systemctl is-system-running`
# fails) the test says why and exits 77, which ctest reports as skipped
# (SKIP_RETURN_CODE in tests/CMakeLists.txt), never as passed.
set -euo pipefail
: "${PPTPD:?}"

skip() {
	echo "skip: $*"
	exit 77
}

command -v systemd-run >/dev/null || skip "systemd-run not installed"
command -v journalctl >/dev/null || skip "journalctl not installed"
[ -d /run/systemd/system ] || skip "no booted systemd (/run/systemd/system missing)"
state=$(systemctl is-system-running 2>/dev/null || true)
case $state in
running | degraded | starting) ;;
*) skip "systemctl is-system-running says '${state:-nothing}'" ;;
esac
# Root talks to the system manager; anyone else to their user manager,
# whose units journalctl names with --user-unit.
scope=()
unit=pptpd-journal-test-$$
units=(-u "$unit")
if [ "$(id -u)" != 0 ]; then
	scope=(--user)
	units=(--user-unit "$unit")
fi
journalctl -n 0 -q >/dev/null 2>&1 || skip "journald not reachable"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"; systemctl "${scope[@]}" reset-failed "$unit" 2>/dev/null || true' EXIT
chmod 0755 "$tmp"
printf 'localip 192.0.2.1\nremoteip 192.0.2.10-20\nnoipparam\n' >"$tmp/pptpd.conf"
chmod 0644 "$tmp/pptpd.conf"
want="warning: $tmp/pptpd.conf:3: 'noipparam' is ignored: there is no pppd to pass ipparam to"

systemd-run "${scope[@]}" --quiet --wait --collect --unit="$unit" \
	-p StandardOutput=journal -p StandardError=journal \
	"$PPTPD" -t -c "$tmp/pptpd.conf" || { echo "FAIL: systemd-run pptpd -t failed" >&2; exit 1; }
[ "$(id -u)" = 0 ] && journalctl --sync 2>/dev/null || true

# The line may reach the journal a moment after the unit ended.
for _ in $(seq 1 50); do
	journalctl --quiet "${units[@]}" -p warning -o cat >"$tmp/warning" 2>/dev/null || true
	grep -qxF "$want" "$tmp/warning" && break
	sleep 0.1
done
grep -qxF "$want" "$tmp/warning" ||
	{ echo "FAIL: journalctl -p warning does not show '$want':" >&2; cat "$tmp/warning" >&2; exit 1; }
journalctl --quiet "${units[@]}" -p warning..warning -o cat >"$tmp/exact"
grep -qxF "$want" "$tmp/exact" || { echo "FAIL: the warning is not at priority 4" >&2; exit 1; }
# The effective settings on stdout are info: in the unit's journal, not under -p warning.
journalctl --quiet "${units[@]}" -o cat >"$tmp/all"
grep -qx 'localip 192.0.2.1' "$tmp/all" || { echo "FAIL: stdout not in the journal" >&2; exit 1; }
grep -qx 'localip 192.0.2.1' "$tmp/warning" &&
	{ echo "FAIL: an info line passes journalctl -p warning" >&2; exit 1; }
# No "<4>" left in the text: journald took it as the priority.
grep -q '^<[0-7]>' "$tmp/all" && { echo "FAIL: a <N> prefix reached the journal text" >&2; exit 1; }
echo "ok: under systemd-run, journalctl -p warning shows pptpd's warning at priority 4 and no info line"
