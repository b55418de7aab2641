#!/usr/bin/env bash
# Regenerates the fuzz seed corpus in tests/fuzz/corpus/: a few well-formed
# PPTP control messages (in the shapes pptp-linux and Windows send), GRE
# packets and RADIUS packets, plus some near misses. Deterministic; run it
# after a format change.
set -euo pipefail
dir="$(cd "$(dirname "$0")" && pwd)/corpus"
mkdir -p "$dir/pptp_msg" "$dir/gre" "$dir/radius"

out=""
u8()   { out+=$(printf '\\x%02x' $(( $1 & 255 ))); }
be16() { u8 $(( $1 >> 8 )); u8 "$1"; }
be32() { be16 $(( $1 >> 16 )); be16 $(( $1 & 0xffff )); }
zero() { local i; for ((i = 0; i < $1; i++)); do u8 0; done; }
# str TEXT N: TEXT in an N-byte field, zero-filled
str()  {
	local s=$1 n=$2 i c
	for ((i = 0; i < n; i++)); do
		if ((i < ${#s})); then printf -v c '%d' "'${s:i:1}"; u8 "$c"; else u8 0; fi
	done
}
# hdr LENGTH TYPE: the 12-byte control message header
hdr()  { be16 "$1"; be16 1; be32 0x1A2B3C4D; be16 "$2"; be16 0; }
# emit FILE: write what was built and start again
emit() { printf '%b' "$out" > "$1"; out=""; }

p="$dir/pptp_msg"
sccrq() { hdr 156 1; be16 0x0100; be16 0; be32 "$1"; be32 "$2"; be16 "$3"; be16 "$4"; str "$5" 64; str "$6" 64; }
ocrq()  { hdr 168 7; be16 "$1"; be16 "$2"; be32 "$3"; be32 "$4"; be32 3; be32 3; be16 "$5"; be16 0; be16 0; be16 0; zero 128; }

sccrq 1 1 65535 0x100 local cananian;   emit "$p/sccrq-pptp-linux"
sccrq 1 1 0 0x0a28 "" Microsoft;        emit "$p/sccrq-windows"
hdr 156 2; be16 0x0100; u8 1; u8 0; be32 3; be32 3; be16 0; be16 1; str pptpd 64; str pptpd 64
emit "$p/sccrp"
hdr 16 3; u8 1; zero 3;                 emit "$p/stopccrq"
hdr 16 4; u8 1; u8 0; zero 2;           emit "$p/stopccrp"
hdr 16 5; be32 0x12345678;              emit "$p/echo-request"
hdr 20 6; be32 0x12345678; u8 1; u8 0; zero 2; emit "$p/echo-reply"
ocrq 0 0 2400 10000000 3;               emit "$p/ocrq-pptp-linux"
ocrq 0x4000 1 300 100000000 64;         emit "$p/ocrq-windows"
hdr 32 8; be16 7; be16 0x4000; u8 1; u8 0; be16 0; be32 100000000; be16 64; be16 0; be32 0
emit "$p/ocrp"
hdr 220 9; be16 3; be16 1; be32 1; be32 9; be16 7; be16 7; str 5551234 64; str 5559876 64; zero 64
emit "$p/icrq"
hdr 24 10; be16 5; be16 3; u8 1; u8 0; be16 16; be16 0; be16 0; emit "$p/icrp"
hdr 28 11; be16 3; be16 0; be32 64000; be16 16; be16 0; be32 2; emit "$p/iccn"
hdr 16 12; be16 7; be16 0;              emit "$p/ccrq"
hdr 148 13; be16 7; u8 4; u8 0; be16 0; be16 0; str "bytes=1234 packets=5" 128
emit "$p/cdn"
hdr 40 14; be16 7; be16 0; be32 1; be32 2; be32 3; be32 4; be32 5; be32 6; emit "$p/wen"
hdr 24 15; be16 7; be16 0; be32 0xffffffff; be32 0; emit "$p/sli"
# A client's first segment: Start request then, already, an Echo-Request.
sccrq 1 1 65535 0x100 local cananian; hdr 16 5; be32 1; emit "$p/stream-start-echo"
# Near misses: wrong length for the type, unknown type.
hdr 20 5; be32 1; be32 0;               emit "$p/echo-request-bad-length"
hdr 16 16; be32 0;                      emit "$p/unknown-type"

g="$dir/gre"
# ip TOTAL [IHL] [FRAG]: IPv4 header, protocol 47, 192.0.2.1 -> 198.51.100.7
ip()   { local ihl=${2:-5}; u8 $(( 0x40 | ihl )); u8 0; be16 "$1"; be16 0x1234; be16 "${3:-0x4000}"
         u8 64; u8 47; be16 0; be32 0xC0000201; be32 0xC6336407; zero $(( (ihl - 5) * 4 )); }
# gre FLAGS0 FLAGS1 LEN CALL [SEQ] [ACK]
gre()  { u8 "$1"; u8 "$2"; be16 0x880B; be16 "$3"; be16 "$4"; shift 4; local v; for v in "$@"; do be32 "$v"; done; }
lcp()  { u8 0xff; u8 0x03; be16 0xc021; }

ip 40; gre 0x30 0x81 4 0x1234 7 5; lcp;     emit "$g/ip-seq-ack"
ip 36; gre 0x30 0x01 4 0x1234 0; lcp;       emit "$g/ip-seq"
ip 32; gre 0x20 0x81 0 0 0xffffffff;        emit "$g/ip-ack-only"
ip 28; gre 0x20 0x01 0 0x1234;              emit "$g/ip-key-only"
ip 44 6; gre 0x30 0x81 4 1 1 0; lcp;        emit "$g/ip-options"
ip 40 5 0x2000; gre 0x30 0x81 4 1 1 0; lcp; emit "$g/ip-fragment"
gre 0x30 0x81 4 0x8000 0xfffffffe 0xffffffff; lcp; emit "$g/gre-seq-ack"
gre 0x30 0x01 4 2 1; lcp; zero 6;           emit "$g/gre-trailing"
gre 0xb0 0x01 4 2 1; lcp;                   emit "$g/gre-checksum"

r="$dir/radius"
# hexfile FILE: the octets of a "#"-commented hex file
hexfile() { out+=$(grep -v '^#' "$1" | tr -d ' \n' | sed 's/../\\x&/g'); }
# Every packet captured from FreeRADIUS for the unit tests.
for f in "$(dirname "$dir")"/../unit/data/radius/*.hex; do
	hexfile "$f"; emit "$r/freeradius-$(basename "$f" .hex)"
done
# radhdr CODE ID LENGTH: the 20-octet header, authenticator 0x11 x 16
radhdr() { u8 "$1"; u8 "$2"; be16 "$3"; local i; for ((i = 0; i < 16; i++)); do u8 0x11; done; }
# The RFC 2865 7.1 example (secret "xyzzy5461", which fuzz_radius uses).
out='\x01\x00\x00\x38\x0f\x40\x3f\x94\x73\x97\x80\x57\xbd\x83\xd5\xcb'
out+='\x98\xf4\x22\x7a\x01\x06\x6e\x65\x6d\x6f\x02\x12\x0d\xbe\x70\x8d'
out+='\x93\xd4\x13\xce\x31\x96\xe4\x3f\x78\x2a\x0a\xee\x04\x06\xc0\xa8'
out+='\x01\x10\x05\x06\x00\x00\x00\x03';       emit "$r/rfc2865-7.1-request"
out='\x02\x00\x00\x26\x86\xfe\x22\x0e\x76\x24\xba\x2a\x10\x05\xf6\xbf'
out+='\x9b\x55\xe0\xb2\x06\x06\x00\x00\x00\x01\x0f\x06\x00\x00\x00\x00'
out+='\x0e\x06\xc0\xa8\x01\x03';               emit "$r/rfc2865-7.1-accept"
# Near misses: octets after Length, attribute length 1, two
# Message-Authenticators, malformed and multi-part Vendor-Specific attributes.
radhdr 1 1 26; u8 1; u8 6; be32 0x616c6963; u8 0xff; u8 0; emit "$r/trailing-octets"
radhdr 1 2 26; u8 1; u8 1; be32 0x61616161;              emit "$r/attr-length-1"
radhdr 1 3 56; u8 80; u8 18; zero 16; u8 80; u8 18; zero 16; emit "$r/two-ma"
radhdr 2 4 48; u8 26; u8 10; be32 311; u8 16; u8 1; be16 0x4142
u8 26; u8 18; be32 311; u8 17; u8 12; zero 10                     # MS-MPPE-Recv-Key, too short
emit "$r/vsa-malformed"
radhdr 2 5 38; u8 26; u8 18; be32 311; u8 26; u8 5; u8 0; be16 0x533d
u8 1; u8 2; u8 16; u8 5; zero 3                                   # three sub-attributes, one empty
emit "$r/vsa-multi"

# fuzz_eap_relay: a selector octet (code: 0 Challenge, 1 Accept, 2 Reject;
# 0x80: the round was pinned), then a reply's attributes.
e="$dir/eap_relay"
mkdir -p "$e"
# eapmsg CODE ID LENGTH N: an EAP-Message attribute starting an EAP packet
# of LENGTH octets (type 13, TLS), N octets of it in this attribute
eapmsg() { u8 79; u8 $(( 2 + $4 )); u8 "$1"; u8 "$2"; be16 "$3"; if (($4 > 4)); then u8 13; zero $(( $4 - 5 )); fi; }
u8 0; eapmsg 1 2 10 10; u8 24; u8 10; str state-01 8;            emit "$e/challenge"
u8 0x80; eapmsg 1 3 300 253; u8 79; u8 49; zero 47; u8 24; u8 3; u8 7
emit "$e/challenge-split-pinned"
u8 0; eapmsg 1 4 1771 253; for i in 1 2 3 4 5 6; do u8 79; u8 255; zero 253; done
emit "$e/challenge-oversize"
u8 1; eapmsg 3 5 4 4; u8 1; u8 7; str inner 5
u8 26; u8 42; be32 311; u8 16; u8 36; be16 0x8001; u8 16; zero 33   # MS-MPPE-Send-Key
u8 26; u8 42; be32 311; u8 17; u8 36; be16 0x8002; u8 16; zero 33   # MS-MPPE-Recv-Key
emit "$e/accept-keys"
u8 2; eapmsg 4 6 4 4; u8 18; u8 4; str no 2;                     emit "$e/reject-failure"

s="$dir/server"
mkdir -p "$s"
# Scripts for fuzz_server.c: records of an opcode byte and its operands.
# op OPCODE: one record whose block (if any) is what was built before it
rec()    { local body=$out; out=""; u8 "$1"; local n; n=$(printf '%b' "$body" | wc -c); be16 "$n"; out+=$body; }
script="" # the records so far
add()    { script+=$out; out=""; }
op()     { u8 "$1"; add; }
done_script() { out=$script; script=""; emit "$1"; }
# frame PROTO CODE ID BYTES...: a PPP control packet with FF 03
frame()  { local proto=$1 code=$2 id=$3; shift 3; u8 0xff; u8 3; be16 "$proto"; u8 "$code"; u8 "$id"
           be16 $(( 4 + $# )); local b; for b in "$@"; do u8 "$b"; done; }
lcp_req() { frame 0xc021 1 1 1 4 0x05 0x78 5 6 0x12 0x34 0x56 0x78; }     # MRU 1400, magic
ccp_req() { frame 0x80fd 1 1 0x12 6 1 0 0 0x40; }                         # MPPE-128 stateless
ipcp_req() { frame 0x8021 1 "$1" 3 6 192 0 2 "$2"; }                       # address

start_call() {
	sccrq 1 1 65535 0x100 local cananian; rec 0; add
	ocrq 0 0 2400 10000000 3; rec 0; add
	op 4
}
# The whole login with MS-CHAPv2 and MPPE-128 stateless, then IP both ways
# and an orderly close.
start_call
lcp_req; rec 2; add; op 4; op 6; op 4          # our LCP request, ack theirs
u8 0x1e; u8 0x42; add; op 4                     # MS-CHAPv2 response, wait for the backend
ccp_req; rec 2; add; op 4; op 0x0e; op 4        # CCP both ways
ipcp_req 1 0; rec 10; add; op 4                 # IPCP: address 0, the server Naks
op 0x16; ipcp_req 2 10; rec 10; add; op 4       # ack theirs, ask for 192.0.2.10
# an encrypted data frame (coherency count 0, A and flushed bits)
u8 0xff; u8 3; be16 0x00fd; be16 0x9000; zero 24; rec 2; add; op 4
# from the LAN: ICMP echo 203.0.113.2 -> 192.0.2.10
u8 0x45; u8 0; be16 28; be16 1; be16 0; u8 64; u8 1; be16 0; be32 0xCB007102; be32 0xC000020A
u8 8; u8 0; be16 0xf7ff; be16 0; be16 0; rec 3; add; op 4
op 15; op 5
done_script "$s/mschapv2-mppe-login"
# PAP: Nak the server's MS-CHAPv2 for PAP, ack its next request, log in.
start_call
lcp_req; rec 2; add; op 4
frame 0xc021 3 1 3 4 0xc0 0x23; rec 2; add; op 4; op 6; op 4
u8 0xff; u8 3; be16 0xc023; u8 1; u8 1; be16 $((6 + 4 + 13)); u8 4; str fuzz 4; u8 13
str fuzz-password 13; rec 2; add; op 4
ipcp_req 1 0; rec 10; add; op 4; op 0x16; ipcp_req 2 10; rec 10; add; op 4
u8 0xff; u8 3; be16 0x0021; u8 0x45; u8 0; be16 20; be16 1; be16 0; u8 64; u8 17; be16 0
be32 0xC000020A; be32 0xCB007102; rec 2; add; op 4
op 0x15
done_script "$s/pap-login"
# A wrong MS-CHAPv2 password, then a GRE packet from someone else and one
# that does not parse, then a reset.
start_call
lcp_req; rec 2; add; op 4; op 6; op 4
u8 0x1e; u8 0x43; add; op 4
gre 0x30 0x01 4 1 9; lcp; rec 0x19; add
zero 7; rec 1; add
op 0x15
done_script "$s/wrong-password-stray-gre"
# Two control connections, a Stop on one, an Echo on the other, then a
# call clear.
sccrq 1 1 65535 0x100 local cananian; rec 0; add
sccrq 1 1 0 0x0a28 "" Microsoft; rec 8; add
hdr 16 5; be32 1; rec 8; add
hdr 16 3; u8 1; zero 3; rec 0; add
ocrq 0x4000 1 300 100000000 64; rec 8; add
hdr 16 12; be16 1; be16 0; rec 8; add; op 4
done_script "$s/two-connections"
# Time passing: a connection that never sends its Start request (stimeout),
# a call whose LCP the server retries and gives up on, then a minute of
# silence on an established connection (echo, idle).
rec 0; add
sccrq 1 1 65535 0x100 local cananian; rec 8; add
ocrq 0 0 2400 10000000 3; rec 8; add; op 4
lcp_req; rec 2; add; op 4
op 7; u8 30; add; op 7; u8 30; add; op 7; u8 30; add; op 7; u8 110; add
op 7; u8 255; add; op 7; u8 255; add; op 7; u8 255; add; op 15
done_script "$s/timeouts"
# The NAS role: an Incoming-Call (we are the PNS), then LCP on it.
sccrq 1 1 65535 0x100 local cananian; rec 0; add
hdr 220 9; be16 3; be16 1; be32 1; be32 9; be16 7; be16 7; str 5551234 64; str 5559876 64; zero 64
rec 0; add; op 4
hdr 28 11; be16 1; be16 0; be32 64000; be16 16; be16 0; be32 2; rec 0; add; op 4
lcp_req; rec 2; add; op 4; op 6; op 4; op 15
done_script "$s/nas-incoming-call"
# The data path on a PAP session (no MPPE): from the LAN a 1480-byte packet
# that must be fragmented (DF clear) and one that gets ICMP Fragmentation
# Needed (DF set); from the client a TCP SYN with an MSS to clamp.
start_call
lcp_req; rec 2; add; op 4
frame 0xc021 3 1 3 4 0xc0 0x23; rec 2; add; op 4; op 6; op 4
u8 0xff; u8 3; be16 0xc023; u8 1; u8 1; be16 $((6 + 4 + 13)); u8 4; str fuzz 4; u8 13
str fuzz-password 13; rec 2; add; op 4
ipcp_req 1 0; rec 10; add; op 4; op 0x16; ipcp_req 2 10; rec 10; add; op 4
for df in 0 0x4000; do
	u8 0x45; u8 0; be16 1480; be16 7; be16 "$df"; u8 64; u8 17; be16 0
	be32 0xCB007102; be32 0xC000020A; zero 1460; rec 3; add; op 4
done
u8 0xff; u8 3; be16 0x0021; u8 0x45; u8 0; be16 44; be16 1; be16 0x4000; u8 64; u8 6; be16 0
be32 0xC000020A; be32 0xCB007102; be16 40000; be16 80; be32 1; be32 0; u8 0x60; u8 0x02
be16 65535; be16 0; be16 0; u8 2; u8 4; be16 1460; rec 2; add; op 4
op 5
done_script "$s/pap-datapath"
