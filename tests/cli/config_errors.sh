#!/usr/bin/env bash
# pptpd -t reports every error of pptpd.conf and of its pppd options files in
# one run (FILE:LINE: each, exit 1), and checks what the file names on this
# machine: radius-config, radius-dictionary and the radius-attr names in it,
# the user store's directory.
set -euo pipefail

: "${PPTPD:?path of the pptpd binary}"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0
fail() {
	echo "FAIL: $*" >&2
	failures=$((failures + 1))
}
# has FILE TEXT: the -t output (stderr) holds TEXT
has() { grep -qF -- "$2" "$1" || fail "missing '$2' in: $(cat "$1")"; }

# ---- many errors, two files: all of them, in reading order -----------------
cat >"$tmp/options.pptpd" <<'EOF'
lock
noccp
ms-dns 300.0.0.1
frobnicate 3
mtu 100
EOF
cat >"$tmp/pptpd.conf" <<EOF
option $tmp/options.pptpd
localip 192.0.2.1
remoteip 192.0.2.10-20
requre-mppe yes
auth ldap
connections 0
EOF
status=0
"$PPTPD" -t -c "$tmp/pptpd.conf" >"$tmp/out" 2>"$tmp/err" || status=$?
[ "$status" -eq 1 ] || fail "exit status $status, expected 1"
[ -s "$tmp/out" ] && fail "settings printed for a broken file"
has "$tmp/err" "$tmp/options.pptpd:2: 'noccp' is not supported: it would turn MPPE off"
has "$tmp/err" "$tmp/options.pptpd:3: '300.0.0.1' is not an IPv4 address for 'ms-dns'"
has "$tmp/err" "$tmp/options.pptpd:4: 'frobnicate' is not a pppd option this server reads"
has "$tmp/err" "$tmp/options.pptpd:5: '100' is out of range for 'mtu'"
has "$tmp/err" "$tmp/pptpd.conf:4: unknown key 'requre-mppe' (did you mean 'require-mppe'?)"
has "$tmp/err" "$tmp/pptpd.conf:5: 'ldap' is not a valid value for 'auth'"
has "$tmp/err" "$tmp/pptpd.conf:6: '0' is out of range for 'connections'"
[ "$(grep -c ': error: ' "$tmp/err")" -eq 7 ] || fail "not 7 errors: $(cat "$tmp/err")"
# One line each, in reading order.
grep -o '[^ ]*:[0-9]*: ' "$tmp/err" | tr -d ' ' >"$tmp/order"
printf '%s\n' "$tmp/options.pptpd:2:" "$tmp/options.pptpd:3:" "$tmp/options.pptpd:4:" \
	"$tmp/options.pptpd:5:" "$tmp/pptpd.conf:4:" "$tmp/pptpd.conf:5:" \
	"$tmp/pptpd.conf:6:" | diff - "$tmp/order" >/dev/null || fail "order: $(cat "$tmp/order")"
# The harmless option is named once, in the summary notice.
has "$tmp/err" "$tmp/options.pptpd: ignored pppd options with no meaning here: lock"

# ---- what the file names on this machine --------------------------------------
cat >"$tmp/dictionary" <<'EOF'
ATTRIBUTE	NAS-Port-Type		61	integer
VALUE		NAS-Port-Type		Virtual	5
ATTRIBUTE	Filter-Id		11	string
EOF
cat >"$tmp/radius.conf" <<EOF
localip 192.0.2.1
remoteip 192.0.2.10-20
auth radius
radius-config $tmp/missing-radiusclient.conf
radius-dictionary $tmp/dictionary
radius-attr Filter-Id = "vpn"
radius-attr Filter-Idd = "vpn"
radius-attr NAS-Port-Type = Virtual
EOF
status=0
"$PPTPD" -t -c "$tmp/radius.conf" >"$tmp/out" 2>"$tmp/err" || status=$?
[ "$status" -eq 1 ] || fail "radius: exit status $status, expected 1"
has "$tmp/err" "$tmp/radius.conf:4: '$tmp/missing-radiusclient.conf' for 'radius-config': No such file or directory"
has "$tmp/err" "$tmp/radius.conf:7: radius-attr 'Filter-Idd = \"vpn\"': not an attribute and value of the dictionary"
grep -q "radius.conf:6:\|radius.conf:8:" "$tmp/err" && fail "a good radius-attr was refused: $(cat "$tmp/err")"

# A radiusclient.conf libradcli cannot read.
printf 'no-such-option 1\n' >"$tmp/radiusclient.conf"
printf 'localip 192.0.2.1\nremoteip 192.0.2.10-20\nauth radius\nradius-config %s\n' \
	"$tmp/radiusclient.conf" >"$tmp/rc.conf"
status=0
"$PPTPD" -t -c "$tmp/rc.conf" >"$tmp/out" 2>"$tmp/err" || status=$?
[ "$status" -eq 1 ] || fail "radiusclient.conf: exit status $status, expected 1"
has "$tmp/err" "$tmp/rc.conf:4: '$tmp/radiusclient.conf' for 'radius-config': libradcli could not read it"

# A dictionary that is not there; a user store whose directory cannot be made.
cat >"$tmp/nodict.conf" <<EOF
localip 192.0.2.1
remoteip 192.0.2.10-20
user-db $tmp/no/such/dir/users.db
radius-attr Filter-Id = "vpn"
radius-dictionary $tmp/no-dictionary
EOF
status=0
"$PPTPD" -t -c "$tmp/nodict.conf" >"$tmp/out" 2>"$tmp/err" || status=$?
[ "$status" -eq 1 ] || fail "nodict: exit status $status, expected 1"
has "$tmp/err" "$tmp/nodict.conf:5: '$tmp/no-dictionary' for 'radius-dictionary': No such file or directory"
has "$tmp/err" "$tmp/nodict.conf:3: '$tmp/no/such/dir/users.db' for 'user-db': neither its directory"

# EAP is relayed to RADIUS: with the store, pptpd -t says so at the line
# of `eap`; require-eap needs eap. A good EAP file passes.
cat >"$tmp/eap.conf" <<EOF
localip 192.0.2.1
remoteip 192.0.2.10-20
user-db $tmp/d/users.db
eap yes
EOF
status=0
"$PPTPD" -t -c "$tmp/eap.conf" >"$tmp/out" 2>"$tmp/err" || status=$?
[ "$status" -eq 1 ] || fail "eap with sqlite: exit status $status, expected 1"
has "$tmp/err" "$tmp/eap.conf:4: 'eap yes' needs 'auth radius'"
has "$tmp/err" "the SQLite store keeps MS-CHAPv2"
printf 'localip 192.0.2.1\nremoteip 192.0.2.10-20\nauth radius\nradius-server 127.0.0.1 s\nrequire-eap yes\n' \
	>"$tmp/reqeap.conf"
status=0
"$PPTPD" -t -c "$tmp/reqeap.conf" >"$tmp/out" 2>"$tmp/err" || status=$?
[ "$status" -eq 1 ] || fail "require-eap alone: exit status $status, expected 1"
has "$tmp/err" "$tmp/reqeap.conf:5: 'require-eap yes' needs 'eap yes'"
printf 'eap yes\neap-max-rounds 40\neap-timeout 120\n' >>"$tmp/reqeap.conf"
"$PPTPD" -t -c "$tmp/reqeap.conf" >"$tmp/out" 2>"$tmp/err" ||
	fail "a good EAP file refused: $(cat "$tmp/err")"
grep -q "^eap-max-rounds 40" "$tmp/out" || fail "pptpd -t does not show eap-max-rounds 40: $(cat "$tmp/out")"

# The same file without -t is checked as a file only: those are start-up
# failures later, not parse errors (a file written for another machine).
"$PPTPD" --list-keys >/dev/null
sed -i "s|^radius-dictionary .*|radius-dictionary $tmp/dictionary|; s|^user-db .*|user-db $tmp/d/users.db|" \
	"$tmp/nodict.conf"
"$PPTPD" -t -c "$tmp/nodict.conf" >"$tmp/out" 2>"$tmp/err" || fail "fixed file refused: $(cat "$tmp/err")"

if [ "$failures" -ne 0 ]; then
	echo "$failures check(s) failed" >&2
	exit 1
fi
echo "all config error checks passed"
