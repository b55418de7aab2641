/*
 * libFuzzer target for the PPP control protocols: arbitrary bytes into the
 * real LCP, IPCP, CCP and IPV6CP input functions, starting from every
 * automaton state, in both roles. The send and timer callbacks only check
 * what they are given. Input: [selector][state] then records of [len][len
 * bytes] (len 0 fires the restart timer). Selector bit 128 picks IPV6CP,
 * else selector % 3 picks LCP, IPCP or CCP.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/ppp/ccp.h"
#include "common/ppp/ipcp.h"
#include "common/ppp/ipv6cp.h"
#include "common/ppp/lcp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void f_send(void *arg, uint16_t proto, const uint8_t *p, size_t len)
{
	(void)arg;
	(void)proto;
	/* every packet we build is complete and self-consistent */
	if (len < 4 || len > FSM_PKT_MAX || load_be16(p + 2) != len)
		abort();
}
static void f_tstart(void *arg, struct fsm *f, unsigned ms) { (void)arg; (void)f; (void)ms; }
static void f_tstop(void *arg, struct fsm *f) { (void)arg; (void)f; }
static uint64_t f_suggest(void *arg)
{
	(void)arg;
	return 0x0200000000000042ull;
}
static bool f_iid_ok(void *arg, uint64_t iid)
{
	(void)arg;
	return iid != 0x1111222233334444ull;
}
static uint32_t f_rand(void *arg)
{
	uint32_t *seed = arg;
	*seed = *seed * 1103515245u + 12345u;
	return *seed;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct fsm_io io = { f_send, f_tstart, f_tstop, NULL };
	uint32_t seed = 1;
	const struct lcp_events lev = { .random = f_rand };
	struct lcp_config lcfg = { 0 };
	struct ipcp_config icfg = { 0 };
	struct ccp_config ccfg;
	struct lcp l;
	struct ipcp ip;
	struct ccp c;
	struct ipv6cp_config vcfg = { 0 };
	const struct ipv6cp_events vev = { .iid_ok = f_iid_ok, .iid_suggest = f_suggest };
	struct ipv6cp v6;
	struct fsm *f;

	log_set_level(LOG_LVL_ERR);
	if (size < 2)
		return 0;
	unsigned sel = data[0], state = data[1] % FSM_NSTATES;
	unsigned which = (sel & 128) ? 3 : sel % 3;
	enum ppp_role role = (sel & 4) ? PPP_ROLE_CLIENT : PPP_ROLE_SERVER;
	data += 2;
	size -= 2;

	lcfg.role = role;
	lcfg.mru = (sel & 8) ? 1400 : 1500;
	lcfg.auth_allowed = (sel & 16) ? LCP_AUTH_BIT(LCP_AUTH_MSCHAPV2) : 0x1E;
	lcfg.pfc = lcfg.acfc = true;
	lcfg.echo_interval_ms = 1000;
	lcfg.echo_failures = 2;
	icfg.role = role;
	icfg.local = (sel & 8) ? 0x0A000001 : 0;
	icfg.dns[0] = (sel & 16) ? 0x08080808 : 0;
	icfg.want_dns = true;
	ccp_config_default(&ccfg, role);
	if (sel & 8)
		ccfg.keys = CCP_KEY_40 | CCP_KEY_56 | CCP_KEY_128;
	if (sel & 16)
		ccfg.stateful = true;
	vcfg.role = role;
	vcfg.local = (sel & 8) ? 1 : 0;

	switch (which) {
	case 0:
		lcp_init(&l, &lcfg, &io, &lev, &seed);
		f = &l.fsm;
		break;
	case 1:
		ipcp_init(&ip, &icfg, &io, NULL, NULL);
		ipcp_set_peer_address(&ip, 0x0A000005);
		f = &ip.fsm;
		break;
	case 2:
		ccp_init(&c, &ccfg, &io, NULL, NULL);
		f = &c.fsm;
		break;
	default:
		ipv6cp_init(&v6, &vcfg, &io, &vev, NULL);
		f = &v6.fsm;
		break;
	}
	if (sel & 32) {
		/* reach the state through the API where that is natural */
		fsm_open(f);
		fsm_up(f);
	}
	f->state = (enum fsm_state)state;
	if (sel & 64) {
		/* also as one packet, whole */
		if (which == 0)
			lcp_input(&l, data, size);
		else if (which == 1)
			ipcp_input(&ip, data, size);
		else if (which == 2)
			ccp_input(&c, data, size);
		else
			ipv6cp_input(&v6, data, size);
	}
	uint64_t now = 0;
	while (size > 0) {
		size_t n = data[0];
		data++;
		size--;
		if (n > size)
			n = size;
		switch (which) {
		case 0:
			if (n == 0)
				lcp_timeout(&l);
			else
				lcp_input(&l, data, n);
			now += 700;
			(void)lcp_keepalive(&l, now);
			(void)lcp_send_protocol_reject(&l, PPP_PROTO_IPV6CP, data, n);
			break;
		case 1:
			if (n == 0)
				ipcp_timeout(&ip);
			else
				ipcp_input(&ip, data, n);
			break;
		case 2:
			if (n == 0)
				ccp_timeout(&c);
			else
				ccp_input(&c, data, n);
			(void)ccp_send_reset_request(&c);
			break;
		default:
			if (n == 0)
				ipv6cp_timeout(&v6);
			else
				ipv6cp_input(&v6, data, n);
			/* never Acks a colliding or taken identifier (0: none
			 * agreed, which the link refuses to run with) */
			if (vcfg.role == PPP_ROLE_SERVER && ipv6cp_result(&v6)->peer != 0 &&
			    (ipv6cp_result(&v6)->peer == vcfg.local ||
			     ipv6cp_result(&v6)->peer == 0x1111222233334444ull))
				abort();
			break;
		}
		if ((unsigned)f->state >= FSM_NSTATES)
			abort();
		data += n;
		size -= n;
	}
	return 0;
}
