#!/usr/bin/env bash
# pptpbench crypto: output shape (four modes, ratios, re-key cost; all
# numbers positive) and option errors. Never a timing threshold.
set -euo pipefail
: "${PPTPBENCH:?PPTPBENCH must point at the pptpbench binary}"

fail() { echo "FAIL: $*" >&2; exit 1; }

out=$("$PPTPBENCH" crypto --packets 2000)
echo "$out"

grep -q '^pptpbench crypto: packets=2000 size=1400$' <<<"$out" || fail "header line"

positive() { # positive NAME VALUE
	[[ $2 =~ ^[0-9]+(\.[0-9]+)?$ ]] || fail "$1: '$2' is not a number"
	awk -v v="$2" 'BEGIN { exit !(v > 0) }' || fail "$1: '$2' is not positive"
}

for mode in raw_rc4 mppe128_stateless mppe128_stateful mppe128_stateless_rx; do
	line=$(grep "^$mode " <<<"$out") || fail "no line for $mode"
	[[ $(grep -c "^$mode " <<<"$out") -eq 1 ]] || fail "$mode printed twice"
	for key in packets/s MB/s us/packet; do
		val=$(sed -n "s|.* $key=\([^ ]*\).*|\1|p" <<<"$line")
		[[ -n $val ]] || fail "$mode: no $key"
		positive "$mode $key" "$val"
	done
	ratio=$(sed -n 's|.* ratio_vs_raw=\([^ ]*\).*|\1|p' <<<"$line")
	if [[ $mode == raw_rc4 ]]; then
		[[ -z $ratio ]] || fail "raw_rc4 has a ratio"
	else
		[[ -n $ratio ]] || fail "$mode: no ratio_vs_raw"
		positive "$mode ratio" "$ratio"
	fi
done
rekey=$(sed -n 's|^rekey_cost us/packet=\(-\{0,1\}[0-9.]*\) .*|\1|p' <<<"$out")
[[ $rekey =~ ^-?[0-9]+\.[0-9]+$ ]] || fail "no rekey_cost line"

# --size is honoured
"$PPTPBENCH" crypto --packets 10 --size 64 | grep -q '^pptpbench crypto: packets=10 size=64$' ||
	fail "--size not honoured"

# bad options and commands exit non-zero
for args in "crypto --bogus" "crypto --packets 0" "crypto --packets x" "crypto --size 0" \
	    "crypto --size 70000" "crypto extra" "no-such-command" ""; do
	# shellcheck disable=SC2086
	if "$PPTPBENCH" $args >/dev/null 2>&1; then
		fail "'pptpbench $args' succeeded"
	fi
done
rc=0
"$PPTPBENCH" crypto --bogus >/dev/null 2>&1 || rc=$?
[[ $rc -eq 2 ]] || fail "bad option exit code $rc, want 2"
rc=0
"$PPTPBENCH" no-such-command >/dev/null 2>&1 || rc=$?
[[ $rc -eq 2 ]] || fail "unknown command exit code $rc, want 2"
echo "ok"
