#!/usr/bin/env bash
# pptpctl against a scratch store: every command, every refused input (exit
# status, message, store unchanged) and import-chap-secrets.
set -euo pipefail
: "${PPTPCTL:?PPTPCTL must name the pptpctl binary}"
for tool in sqlite3 iconv openssl sha256sum; do
	command -v "$tool" >/dev/null || { echo "FAIL: $tool not installed" >&2; exit 1; }
done

T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
DB=$T/users.db
checks=0

fail() { echo "FAIL: $*" >&2; exit 1; }
ok() { checks=$((checks + 1)); }
ctl() { "$PPTPCTL" --db "$DB" "$@"; }

# NtPasswordHash computed independently: MD4 of the UTF-16LE password.
nt_hash() {
	printf '%s' "$1" | iconv -f UTF-8 -t UTF-16LE |
		openssl dgst -md4 -provider legacy -provider default | awk '{print toupper($NF)}'
}
stored_hash() { sqlite3 "$DB" "SELECT hex(nt_hash) FROM users WHERE name = '$1'"; }
# What "unchanged" means: the logical dump when it is a database, else the bytes.
state() {
	local db=${1:-$DB}
	{ sqlite3 "$db" .dump 2>/dev/null || true; sha256sum <"$db"; } | sha256sum
}
eq() { [ "$1" = "$2" ] || fail "$3: expected '$2', got '$1'"; ok; }

# expect INPUT CODE PATTERN CMD...: CMD with INPUT on stdin exits with CODE,
# its stderr matches PATTERN (extended regex) and the store is unchanged.
expect() {
	local input=$1 code=$2 pattern=$3 before after out rc
	shift 3
	before=$(state)
	set +e
	out=$(printf '%s' "$input" | "$@" 2>&1 >/dev/null)
	rc=$?
	set -e
	[ "$rc" = "$code" ] || fail "exit $rc (want $code) from: $* ($out)"
	grep -qE -- "$pattern" <<<"$out" || fail "message '$out' lacks /$pattern/ from: $*"
	after=$(state)
	[ "$before" = "$after" ] || fail "store changed by failed: $*"
	ok
}

# --- usage -------------------------------------------------------------------
"$PPTPCTL" --help | grep -q "import-chap-secrets" || fail "--help lacks commands"
ok
"$PPTPCTL" user add --help | grep -q -- "--password-stdin" || fail "user add --help"
ok
[ "$(nt_hash clientPass)" = 44EBBA8D5312B8D611474411F56989AE ] || fail "test's own MD4 (RFC 2759)"

# --- add, and the stored hash ----------------------------------------------
printf 'clientPass\n' | ctl user add alice --password-stdin --static-ip 10.0.0.5 --max-sessions 2
eq "$(stored_hash alice)" 44EBBA8D5312B8D611474411F56989AE "alice hash (RFC 2759 vector)"
eq "$(stat -c %a "$DB")" 600 "new store mode"
eq "$(sqlite3 "$DB" 'PRAGMA journal_mode')" wal "journal mode"
eq "$(sqlite3 "$DB" 'PRAGMA user_version')" 3 "schema version"

printf '%s\n' 'pässword' | ctl user add 'jürgen' --password-stdin --disabled
eq "$(stored_hash 'jürgen')" "$(nt_hash 'pässword')" "non-ASCII password hash"
printf 'clientPass\r\n' | ctl user add carol --password-stdin
eq "$(stored_hash carol)" 44EBBA8D5312B8D611474411F56989AE "CRLF stripped"
# A password of exactly 256 characters (two bytes each) is accepted.
long256=$(printf 'é%.0s' $(seq 256))
printf '%s\n' "$long256" | ctl user add longpw --password-stdin
eq "$(stored_hash longpw)" "$(nt_hash "$long256")" "256-character password"
ctl user del longpw

# Never the clear password, never the hash in the output.
! grep -qa clientPass "$DB" || fail "clear password stored"
ok

# --- list and show ------------------------------------------------------------
eq "$(ctl user list)" "$(printf 'alice\tenabled\t10.0.0.5\t2\t-\t-\t-\ncarol\tenabled\t-\t-\t-\t-\t-\njürgen\tdisabled\t-\t-\t-\t-\t-')" "list"
show=$(ctl user show alice)
grep -qx 'name: alice' <<<"$show" || fail "show name"
grep -qx 'status: enabled' <<<"$show" || fail "show status"
grep -qx 'static-ip: 10.0.0.5' <<<"$show" || fail "show ip"
grep -qx 'max-sessions: 2' <<<"$show" || fail "show max"
grep -qx 'idle: -' <<<"$show" || fail "show idle unset"
grep -qx 'session-timeout: -' <<<"$show" || fail "show session-timeout unset"
grep -qx 'rate: -' <<<"$show" || fail "show rate unset"
grep -qE '^created: [0-9]{4}-' <<<"$show" || fail "show created"
! grep -qi 44EBBA8D <<<"$show$(ctl user list)" || fail "hash printed"
ok

# --- enable, disable, passwd, set, del ---------------------------------------
ctl user disable alice
eq "$(sqlite3 "$DB" "SELECT enabled FROM users WHERE name='alice'")" 0 "disable"
ctl user show alice | grep -qx 'status: disabled' || fail "show disabled"
ctl user enable alice
eq "$(sqlite3 "$DB" "SELECT enabled FROM users WHERE name='alice'")" 1 "enable"
printf 'n3wPass!\n' | ctl user passwd alice --password-stdin
eq "$(stored_hash alice)" "$(nt_hash 'n3wPass!')" "passwd"
ctl user set carol --static-ip 10.0.0.7 --max-sessions 3
eq "$(sqlite3 "$DB" "SELECT static_ip || ' ' || max_sessions FROM users WHERE name='carol'")" "10.0.0.7 3" "set"
ctl user set carol --static-ip none
eq "$(sqlite3 "$DB" "SELECT ifnull(static_ip, '-') || ' ' || max_sessions FROM users WHERE name='carol'")" "- 3" "set ip none"
ctl user set carol --max-sessions=none
eq "$(sqlite3 "$DB" "SELECT ifnull(max_sessions, '-') FROM users WHERE name='carol'")" "-" "set max none"
# idle: seconds, 0 = never, default = the server's key (NULL); session-timeout.
ctl user set carol --idle 300 --session-timeout 7200
eq "$(sqlite3 "$DB" "SELECT idle || ' ' || session_timeout FROM users WHERE name='carol'")" "300 7200" "set idle"
ctl user show carol | grep -qx 'idle: 300' || fail "show idle"
ctl user show carol | grep -qx 'session-timeout: 7200' || fail "show session-timeout"
ctl user set carol --idle=0 --session-timeout none
eq "$(sqlite3 "$DB" "SELECT idle || ' ' || ifnull(session_timeout, '-') FROM users WHERE name='carol'")" "0 -" "set idle never"
ctl user show carol | grep -qx 'idle: never' || fail "show idle never"
eq "$(ctl user list | grep '^carol')" "$(printf 'carol\tenabled\t-\t-\tnever\t-\t-')" "list idle never"
ctl user set carol --idle default
eq "$(sqlite3 "$DB" "SELECT ifnull(idle, '-') FROM users WHERE name='carol'")" "-" "set idle default"
printf 'x\n' | ctl user add frank --password-stdin --idle 60 --session-timeout 600
eq "$(ctl user list | grep '^frank')" "$(printf 'frank\tenabled\t-\t-\t60\t600\t-')" "add with idle"
ctl user del frank
# rate: DOWN/UP or N kbit/s (accel-ppp's Filter-Id form), default = the keys.
ctl user set carol --rate 4000/2000
eq "$(sqlite3 "$DB" "SELECT rate_down || ' ' || rate_up FROM users WHERE name='carol'")" "4000 2000" "set rate"
ctl user show carol | grep -qx 'rate: 4000/2000' || fail "show rate"
eq "$(ctl user list | grep '^carol' | cut -f7)" "4000/2000" "list rate"
ctl user set carol --rate 512
eq "$(sqlite3 "$DB" "SELECT rate_down || ' ' || rate_up FROM users WHERE name='carol'")" "512 512" "set rate both ways"
ctl user set carol --rate default
eq "$(sqlite3 "$DB" "SELECT ifnull(rate_down, '-') || ifnull(rate_up, '-') FROM users WHERE name='carol'")" "--" "set rate default"
printf 'x\n' | ctl user add frank --password-stdin --rate 0/64
eq "$(ctl user list | grep '^frank' | cut -f7)" "0/64" "add with rate"
ctl user del frank
expect '' 2 "expected DOWN/UP" ctl user set carol --rate 10000001/1
expect '' 2 "expected DOWN/UP" ctl user set carol --rate 4M/1M
eq "$(sqlite3 "$DB" "SELECT ifnull(rate_down, '-') FROM users WHERE name='carol'")" "-" "bad rate: unchanged"
printf 'x\n' | ctl user add dave --password-stdin
ctl user del dave
eq "$(sqlite3 "$DB" "SELECT count(*) FROM users WHERE name='dave'")" 0 "del"

# --- refused inputs: exit status, message, store unchanged --------------------
name257=$(printf 'x%.0s' $(seq 257))
name256=$(printf 'y%.0s' $(seq 256))
pw257=$(printf 'a%.0s' $(seq 257))
expect $'pw\n' 1 "already exists" ctl user add alice --password-stdin
expect $'pw\n' 1 "user 'nobody' not found" ctl user passwd nobody --password-stdin
expect '' 1 "not found" ctl user del nobody
expect '' 1 "not found" ctl user show nobody
expect '' 1 "not found" ctl user enable nobody
expect '' 1 "not found" ctl user disable nobody
expect '' 1 "not found" ctl user set nobody --max-sessions 4
expect $'pw\n' 2 "control character" ctl user add $'bad\tname' --password-stdin
expect $'pw\n' 2 "control character" ctl user add $'bad\x7fname' --password-stdin
expect $'pw\n' 2 "longer than 256 bytes" ctl user add "$name257" --password-stdin
expect $'pw\n' 2 "not valid UTF-8" ctl user add $'bad\xc3' --password-stdin
expect $'\n' 1 "empty password" ctl user add erin --password-stdin
expect '' 1 "no password on standard input" ctl user add erin --password-stdin
expect "$pw257"$'\n' 1 "longer than 256 characters" ctl user add erin --password-stdin
expect $'p\xc3w\n' 1 "not valid UTF-8" ctl user add erin --password-stdin
expect $'\n' 1 "empty password" ctl user passwd alice --password-stdin
expect '' 2 "never accepted on the command line" ctl user add erin --password secret
expect '' 2 "never accepted on the command line" ctl user add erin --password=secret
expect '' 2 "never accepted on the command line" ctl user passwd alice --password secret
expect '' 2 "never accepted on the command line" "$PPTPCTL" --password x --db "$DB" user add erin
# No terminal and no --password-stdin: refused, not hung.
expect $'pw\n' 1 "terminal.*--password-stdin" setsid -w "$PPTPCTL" --db "$DB" user add erin
expect '' 2 "not an IPv4 address" ctl user add erin --password-stdin --static-ip 10.0.0
expect '' 2 "not a usable unicast" ctl user set alice --static-ip 0.0.0.0
expect '' 2 "from 1 to" ctl user set alice --max-sessions 0
expect '' 2 "from 1 to" ctl user set alice --max-sessions 12x
expect '' 2 "nothing to set" ctl user set alice
expect '' 2 "0 \\(never\\) to 604800" ctl user set alice --idle 604801
expect '' 2 "--idle 'x'" ctl user set alice --idle x
expect '' 2 "--idle '-1'" ctl user set alice --idle -1
expect '' 2 "--session-timeout '1h'" ctl user set alice --session-timeout 1h
expect '' 2 "unknown option" ctl user enable alice --idle 5
expect '' 2 "unknown option" ctl user del alice --disabled
expect '' 2 "missing argument" ctl user show
expect '' 2 "unexpected argument" ctl user show alice bob
expect '' 2 "unknown command" ctl user frobnicate alice
expect '' 2 "unknown command" ctl frobnicate
expect '' 2 "needs a path" "$PPTPCTL" --db
# A refused password does not leave a new store behind.
set +e; printf '\n' | "$PPTPCTL" --db "$T/fresh.db" user add erin --password-stdin 2>/dev/null; rc=$?; set -e
eq "$rc" 1 "empty password on a new store"
[ ! -e "$T/fresh.db" ] || fail "store created although the password was refused"
# A 256-byte name is fine.
printf 'pw\n' | ctl user add "$name256" --password-stdin
ctl user del "$name256"

# A store this user cannot write: root-owned 0644 in a readable directory.
if [ "$(id -u)" = 0 ]; then
	mkdir "$T/ro"
	cp "$DB" "$T/ro/users.db"
	chmod 0755 "$T" "$T/ro"
	chmod 0644 "$T/ro/users.db"
	nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$PPTPCTL" --db "$T/ro/users.db" "$@"; }
	saved=$DB
	DB=$T/ro/users.db
	expect $'pw\n' 1 "read-only" nobody user add erin --password-stdin
	expect '' 1 "read-only" nobody user del alice
	expect '' 1 "read-only" nobody user disable alice
	expect $'pw\n' 1 "read-only" nobody user passwd alice --password-stdin
	expect '' 1 "read-only" nobody user set alice --max-sessions 9
	DB=$saved
	chmod 0700 "$T"
else
	echo "note: not root, read-only store checks skipped" >&2
fi

# A file that is not a database.
head -c 8192 /dev/urandom >"$T/garbage.db"
saved=$DB
DB=$T/garbage.db
expect $'pw\n' 1 "not a database" ctl user add erin --password-stdin
expect '' 1 "not a database" ctl user list
expect '' 1 "not a database" ctl user del alice
# A store written by a newer schema.
cp "$saved" "$T/new.db"
sqlite3 "$T/new.db" 'PRAGMA user_version = 99'
DB=$T/new.db
expect $'pw\n' 1 "schema version 99 is newer than this program supports \(3\)" ctl user add erin --password-stdin
expect '' 1 "schema version 99 is newer" ctl user list
expect '' 1 "schema version 99 is newer" ctl user disable alice
DB=$saved

# --- import-chap-secrets -------------------------------------------------------
SECRETS=$T/chap-secrets
cat >"$SECRETS" <<'EOF'
# Secrets for authentication using CHAP
# client	server	secret			IP addresses

imp1		*	pass1
imp2		pptpd	"pass with spaces"	10.0.0.20
"imp 3"		pptpd	"quote\"d\\pw"		*
imp4		*	@/etc/ppp/imp4-secret
imp5		*	pw5			10.0.0.0/24
imp6		*	pw6			10.0.0.1 10.0.0.2
imp1		l2tpd	otherpw
alice		*	pw
"bad\tname"	*	pw
*		*	pw
imp7		*	""
imp8		*	"unterminated
onlytwo		*
imp9		*	pw9	-	# trailing comment
imp10		*	pw\x41
EOF
out=$(ctl import-chap-secrets "$SECRETS" 2>&1)
expected="$SECRETS:7: skipped 'imp4': secret is a file reference (@file), not a password
$SECRETS:8: skipped 'imp5': address '10.0.0.0/24' is not a single IPv4 address (ranges, networks and names are not supported)
$SECRETS:9: skipped 'imp6': 2 addresses: only one static IPv4 address is supported
$SECRETS:10: skipped 'imp1': server 'l2tpd' is not pptpd (--server NAME takes its lines)
$SECRETS:11: skipped 'alice': already exists (--update changes it)
$SECRETS:12: skipped 'bad\\x09name': user name contains a control character (byte 4)
$SECRETS:13: skipped '*': wildcard client '*' is not a user
$SECRETS:14: skipped 'imp7': empty password
$SECRETS:15: skipped 'imp8': unterminated quote
$SECRETS:16: skipped 'onlytwo': expected 'client server secret [addresses...]'
imported 5 users, skipped 10 lines
server names seen: '*' 'pptpd' 'l2tpd'"
eq "$out" "$expected" "import report"
eq "$(stored_hash imp1)" "$(nt_hash pass1)" "imp1 hash"
eq "$(stored_hash imp2)" "$(nt_hash 'pass with spaces')" "imp2 quoted secret"
eq "$(sqlite3 "$DB" "SELECT static_ip FROM users WHERE name='imp2'")" 10.0.0.20 "imp2 static ip"
eq "$(stored_hash 'imp 3')" "$(nt_hash 'quote"d\pw')" "escapes in quotes"
eq "$(sqlite3 "$DB" "SELECT ifnull(static_ip, '-') FROM users WHERE name='imp 3'")" - "'*' address"
eq "$(stored_hash imp9)" "$(nt_hash pw9)" "imp9 hash"
eq "$(stored_hash imp10)" "$(nt_hash pwA)" "hex escape"
eq "$(stored_hash alice)" "$(nt_hash 'n3wPass!')" "existing user untouched"
eq "$(sqlite3 "$DB" "SELECT count(*) FROM users WHERE name LIKE 'imp%'")" 5 "imported rows"

# Import failures: unreadable file (no store created), unwritable stores.
expect '' 1 "cannot read .*No such file" ctl import-chap-secrets "$T/missing"
[ ! -e "$T/fresh.db" ] || fail "fresh.db exists before the test"
set +e; "$PPTPCTL" --db "$T/fresh.db" import-chap-secrets "$T/missing" 2>/dev/null; rc=$?; set -e
eq "$rc" 1 "import of a missing file"
[ ! -e "$T/fresh.db" ] || fail "store created although the file could not be read"
DB=$T/new.db
expect '' 1 "schema version 99 is newer" ctl import-chap-secrets "$SECRETS"
DB=$T/garbage.db
expect '' 1 "not a database" ctl import-chap-secrets "$SECRETS"
DB=$saved
# Importing the same file again imports nothing and changes nothing.
expect '' 0 "skipped 'imp1': already exists" ctl import-chap-secrets "$SECRETS"

# --server picks another server column ('*' lines still count); --update
# changes existing users' password and static IP, in one transaction.
SECRETS2=$T/chap-secrets2
cat >"$SECRETS2" <<'EOF'
imp1	l2tpd	l2tpPass	10.0.0.41
imp2	*	newPass2
srv1	pptpd	srvpw
EOF
out=$(ctl import-chap-secrets "$SECRETS2" --server l2tpd 2>&1)
expected="$SECRETS2:1: skipped 'imp1': already exists (--update changes it)
$SECRETS2:2: skipped 'imp2': already exists (--update changes it)
$SECRETS2:3: skipped 'srv1': server 'pptpd' is not l2tpd (--server NAME takes its lines)
imported 0 users, skipped 3 lines
server names seen: 'l2tpd' '*' 'pptpd'"
eq "$out" "$expected" "import --server report"
eq "$(stored_hash imp1)" "$(nt_hash pass1)" "imp1 unchanged without --update"
out=$(ctl import-chap-secrets --update --server=l2tpd "$SECRETS2" 2>&1)
expected="$SECRETS2:3: skipped 'srv1': server 'pptpd' is not l2tpd (--server NAME takes its lines)
imported 0 users, updated 2, skipped 1 lines
server names seen: 'l2tpd' '*' 'pptpd'"
eq "$out" "$expected" "import --update report"
eq "$(stored_hash imp1)" "$(nt_hash l2tpPass)" "imp1 password updated"
eq "$(sqlite3 "$DB" "SELECT static_ip FROM users WHERE name='imp1'")" 10.0.0.41 "imp1 static ip set"
eq "$(stored_hash imp2)" "$(nt_hash newPass2)" "imp2 password updated"
eq "$(sqlite3 "$DB" "SELECT ifnull(static_ip, '-') FROM users WHERE name='imp2'")" - \
	"imp2 static ip cleared (none in the line)"
eq "$(sqlite3 "$DB" "SELECT count(*) FROM users WHERE name='srv1'")" 0 "other server not imported"
expect '' 2 "option --server needs a name" ctl import-chap-secrets "$SECRETS2" --server=

# The admin commands with no server: one clear line, exit 1; usage exit 2.
expect '' 1 "^pptpctl: cannot reach $T/none.sock: is pptpd running\? is control-socket set\?$" \
	"$PPTPCTL" --socket "$T/none.sock" session list
expect '' 1 "is pptpd running\?" "$PPTPCTL" --socket="$T/none.sock" stats --json
expect '' 2 "option --socket needs a path" "$PPTPCTL" --socket
expect '' 2 "bad argument" "$PPTPCTL" --socket "$T/none.sock" session show "a b"
"$PPTPCTL" --help | grep -q '^  session kill ID|USER|--peer ADDR$' || fail "--help lists no session kill"
ok

echo "pptpctl: $checks checks passed"
