# The multi-queue tun (server/tun_mq.h) in the kernel: tun_mq_check opens
# 2 queues of one tun in a fresh namespace with the eBPF steering program;
# 192.0.2.0/24 is routed into it and UDP datagrams go to 192.0.2.10 ..
# 192.0.2.17, three to each from three source ports (three flows, which the
# kernel's flow hash would spread over the queues). Queue k must receive
# exactly the datagrams to the addresses with addr % 2 == k: all three of
# each, none on the other queue.
# Then the fallback: without CAP_SYS_ADMIN and CAP_BPF the program cannot
# be loaded; the device must still open, say (and log) that the flow hash
# steers, and deliver every datagram to exactly one queue.
set -euo pipefail
: "${ITOOLS:?}" "${SRCDIR:?}"
. "$SRCDIR/tests/integration/lib.sh"

it_init tun_mq
NS=$(it_ns srv)

# run_case TUN STEERING [PREFIX...]: the helper (behind PREFIX) on TUN,
# which must report STEERING; the datagrams sent; its output in $LOG.
run_case() {
	local tun=$1 steering=$2
	shift 2
	LOG=$IT_TMP/$tun.log
	it_bg "$NS" "$LOG" "$@" "$ITOOLS/tun_mq_check" "$tun" 2 60 >/dev/null
	local helper=$IT_LAST_PID
	for _ in $(seq 1 50); do
		grep -q '^ready' "$LOG" && break
		kill -0 "$helper" 2>/dev/null || break
		sleep 0.1
	done
	grep -q '^ready' "$LOG" || {
		cat "$LOG" >&2
		it_fail "tun_mq_check did not open the queues of $tun"
	}
	grep -q "^ready name=$tun steering=$steering$" "$LOG" ||
		it_fail "$tun: not steered by $steering: $(cat "$LOG")"

	ip -n "$NS" link set "$tun" up
	ip -n "$NS" addr add 192.0.2.1/32 dev "$tun"
	ip -n "$NS" route add 192.0.2.0/24 dev "$tun" src 192.0.2.1
	# No IPv6 on the device: the kernel's own packets (MLD, ...) would be noise.
	ip netns exec "$NS" sysctl -qw net.ipv6.conf."$tun".disable_ipv6=1 2>/dev/null || true
	# One socket per flow: three source ports to each address.
	ip netns exec "$NS" python3 -c '
import socket
for host in range(10, 18):
    for port in (5001, 5002, 5003):
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind(("192.0.2.1", port))
        s.sendto(b"steer", ("192.0.2.%d" % host, 9))
        s.close()
'
	kill -USR1 "$helper"
	it_stop "$helper" 0
	[ "$IT_STATUS" = 0 ] || it_fail "tun_mq_check failed: $(cat "$LOG")"
	grep -q '^done$' "$LOG" || it_fail "tun_mq_check did not finish: $(cat "$LOG")"
	cat "$LOG"
}

run_case pptpmq0 daddr
it_pass "2 queues of pptpmq0, steered by the eBPF program"
for host in $(seq 10 17); do
	q=$((host % 2)) # 192.0.2.x in host order is x mod 2
	got=$(grep -c "^queue=$q dst=192.0.2.$host proto=17$" "$LOG" || true)
	[ "$got" = 3 ] || it_fail "queue $q got $got of the 3 datagrams to 192.0.2.$host"
	other=$(grep -c "^queue=$((1 - q)) dst=192.0.2.$host " "$LOG" || true)
	[ "$other" = 0 ] || it_fail "queue $((1 - q)) got $other datagrams to 192.0.2.$host"
done
total=$(grep -c '^queue=[01] dst=192.0.2.1[0-7] proto=17$' "$LOG")
[ "$total" = 24 ] || it_fail "$total datagrams to 192.0.2.10-17 read, not 24"
it_pass "queue k got exactly the 24 datagrams to the addresses with addr % 2 == k"

command -v setpriv >/dev/null || it_fail "setpriv (util-linux) is needed for the fallback case"
ip -n "$NS" link del pptpmq0 2>/dev/null || true
run_case pptpmq1 hash setpriv --bounding-set -sys_admin,-bpf
grep -q 'event=tun-mq-steering steering=hash reason=bpf-load' "$LOG" ||
	it_fail "the refused program was not logged"
for host in $(seq 10 17); do
	got=$(grep -c "^queue=[01] dst=192.0.2.$host proto=17$" "$LOG" || true)
	[ "$got" = 3 ] || it_fail "fallback: $got of the 3 datagrams to 192.0.2.$host read"
done
it_pass "refused program: logged, the flow hash steers, every datagram reaches one queue once"
