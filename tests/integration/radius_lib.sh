# FreeRADIUS harness for the integration tests (sourced after lib.sh, bash).
#
# Each instance NAME lives in $IT_TMP/radius-NAME/: a generated, minimal
# configuration (radiusd.conf, nothing from the system's raddb), its users
# file, its log (radius.log, with request-level debug) and its accounting
# detail file (detail). The servers run in the namespace $RADIUS_NS (default
# $SRV; on the host when that is empty) and listen on $RADIUS_ADDR
# (default 127.0.0.1). Every process started here is also recorded in
# lib.sh's IT_PIDS, so the test's EXIT trap stops it; call these functions in
# the test's own shell, never in $(...), or that record is lost.
#
#   radius_user NAME USER PASSWORD [REPLY-ITEM...]
#                           append a user (Cleartext-Password) with reply
#                           items such as 'Framed-IP-Address = 192.0.2.77'
#                           or 'Class = "gold"'; before radius_start, or
#                           follow it with radius_reload
#   radius_user_raw NAME LINE...
#                           append raw lines to the users file
#   radius_start NAME [--auth-port N] [--acct-port N] [--secret S]
#                [--silent | --silent-auth | --silent-acct]
#                [--client ADDR[/LEN]]... [--coa-port N] [--reject-delay S]
#                [--no-reply-authenticator]
#                           write the configuration, start `freeradius -f`,
#                           wait until it is ready; the defaults come from
#                           $RADIUS_AUTH_PORT (1812), $RADIUS_ACCT_PORT
#                           (1813), $RADIUS_SECRET (testing123). --silent*
#                           make it receive (and log, and write accounting
#                           to the detail file) but never answer (--silent
#                           and --silent-auth: no Status-Server reply
#                           either; $RADIUS_SILENT=1 is --silent). --client
#                           adds clients besides 127.0.0.1 (same secret).
#                           --coa-port makes the server also act as a NAS
#                           answering Disconnect/CoA-Requests (ACK when
#                           User-Name is "alice" or absent, NAK else): only
#                           to test radius_disconnect/radius_coa themselves.
#                           A restart under the same NAME keeps the users
#                           and detail files (the old log goes to
#                           radius.log.old). Replies to Access-Requests and
#                           Status-Servers carry a Message-Authenticator
#                           (FreeRADIUS 3.2.1 adds none by itself):
#                           --no-reply-authenticator leaves it out, for the
#                           tests of its absence. Accounting-Responses have
#                           none either way.
#                           --reject-delay (default 0 s) delays rejects.
#                           --no-mppe: the mschap module sends no MPPE keys
#                           (use_mppe = no).
#                           --eap PKI_DIR: the eap module too (eap_lib.sh
#                           documents it; PKI_DIR from eap_make_pki), the
#                           first method proposed being --eap-type TYPE
#                           (tls, peap, mschapv2, md5; default peap) unless
#                           eap_type names another for the user.
#   radius_include NAME SECTION FILE
#                           copy FILE (FreeRADIUS configuration text) into
#                           the instance, included in SECTION: "clients"
#                           (top level, beside the generated clients),
#                           "modules", "accounting" (after detail) or
#                           "session" (the server's session section, which
#                           Simultaneous-Use checks ask; absent without
#                           it); before radius_start. A later call for the
#                           same SECTION replaces the text
#   radius_reload NAME      SIGHUP until the users file is re-read; first
#                           waits until 3 s after the start and 6 s after
#                           the last reload (FreeRADIUS ignores HUPs
#                           sooner)
#   radius_restart NAME     stop, start with the same options (0.2 s)
#   radius_stop NAME        SIGTERM, wait, SIGKILL after 5 s; also for the
#                           names "blackhole-PORT" and "relay-PORT"
#   radius_cleanup          stop every instance, black hole and relay
#   radius_dir NAME         the instance's directory
#   radius_log_tail NAME [N]
#                           the end of its log, on stderr
#   radius_detail_count NAME STATUS
#                           how many accounting records have that
#                           Acct-Status-Type (Start, Stop, Interim-Update,
#                           Accounting-On, Accounting-Off)
#   radius_detail_field NAME STATUS SESSIONID ATTR
#                           ATTR's value (quotes removed) in the last record
#                           of that status and Acct-Session-Id; SESSIONID
#                           "-" matches any; status 1 if there is none
#   radius_detail_values NAME STATUS SESSIONID ATTR
#                           ATTR's value in every record of that status and
#                           Acct-Session-Id ("-": any), oldest first, one a
#                           line
#   radius_detail_statuses NAME
#                           every record's Acct-Status-Type, oldest first,
#                           one a line
#   radius_wait_detail NAME STATUS COUNT [SECONDS]
#                           until at least COUNT such records exist
#   radius_auth_count NAME REPLY
#                           how many Access-Requests the server answered
#                           with REPLY (Access-Accept/-Reject) since its
#                           last start, from its log (needs the default
#                           $RADIUS_DEBUG, -xx, or at least -x)
#   radius_alive NAME       status 0 if it answers a Status-Server now
#   radius_disconnect ADDR:PORT SECRET ATTR...
#   radius_coa ADDR:PORT SECRET ATTR...
#                           send a Disconnect-/CoA-Request (with a
#                           Message-Authenticator) from $RADIUS_NS; prints
#                           the reply code (Disconnect-ACK, Disconnect-NAK,
#                           CoA-ACK, CoA-NAK) or "timeout" on the first line,
#                           then the reply's attributes, one "Name = value"
#                           a line; radclient waits $RADIUS_DAE_TIMEOUT
#                           (2 s) and sends $RADIUS_DAE_RETRIES times in
#                           all (1). Returns 0 even on NAK and timeout
#                           (fine in $(...)); radclient's full output goes
#                           to $IT_TMP/radius-dae/radclient.log.
#   radius_blackhole PORT [ADDR]
#                           a UDP socket on ADDR:PORT (default
#                           $RADIUS_ADDR) in $RADIUS_NS that reads and
#                           discards; name "blackhole-PORT"
#   radius_slow_proxy LISTEN_PORT TARGET_PORT DELAY
#                           a UDP relay in $RADIUS_NS: what arrives on
#                           LISTEN_PORT goes to TARGET_PORT DELAY seconds
#                           later, replies come straight back; name
#                           "relay-LISTEN_PORT"
#   radius_packets NAME     how many datagrams the black hole or relay NAME
#                           received from clients (their log,
#                           $IT_TMP/radius-NAME.log, has each one in hex)
#
# Both helpers run udp_relay.py (next to this file) under $RADIUS_PYTHON
# (default python3), live at most $RADIUS_HELPER_LIFETIME seconds (600) and
# leave their PID in $RADIUS_LAST_PID, like freeradius after radius_start.

: "${IT_TMP:?radius_lib.sh needs lib.sh and it_init first}"

RADIUS_LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
RADIUS_ADDR=${RADIUS_ADDR:-127.0.0.1}
RADIUS_PYTHON=${RADIUS_PYTHON:-python3}
RADIUS_FREERADIUS=${RADIUS_FREERADIUS:-freeradius}
RADIUS_DEBUG=${RADIUS_DEBUG--xx}
RADIUS_START_TIMEOUT=${RADIUS_START_TIMEOUT:-15}
RADIUS_HELPER_LIFETIME=${RADIUS_HELPER_LIFETIME:-600}
RADIUS_DAE_TIMEOUT=${RADIUS_DAE_TIMEOUT:-2}
RADIUS_DAE_RETRIES=${RADIUS_DAE_RETRIES:-1}
RADIUS_LAST_PID=
declare -gA RADIUS_PIDS=()
declare -gA RADIUS_AUTH=()
declare -gA RADIUS_SECRETS=()
declare -gA RADIUS_OPTS=()
declare -gA RADIUS_T0=()
declare -gA RADIUS_HUP=()

# The namespace to run in: $RADIUS_NS if set (even empty), else $SRV.
_radius_ns() {
	if [ "${RADIUS_NS+set}" = set ]; then
		echo "$RADIUS_NS"
	else
		echo "${SRV:-}"
	fi
}

# Run a command in the namespace (or on the host).
_radius_exec() {
	local ns
	ns=$(_radius_ns)
	if [ -n "$ns" ]; then
		ip netns exec "$ns" "$@"
	else
		"$@"
	fi
}

# Start a command in the background; record its PID for lib.sh's clean-up
# (radius_stop takes it out again, so that no later PID of that number is hit).
_radius_bg() {
	local log=$1 ns
	shift
	ns=$(_radius_ns)
	if [ -n "$ns" ]; then
		ip netns exec "$ns" "$@" </dev/null >"$log" 2>&1 &
	else
		"$@" </dev/null >"$log" 2>&1 &
	fi
	RADIUS_LAST_PID=$!
	IT_PIDS+=("$RADIUS_LAST_PID")
}

radius_dir() {
	echo "$IT_TMP/radius-$1"
}

radius_log_tail() {
	local log
	log="$(radius_dir "$1")/radius.log"
	echo "--- radius $1 log:" >&2
	tail -n "${2:-40}" "$log" >&2 2>/dev/null || echo "(no log)" >&2
}

# A value for the users file: quoted, with \ and " escaped.
_radius_quote() {
	local s=${1//\\/\\\\}
	printf '"%s"' "${s//\"/\\\"}"
}

radius_user() {
	local name=$1 user=$2 pw=$3 dir i n
	shift 3
	dir=$(radius_dir "$name")
	mkdir -p "$dir"
	{
		printf '%s\tCleartext-Password := %s\n' "$(_radius_quote "$user")" "$(_radius_quote "$pw")"
		n=$#
		i=0
		for item in "$@"; do
			i=$((i + 1))
			if [ "$i" -lt "$n" ]; then
				printf '\t%s,\n' "$item"
			else
				printf '\t%s\n' "$item"
			fi
		done
		echo
	} >>"$dir/users"
}

radius_user_raw() {
	local name=$1 dir
	shift
	dir=$(radius_dir "$name")
	mkdir -p "$dir"
	printf '%s\n' "$@" >>"$dir/users"
}

# radiusd.conf for one instance; arguments: dir auth acct secret silent_auth
# silent_acct coa_port reject_delay reply_ma clients...
_radius_write_conf() {
	local dir=$1 auth=$2 acct=$3 secret=$4 silent_auth=$5 silent_acct=$6 coa=$7 delay=$8
	local reply_ma=$9 ma_accept='' ma_reject=''
	shift 9
	# FreeRADIUS 3.2.1 puts no Message-Authenticator into its replies by
	# itself (only EAP does): ask for one; it is computed on encoding.
	# A Status-Server goes through "Autz-Type Status-Server" only, not
	# post-auth: its Access-Accept needs one of its own.
	local status_autz=''
	if [ "$reply_ma" = 1 ]; then
		ma_accept='update reply {
			&Message-Authenticator := 0x00
		}'
		ma_reject=$ma_accept
		status_autz='Autz-Type Status-Server {
			update reply {
				&Message-Authenticator := 0x00
			}
			ok
		}'
	fi
	local c i=0 drop_auth='' drop_acct='' qsecret prefix
	# The installation's prefix, from where the binary is (/usr on Debian).
	prefix=$(cd "$(dirname "$(command -v "$RADIUS_FREERADIUS")")/.." && pwd)
	qsecret=$(_radius_quote "$secret")
	if [ "$silent_auth" = 1 ]; then
		status_autz=''
		drop_auth='update control {
			&Response-Packet-Type := Do-Not-Respond
		}
		handled
		Autz-Type Status-Server {
			update control {
				&Response-Packet-Type := Do-Not-Respond
			}
			handled
		}'
	fi
	if [ "$silent_acct" = 1 ]; then
		drop_acct='update control {
			&Response-Packet-Type := Do-Not-Respond
		}
		handled'
	fi
	{
		cat <<EOF
# Generated by radius_lib.sh: a throwaway test server.
prefix = $prefix
libdir = $prefix/lib/freeradius
dictdir = $prefix/share/freeradius
confdir = $dir
raddbdir = $dir
logdir = $dir
run_dir = $dir
db_dir = $dir
radacctdir = $dir
name = radiusd
pidfile = $dir/radiusd.pid
max_request_time = 30
cleanup_delay = 2
max_requests = 1024
hostname_lookups = no

log {
	destination = files
	file = $dir/radius.log
	colourise = no
	stripped_names = no
	auth = yes
	auth_badpass = no
	auth_goodpass = no
}

security {
	allow_core_dumps = no
	max_attributes = 200
	reject_delay = $delay
	status_server = yes
}

proxy_requests = no

thread pool {
	start_servers = 2
	max_servers = 4
	min_spare_servers = 1
	max_spare_servers = 2
	max_requests_per_server = 0
	auto_limit_acct = no
}

client localhost {
	ipaddr = 127.0.0.1
	proto = udp
	secret = $qsecret
	require_message_authenticator = yes
	nas_type = other
}
EOF
		_radius_include_line "$dir" clients
		for c in "$@"; do
			i=$((i + 1))
			cat <<EOF

client extra$i {
	ipaddr = $c
	proto = udp
	secret = $qsecret
	require_message_authenticator = yes
	nas_type = other
}
EOF
		done
		cat <<EOF

modules {
	always ok {
		rcode = ok
	}
	always reject {
		rcode = reject
	}
	always handled {
		rcode = handled
	}
	pap {
		normalise = yes
	}
	chap {
	}
	mschap {
		use_mppe = ${_radius_mppe:-yes}
		require_encryption = ${_radius_mppe:-yes}
		require_strong = ${_radius_mppe:-yes}
		with_ntdomain_hack = yes
	}
	files {
		filename = $dir/users
		acctusersfile = $dir/users.acct
	}
	# An Access-Reject carries no authorisation items of the user's.
	attr_filter attr_filter.access_reject {
		key = "%{User-Name}"
		filename = $dir/attrs.access_reject
	}
	detail {
		filename = $dir/detail
		escape_filenames = no
		permissions = 0600
		header = "%t"
		locking = yes
	}
$(_radius_eap_modules "$dir")
$(_radius_include_line "$dir" modules)
}

instantiate {
}

server default {
	listen {
		type = auth
		ipaddr = $RADIUS_ADDR
		port = $auth
	}
	listen {
		type = acct
		ipaddr = $RADIUS_ADDR
		port = $acct
	}

	authorize {
		$drop_auth
		$status_autz
$(_radius_eap_authorize)
		chap
		mschap
		files
		pap
	}

	authenticate {
		Auth-Type PAP {
			pap
		}
		Auth-Type CHAP {
			chap
		}
		Auth-Type MS-CHAP {
			mschap
		}
$(_radius_eap_authenticate)
	}

	preacct {
	}

	accounting {
		detail
$(_radius_include_line "$dir" accounting)
		$drop_acct
		ok
	}

$(_radius_session_section "$dir")

	post-auth {
$(_radius_eap_post_auth)
		$ma_accept
		Post-Auth-Type REJECT {
			attr_filter.access_reject
$(_radius_eap_reject)
			$ma_reject
		}
		Post-Auth-Type Challenge {
			$ma_accept
		}
	}
}
EOF
		if [ -n "$coa" ]; then
			cat <<EOF

# A stand-in NAS, only for testing the Disconnect/CoA senders.
server fake_nas {
	listen {
		type = coa
		ipaddr = $RADIUS_ADDR
		port = $coa
	}
	recv-coa {
		if (!&User-Name || &User-Name == "alice") {
			ok
		}
		else {
			update reply {
				&Error-Cause := Session-Context-Not-Found
			}
			reject
		}
	}
	send-coa {
		ok
	}
}
EOF
		fi
		_radius_eap_inner_server
	} >"$dir/radiusd.conf"
	# freeradius and radclient -d read a dictionary file there: the
	# project's vendor attributes (dist/dictionary.pptpd).
	_radius_dictionary "$dir/dictionary"
	[ -e "$dir/users" ] || : >"$dir/users"
	[ -e "$dir/users.acct" ] || : >"$dir/users.acct"
	[ -e "$dir/eap_types" ] || : >"$dir/eap_types"
	cat >"$dir/attrs.access_reject" <<EOF
DEFAULT
	Reply-Message =* ANY,
	MS-CHAP-Error =* ANY,
	Error-Cause =* ANY,
	EAP-Message =* ANY,
	Message-Authenticator =* ANY
EOF
}

# The EAP-Type dictionary value for a method name of radius_start --eap-type
# and eap_type.
_radius_eap_type_value() {
	case "$1" in
	tls | TLS | eap-tls) echo TLS ;;
	peap | PEAP) echo PEAP ;;
	mschapv2 | MSCHAPv2 | eap-mschapv2) echo MSCHAPv2 ;;
	md5 | MD5) echo MD5 ;;
	*) it_fail "unknown EAP method $1 (tls, peap, mschapv2, md5)" ;;
	esac
}

# The eap modules (radius_start --eap; $_radius_eap is the PKI directory):
# the outer one with every method the tests use, TLS 1.2 only (the PEAP and
# EAP-TLS key derivation of the tools and of pppd 2.4.9), the revocation
# list checked, an EAP-TLS certificate's CN bound to the outer identity;
# and inner_eap, for the EAP-MSCHAPv2 inside PEAP.
_radius_eap_modules() {
	[ -n "${_radius_eap:-}" ] || return 0
	local dir=$1 pki=$_radius_eap
	cat <<EOF
	files eap_types {
		filename = $dir/eap_types
	}
	eap {
		default_eap_type = ${_radius_eap_type,,}
		timer_expire = 30
		ignore_unknown_eap_types = no
		cisco_accounting_username_bug = no
		max_sessions = 256
		md5 {
		}
		tls-config tls-common {
			private_key_file = $pki/server.key
			certificate_file = $pki/server.crt
			ca_file = $pki/ca+crl.pem
			check_crl = yes
			check_cert_cn = %{User-Name}
			cipher_list = "DEFAULT"
			cipher_server_preference = no
			tls_min_version = "1.2"
			tls_max_version = "1.2"
			ecdh_curve = "prime256v1"
			fragment_size = 1024
			include_length = yes
			cache {
				enable = no
			}
			verify {
			}
			ocsp {
				enable = no
			}
		}
		tls {
			tls = tls-common
		}
		peap {
			tls = tls-common
			default_eap_type = mschapv2
			copy_request_to_tunnel = no
			use_tunneled_reply = no
			virtual_server = "inner-tunnel"
		}
		mschapv2 {
			send_error = no
		}
	}
	eap inner_eap {
		default_eap_type = mschapv2
		timer_expire = 30
		ignore_unknown_eap_types = no
		max_sessions = 256
		mschapv2 {
			send_error = no
		}
	}
EOF
}

_radius_eap_authorize() {
	[ -n "${_radius_eap:-}" ] || return 0
	printf '\t\teap_types\n\t\teap\n'
}

_radius_eap_authenticate() {
	[ -n "${_radius_eap:-}" ] || return 0
	printf '\t\teap\n'
}

# The inner identity, as PEAP's inner-tunnel left it, goes out as the
# Accept's User-Name.
_radius_eap_post_auth() {
	[ -n "${_radius_eap:-}" ] || return 0
	cat <<'EOF'
		if (&session-state:User-Name) {
			update reply {
				&User-Name := &session-state:User-Name
			}
		}
EOF
}

# An Access-Reject of an EAP exchange carries an EAP Failure, and the
# reason FreeRADIUS found as Reply-Message ("... certificate revoked"): the
# NAS logs it (a stock FreeRADIUS removes Reply-Message from EAP rejects
# for the sake of some Wi-Fi supplicants; pptpd keeps it to itself). The
# mschap module's generic MS-CHAP-Error stays, as a stock server sends it:
# pptpd prefers the Reply-Message on an EAP reject (unit.backend_radius).
_radius_eap_reject() {
	[ -n "${_radius_eap:-}" ] || return 0
	cat <<'EOF'
			eap
			if (&session-state:Module-Failure-Message) {
				update reply {
					&Reply-Message := "%{session-state:Module-Failure-Message}"
				}
			}
			elsif (&Module-Failure-Message) {
				update reply {
					&Reply-Message := "%{Module-Failure-Message}"
				}
			}
EOF
}

# PEAP's inner server: EAP-MSCHAPv2 against the users file; the inner
# identity, without a realm, goes back to the outer exchange.
_radius_eap_inner_server() {
	[ -n "${_radius_eap:-}" ] || return 0
	cat <<'EOF'

server inner-tunnel {
	authorize {
		inner_eap {
			ok = return
		}
		files
		mschap
	}
	authenticate {
		Auth-Type MS-CHAP {
			mschap
		}
		inner_eap
	}
	post-auth {
		if (&request:User-Name =~ /^([^@]+)@/) {
			update outer.session-state {
				&User-Name := "%{1}"
			}
		}
		else {
			update outer.session-state {
				&User-Name := &request:User-Name
			}
		}
		Post-Auth-Type REJECT {
			update outer.session-state {
				&Module-Failure-Message := &request:Module-Failure-Message
			}
		}
	}
}
EOF
}

radius_include() {
	local name=$1 section=$2 file=$3 dir
	case "$section" in
	clients | modules | accounting | session) ;;
	*) it_fail "radius_include: unknown section $section" ;;
	esac
	dir=$(radius_dir "$name")
	mkdir -p "$dir"
	cp "$file" "$dir/include.$section"
}

# The $INCLUDE line for a radius_include'd SECTION, or nothing.
_radius_include_line() {
	[ ! -e "$1/include.$2" ] || printf '$INCLUDE %s\n' "$1/include.$2"
}

# The server's session section, only when something was included in it.
_radius_session_section() {
	[ -e "$1/include.session" ] || return 0
	printf '\tsession {\n%s\n\t}\n' "$(_radius_include_line "$1" session)"
}

# Status-Server to the auth port; 0 when answered.
_radius_status() {
	local dir=$1 port=$2 secret=$3
	echo 'Message-Authenticator = 0x00' |
		_radius_exec radclient -d "$dir" -q -t 0.3 -r 1 "$RADIUS_ADDR:$port" status "$secret" \
			>/dev/null 2>&1
}

radius_start() {
	local name=$1
	shift
	RADIUS_OPTS[$name]=
	[ $# = 0 ] || RADIUS_OPTS[$name]="$(printf '%q ' "$@")"
	local auth=${RADIUS_AUTH_PORT:-1812} acct=${RADIUS_ACCT_PORT:-1813}
	local secret=${RADIUS_SECRET:-testing123} silent_auth=0 silent_acct=0 coa='' delay=0 reply_ma=1
	local clients=() dir log pid i ready=0 _radius_mppe=yes _radius_eap='' _radius_eap_type=PEAP
	case "${RADIUS_SILENT:-0}" in 1 | yes) silent_auth=1 silent_acct=1 ;; esac
	while [ $# -gt 0 ]; do
		case "$1" in
		--auth-port) auth=$2; shift ;;
		--acct-port) acct=$2; shift ;;
		--secret) secret=$2; shift ;;
		--silent) silent_auth=1 silent_acct=1 ;;
		--silent-auth) silent_auth=1 ;;
		--silent-acct) silent_acct=1 ;;
		--client) clients+=("$2"); shift ;;
		--coa-port) coa=$2; shift ;;
		--reject-delay) delay=$2; shift ;;
		--no-reply-authenticator) reply_ma=0 ;;
		--no-mppe) _radius_mppe=no ;;
		--eap) _radius_eap=$(cd "$2" && pwd) || it_fail "radius_start --eap: no directory $2"; shift ;;
		--eap-type) _radius_eap_type=$(_radius_eap_type_value "$2") || exit 1; shift ;;
		*) it_fail "radius_start: unknown option $1" ;;
		esac
		shift
	done
	if [ -n "${RADIUS_PIDS[$name]:-}" ] && kill -0 "${RADIUS_PIDS[$name]}" 2>/dev/null; then
		it_fail "radius_start: instance $name runs already"
	fi
	dir=$(radius_dir "$name")
	mkdir -p "$dir"
	_radius_write_conf "$dir" "$auth" "$acct" "$secret" "$silent_auth" "$silent_acct" "$coa" \
		"$delay" "$reply_ma" "${clients[@]}"
	log=$dir/radius.log
	# A restart's log starts empty (the readiness check reads it); the
	# earlier ones go on in radius.log.old.
	if [ -s "$log" ]; then
		cat "$log" >>"$log.old"
	fi
	: >"$log"
	local debug=()
	read -r -a debug <<<"$RADIUS_DEBUG"
	_radius_bg "$dir/stdout.log" "$RADIUS_FREERADIUS" -f "${debug[@]}" -d "$dir" -l "$log"
	pid=$RADIUS_LAST_PID
	RADIUS_PIDS[$name]=$pid
	RADIUS_AUTH[$name]=$auth
	RADIUS_SECRETS[$name]=$secret
	for i in $(seq 1 $((RADIUS_START_TIMEOUT * 10))); do
		if ! kill -0 "$pid" 2>/dev/null; then
			cat "$dir/stdout.log" >&2 2>/dev/null || true
			radius_log_tail "$name"
			it_fail "freeradius $name exited at start"
		fi
		# The log says so once every listener is bound; a server that
		# answers must also answer a Status-Server.
		if grep -q 'Ready to process requests' "$log" 2>/dev/null; then
			if [ "$silent_auth" = 1 ] || _radius_status "$dir" "$auth" "$secret"; then
				ready=1
				break
			fi
		fi
		sleep 0.1
	done
	if [ "$ready" != 1 ]; then
		cat "$dir/stdout.log" >&2 2>/dev/null || true
		radius_log_tail "$name"
		it_fail "freeradius $name not ready after ${RADIUS_START_TIMEOUT}s"
	fi
	RADIUS_T0[$name]=$(date +%s)
	unset "RADIUS_HUP[$name]"
	RADIUS_LAST_PID=$pid
}

# FreeRADIUS ignores a HUP within 5 s of the previous one, and reloads no
# module within 2 s of its loading (but still takes the changed file as
# seen): wait those out, then HUP until the log shows the files module
# reloaded.
radius_reload() {
	local name=$1 pid log users before after m now target
	pid=${RADIUS_PIDS[$name]:-}
	[ -n "$pid" ] || it_fail "radius_reload: no instance $name"
	log="$(radius_dir "$name")/radius.log"
	users="$(radius_dir "$name")/users"
	target=$((${RADIUS_T0[$name]} + 3))
	[ -z "${RADIUS_HUP[$name]:-}" ] || [ "$target" -ge $((${RADIUS_HUP[$name]} + 6)) ] ||
		target=$((${RADIUS_HUP[$name]} + 6))
	while [ "$(date +%s)" -lt "$target" ]; do
		sleep 0.2
	done
	before=$(grep -c 'Reloaded module "files"' "$log" || true)
	for _ in $(seq 1 3); do
		# The module reloads a file whose time stamp (whole seconds)
		# changed since it last looked.
		m=$(stat -c %Y "$users")
		now=$(date +%s)
		[ "$now" -gt "$m" ] || now=$((m + 1))
		touch -d "@$now" "$users"
		kill -HUP "$pid" 2>/dev/null || break
		for _ in $(seq 1 20); do
			after=$(grep -c 'Reloaded module "files"' "$log" || true)
			if [ "$after" -gt "$before" ]; then
				RADIUS_HUP[$name]=$(date +%s)
				return 0
			fi
			sleep 0.1
		done
	done
	radius_log_tail "$name"
	it_fail "freeradius $name did not reload its users file after SIGHUP"
}

# Stop and start again with the options of the last radius_start.
radius_restart() {
	local name=$1
	[ -n "${RADIUS_OPTS[$name]+set}" ] || it_fail "radius_restart: no instance $name"
	radius_stop "$name"
	eval "radius_start \"\$name\" ${RADIUS_OPTS[$name]}"
}

radius_stop() {
	local name=$1 pid
	pid=${RADIUS_PIDS[$name]:-}
	[ -n "$pid" ] || return 0
	kill -TERM "$pid" 2>/dev/null || true
	for _ in $(seq 1 50); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	unset "RADIUS_PIDS[$name]"
	local keep=() p
	for p in "${IT_PIDS[@]}"; do
		[ "$p" = "$pid" ] || keep+=("$p")
	done
	IT_PIDS=("${keep[@]}")
}

radius_cleanup() {
	local name
	for name in "${!RADIUS_PIDS[@]}"; do
		radius_stop "$name"
	done
}

# Print the detail file's records as "STATUS<TAB>SESSION<TAB>ATTR<TAB>VALUE"
# lines, one per attribute; a record starts with an unindented time stamp
# line and ends at a blank line.
_radius_detail_rows() {
	local file
	file="$(radius_dir "$1")/detail"
	[ -e "$file" ] || return 0
	awk '
	# FreeRADIUS writes \\ and \" for \ and " (and \n, \NNN for control
	# characters: left as they are, they would break these lines).
	function unesc(v,   out, i, c, d) {
		out = ""
		for (i = 1; i <= length(v); i++) {
			c = substr(v, i, 1)
			d = substr(v, i + 1, 1)
			if (c == "\\" && (d == "\\" || d == "\"")) {
				out = out d
				i++
			} else
				out = out c
		}
		return out
	}
	function flush(   i) {
		for (i = 1; i <= n; i++)
			printf "%d\t%s\t%s\t%s\t%s\n", rec, status, sid, names[i], vals[i]
		n = 0; status = ""; sid = ""
	}
	/^[^ \t]/ { flush(); rec++; next }
	/^[ \t]*$/ { flush(); next }
	{
		line = $0
		sub(/^[ \t]+/, "", line)
		eq = index(line, " = ")
		if (eq == 0) next
		name = substr(line, 1, eq - 1)
		val = substr(line, eq + 3)
		if (val ~ /^".*"$/)
			val = unesc(substr(val, 2, length(val) - 2))
		n++; names[n] = name; vals[n] = val
		if (name == "Acct-Status-Type") status = val
		if (name == "Acct-Session-Id") sid = val
	}
	END { flush() }
	' "$file"
}

radius_detail_count() {
	_radius_detail_rows "$1" | awk -F '\t' -v s="$2" '
		$2 == s && !($1 in seen) { seen[$1] = 1; n++ }
		END { print n + 0 }'
}

radius_detail_field() {
	local out
	# Through the environment: awk -v would take backslashes as escapes.
	out=$(_radius_detail_rows "$1" | RS_S=$2 RS_ID=$3 RS_A=$4 awk -F '\t' '
		BEGIN { s = ENVIRON["RS_S"]; id = ENVIRON["RS_ID"]; a = ENVIRON["RS_A"] }
		$2 == s && (id == "-" || $3 == id) && $4 == a { v = $5; found = 1 }
		END { if (found) print v; exit !found }') || return 1
	printf '%s\n' "$out"
}

radius_detail_values() {
	_radius_detail_rows "$1" | RS_S=$2 RS_ID=$3 RS_A=$4 awk -F '\t' '
		BEGIN { s = ENVIRON["RS_S"]; id = ENVIRON["RS_ID"]; a = ENVIRON["RS_A"] }
		$2 == s && (id == "-" || $3 == id) && $4 == a { print $5 }'
}

radius_detail_statuses() {
	_radius_detail_rows "$1" | awk -F '\t' '!($1 in seen) { seen[$1] = 1; print $2 }'
}

radius_wait_detail() {
	local name=$1 status=$2 want=$3 secs=${4:-10} have=0
	for _ in $(seq 1 $((secs * 10))); do
		have=$(radius_detail_count "$name" "$status")
		[ "$have" -ge "$want" ] && return 0
		sleep 0.1
	done
	it_fail "radius $name: $have accounting $status records after ${secs}s, wanted $want"
}

# 0 when the instance answers a Status-Server (not in --silent mode).
radius_alive() {
	local name=$1
	[ -n "${RADIUS_AUTH[$name]:-}" ] || return 1
	_radius_status "$(radius_dir "$name")" "${RADIUS_AUTH[$name]}" "${RADIUS_SECRETS[$name]}"
}

radius_auth_count() {
	local log
	log="$(radius_dir "$1")/radius.log"
	[ -e "$log" ] || { echo 0; return 0; }
	# "(N) Received Access-Request Id ..." ... "(N) Sent Access-Accept Id ...";
	# a Status-Server is answered with an Access-Accept too: not counted.
	awk -v want="$2" '
		$2 == "Received" && $3 == "Access-Request" { req[$1] = 1 }
		$2 == "Sent" && $3 == want && ($1 in req) { n++; delete req[$1] }
		END { print n + 0 }' "$log"
}

# The local dictionary file $1: $INCLUDE of the project's vendor
# dictionary (pptpd-Rate-Limit-Down/-Up) when the source tree is known.
_radius_dictionary() {
	[ -e "$1" ] && return 0
	if [ -n "${SRCDIR:-}" ] && [ -r "$SRCDIR/dist/dictionary.pptpd" ]; then
		printf '$INCLUDE %s\n' "$SRCDIR/dist/dictionary.pptpd" >"$1"
	else
		echo '# no local attributes' >"$1"
	fi
}

# radclient for a DAE request; $1 = disconnect|coa.
_radius_dae() {
	local kind=$1 dest=$2 secret=$3 out dir
	shift 3
	dir=$IT_TMP/radius-dae
	mkdir -p "$dir"
	_radius_dictionary "$dir/dictionary"
	out=$({
		printf '%s\n' "$@"
		echo 'Message-Authenticator = 0x00'
	} | _radius_exec radclient -d "$dir" -x -t "$RADIUS_DAE_TIMEOUT" -r "$RADIUS_DAE_RETRIES" \
		"$dest" "$kind" "$secret" 2>&1) || true
	printf '%s\n' "$out" >>"$dir/radclient.log"
	# "Received Disconnect-ACK Id 7 from ...", then the attributes, each
	# indented by a tab.
	awk '
		/^Received / { code = $2; inreply = 1; next }
		inreply && /^[ \t]/ { sub(/^[ \t]+/, ""); attrs = attrs $0 "\n"; next }
		inreply { inreply = 0 }
		END {
			if (code == "") print "timeout"
			else { print code; printf "%s", attrs }
		}' <<<"$out"
}

radius_disconnect() {
	_radius_dae disconnect "$@"
}

radius_coa() {
	_radius_dae coa "$@"
}

# Start udp_relay.py; $1 = registry name, the rest its arguments.
_radius_helper() {
	local name=$1 log pid
	shift
	log=$IT_TMP/radius-$name.log
	_radius_bg "$log" "$RADIUS_PYTHON" "$RADIUS_LIB_DIR/udp_relay.py" \
		--lifetime "$RADIUS_HELPER_LIFETIME" "$@"
	pid=$RADIUS_LAST_PID
	RADIUS_PIDS[$name]=$pid
	for _ in $(seq 1 50); do
		grep -q '^ready' "$log" 2>/dev/null && return 0
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	cat "$log" >&2 2>/dev/null || true
	it_fail "udp_relay.py ($name) did not start"
}

radius_blackhole() {
	local port=$1 addr=${2:-$RADIUS_ADDR}
	_radius_helper "blackhole-$port" --listen "$addr:$port"
}

radius_slow_proxy() {
	local listen=$1 target=$2 delay=$3
	_radius_helper "relay-$listen" --listen "$RADIUS_ADDR:$listen" \
		--target "$RADIUS_ADDR:$target" --delay "$delay"
}

radius_packets() {
	grep -c '^in ' "$IT_TMP/radius-$1.log" 2>/dev/null || true
}
