#!/usr/bin/env bash
# A hand-run check of radius_lib.sh and udp_relay.py (not a ctest test):
#
#   sudo bash tests/integration/radius_selftest.sh
#
# In a namespace of its own: two FreeRADIUS instances, PAP/CHAP/MS-CHAP/
# MS-CHAPv2 logins, Message-Authenticator and Response Authenticator of the
# replies checked on the wire (captured through the relay), the MPPE keys
# decrypted and compared with RFC 3079's, accounting into the detail file,
# Disconnect/CoA replies and timeouts, the black hole, the slow relay, the
# silent mode, reload and restart.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$HERE/lib.sh"

it_init radius-selftest
SRV=$(it_ns srv)
IT_NS+=("$SRV")
. "$HERE/radius_lib.sh"

in_srv() {
	ip netns exec "$SRV" "$@"
}

now_ms() {
	echo $(($(date +%s%N) / 1000000))
}

# Packet checks in Python: MS-CHAPv2 requests and replies as RFC 2759,
# 3079 and 2548 have them; the digests through the openssl command (MD4
# and DES need its legacy provider), the rest with the standard library.
CHECK=$IT_TMP/radcheck.py
cat >"$CHECK" <<'PY'
import hashlib, hmac, json, os, subprocess, sys

OSSL = ["-provider", "legacy", "-provider", "default"]

def md4(data):
    return subprocess.run(["openssl", "dgst", "-md4", "-binary"] + OSSL, input=data,
                          capture_output=True, check=True).stdout

def des(key7, block):
    k = int.from_bytes(key7, "big")
    key8 = bytes(((k >> (49 - 7 * i)) & 0x7F) << 1 for i in range(8))
    return subprocess.run(["openssl", "enc", "-des-ecb", "-nopad", "-K", key8.hex()] + OSSL,
                          input=block, capture_output=True, check=True).stdout[:8]

def sha1(*parts):
    return hashlib.sha1(b"".join(parts)).digest()

def challenge_hash(peer, auth, user):
    return sha1(peer, auth, user.encode())[:8]

def nt_response(nt_hash, chal):
    z = nt_hash + bytes(5)
    return des(z[0:7], chal) + des(z[7:14], chal) + des(z[14:21], chal)

MAGIC1 = b"Magic server to client signing constant"
MAGIC2 = b"Pad to make it do more than one iteration"
MASTER = b"This is the MPPE Master Key"
CLIENT_SEND = (b"On the client side, this is the send key; "
               b"on the server side, it is the receive key.")
CLIENT_RECV = (b"On the client side, this is the receive key; "
               b"on the server side, it is the send key.")

def expected(state):
    nt_hash = bytes.fromhex(state["nt_hash"])
    resp = bytes.fromhex(state["nt_response"])
    chal = challenge_hash(bytes.fromhex(state["peer"]), bytes.fromhex(state["auth"]),
                          state["user"])
    hh = md4(nt_hash)
    success = "S=" + sha1(sha1(hh, resp, MAGIC1), chal, MAGIC2).hex().upper()
    master = sha1(hh, resp, MASTER)[:16]
    def start_key(magic):
        return sha1(master, bytes(40), magic, b"\xf2" * 40)[:16]
    return success, start_key(CLIENT_RECV), start_key(CLIENT_SEND)

def mschapv2(user, password, statefile):
    auth, peer = os.urandom(16), os.urandom(16)
    nt_hash = md4(password.encode("utf-16-le"))
    resp = nt_response(nt_hash, challenge_hash(peer, auth, user))
    ident = 7
    json.dump({"user": user, "auth": auth.hex(), "peer": peer.hex(),
               "nt_hash": nt_hash.hex(), "nt_response": resp.hex(), "ident": ident},
              open(statefile, "w"))
    print('User-Name = "%s"' % user)
    print("MS-CHAP-Challenge = 0x" + auth.hex())
    print("MS-CHAP2-Response = 0x" + (bytes([ident, 0]) + peer + bytes(8) + resp).hex())

def last(log, kind):
    lines = [l for l in open(log) if l.startswith(kind + " ")]
    if not lines:
        sys.exit("no '%s' line in %s" % (kind, log))
    return bytes.fromhex(lines[-1].rsplit("hex=", 1)[1].strip())

def attrs(body):
    out, i = [], 0
    while i + 2 <= len(body):
        t, l = body[i], body[i + 1]
        out.append((t, i, body[i + 2:i + l]))
        i += l
    return out

def decrypt_key(secret, req_auth, value):
    salt, c = value[:2], value[2:]
    plain, prev = b"", req_auth + salt
    for j in range(0, len(c), 16):
        b = hashlib.md5(secret + prev).digest()
        block = c[j:j + 16]
        plain += bytes(x ^ y for x, y in zip(block, b))
        prev = block
    return plain[1:1 + plain[0]]

def reply(log, secret, statefile=None):
    secret = secret.encode()
    req, rep = last(log, "in"), last(log, "out")
    if req[1] != rep[1]:
        sys.exit("the last request and reply have different ids")
    req_auth = req[4:20]
    print("code=%d" % rep[0])
    good = hashlib.md5(rep[:4] + req_auth + rep[20:] + secret).digest() == rep[4:20]
    print("authenticator=" + ("valid" if good else "invalid"))
    body = rep[20:]
    ma = [a for a in attrs(body) if a[0] == 80]
    if not ma:
        print("ma=absent")
    else:
        off = 20 + ma[0][1] + 2
        zeroed = rep[:4] + req_auth + rep[20:off] + bytes(16) + rep[off + 16:]
        mac = hmac.new(secret, zeroed, hashlib.md5).digest()
        print("ma=" + ("valid" if mac == ma[0][2] else "invalid"))
    ms = {}
    for t, _, v in attrs(body):
        if t == 26 and int.from_bytes(v[:4], "big") == 311:
            for st, _, sv in attrs(v[4:]):
                ms[st] = sv
    print("ms=" + ",".join(str(k) for k in sorted(ms)))
    if statefile:
        state = json.load(open(statefile))
        success, send, recv = expected(state)
        got = ms.get(26, b"")
        print("success=" + ("match" if got[:1] == bytes([state["ident"]]) and
                             got[1:].decode(errors="replace") == success else "nomatch"))
        for name, st in (("send", 16), ("recv", 17)):
            if st not in ms:
                print("%s_key=absent" % name)
                continue
            key = decrypt_key(secret, req_auth, ms[st])
            which = ("server-send" if key == send else
                     "server-recv" if key == recv else "nomatch")
            print("%s_key=%s len=%d" % (name, which, len(key)))

if __name__ == "__main__":
    if sys.argv[1] == "mschapv2":
        mschapv2(*sys.argv[2:5])
    else:
        reply(*sys.argv[2:])
PY

expect() { # expect OUTPUT LINE WHAT
	grep -qxF -- "$2" <<<"$1" || {
		echo "$1" >&2
		it_fail "$3: no line '$2'"
	}
}

# --- two instances --------------------------------------------------------
radius_user one alice secret 'Framed-IP-Address = 192.0.2.77' 'Session-Timeout = 5' \
	'Acct-Interim-Interval = 2' 'Class = "gold"' 'MS-Primary-DNS-Server = 203.0.113.53'
radius_user one 'bob smith' 'p"w\x'
radius_user two carol carolpw 'Framed-IP-Address = 192.0.2.78'
t0=$(now_ms)
radius_start one --coa-port 3799
t1=$(now_ms)
radius_start two --auth-port 18120 --acct-port 18130 --secret "second" --client 192.0.2.0/24
t2=$(now_ms)
echo "startup: one $((t1 - t0)) ms, two $((t2 - t1)) ms"
ONE=$(radius_dir one)
TWO=$(radius_dir two)
it_pass "two instances up"

# radclient/radtest read the instance's (empty) local dictionary, not /etc's.
auth() { # auth DIR PORT SECRET ATTRS...
	local dir=$1 port=$2 secret=$3
	shift 3
	{
		printf '%s\n' "$@"
		echo 'Message-Authenticator = 0x00'
	} | in_srv radclient -d "$dir" -x -t 2 -r 1 "127.0.0.1:$port" auth "$secret" 2>&1 || true
}

out=$(in_srv radtest -d "$ONE" alice secret 127.0.0.1 0 testing123 2>&1 || true)
expect "$out" '	Framed-IP-Address = 192.0.2.77' "PAP accept"
expect "$out" '	Session-Timeout = 5' "PAP accept"
expect "$out" '	Class = 0x676f6c64' "PAP accept"
expect "$out" '	MS-Primary-DNS-Server = 203.0.113.53' "PAP accept"
grep -q '^Received Access-Accept' <<<"$out" || it_fail "PAP: no Access-Accept"
out=$(in_srv radtest -d "$ONE" alice wrong 127.0.0.1 0 testing123 2>&1 || true)
grep -q '^Received Access-Reject' <<<"$out" || it_fail "PAP wrong password: no Access-Reject"
grep -q 'Framed-IP-Address' <<<"$out" && it_fail "the reject carries the user's reply items"
out=$(auth "$ONE" 1812 testing123 'User-Name = "bob smith"' 'User-Password = "p\"w\\x"')
grep -q '^Received Access-Accept' <<<"$out" || it_fail "PAP with quotes in name and password: $out"
out=$(in_srv radtest -d "$TWO" carol carolpw 127.0.0.1:18120 0 second 2>&1 || true)
grep -q '^Received Access-Accept' <<<"$out" || it_fail "instance two: no Access-Accept"
out=$(in_srv radtest -d "$TWO" alice secret 127.0.0.1:18120 0 second 2>&1 || true)
grep -q '^Received Access-Reject' <<<"$out" || it_fail "instance two knows alice"
out=$(in_srv radtest -d "$TWO" carol carolpw 127.0.0.1:18120 0 testing123 2>&1 || true)
grep -q '^Received' <<<"$out" && it_fail "instance two answered with the wrong secret"
it_pass "PAP accept and reject, on both instances, with their own secrets"

out=$(in_srv radtest -d "$ONE" -t chap alice secret 127.0.0.1 0 testing123 2>&1 || true)
grep -q '^Received Access-Accept' <<<"$out" || it_fail "CHAP: no Access-Accept: $out"
it_pass "CHAP-MD5 accept"

out=$(in_srv radtest -d "$ONE" -t mschap alice secret 127.0.0.1 0 testing123 2>&1 || true)
grep -q '^Received Access-Accept' <<<"$out" || it_fail "MS-CHAP: no Access-Accept: $out"
grep -q 'MS-CHAP-MPPE-Keys = 0x' <<<"$out" || it_fail "MS-CHAP: no MS-CHAP-MPPE-Keys"
expect "$out" '	MS-MPPE-Encryption-Policy = Encryption-Required' "MS-CHAP"
expect "$out" '	MS-MPPE-Encryption-Types = 4' "MS-CHAP"
it_pass "MS-CHAPv1 (radtest -t mschap) accept with MS-CHAP-MPPE-Keys, policy required, 128-bit"

# Through a relay without delay: it logs every datagram in hex.
radius_slow_proxy 18201 1812 0
CAP=$IT_TMP/radius-relay-18201.log

"$RADIUS_PYTHON" "$CHECK" mschapv2 alice secret "$IT_TMP/v2.json" >"$IT_TMP/v2.attrs"
mapfile -t v2 <"$IT_TMP/v2.attrs"
out=$(auth "$ONE" 18201 testing123 "${v2[@]}")
echo "$out" | sed -n '/^Received/,$p'
grep -q '^Received Access-Accept' <<<"$out" || it_fail "MS-CHAPv2: no Access-Accept: $out"
for a in MS-CHAP2-Success MS-MPPE-Send-Key MS-MPPE-Recv-Key MS-MPPE-Encryption-Policy \
	MS-MPPE-Encryption-Types Message-Authenticator; do
	grep -q "^	$a = " <<<"$out" || it_fail "MS-CHAPv2 accept without $a"
done
chk=$("$RADIUS_PYTHON" "$CHECK" reply "$CAP" testing123 "$IT_TMP/v2.json")
echo "$chk"
expect "$chk" code=2 "MS-CHAPv2 on the wire"
expect "$chk" authenticator=valid "MS-CHAPv2 on the wire"
expect "$chk" ma=valid "MS-CHAPv2 on the wire"
expect "$chk" success=match "MS-CHAPv2 on the wire"
expect "$chk" 'send_key=server-send len=16' "MS-CHAPv2 on the wire"
expect "$chk" 'recv_key=server-recv len=16' "MS-CHAPv2 on the wire"
it_pass "MS-CHAPv2 accept: authenticator response and MPPE send/receive keys as RFC 3079's"

"$RADIUS_PYTHON" "$CHECK" mschapv2 alice wrong "$IT_TMP/v2bad.json" >"$IT_TMP/v2bad.attrs"
mapfile -t v2 <"$IT_TMP/v2bad.attrs"
out=$(auth "$ONE" 18201 testing123 "${v2[@]}")
grep -q '^Received Access-Reject' <<<"$out" || it_fail "MS-CHAPv2 wrong password: $out"
grep -q '^	MS-CHAP-Error = ' <<<"$out" || it_fail "MS-CHAPv2 reject without MS-CHAP-Error"
chk=$("$RADIUS_PYTHON" "$CHECK" reply "$CAP" testing123)
expect "$chk" code=3 "MS-CHAPv2 reject on the wire"
expect "$chk" ma=valid "MS-CHAPv2 reject on the wire"
expect "$chk" authenticator=valid "MS-CHAPv2 reject on the wire"
it_pass "MS-CHAPv2 reject with MS-CHAP-Error and a valid Message-Authenticator"

out=$(auth "$ONE" 18201 testing123 'User-Name = "alice"' 'User-Password = "secret"')
chk=$("$RADIUS_PYTHON" "$CHECK" reply "$CAP" testing123)
expect "$chk" code=2 "PAP accept on the wire"
expect "$chk" ma=valid "PAP accept on the wire"
out=$(auth "$ONE" 18201 testing123 'User-Name = "alice"' 'User-Password = "nope"')
chk=$("$RADIUS_PYTHON" "$CHECK" reply "$CAP" testing123)
expect "$chk" code=3 "PAP reject on the wire"
expect "$chk" ma=valid "PAP reject on the wire"
expect "$chk" authenticator=valid "PAP reject on the wire"
it_pass "Access-Accept and Access-Reject carry a valid Message-Authenticator"

out=$(printf 'Message-Authenticator = 0x00\n' |
	in_srv radclient -d "$ONE" -x -t 2 -r 1 127.0.0.1:18201 status testing123 2>&1 || true)
grep -q '^Received Access-Accept' <<<"$out" || it_fail "Status-Server: $out"
chk=$("$RADIUS_PYTHON" "$CHECK" reply "$CAP" testing123)
expect "$chk" code=2 "Status-Server reply on the wire"
expect "$chk" ma=valid "Status-Server reply on the wire"
it_pass "the Access-Accept to a Status-Server carries a valid Message-Authenticator too"

# Without one in the request the client's require_message_authenticator
# makes the server drop it.
out=$(printf 'User-Name = "alice"\nUser-Password = "secret"\n' |
	in_srv radclient -d "$ONE" -t 1 -r 1 127.0.0.1 auth testing123 2>&1 || true)
grep -q '^Received' <<<"$out" && it_fail "answered an Access-Request without Message-Authenticator"
grep -q 'does not contain required Message-Authenticator' "$ONE/radius.log" ||
	it_fail "the drop is not in the log"
it_pass "an Access-Request without Message-Authenticator is dropped"

# What FreeRADIUS 3.2.1 does by itself.
radius_user native alice secret 'Framed-IP-Address = 192.0.2.79'
radius_start native --auth-port 18121 --acct-port 18131 --no-reply-authenticator
radius_slow_proxy 18202 18121 0
out=$(auth "$(radius_dir native)" 18202 testing123 'User-Name = "alice"' 'User-Password = "secret"')
grep -q '^Received Access-Accept' <<<"$out" || it_fail "native: no Access-Accept: $out"
chk=$("$RADIUS_PYTHON" "$CHECK" reply "$IT_TMP/radius-relay-18202.log" testing123)
expect "$chk" ma=absent "native accept"
out=$(auth "$(radius_dir native)" 18202 testing123 'User-Name = "alice"' 'User-Password = "x"')
chk=$("$RADIUS_PYTHON" "$CHECK" reply "$IT_TMP/radius-relay-18202.log" testing123)
expect "$chk" code=3 "native reject"
expect "$chk" ma=absent "native reject"
out=$(printf 'Message-Authenticator = 0x00\n' |
	in_srv radclient -d "$ONE" -t 2 -r 1 127.0.0.1:18202 status testing123 2>&1 || true)
chk=$("$RADIUS_PYTHON" "$CHECK" reply "$IT_TMP/radius-relay-18202.log" testing123)
expect "$chk" ma=absent "native Status-Server reply"
radius_stop native
radius_stop relay-18202
it_pass "unconfigured, FreeRADIUS 3.2.1 answers Access-Request and Status-Server without Message-Authenticator"

# --- accounting -----------------------------------------------------------
acct() { # acct PORT SECRET ATTRS... (through whatever listens on PORT)
	local port=$1 secret=$2
	shift 2
	printf '%s\n' "$@" | in_srv radclient -d "$ONE" -x -t 2 -r 1 "127.0.0.1:$port" acct "$secret" 2>&1 || true
}
radius_slow_proxy 18203 1813 0
out=$(acct 18203 testing123 'User-Name = "alice"' 'Acct-Status-Type = Start' \
	'Acct-Session-Id = "0000002a"' 'NAS-IP-Address = 127.0.0.1' 'Framed-IP-Address = 192.0.2.77' \
	'Class = 0x676f6c64')
grep -q '^Received Accounting-Response' <<<"$out" || it_fail "no Accounting-Response: $out"
chk=$("$RADIUS_PYTHON" "$CHECK" reply "$IT_TMP/radius-relay-18203.log" testing123)
echo "$chk"
expect "$chk" code=5 "Accounting-Response"
expect "$chk" authenticator=valid "Accounting-Response"
expect "$chk" ma=absent "Accounting-Response"
it_pass "Accounting-Response: valid authenticator, no Message-Authenticator"
acct 1813 testing123 'User-Name = "alice"' 'Acct-Status-Type = Interim-Update' \
	'Acct-Session-Id = "0000002a"' 'Acct-Input-Octets = 100' 'Acct-Output-Octets = 200' >/dev/null
acct 1813 testing123 'User-Name = "alice"' 'Acct-Status-Type = Stop' \
	'Acct-Session-Id = "0000002a"' 'Acct-Input-Octets = 4000' 'Acct-Output-Octets = 5000' \
	'Acct-Input-Gigawords = 1' 'Acct-Output-Gigawords = 0' 'Acct-Session-Time = 7' \
	'Acct-Terminate-Cause = User-Request' 'Class = 0x676f6c64' >/dev/null
acct 1813 testing123 'User-Name = "bob smith"' 'Acct-Status-Type = Start' \
	'Acct-Session-Id = "0000002b"' >/dev/null
acct 1813 testing123 'User-Name = "bob smith"' 'Acct-Status-Type = Stop' \
	'Acct-Session-Id = "0000002b"' 'Acct-Input-Octets = 1' >/dev/null
acct 1813 testing123 'Acct-Status-Type = Accounting-On' 'NAS-IP-Address = 127.0.0.1' >/dev/null
acct 1813 testing123 'User-Name = "q\"uo = te\\x"' 'Acct-Status-Type = Start' \
	'Acct-Session-Id = "sess \"3\""' >/dev/null
radius_wait_detail one Stop 2
radius_wait_detail one Accounting-On 1
radius_wait_detail one Start 3
echo "--- detail file:"
cat "$ONE/detail"
[ "$(radius_detail_count one Start)" = 3 ] || it_fail "Start count"
[ "$(radius_detail_count one Stop)" = 2 ] || it_fail "Stop count"
[ "$(radius_detail_count one Interim-Update)" = 1 ] || it_fail "Interim-Update count"
[ "$(radius_detail_count one Accounting-On)" = 1 ] || it_fail "Accounting-On count"
[ "$(radius_detail_count one Accounting-Off)" = 0 ] || it_fail "Accounting-Off count"
f() { radius_detail_field one "$@"; }
[ "$(f Stop 0000002a Acct-Input-Octets)" = 4000 ] || it_fail "Stop Acct-Input-Octets"
[ "$(f Stop 0000002a Acct-Output-Octets)" = 5000 ] || it_fail "Stop Acct-Output-Octets"
[ "$(f Stop 0000002a Acct-Input-Gigawords)" = 1 ] || it_fail "Stop Acct-Input-Gigawords"
[ "$(f Stop 0000002a Acct-Terminate-Cause)" = User-Request ] || it_fail "Stop Acct-Terminate-Cause"
[ "$(f Stop 0000002a Class)" = 0x676f6c64 ] || it_fail "Stop Class"
[ "$(f Stop 0000002a User-Name)" = alice ] || it_fail "Stop User-Name"
[ "$(f Stop 0000002b User-Name)" = "bob smith" ] || it_fail "second Stop User-Name"
[ "$(f Start 0000002a Framed-IP-Address)" = 192.0.2.77 ] || it_fail "Start Framed-IP-Address"
[ "$(f Interim-Update 0000002a Acct-Output-Octets)" = 200 ] || it_fail "Interim octets"
[ "$(f Stop - Acct-Input-Octets)" = 1 ] || it_fail "last Stop of any session"
[ "$(f Start 'sess "3"' User-Name)" = 'q"uo = te\x' ] || it_fail "escaped strings"
if f Stop 0000002a Acct-Delay-Time >/dev/null || f Stop 0000009 User-Name >/dev/null; then
	it_fail "radius_detail_field found what is not there"
fi
[ "$(radius_detail_count two Start)" = 0 ] || it_fail "instance two has accounting"
it_pass "accounting Start/Interim/Stop/On in the detail file, found by the helpers"

# --- Disconnect / CoA -----------------------------------------------------
out=$(radius_disconnect 127.0.0.1:3799 testing123 'User-Name = "alice"')
[ "$(head -n 1 <<<"$out")" = Disconnect-ACK ] || it_fail "Disconnect-ACK: $out"
out=$(radius_disconnect 127.0.0.1:3799 testing123 'User-Name = "bob"' 'Acct-Session-Id = "00000009"')
[ "$(head -n 1 <<<"$out")" = Disconnect-NAK ] || it_fail "Disconnect-NAK: $out"
expect "$out" 'Error-Cause = Session-Context-Not-Found' "Disconnect-NAK"
out=$(radius_coa 127.0.0.1:3799 testing123 'User-Name = "alice"' 'Session-Timeout = 30')
[ "$out" = CoA-ACK ] || it_fail "CoA-ACK: $out"
out=$(radius_coa 127.0.0.1:3799 testing123 'User-Name = "bob"')
[ "$(head -n 1 <<<"$out")" = CoA-NAK ] || it_fail "CoA-NAK: $out"
t0=$(now_ms)
out=$(radius_disconnect 127.0.0.1:3798 testing123 'User-Name = "alice"')
t1=$(now_ms)
[ "$out" = timeout ] || it_fail "nothing listens, yet: $out"
echo "Disconnect to a closed port: timeout after $((t1 - t0)) ms"
[ $((t1 - t0)) -lt 6000 ] || it_fail "the timeout took $((t1 - t0)) ms"
it_pass "Disconnect/CoA: ACK, NAK with attributes, timeout"

# --- black hole -----------------------------------------------------------
radius_blackhole 18140
t0=$(now_ms)
out=$(auth "$ONE" 18140 testing123 'User-Name = "alice"' 'User-Password = "secret"')
t1=$(now_ms)
grep -q '^Received' <<<"$out" && it_fail "the black hole answered"
n=$(radius_packets blackhole-18140)
echo "black hole: $n datagrams in $((t1 - t0)) ms"
[ "$n" -ge 1 ] || it_fail "the black hole saw nothing"
out=$(radius_disconnect 127.0.0.1:18140 testing123 'User-Name = "alice"')
[ "$out" = timeout ] || it_fail "Disconnect to the black hole: $out"
radius_stop blackhole-18140
it_pass "black hole reads and never answers"

# --- slow relay -----------------------------------------------------------
radius_slow_proxy 18150 1812 1.5
t0=$(now_ms)
clients=()
for i in 1 2; do
	printf 'User-Name = "alice"\nUser-Password = "secret"\nMessage-Authenticator = 0x00\n' |
		in_srv radclient -d "$ONE" -t 4 -r 1 127.0.0.1:18150 auth testing123 \
			>"$IT_TMP/slow.$i" 2>&1 &
	clients+=($!)
done
# Only these two: a bare wait would wait for the servers too.
wait "${clients[@]}" || true
t1=$(now_ms)
cat "$IT_TMP/slow.1" "$IT_TMP/slow.2"
grep -q '^Received Access-Accept' "$IT_TMP/slow.1" || it_fail "slow relay 1: no accept"
grep -q '^Received Access-Accept' "$IT_TMP/slow.2" || it_fail "slow relay 2: no accept"
echo "two requests through a 1.5 s relay: $((t1 - t0)) ms"
[ $((t1 - t0)) -ge 1400 ] || it_fail "the relay did not delay"
[ $((t1 - t0)) -lt 2900 ] || it_fail "the relay handled the requests one after the other"
[ "$(radius_packets relay-18150)" = 2 ] || it_fail "relay count"
radius_stop relay-18150
it_pass "slow relay delays, answers both concurrent requests"

# --- silent mode ----------------------------------------------------------
radius_user quiet alice secret
radius_start quiet --auth-port 18122 --acct-port 18132 --silent
out=$(auth "$(radius_dir quiet)" 18122 testing123 'User-Name = "alice"' 'User-Password = "secret"')
grep -q '^Received' <<<"$out" && it_fail "the silent server answered an Access-Request"
out=$(printf 'Message-Authenticator = 0x00\n' |
	in_srv radclient -d "$ONE" -t 1 -r 1 127.0.0.1:18122 status testing123 2>&1 || true)
grep -q '^Received' <<<"$out" && it_fail "the silent server answered a Status-Server"
out=$(printf 'Acct-Status-Type = Start\nAcct-Session-Id = "q1"\n' |
	in_srv radclient -d "$ONE" -t 1 -r 1 127.0.0.1:18132 acct testing123 2>&1 || true)
grep -q '^Received' <<<"$out" && it_fail "the silent server answered an Accounting-Request"
[ "$(radius_detail_count quiet Start)" -ge 1 ] || it_fail "the silent server wrote no detail"
grep -q 'Received Access-Request' "$(radius_dir quiet)/radius.log" || it_fail "silent: not logged"
radius_stop quiet
it_pass "silent mode: receives, logs, records accounting, never answers"

# --- reload, restart, stop ------------------------------------------------
[ "$(radius_auth_count two Access-Accept)" = 1 ] || it_fail "auth count two accept"
[ "$(radius_auth_count two Access-Reject)" = 1 ] || it_fail "auth count two reject"
radius_user two dave davepw
t0=$(now_ms)
radius_reload two
t1=$(now_ms)
out=$(in_srv radtest -d "$TWO" dave davepw 127.0.0.1:18120 0 second 2>&1 || true)
grep -q '^Received Access-Accept' <<<"$out" || it_fail "after reload: dave rejected: $out"
echo "reload: $((t1 - t0)) ms"
radius_user two erin erinpw
t0=$(now_ms)
radius_restart two
t1=$(now_ms)
out=$(in_srv radtest -d "$TWO" erin erinpw 127.0.0.1:18120 0 second 2>&1 || true)
grep -q '^Received Access-Accept' <<<"$out" || it_fail "after restart: erin rejected: $out"
grep -q 'client extra1' "$TWO/radiusd.conf" || it_fail "restart lost the --client option"
radius_alive two || it_fail "radius_alive two"
echo "restart: $((t1 - t0)) ms"
it_pass "users added by reload (SIGHUP) and by restart"

pids=("${RADIUS_PIDS[@]}")
radius_cleanup
for p in "${pids[@]}"; do
	kill -0 "$p" 2>/dev/null && it_fail "PID $p still runs after radius_cleanup"
done
[ -z "$(in_srv ss -Hlun)" ] || it_fail "sockets left: $(in_srv ss -Hlun)"
it_pass "radius_cleanup stopped everything"
echo "radius selftest passed"
