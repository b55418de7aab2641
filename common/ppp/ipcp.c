/*
 * IPCP option handling; the automaton is in fsm.c.
 */
#include "common/ppp/ipcp.h"

#include <string.h>

#include "common/log.h"
#include "common/ppp/cp.h"

static struct ipcp *to_ipcp(struct fsm *f)
{
	return f->ctx;
}

static void put_addr_opt(struct wbuf *w, uint8_t type, uint32_t a)
{
	wbuf_u8(w, type);
	wbuf_u8(w, PPP_OPT_HDR_LEN + IPCP_ADDR_LEN);
	wbuf_be32(w, a);
}

static void ipcp_build_request(struct fsm *f, struct wbuf *w)
{
	struct ipcp *ip = to_ipcp(f);

	if (ip->want_addr)
		put_addr_opt(w, IPCP_OPT_ADDR, ip->addr);
	if (ip->want_dns[0])
		put_addr_opt(w, IPCP_OPT_DNS1, ip->dns[0]);
	if (ip->want_nbns[0])
		put_addr_opt(w, IPCP_OPT_NBNS1, ip->nbns[0]);
	if (ip->want_dns[1])
		put_addr_opt(w, IPCP_OPT_DNS2, ip->dns[1]);
	if (ip->want_nbns[1])
		put_addr_opt(w, IPCP_OPT_NBNS2, ip->nbns[1]);
}

static void ipcp_req_begin(struct fsm *f)
{
	struct ipcp *ip = to_ipcp(f);

	memset(&ip->pend, 0, sizeof(ip->pend));
	ip->pend_has_addr = false;
}

/* Server: a value we hand out; Nak anything else, Reject if unset. */
static enum fsm_verdict hand_out(uint32_t ours, uint32_t asked, uint32_t *pend, struct wbuf *nak)
{
	if (ours == 0)
		return FSM_OPT_REJECT;
	if (asked == ours) {
		*pend = ours;
		return FSM_OPT_ACK;
	}
	wbuf_be32(nak, ours);
	return FSM_OPT_NAK;
}

static enum fsm_verdict ipcp_req_option(struct fsm *f, uint8_t type, const uint8_t *d, size_t n,
					struct wbuf *nak)
{
	struct ipcp *ip = to_ipcp(f);
	bool server = ip->cfg->role == PPP_ROLE_SERVER;

	if (n != IPCP_ADDR_LEN &&
	    (type == IPCP_OPT_ADDR || (type >= IPCP_OPT_DNS1 && type <= IPCP_OPT_NBNS2)))
		return FSM_OPT_REJECT;
	switch (type) {
	case IPCP_OPT_ADDR:
		ip->pend_has_addr = true;
		if (!server) {
			/* the server's own address: take it as it is */
			if (load_be32(d) == 0)
				return FSM_OPT_REJECT;
			ip->pend.peer = load_be32(d);
			return FSM_OPT_ACK;
		}
		return hand_out(ip->assigned, load_be32(d), &ip->pend.peer, nak);
	case IPCP_OPT_DNS1:
	case IPCP_OPT_DNS2:
		if (!server)
			return FSM_OPT_REJECT;
		return hand_out(ip->cfg->dns[type == IPCP_OPT_DNS2], load_be32(d),
				&ip->pend.dns[type == IPCP_OPT_DNS2], nak);
	case IPCP_OPT_NBNS1:
	case IPCP_OPT_NBNS2:
		if (!server)
			return FSM_OPT_REJECT;
		return hand_out(ip->cfg->nbns[type == IPCP_OPT_NBNS2], load_be32(d),
				&ip->pend.nbns[type == IPCP_OPT_NBNS2], nak);
	default:
		/* VJ compression (2), IP-Addresses (1), anything else */
		return FSM_OPT_REJECT;
	}
}

static void ipcp_req_end(struct fsm *f, struct wbuf *nak)
{
	struct ipcp *ip = to_ipcp(f);

	/* A server-role peer that names no address is told the one it gets. */
	if (ip->cfg->role == PPP_ROLE_SERVER && !ip->pend_has_addr && ip->assigned)
		put_addr_opt(nak, IPCP_OPT_ADDR, ip->assigned);
}

static void ipcp_req_acked(struct fsm *f)
{
	struct ipcp *ip = to_ipcp(f);

	ip->res.peer = ip->pend.peer;
	if (ip->cfg->role == PPP_ROLE_SERVER) {
		memcpy(ip->res.dns, ip->pend.dns, sizeof(ip->res.dns));
		memcpy(ip->res.nbns, ip->pend.nbns, sizeof(ip->res.nbns));
	}
}

static void ipcp_rcv_ack(struct fsm *f)
{
	struct ipcp *ip = to_ipcp(f);

	ip->res.local = ip->want_addr ? ip->addr : ip->cfg->local;
	if (ip->cfg->role == PPP_ROLE_CLIENT)
		for (int i = 0; i < 2; i++) {
			ip->res.dns[i] = ip->want_dns[i] ? ip->dns[i] : 0;
			ip->res.nbns[i] = ip->want_nbns[i] ? ip->nbns[i] : 0;
		}
}

static void ipcp_rcv_nak(struct fsm *f, uint8_t type, const uint8_t *d, size_t n)
{
	struct ipcp *ip = to_ipcp(f);

	if (n != IPCP_ADDR_LEN || ip->cfg->role == PPP_ROLE_SERVER)
		return; /* the server keeps its own address */
	switch (type) {
	case IPCP_OPT_ADDR:
		ip->addr = load_be32(d);
		break;
	case IPCP_OPT_DNS1:
		ip->dns[0] = load_be32(d);
		break;
	case IPCP_OPT_DNS2:
		ip->dns[1] = load_be32(d);
		break;
	case IPCP_OPT_NBNS1:
		ip->nbns[0] = load_be32(d);
		break;
	case IPCP_OPT_NBNS2:
		ip->nbns[1] = load_be32(d);
		break;
	default:
		break;
	}
}

static void ipcp_rcv_reject(struct fsm *f, uint8_t type, const uint8_t *d, size_t n)
{
	struct ipcp *ip = to_ipcp(f);

	(void)d;
	(void)n;
	if (type == IPCP_OPT_ADDR)
		ip->want_addr = false;
	else if (type == IPCP_OPT_DNS1)
		ip->want_dns[0] = false;
	else if (type == IPCP_OPT_DNS2)
		ip->want_dns[1] = false;
	else if (type == IPCP_OPT_NBNS1)
		ip->want_nbns[0] = false;
	else if (type == IPCP_OPT_NBNS2)
		ip->want_nbns[1] = false;
}

static void ipcp_up(struct fsm *f)
{
	struct ipcp *ip = to_ipcp(f);

	log_info("%s ppp=ipcp event=up local=%u.%u.%u.%u peer=%u.%u.%u.%u", FSM_LOG_ID(&ip->fsm),
		 ip->res.local >> 24, ip->res.local >> 16 & 255, ip->res.local >> 8 & 255,
		 ip->res.local & 255, ip->res.peer >> 24, ip->res.peer >> 16 & 255,
		 ip->res.peer >> 8 & 255, ip->res.peer & 255);
	if (ip->ev && ip->ev->up)
		ip->ev->up(ip->arg);
}

static void ipcp_down(struct fsm *f)
{
	struct ipcp *ip = to_ipcp(f);
	if (ip->ev && ip->ev->down)
		ip->ev->down(ip->arg);
}

static void ipcp_finished(struct fsm *f)
{
	struct ipcp *ip = to_ipcp(f);
	if (ip->ev && ip->ev->finished)
		ip->ev->finished(ip->arg);
}

static const struct fsm_ops ipcp_ops = {
	.build_request = ipcp_build_request,
	.req_begin = ipcp_req_begin,
	.req_option = ipcp_req_option,
	.req_end = ipcp_req_end,
	.req_acked = ipcp_req_acked,
	.rcv_ack = ipcp_rcv_ack,
	.rcv_nak = ipcp_rcv_nak,
	.rcv_reject = ipcp_rcv_reject,
	.up = ipcp_up,
	.down = ipcp_down,
	.finished = ipcp_finished,
};

static void reset_want(struct ipcp *ip)
{
	bool client = ip->cfg->role == PPP_ROLE_CLIENT;

	ip->want_addr = client || ip->cfg->local != 0;
	ip->addr = ip->cfg->local;
	ip->want_dns[0] = ip->want_dns[1] = client && ip->cfg->want_dns;
	ip->dns[0] = ip->dns[1] = 0;
	ip->want_nbns[0] = ip->want_nbns[1] = client && ip->cfg->want_nbns;
	ip->nbns[0] = ip->nbns[1] = 0;
	ip->no_address = false;
	memset(&ip->res, 0, sizeof(ip->res));
}

void ipcp_init(struct ipcp *ip, const struct ipcp_config *cfg, const struct fsm_io *io,
	       const struct ipcp_events *ev, void *arg)
{
	memset(ip, 0, sizeof(*ip));
	ip->cfg = cfg;
	ip->ev = ev;
	ip->arg = arg;
	fsm_init(&ip->fsm, "ipcp", PPP_PROTO_IPCP, &ipcp_ops, ip, io);
	reset_want(ip);
}

void ipcp_set_peer_address(struct ipcp *ip, uint32_t addr)
{
	ip->assigned = addr;
}

void ipcp_open(struct ipcp *ip)
{
	reset_want(ip);
	fsm_open(&ip->fsm);
	fsm_up(&ip->fsm);
}

void ipcp_close(struct ipcp *ip, const char *reason)
{
	fsm_close(&ip->fsm, reason);
}

void ipcp_lower_down(struct ipcp *ip)
{
	fsm_down(&ip->fsm);
}

void ipcp_timeout(struct ipcp *ip)
{
	fsm_timeout(&ip->fsm);
}

/* Server: is this a Configure-Request without the address we assign
 * (left out, or another one)? False for anything else, malformed packets
 * included: the automaton drops those. */
static bool request_without_address(const struct ipcp *ip, const uint8_t *pkt, size_t len)
{
	struct rbuf opts;
	uint8_t code = 0, id = 0, type, olen;
	uint32_t a;

	if (!ppp_cp_read(pkt, len, &code, &id, &opts) || code != PPP_CONF_REQ)
		return false;
	while (rbuf_left(&opts) > 0) {
		if (!rbuf_u8(&opts, &type) || !rbuf_u8(&opts, &olen) || olen < PPP_OPT_HDR_LEN)
			return false;
		if (type == IPCP_OPT_ADDR && olen == PPP_OPT_HDR_LEN + IPCP_ADDR_LEN) {
			if (!rbuf_be32(&opts, &a))
				return false;
			if (a == ip->assigned)
				return false;
		} else if (!rbuf_skip(&opts, olen - PPP_OPT_HDR_LEN)) {
			return false;
		}
	}
	return rbuf_ok(&opts);
}

void ipcp_input(struct ipcp *ip, const uint8_t *pkt, size_t len)
{
	if (ip->no_address)
		return; /* the owner is ending the link */
	if (ip->cfg->role == PPP_ROLE_SERVER && ip->fsm.nak_count >= ip->fsm.max_failure &&
	    request_without_address(ip, pkt, len)) {
		ip->no_address = true;
		log_notice("%s ppp=ipcp event=address-refused naks=%u", FSM_LOG_ID(&ip->fsm),
			   ip->fsm.nak_count);
		if (ip->ev && ip->ev->no_address)
			ip->ev->no_address(ip->arg);
		return;
	}
	fsm_input(&ip->fsm, pkt, len);
}

bool ipcp_is_opened(const struct ipcp *ip)
{
	return ip->fsm.state == FSM_OPENED;
}

const struct ipcp_result *ipcp_result(const struct ipcp *ip)
{
	return &ip->res;
}
