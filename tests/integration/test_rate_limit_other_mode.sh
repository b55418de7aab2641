#!/usr/bin/env bash
# test_rate_limit.sh in the data-path mode this machine's default does not
# give (e2e_lib.sh, other_workers): rate limits from RADIUS (Filter-Id, the
# vendor pair), CoAs that change them mid-session, the SQLite store's
# defaults; the same rates within the same margins, the drops counted in
# session show, the session-down lines and the stats line, whether the
# main loop or a data-path worker polices them.
set -euo pipefail
: "${SRCDIR:?}"
. "$SRCDIR/tests/integration/e2e_lib.sh"
E2E_EXTRA=$(other_workers) . "$SRCDIR/tests/integration/test_rate_limit.sh"
other_mode_check "$SRV_LOG"
