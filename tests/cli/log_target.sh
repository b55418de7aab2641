#!/usr/bin/env bash
# log-target auto: a pptpd whose stderr is the stream JOURNAL_STREAM names
# writes "<N>level: text" (journald reads N as the priority); inherited
# from elsewhere (another inode) or unset, plain "pptpd: level: text".
# Checked on the one path that needs no root: errors of a broken file.
# Where systemd runs (booted), the same under systemd-run and journalctl -p;
# else that part is skipped with a message.
set -euo pipefail
: "${PPTPD:?}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0
fail() {
	echo "FAIL: $*" >&2
	failures=$((failures + 1))
}

printf 'localip 192.0.2.1\nremoteip 192.0.2.10-20\nmtu 9000\n' >"$tmp/broken.conf"
want="error: $tmp/broken.conf:3: '9000' is out of range for 'mtu' (576 to 1500)"

# run JOURNAL_STREAM: pptpd -t on the broken file, stderr into $tmp/err.
run() {
	local rc=0
	: >"$tmp/err"
	JOURNAL_STREAM=$1 "$PPTPD" -t -c "$tmp/broken.conf" >/dev/null 2>"$tmp/err" || rc=$?
	[ "$rc" = 1 ] || fail "JOURNAL_STREAM='$1': exit $rc, expected 1"
}
: >"$tmp/err"
stream=$(stat -c '%d:%i' "$tmp/err")
run "$stream"
[ "$(cat "$tmp/err")" = "<3>$want" ] || fail "journal stream: got '$(cat "$tmp/err")'"
other=$(stat -c '%d' "$tmp/err"):$(($(stat -c '%i' "$tmp/err") + 1))
run "$other"
[ "$(cat "$tmp/err")" = "pptpd: $want" ] || fail "another stream: got '$(cat "$tmp/err")'"
run ""
[ "$(cat "$tmp/err")" = "pptpd: $want" ] || fail "no stream: got '$(cat "$tmp/err")'"
run "garbage"
[ "$(cat "$tmp/err")" = "pptpd: $want" ] || fail "bad JOURNAL_STREAM: got '$(cat "$tmp/err")'"

if [ -d /run/systemd/system ] && command -v systemd-run >/dev/null &&
	command -v journalctl >/dev/null; then
	unit=pptpd-logtest-$$
	systemd-run --quiet --wait --unit="$unit" "$PPTPD" -t -c "$tmp/broken.conf" || true
	journalctl --quiet -u "$unit" -p err -o cat >"$tmp/journal" 2>/dev/null || true
	grep -qxF "$want" "$tmp/journal" ||
		fail "journalctl -p err does not show the error: $(cat "$tmp/journal")"
else
	echo "skip: no booted systemd here: the systemd-run/journalctl part is not run"
fi

[ "$failures" -eq 0 ] || exit 1
echo "ok: <N> priority prefixes exactly when stderr is the journal stream"
