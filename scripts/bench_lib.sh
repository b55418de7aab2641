# Shared by the benchmark scripts (bench_datapath.sh, bench_sessions.sh,
# bench_workers.sh); sourced, never run.
#
#   bench_tools NAME BUILD_DIR
#       PPTPD, PPTPCTL and PPTPBENCH from BUILD_DIR unless the environment
#       names them (PPTPD=... measures another build of the server against
#       the same tools), exported with SRCDIR for tests/integration/*lib.sh;
#       exits 2 with NAME's message when one is missing.
bench_tools() {
	local name=$1 build=$2 f
	PPTPD=${PPTPD:-$build/server/pptpd}
	PPTPCTL=${PPTPCTL:-$build/tools/pptpctl}
	PPTPBENCH=${PPTPBENCH:-$build/tools/pptpbench}
	for f in "$PPTPD" "$PPTPCTL" "$PPTPBENCH"; do
		[ -x "$f" ] || { echo "$name: no $f (build first: scripts/build.sh)" >&2; exit 2; }
	done
	export PPTPD PPTPCTL PPTPBENCH SRCDIR
}
