#!/usr/bin/env bash
# test_sessions.sh in the data-path mode this machine's default does not
# give (e2e_lib.sh, other_workers: `workers 1` on a machine with several
# CPUs, where `workers auto` runs a worker per CPU; `workers 2` on one):
# session limits, retries, a spoofed inner source (dropped, logged once,
# counted in the session-down line and the stats), an unknown protocol
# answered with Protocol-Reject, 50 clients at once, path MTU, LCP echo
# failures, proxy ARP and the hooks.
set -euo pipefail
: "${SRCDIR:?}"
. "$SRCDIR/tests/integration/e2e_lib.sh"
E2E_EXTRA=$(other_workers) . "$SRCDIR/tests/integration/test_sessions.sh"
other_mode_check "$IT_TMP/pptpd.1.log"
