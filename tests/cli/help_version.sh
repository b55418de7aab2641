#!/usr/bin/env bash
# --help/-h and --version/-V of pptpd, pptpctl and pptpbench: exit 0, text on
# stdout, nothing on stderr, the version that CMakeLists.txt declares; an
# unknown option is a usage error (2) with the usage on stderr. pptpd's long
# forms of -c and -t do what the short ones do.
set -euo pipefail
: "${PPTPD:?}" "${PPTPCTL:?}" "${PPTPBENCH:?}" "${SRCDIR:?}"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0
fail() {
	echo "FAIL: $*" >&2
	failures=$((failures + 1))
}

version=$(sed -n 's/^project(pptpd VERSION \([0-9.]*\).*/\1/p' "$SRCDIR/CMakeLists.txt")
[ -n "$version" ] || { echo "FAIL: no version in CMakeLists.txt" >&2; exit 1; }

# run NAME CODE ARGS...: the exit status must be CODE; output in $tmp/out, $tmp/err.
run() {
	local bin=$1 code=$2 rc=0
	shift 2
	"$bin" "$@" >"$tmp/out" 2>"$tmp/err" || rc=$?
	[ "$rc" -eq "$code" ] || fail "$(basename "$bin") $*: exit $rc, expected $code"
}

for pair in "pptpd:$PPTPD" "pptpctl:$PPTPCTL" "pptpbench:$PPTPBENCH"; do
	name=${pair%%:*} bin=${pair#*:}
	for opt in --version -V; do
		run "$bin" 0 "$opt"
		[ "$(cat "$tmp/out")" = "$name $version" ] ||
			fail "$name $opt printed '$(cat "$tmp/out")', expected '$name $version'"
		[ -s "$tmp/err" ] && fail "$name $opt wrote to stderr"
	done
	run "$bin" 0 --help
	cp "$tmp/out" "$tmp/help"
	grep -q "^usage: $name " "$tmp/help" || fail "$name --help: no usage line"
	for word in --help --version; do
		grep -q -- "$word" "$tmp/help" || fail "$name --help does not mention $word"
	done
	[ -s "$tmp/err" ] && fail "$name --help wrote to stderr"
	run "$bin" 0 -h
	cmp -s "$tmp/out" "$tmp/help" || fail "$name -h differs from --help"
	run "$bin" 2 --no-such-option
	grep -q "^usage: $name " "$tmp/err" || fail "$name --no-such-option: no usage on stderr"
	[ -s "$tmp/out" ] && fail "$name --no-such-option wrote to stdout"
done

# pptpd --check --config FILE and --config=FILE are -t -c FILE.
example=$SRCDIR/pptpd.conf.example
"$PPTPD" -t -c "$example" >"$tmp/short"
run "$PPTPD" 0 --check --config "$example"
cmp -s "$tmp/out" "$tmp/short" || fail "pptpd --check --config differs from -t -c"
run "$PPTPD" 0 --check "--config=$example"
cmp -s "$tmp/out" "$tmp/short" || fail "pptpd --check --config=FILE differs from -t -c"
run "$PPTPD" 1 --check --config "$tmp/missing.conf"
grep -q "missing.conf" "$tmp/err" || fail "pptpd --config of a missing file does not name it"

[ "$failures" -eq 0 ] || exit 1
echo "ok: --help and --version of pptpd, pptpctl, pptpbench ($version)"
