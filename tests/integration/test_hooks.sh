# server/hooks on a real libev loop (the hooks_check helper): argv and
# environment of an ip-up script, a script over its time limit killed with
# its process group, the loop's timers running while a script runs, a
# missing script, hook_kill and hook_detach. Needs no root.
set -euo pipefail
: "${ITOOLS:?}"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/pptpd-hooks.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
"$ITOOLS/hooks_check" "$tmp"
