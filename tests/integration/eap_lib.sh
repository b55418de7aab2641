# EAP helpers for the integration and interop tests (sourced after lib.sh
# and radius_lib.sh, bash): a throwaway PKI made with the openssl CLI, and
# the users and per-user EAP methods of a FreeRADIUS instance started with
# `radius_start NAME --eap PKI_DIR` (radius_lib.sh writes the eap module,
# the tls/peap/mschapv2 methods and the inner-tunnel server).
#
#   eap_make_pki DIR        make, in DIR (created), with RSA 2048 keys (no
#                           passwords), valid from an hour ago for
#                           $EAP_PKI_DAYS (2) days:
#                             ca.crt ca.key        the test CA
#                             server.crt .key      FreeRADIUS's certificate
#                                                  (CN $EAP_SERVER_CN,
#                                                  "radius.pptpd.test";
#                                                  TLS Web Server auth)
#                             alice.crt .key       a client (CN alice; TLS
#                                                  Web Client auth)
#                             bob.crt .key         a client whose
#                                                  certificate is revoked
#                                                  (CN bob)
#                             crl.pem              the CA's CRL, naming bob
#                             ca+crl.pem           ca.crt and crl.pem: what
#                                                  FreeRADIUS's ca_file is
#                             rogue-ca.crt .key    another CA, not trusted
#                             rogue.crt .key       a client (CN alice) that
#                                                  CA signed
#                           Every file is readable by all (the interop guest
#                           and unprivileged tools read them); the test's
#                           IT_TMP is removed at exit, keys with it.
#   eap_user NAME USER PASSWORD [REPLY-ITEM...]
#                           a user with a Cleartext-Password, for
#                           EAP-MSCHAPv2 (outer and inside PEAP); the same
#                           as radius_user
#   eap_type NAME USER TYPE the first method FreeRADIUS proposes to USER
#                           (after Identity): tls, peap, mschapv2 or md5;
#                           without it, the instance's --eap-type (peap).
#                           Before radius_start (radius_reload re-reads
#                           only the users file)
#   eap_selftest NAME USER PASSWORD
#                           radeapclient logs USER in with EAP-MD5 (give it
#                           `eap_type NAME USER md5` and a password first):
#                           status 0 when the eap module answers with
#                           Access-Accept; shows that eap is wired, without
#                           any of the project's code
#   eap_cert_serial FILE    the certificate's serial number (hex)
#   eap_reference_login NAME METHOD USER SECRET [PKI_DIR]
#                           wpa_supplicant's eapol_test (package eapoltest)
#                           logs USER in with METHOD (tls: SECRET is the
#                           certificate's file prefix in PKI_DIR, e.g.
#                           "alice" or "rogue"; peap, mschapv2: SECRET is
#                           the password): status 0 on Access-Accept with
#                           MPPE keys. A client that is not ours, to tell a
#                           FreeRADIUS set-up fault from a fault of ours;
#                           status 2 when eapol_test is not installed.
#                           Its log: $(radius_dir NAME)/eapol_test.log
#
# The FreeRADIUS side, as radius_start --eap writes it: the outer server
# runs eap (EAP-TLS with check_crl = yes and check_cert_cn = the outer
# identity, PEAP, EAP-MSCHAPv2, EAP-MD5; TLS 1.2 only), and PEAP's inner
# EAP-MSCHAPv2 runs in the "inner-tunnel" server, whose post-auth hands the
# inner identity back to the outer Access-Accept as User-Name, realm
# removed ("carol@corp" inside gives User-Name "carol"): what a NAS then
# uses for accounting.

: "${IT_TMP:?eap_lib.sh needs lib.sh and it_init first}"
declare -F radius_start >/dev/null || {
	echo "eap_lib.sh needs radius_lib.sh first" >&2
	exit 1
}

EAP_PKI_DAYS=${EAP_PKI_DAYS:-2}
EAP_SERVER_CN=${EAP_SERVER_CN:-radius.pptpd.test}

# The openssl ca configuration of one CA directory ($1).
_eap_ca_conf() {
	local dir=$1
	cat <<EOF
[ ca ]
default_ca = test_ca

[ test_ca ]
dir = $dir
database = $dir/index.txt
new_certs_dir = $dir/newcerts
serial = $dir/serial
crlnumber = $dir/crlnumber
certificate = $dir/ca.crt
private_key = $dir/ca.key
default_md = sha256
default_crl_days = $EAP_PKI_DAYS
policy = policy_any
unique_subject = no
copy_extensions = none

[ policy_any ]
commonName = supplied

[ req ]
distinguished_name = req_dn
prompt = no

[ req_dn ]
CN = unused

[ v3_ca ]
basicConstraints = critical, CA:true
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash

[ server ]
basicConstraints = critical, CA:false
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid

[ client ]
basicConstraints = critical, CA:false
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = clientAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
EOF
}

# A CA in $1/ (its openssl ca state in $1/.NAME/) with subject CN $3,
# files $1/NAME.crt and $1/NAME.key.
_eap_new_ca() {
	local dir=$1 name=$2 cn=$3 st
	st=$dir/.$name
	mkdir -p "$st/newcerts"
	: >"$st/index.txt"
	echo 1000 >"$st/serial"
	echo 1000 >"$st/crlnumber"
	openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$st/ca.key" 2>/dev/null ||
		it_fail "eap_make_pki: openssl genpkey ($name)"
	_eap_ca_conf "$st" >"$st/openssl.cnf"
	# Self-signed; backdated an hour like the leaves (a guest's clock may lag).
	openssl req -config "$st/openssl.cnf" -new -key "$st/ca.key" -subj "/CN=$cn" \
		-out "$st/ca.csr" 2>/dev/null || it_fail "eap_make_pki: CA request ($name)"
	openssl ca -batch -config "$st/openssl.cnf" -selfsign -keyfile "$st/ca.key" \
		-in "$st/ca.csr" -out "$st/ca.crt" -extensions v3_ca -notext \
		-startdate "$(_eap_startdate)" -days "$EAP_PKI_DAYS" >/dev/null 2>&1 ||
		it_fail "eap_make_pki: CA certificate ($name)"
	cp "$st/ca.crt" "$dir/$name.crt"
	cp "$st/ca.key" "$dir/$name.key"
}

# An hour ago, in the form openssl ca -startdate takes.
_eap_startdate() {
	date -u -d '1 hour ago' +%Y%m%d%H%M%SZ
}

# A key and certificate $1/NAME.{key,crt} with CN $4, signed by the CA
# named $2, extensions $5 (server|client).
_eap_new_cert() {
	local dir=$1 ca=$2 name=$3 cn=$4 ext=$5 st
	st=$dir/.$ca
	openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$dir/$name.key" 2>/dev/null ||
		it_fail "eap_make_pki: openssl genpkey ($name)"
	openssl req -config "$st/openssl.cnf" -new -key "$dir/$name.key" -subj "/CN=$cn" \
		-out "$st/$name.csr" 2>/dev/null || it_fail "eap_make_pki: request ($name)"
	openssl ca -batch -config "$st/openssl.cnf" -in "$st/$name.csr" -out "$dir/$name.crt" \
		-extensions "$ext" -notext -startdate "$(_eap_startdate)" -days "$EAP_PKI_DAYS" \
		>/dev/null 2>&1 || it_fail "eap_make_pki: certificate ($name)"
}

eap_make_pki() {
	local dir=$1
	mkdir -p "$dir"
	dir=$(cd "$dir" && pwd)
	command -v openssl >/dev/null || it_fail "eap_make_pki: no openssl"
	_eap_new_ca "$dir" ca "pptpd test CA"
	_eap_new_cert "$dir" ca server "$EAP_SERVER_CN" server
	_eap_new_cert "$dir" ca alice alice client
	_eap_new_cert "$dir" ca bob bob client
	openssl ca -batch -config "$dir/.ca/openssl.cnf" -revoke "$dir/bob.crt" \
		-crl_reason keyCompromise >/dev/null 2>&1 || it_fail "eap_make_pki: revoke bob"
	openssl ca -batch -config "$dir/.ca/openssl.cnf" -gencrl -out "$dir/crl.pem" \
		>/dev/null 2>&1 || it_fail "eap_make_pki: CRL"
	cat "$dir/ca.crt" "$dir/crl.pem" >"$dir/ca+crl.pem"
	_eap_new_ca "$dir" rogue-ca "pptpd rogue CA"
	_eap_new_cert "$dir" rogue-ca rogue alice client
	# The chains as a verifier sees them: good, revoked, untrusted.
	openssl verify -CAfile "$dir/ca.crt" "$dir/alice.crt" >/dev/null 2>&1 ||
		it_fail "eap_make_pki: alice.crt does not verify"
	! openssl verify -crl_check -CAfile "$dir/ca+crl.pem" "$dir/bob.crt" >/dev/null 2>&1 ||
		it_fail "eap_make_pki: bob.crt verifies despite the CRL"
	! openssl verify -CAfile "$dir/ca.crt" "$dir/rogue.crt" >/dev/null 2>&1 ||
		it_fail "eap_make_pki: rogue.crt verifies against the test CA"
	chmod 0755 "$dir"
	chmod 0644 "$dir"/*.crt "$dir"/*.key "$dir"/*.pem
}

eap_user() {
	radius_user "$@"
}

eap_type() {
	local name=$1 user=$2 type=$3 dir value
	value=$(_radius_eap_type_value "$type") || exit 1
	dir=$(radius_dir "$name")
	mkdir -p "$dir"
	printf '%s\tEAP-Type := %s\n\n' "$(_radius_quote "$user")" "$value" >>"$dir/eap_types"
}

eap_selftest() {
	local name=$1 user=$2 pw=$3 dir out
	dir=$(radius_dir "$name")
	[ -n "${RADIUS_AUTH[$name]:-}" ] || it_fail "eap_selftest: no instance $name"
	out=$({
		printf 'User-Name = %s\n' "$(_radius_quote "$user")"
		printf 'Cleartext-Password = %s\n' "$(_radius_quote "$pw")"
		echo 'EAP-Code = Response'
		echo 'EAP-Id = 210'
		printf 'EAP-Type-Identity = %s\n' "$(_radius_quote "$user")"
		echo 'Message-Authenticator = 0x00'
	} | _radius_exec radeapclient -d "$dir" -x -t 2 -r 2 "$RADIUS_ADDR:${RADIUS_AUTH[$name]}" \
		auth "${RADIUS_SECRETS[$name]}" 2>&1) || true
	printf '%s\n' "$out" >"$dir/radeapclient.log"
	grep -q 'Received Access-Accept' <<<"$out"
}

eap_cert_serial() {
	openssl x509 -noout -serial -in "$1" | sed 's/^serial=//'
}

eap_reference_login() {
	local name=$1 method=$2 user=$3 secret=$4 pki=${5:-} dir conf rc=0
	command -v eapol_test >/dev/null || return 2
	[ -n "${RADIUS_AUTH[$name]:-}" ] || it_fail "eap_reference_login: no instance $name"
	dir=$(radius_dir "$name")
	conf=$dir/eapol_test.conf
	{
		echo 'network={'
		echo '	key_mgmt=WPA-EAP'
		printf '	identity=%s\n' "$(_radius_quote "$user")"
		case "$method" in
		tls)
			echo '	eap=TLS'
			echo "	ca_cert=\"$pki/ca.crt\""
			echo "	client_cert=\"$pki/$secret.crt\""
			echo "	private_key=\"$pki/$secret.key\""
			;;
		peap)
			echo '	eap=PEAP'
			[ -z "$pki" ] || echo "	ca_cert=\"$pki/ca.crt\""
			printf '	password=%s\n' "$(_radius_quote "$secret")"
			echo '	phase1="peapver=0"'
			echo '	phase2="auth=MSCHAPV2"'
			;;
		mschapv2)
			echo '	eap=MSCHAPV2'
			printf '	password=%s\n' "$(_radius_quote "$secret")"
			;;
		*) it_fail "eap_reference_login: unknown method $method" ;;
		esac
		echo '	phase1="tls_disable_tlsv1_3=1"'
		echo '}'
	} >"$conf"
	# PEAP's phase1 comes last: wpa_supplicant takes the last one given.
	[ "$method" != peap ] || sed -i '/tls_disable_tlsv1_3/d; s/peapver=0/peapver=0 tls_disable_tlsv1_3=1/' "$conf"
	_radius_exec eapol_test -c "$conf" -a "$RADIUS_ADDR" -p "${RADIUS_AUTH[$name]}" \
		-s "${RADIUS_SECRETS[$name]}" -r 0 -t 15 >"$dir/eapol_test.log" 2>&1 || rc=1
	return "$rc"
}
