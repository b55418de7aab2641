#!/usr/bin/env bash
# The man pages built by scdoc (docs/man): pptpd(8), pptpd.conf(5),
# pptpctl(8), pptpbench(1). Each renders with `man -l` and groff without a
# warning, has its NAME and SYNOPSIS, and is installed by `cmake --install`
# under share/man/manN. pptpd.conf(5) has an entry for every key the parser
# knows (`pptpd --list-keys`), pptpctl(8) every command of `pptpctl
# --help`, pptpbench(1) every command of `pptpbench --help`, pptpd(8) every
# option of `pptpd --help`. Two broken inputs show the checks can fail: a
# page with a bad request draws a warning, and a configuration.md without
# the mtu row gives a page the key check rejects.
set -euo pipefail
: "${PPTPD:?}" "${PPTPCTL:?}" "${PPTPBENCH:?}" "${SRCDIR:?}"
for tool in man groff scdoc python3; do
	command -v "$tool" >/dev/null ||
		{ echo "FAIL: $tool not installed (scripts/deps.sh installs it)" >&2; exit 1; }
done
build=$(cd "$(dirname "$PPTPD")/.." && pwd)
man=$build/man
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0
fail() {
	echo "FAIL: $*" >&2
	failures=$((failures + 1))
}
export LC_ALL=C

# warnings PAGE: what man and groff say about PAGE on stderr (nothing if clean).
warnings() {
	{ MANWIDTH=80 man --warnings=all -l "$1" >/dev/null || echo "man -l exit $?"; } 2>&1
	{ groff -man -ww -z "$1" || echo "groff exit $?"; } 2>&1
}

# render PAGE: plain text, lines wide enough that nothing is broken or hyphenated.
render() {
	MANWIDTH=1000 man -l "$1" 2>/dev/null | col -bx
}

PAGES="pptpd.8 pptpd.conf.5 pptpctl.8 pptpbench.1"
for page in $PAGES; do
	[ -s "$man/$page" ] || { fail "$man/$page not built (target man)"; continue; }
	w=$(warnings "$man/$page")
	[ -z "$w" ] || fail "$page renders with warnings: $w"
	render "$man/$page" >"$tmp/$page.txt"
	name=${page%.*}
	grep -q '^NAME$' "$tmp/$page.txt" || fail "$page: no NAME section"
	grep -q "^ *$name - " "$tmp/$page.txt" || fail "$page: NAME line is not '$name - ...'"
	grep -q '^SYNOPSIS$' "$tmp/$page.txt" || fail "$page: no SYNOPSIS section"
	grep -q '^SEE ALSO$' "$tmp/$page.txt" || fail "$page: no SEE ALSO section"
done

# keys_missing TEXT: the keys of `pptpd --list-keys` without an entry (a
# line starting with the key, indented as an entry) in the rendered page.
keys_missing() {
	local k
	"$PPTPD" --list-keys | while read -r k; do
		grep -Eq "^ {7}$k( |$)" "$1" || echo "$k"
	done
}
nkeys=$("$PPTPD" --list-keys | wc -l)
[ "$nkeys" -ge 50 ] || fail "pptpd --list-keys printed only $nkeys keys"
missing=$(keys_missing "$tmp/pptpd.conf.5.txt")
[ -z "$missing" ] || fail "pptpd.conf.5 lacks the keys: $(echo $missing)"

# The key check can fail: configuration.md without its mtu row.
grep -v '^| `mtu` |' "$SRCDIR/docs/configuration.md" >"$tmp/configuration.md"
python3 "$SRCDIR/docs/man/keys.py" "$tmp/configuration.md" "$SRCDIR/docs/man/pptpd.conf.5.scd" \
	"$tmp/broken.5.scd"
scdoc <"$tmp/broken.5.scd" >"$tmp/broken.5"
render "$tmp/broken.5" >"$tmp/broken.5.txt"
[ "$(keys_missing "$tmp/broken.5.txt")" = mtu ] ||
	fail "a configuration.md without the mtu row did not make exactly mtu missing"

# The warning check can fail: an unknown request.
{ cat "$man/pptpd.8"; echo '.XY bogus'; } >"$tmp/bad.8"
[ -n "$(warnings "$tmp/bad.8")" ] || fail "an unknown request drew no warning"

# pptpctl(8): every command of --help ("  user add NAME ..." -> "user add").
"$PPTPCTL" --help | sed -n 's/^  \([a-z][a-z-]*\( [a-z][a-z-]*\)\?\).*/\1/p' >"$tmp/ctl-cmds"
[ "$(wc -l <"$tmp/ctl-cmds")" -ge 10 ] || fail "pptpctl --help: only $(wc -l <"$tmp/ctl-cmds") commands found"
while read -r cmd; do
	grep -Eq "^ {7}$cmd( |$)" "$tmp/pptpctl.8.txt" || fail "pptpctl.8 has no entry for '$cmd'"
done <"$tmp/ctl-cmds"

# pptpbench(1): every command of --help.
"$PPTPBENCH" --help | sed -n '/^commands:/,$s/^  \([a-z][a-z]*\) .*/\1/p' >"$tmp/bench-cmds"
[ "$(wc -l <"$tmp/bench-cmds")" -ge 5 ] || fail "pptpbench --help: only $(wc -l <"$tmp/bench-cmds") commands found"
while read -r cmd; do
	grep -Eq "^ {7}$cmd( |$)" "$tmp/pptpbench.1.txt" || fail "pptpbench.1 has no entry for '$cmd'"
done <"$tmp/bench-cmds"

# pptpd(8): every long option of --help.
for opt in $("$PPTPD" --help | grep -o -- '--[a-z][a-z-]*' | sort -u); do
	grep -q -- "$opt" "$tmp/pptpd.8.txt" || fail "pptpd.8 does not mention $opt"
done

# cmake --install puts them under share/man/manN.
cmake --install "$build" --prefix "$tmp/usr" >"$tmp/install.log" 2>&1 ||
	{ cat "$tmp/install.log" >&2; fail "cmake --install"; }
for page in $PAGES; do
	f=$tmp/usr/share/man/man${page##*.}/$page
	cmp -s "$f" "$man/$page" || fail "not installed: share/man/man${page##*.}/$page"
done

[ "$failures" -eq 0 ] || exit 1
echo "ok: $PAGES render without warnings; $nkeys keys in pptpd.conf.5," \
	"$(wc -l <"$tmp/ctl-cmds") pptpctl and $(wc -l <"$tmp/bench-cmds") pptpbench commands documented; installed"
