#!/usr/bin/env bash
# interop.xfer with `workers 2`: the stock Linux client's tunnel carried by
# a data-path worker (server/worker.h) rather than the main loop. The same
# transfers, each file checked where it arrived, and the same assertions
# (no frame dropped for the client's window of 3, frames queued for it,
# the download at its share of the upload); then that the session was
# the worker's.
set -euo pipefail
: "${SRCDIR:?}"
INTEROP_NAME=workers_xfer XFER_CONF="workers 2" . "$SRCDIR/tests/interop/test_xfer.sh"

grep -q 'event=workers-open workers=2 ' "$SRV_LOG" || it_fail "no workers opened"
grep -q 'event=worker-taken worker=' "$SRV_LOG" ||
	it_fail "the stock client's session was not handed to a worker"
it_pass "the stock Linux client's transfers ran through a worker: $(grep -o 'event=worker-taken.*' "$SRV_LOG" | head -n 1)"
