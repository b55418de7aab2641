# pptpd -t and -c on the example configuration, broken and missing files,
# and every key of the parser documented in the example and the reference.
set -euo pipefail

: "${PPTPD:?path of the pptpd binary}"
: "${SRCDIR:?source root}"
example=$SRCDIR/pptpd.conf.example
reference=$SRCDIR/docs/configuration.md

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

failures=0
fail() {
	echo "FAIL: $*" >&2
	failures=$((failures + 1))
}

# -t on the example: exit 0, effective settings on stdout, defaults included.
if "$PPTPD" -t -c "$example" >"$tmp/out" 2>"$tmp/err"; then
	for line in 'localip 192.0.2.1' 'remoteip 192.0.2.10-200' 'ms-dns 203.0.113.53' \
		'auth sqlite' 'user-db /var/lib/pptpd/users.db' 'listen 0.0.0.0' \
		'connections 100' 'require-mppe-128 yes' 'refuse-mschap-v2 no' 'mtu 1400' \
		'log-level notice'; do
		grep -qxF "$line" "$tmp/out" || fail "-t output lacks '$line'"
	done
	[ -s "$tmp/err" ] && fail "-t on the example wrote to stderr: $(cat "$tmp/err")"
	# The printed settings are themselves a valid file that prints the same.
	"$PPTPD" -t -c "$tmp/out" >"$tmp/out2" || fail "-t output does not load back"
	diff <(grep -v '^#' "$tmp/out") <(grep -v '^#' "$tmp/out2") >/dev/null ||
		fail "-t output changes when loaded back"
else
	fail "-t on the example exited non-zero: $(cat "$tmp/err")"
fi

# A broken file: exit 1 and FILE:LINE: on stderr.
broken=$tmp/broken.conf
printf 'localip 192.0.2.1\nremoteip 192.0.2.10-20\nmtu 9000\n' >"$broken"
status=0
"$PPTPD" -t -c "$broken" >"$tmp/out" 2>"$tmp/err" || status=$?
[ "$status" -eq 1 ] || fail "broken config: exit status $status, expected 1"
grep -qF "$broken:3: '9000' is out of range for 'mtu'" "$tmp/err" ||
	fail "broken config: no '$broken:3:' message: $(cat "$tmp/err")"
[ -s "$tmp/out" ] && fail "broken config printed settings"

# The same file without -t fails the same way.
status=0
"$PPTPD" -c "$broken" 2>"$tmp/err" || status=$?
[ "$status" -eq 1 ] || fail "run on broken config: exit status $status, expected 1"
grep -qF "$broken:3:" "$tmp/err" || fail "run on broken config: no '$broken:3:' message"

# A missing file: a clear error naming it.
status=0
"$PPTPD" -t -c "$tmp/missing.conf" 2>"$tmp/err" || status=$?
[ "$status" -eq 1 ] || fail "missing file: exit status $status, expected 1"
grep -qF "$tmp/missing.conf: cannot open: No such file or directory" "$tmp/err" ||
	fail "missing file: unclear message: $(cat "$tmp/err")"

# Running on the example (its user store moved into the temp dir, listening
# on an address this host does not have): the store's directory is created
# first (0700, for the pptpd user the server runs as later), then opening
# the sockets fails with a clear message and exit status 1. The store is
# opened only after the drop to that user, so root has not created it. A
# real start, and a damaged store stopping it, are in the integration tests
# (integration.privs).
sed -e "s|^user-db .*|user-db $tmp/state/users.db|" -e '$a listen 192.0.2.123' \
	"$example" >"$tmp/example.conf"
status=0
"$PPTPD" -c "$tmp/example.conf" 2>"$tmp/err" || status=$?
[ "$status" -eq 1 ] || fail "start without a usable address: exit status $status, expected 1"
grep -qF "created directory $tmp/state for the user store (owner pptpd, mode 0700)" "$tmp/err" ||
	fail "state directory not created: $(cat "$tmp/err")"
grep -qE "error: cannot (open the raw GRE socket|.*192\.0\.2\.123)" "$tmp/err" ||
	fail "no clear socket error: $(cat "$tmp/err")"
[ "$(stat -c '%U %a' "$tmp/state")" = "pptpd 700" ] || fail "state directory: $(stat -c '%U %a' "$tmp/state")"
[ ! -e "$tmp/state/users.db" ] || fail "the user store was opened as root"

# logwtmp (poptop's key) is done now (server/wtmp.h): accepted, printed, no warning.
printf 'localip 192.0.2.1\nremoteip 192.0.2.10-20\nlogwtmp\n' >"$tmp/wtmp.conf"
"$PPTPD" -t -c "$tmp/wtmp.conf" >"$tmp/out" 2>"$tmp/err" || fail "logwtmp config refused"
grep -qx 'logwtmp yes' "$tmp/out" || fail "-t does not print 'logwtmp yes'"
[ -s "$tmp/err" ] && fail "logwtmp still warns: $(cat "$tmp/err")"

# -h and -V; an unknown option is a usage error.
"$PPTPD" -h | grep -q 'usage: pptpd' || fail "-h prints no usage"
"$PPTPD" -V | grep -qx 'pptpd 0.1.0' || fail "-V prints no version"
status=0
"$PPTPD" -x 2>/dev/null || status=$?
[ "$status" -eq 2 ] || fail "unknown option: exit status $status, expected 2"

# Every key of the parser is documented in the example and the reference.
"$PPTPD" --list-keys >"$tmp/keys"
[ "$(wc -l <"$tmp/keys")" -gt 30 ] || fail "--list-keys printed too few keys"
while read -r key; do
	grep -Eq "^(# )?([a-z0-9-]+, )*${key}( |,|\$)" "$example" ||
		fail "key '$key' is not documented in pptpd.conf.example"
	grep -qF "\`$key\`" "$reference" ||
		fail "key '$key' is not documented in docs/configuration.md"
done <"$tmp/keys"

if [ "$failures" -ne 0 ]; then
	echo "$failures check(s) failed" >&2
	exit 1
fi
echo "all config checks passed"
