#!/usr/bin/env bash
# Refusals, one after the other against the same running pptpd:
#  1. a wrong password: pppd reports that MS-CHAPv2 authentication failed
#     and gives up; the server logs event=auth-fail for that address;
#  2. a client that refuses MPPE (pppd `nomppe`) while the server requires
#     it: the server ends LCP with a Terminate-Request whose text pppd logs
#     as "LCP terminated by peer (REASON)"; REASON must be there and be the
#     detail the server logged for that session;
#  3. then a correct login succeeds and carries traffic to the LAN.
set -euo pipefail
: "${SRCDIR:?}"
. "$SRCDIR/tests/interop/harness.sh"

interop_init refuse
interop_start_server

NOMPPE_OPTS="refuse-pap refuse-chap refuse-mschap refuse-eap nomppe nodefaultroute noipdefault noauth nobsdcomp nodeflate novj maxfail 1 lcp-echo-interval 0"
{
	interop_client_line 0 198.51.100.21 "$INTEROP_USER" "not-$INTEROP_PASSWORD"
	echo "client_wait 0 $INTEROP_PPP_WAIT"
	echo "client_wait_exit 0 30"
	interop_client_line 1 198.51.100.22 "$INTEROP_USER" "$INTEROP_PASSWORD" $NOMPPE_OPTS
	echo "client_wait 1 $INTEROP_PPP_WAIT"
	echo "client_wait_exit 1 30"
	interop_client_line 2 198.51.100.23 "$INTEROP_USER" "$INTEROP_PASSWORD"
	echo "client_wait 2 $INTEROP_PPP_WAIT"
	cat <<'EOF'
if ping -c 3 -W 5 -I ppp2 203.0.113.2 >/dev/null 2>&1; then
	result "lan2 ok"
else
	result "lan2 failed"
fi
client_stop 2
EOF
} >"$IT_TMP/guest.sh"
interop_boot "$IT_TMP/guest.sh"
interop_expect boot ok

# 1. The wrong password.
read -r state why <<<"$(interop_result ppp0)"
[ "$state" = down ] || interop_fail_ppp "ppp0 with a wrong password: $state $why"
interop_ppp_log | grep -Eq 'pppd\[[0-9]+\]: (MS-)?CHAP authentication failed' ||
	interop_fail_ppp "pppd logged no CHAP authentication failure"
grep -q 'peer=198\.51\.100\.21:[0-9]* event=auth-fail' "$SRV_LOG" ||
	grep -q 'user=alice peer=198\.51\.100\.21:[0-9]* event=auth-fail' "$SRV_LOG" ||
	interop_fail_ppp "the server logged no auth-fail for 198.51.100.21"
it_pass "wrong password: pppd says '$(interop_ppp_log | grep -Eo '(MS-)?CHAP authentication failed.*' | head -n 1)' ($why)"

# 2. MPPE refused.
read -r state why <<<"$(interop_result ppp1)"
[ "$state" = down ] || interop_fail_ppp "ppp1 without MPPE came up: $state $why"
term=$(interop_ppp_log | sed -n 's/.*pppd\[[0-9]*\]: LCP terminated by peer *//p' | head -n 1)
[ -n "$term" ] || interop_fail_ppp "pppd without MPPE logged no 'LCP terminated by peer'"
reason=${term#(}
reason=${reason%)}
[ -n "$reason" ] && [ "$reason" != "$term" ] ||
	interop_fail_ppp "pppd logged the Terminate-Request without a reason: 'LCP terminated by peer $term'"
detail=$(grep 'peer=198\.51\.100\.22:.*event=session-down' "$SRV_LOG" | sed -n -e 's/.* reason=\([^ ]*\) .* detail="\(.*\)"$/\1: \2/p' -e 's/.* reason=\([^ ]*\) .* detail=\([^" ]*\)$/\1: \2/p' | head -n 1)
[ -n "$detail" ] || interop_fail_ppp "the server logged no session-down for 198.51.100.22"
[ "${detail#*: }" = "$reason" ] ||
	interop_fail_ppp "pppd's reason '$reason' is not the server's detail '$detail'"
it_pass "no MPPE: pppd says 'LCP terminated by peer ($reason)', server: $detail"

# 3. The right password, on the same server.
read -r state local peer <<<"$(interop_result ppp2)"
[ "$state" = up ] || interop_fail_ppp "ppp2 with the right password: $state $local"
[ "$peer" = 192.0.2.1 ] || it_fail "ppp2: peer address $peer, expected 192.0.2.1"
interop_expect lan2 ok
it_pass "then the right password logs in ($local) and reaches the LAN"

case $(interop_result stop2) in
5 | 16) ;;
*) it_fail "pppd 2 did not end as asked: exit $(interop_result stop2)" ;;
esac
stop_server
it_pass "pptpd exited 0 (guest run ${BOOT_SECONDS}s)"
