#!/usr/bin/env bash
# interop.xfer in the data-path mode this machine's default does not give
# (tests/integration/e2e_lib.sh, other_workers: `workers 1` where
# `workers auto` runs workers, `workers 2` on one CPU): the stock Linux
# client's 5 MiB each way, each file checked where it arrived, and the
# same assertions (no frame dropped for the client's window of 3, frames
# queued for it, the download at its share of the upload).
set -euo pipefail
: "${SRCDIR:?}"
. "$SRCDIR/tests/integration/e2e_lib.sh"
INTEROP_NAME=xfer_other_mode XFER_CONF=$(other_workers) . "$SRCDIR/tests/interop/test_xfer.sh"
other_mode_check "$SRV_LOG"
