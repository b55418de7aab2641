#!/usr/bin/env bash
# pptpbench sessions' options, without a server: --help names --login-rate;
# a negative or non-numeric --login-rate (or --teardown-rate) is refused
# with exit 2 and the bad value quoted, before any connection is tried.
# The pacing itself is asserted by integration.bench_sessions.
set -euo pipefail
: "${PPTPBENCH:?PPTPBENCH must point at the pptpbench binary}"

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

"$PPTPBENCH" sessions --help | grep -q -- '--login-rate R' || fail "--help does not name --login-rate"
base=(sessions --server 127.0.0.1 --user u --password-stdin --sessions 10)
for opt in login-rate teardown-rate; do
	for v in -1 abc 1e8; do
		rc=0
		out=$("$PPTPBENCH" "${base[@]}" "--$opt" "$v" </dev/null 2>&1) || rc=$?
		[ "$rc" = 2 ] || fail "--$opt $v: exit $rc, expected 2"
		grep -q "bad value '$v'" <<<"$out" || fail "--$opt $v: not quoted: $out"
	done
done
echo "ok: --login-rate and --teardown-rate refuse -1, abc and 1e8 (exit 2, value quoted)"
