/*
 * CCP with MPPE only; the automaton is in fsm.c.
 */
#include "common/ppp/ccp.h"

#include <string.h>

#include "common/log.h"

static struct ccp *to_ccp(struct fsm *f)
{
	return f->ctx;
}

static uint32_t allowed_key_bits(const struct ccp_config *cfg)
{
	return (cfg->keys & CCP_KEY_128 ? MPPE_SB_S : 0) |
	       (cfg->keys & CCP_KEY_56 ? MPPE_SB_M : 0) |
	       (cfg->keys & CCP_KEY_40 ? MPPE_SB_L : 0);
}

static uint32_t strongest(uint32_t keys)
{
	if (keys & MPPE_SB_S)
		return MPPE_SB_S;
	if (keys & MPPE_SB_M)
		return MPPE_SB_M;
	return keys & MPPE_SB_L;
}

uint32_t ccp_mppe_choose(const struct ccp_config *cfg, uint32_t offered)
{
	uint32_t allowed = allowed_key_bits(cfg);
	uint32_t common = offered & allowed;
	uint32_t mode;

	if (!allowed || (!cfg->stateless && !cfg->stateful))
		return 0;
	if ((offered & MPPE_SB_H) && cfg->stateless)
		mode = MPPE_SB_H;
	else if (!(offered & MPPE_SB_H) && cfg->stateful)
		mode = 0;
	else
		mode = cfg->stateless ? MPPE_SB_H : 0;
	return mode | strongest(common ? common : allowed);
}

unsigned ccp_mppe_bits(uint32_t sb)
{
	switch (sb & MPPE_SB_KEYS) {
	case MPPE_SB_S: return 128;
	case MPPE_SB_M: return 56;
	case MPPE_SB_L: return 40;
	default: return 0;
	}
}

void ccp_config_default(struct ccp_config *cfg, enum ppp_role role)
{
	*cfg = (struct ccp_config){
		.role = role,
		.keys = CCP_KEY_128,
		.stateless = true,
		.stateful = false,
		.required = true,
	};
}

/* Is sb a single, complete choice our policy allows? */
static bool suits(const struct ccp_config *cfg, uint32_t sb)
{
	uint32_t keys = sb & MPPE_SB_KEYS;

	if (sb & ~(MPPE_SB_H | MPPE_SB_KEYS))
		return false; /* C, D or unknown bits */
	if (keys == 0 || (keys & (keys - 1)) || !(keys & allowed_key_bits(cfg)))
		return false;
	return (sb & MPPE_SB_H) ? cfg->stateless : cfg->stateful;
}

static void refuse(struct ccp *c, const char *why)
{
	if (!c->cfg->required || c->refused)
		return;
	c->refused = true;
	log_notice("%s ppp=ccp event=encryption-refused why=%s", FSM_LOG_ID(&c->fsm), why);
}

static void ccp_build_request(struct fsm *f, struct wbuf *w)
{
	struct ccp *c = to_ccp(f);

	if (!c->want_mppe)
		return;
	wbuf_u8(w, CCP_OPT_MPPE);
	wbuf_u8(w, CCP_MPPE_OPT_LEN);
	wbuf_be32(w, c->want_bits);
}

static void ccp_req_begin(struct fsm *f)
{
	struct ccp *c = to_ccp(f);

	c->pend_mppe = false;
	c->pend_bits = 0;
	c->seen_mppe = false;
}

static enum fsm_verdict ccp_req_option(struct fsm *f, uint8_t type, const uint8_t *d, size_t n,
				       struct wbuf *nak)
{
	struct ccp *c = to_ccp(f);

	if (type != CCP_OPT_MPPE || n != CCP_MPPE_OPT_LEN - PPP_OPT_HDR_LEN)
		return FSM_OPT_REJECT; /* deflate, BSD, predictor, stac, ... */
	uint32_t offered = load_be32(d);
	if (!(offered & (MPPE_SB_H | MPPE_SB_KEYS)))
		return FSM_OPT_REJECT; /* MPPC alone: no encryption in it */
	uint32_t choice = ccp_mppe_choose(c->cfg, offered);
	if (choice == 0)
		return FSM_OPT_REJECT;
	c->seen_mppe = true;
	if (offered == choice) {
		c->pend_mppe = true;
		c->pend_bits = choice;
		return FSM_OPT_ACK;
	}
	wbuf_be32(nak, choice);
	return FSM_OPT_NAK;
}

static void ccp_req_end(struct fsm *f, struct wbuf *nak)
{
	struct ccp *c = to_ccp(f);
	uint32_t choice = ccp_mppe_choose(c->cfg, MPPE_SB_H);

	/* Encryption required but not offered: say what the peer must add. */
	if (c->cfg->required && !c->seen_mppe && choice) {
		wbuf_u8(nak, CCP_OPT_MPPE);
		wbuf_u8(nak, CCP_MPPE_OPT_LEN);
		wbuf_be32(nak, choice);
	}
}

static void ccp_req_acked(struct fsm *f)
{
	struct ccp *c = to_ccp(f);

	c->res.tx.bits = c->pend_mppe ? ccp_mppe_bits(c->pend_bits) : 0;
	c->res.tx.stateless = c->pend_mppe && (c->pend_bits & MPPE_SB_H);
}

static void ccp_rcv_ack(struct fsm *f)
{
	struct ccp *c = to_ccp(f);
	uint32_t one = c->want_bits & ~MPPE_SB_KEYS;

	/* A client may have offered several key lengths: the strongest applies. */
	one |= strongest(c->want_bits & MPPE_SB_KEYS);
	c->res.rx.bits = c->want_mppe ? ccp_mppe_bits(one) : 0;
	c->res.rx.stateless = c->want_mppe && (c->want_bits & MPPE_SB_H);
}

static void ccp_rcv_nak(struct fsm *f, uint8_t type, const uint8_t *d, size_t n)
{
	struct ccp *c = to_ccp(f);

	if (type != CCP_OPT_MPPE || n != CCP_MPPE_OPT_LEN - PPP_OPT_HDR_LEN)
		return;
	uint32_t sb = load_be32(d);
	if (suits(c->cfg, sb)) {
		c->want_mppe = true;
		c->want_bits = sb;
		return;
	}
	if (++c->bad_naks >= c->fsm.max_failure)
		refuse(c, "peer-naks-unacceptable");
}

static void ccp_rcv_reject(struct fsm *f, uint8_t type, const uint8_t *d, size_t n)
{
	struct ccp *c = to_ccp(f);

	(void)d;
	(void)n;
	if (type != CCP_OPT_MPPE)
		return;
	c->want_mppe = false;
	refuse(c, "peer-rejected-mppe");
}

static void ccp_nak_exhausted(struct fsm *f)
{
	refuse(to_ccp(f), "no-agreement-after-max-failure");
}

static enum fsm_xcode ccp_extra_code(struct fsm *f, uint8_t code, uint8_t id, struct rbuf *d)
{
	struct ccp *c = to_ccp(f);

	(void)d;
	switch (code) {
	case PPP_RESET_REQ:
		if (f->state == FSM_OPENED) {
			c->resets_rx++;
			if (c->ev && c->ev->reset_request)
				c->ev->reset_request(c->arg);
			fsm_send(f, PPP_RESET_ACK, id, NULL, 0);
		}
		return FSM_XC_HANDLED;
	case PPP_RESET_ACK:
		if (f->state == FSM_OPENED && c->ev && c->ev->reset_ack)
			c->ev->reset_ack(c->arg);
		return FSM_XC_HANDLED;
	default:
		return FSM_XC_UNKNOWN;
	}
}

static void ccp_up(struct fsm *f)
{
	struct ccp *c = to_ccp(f);

	if (c->res.tx.bits == 0 || c->res.rx.bits == 0) {
		refuse(c, "opened-without-mppe");
		if (c->refused)
			return;
	}
	log_info("%s ppp=ccp event=up tx-bits=%u tx-stateless=%d rx-bits=%u rx-stateless=%d",
		 FSM_LOG_ID(&c->fsm), c->res.tx.bits, c->res.tx.stateless, c->res.rx.bits,
		 c->res.rx.stateless);
	if (c->ev && c->ev->up)
		c->ev->up(c->arg);
}

static void ccp_down(struct fsm *f)
{
	struct ccp *c = to_ccp(f);
	if (c->ev && c->ev->down)
		c->ev->down(c->arg);
}

static void ccp_finished(struct fsm *f)
{
	struct ccp *c = to_ccp(f);

	if (!c->closing)
		refuse(c, "ccp-finished");
}

static const struct fsm_ops ccp_ops = {
	.build_request = ccp_build_request,
	.req_begin = ccp_req_begin,
	.req_option = ccp_req_option,
	.req_end = ccp_req_end,
	.req_acked = ccp_req_acked,
	.rcv_ack = ccp_rcv_ack,
	.rcv_nak = ccp_rcv_nak,
	.rcv_reject = ccp_rcv_reject,
	.nak_exhausted = ccp_nak_exhausted,
	.extra_code = ccp_extra_code,
	.up = ccp_up,
	.down = ccp_down,
	.finished = ccp_finished,
};

static void reset_want(struct ccp *c)
{
	const struct ccp_config *cfg = c->cfg;

	if (cfg->role == PPP_ROLE_SERVER) {
		c->want_bits = ccp_mppe_choose(cfg, MPPE_SB_H);
	} else {
		/* offer every key length we allow; stateless if we allow it */
		c->want_bits = allowed_key_bits(cfg) | (cfg->stateless ? MPPE_SB_H : 0);
		if (!cfg->stateless && !cfg->stateful)
			c->want_bits = 0;
	}
	c->want_mppe = c->want_bits != 0;
	c->bad_naks = 0;
	c->refused = c->refused_reported = c->closing = false;
	c->renegotiation_reported = false;
	memset(&c->res, 0, sizeof(c->res));
}

void ccp_init(struct ccp *c, const struct ccp_config *cfg, const struct fsm_io *io,
	      const struct ccp_events *ev, void *arg)
{
	memset(c, 0, sizeof(*c));
	c->cfg = cfg;
	c->ev = ev;
	c->arg = arg;
	fsm_init(&c->fsm, "ccp", PPP_PROTO_CCP, &ccp_ops, c, io);
	reset_want(c);
}

/* Report a refusal once, after the automaton has finished its work. */
static void after(struct ccp *c)
{
	if (c->refused && !c->refused_reported) {
		c->refused_reported = true;
		if (c->ev && c->ev->refused)
			c->ev->refused(c->arg);
	}
}

void ccp_open(struct ccp *c)
{
	reset_want(c);
	if (c->cfg->required && !c->want_mppe)
		refuse(c, "policy-allows-nothing");
	fsm_open(&c->fsm);
	fsm_up(&c->fsm);
	after(c);
}

void ccp_close(struct ccp *c, const char *reason)
{
	c->closing = true;
	fsm_close(&c->fsm, reason);
}

void ccp_lower_down(struct ccp *c)
{
	c->closing = true;
	fsm_down(&c->fsm);
}

void ccp_timeout(struct ccp *c)
{
	fsm_timeout(&c->fsm);
	after(c);
}

void ccp_input(struct ccp *c, const uint8_t *pkt, size_t len)
{
	if (len >= PPP_CP_HDR_LEN && pkt[0] == PPP_CONF_REQ && c->fsm.state == FSM_OPENED) {
		/* Renegotiation would restart MPPE's key sequence: refuse it. */
		c->renegotiations++;
		if (!c->renegotiation_reported) {
			c->renegotiation_reported = true;
			log_notice("%s ppp=ccp event=renegotiation-refused", FSM_LOG_ID(&c->fsm));
			if (c->ev && c->ev->renegotiate)
				c->ev->renegotiate(c->arg);
		}
		return;
	}
	fsm_input(&c->fsm, pkt, len);
	after(c);
}

void ccp_protocol_rejected(struct ccp *c)
{
	refuse(c, "ccp-protocol-rejected");
	fsm_protocol_rejected(&c->fsm);
	after(c);
}

bool ccp_send_reset_request(struct ccp *c)
{
	if (c->fsm.state != FSM_OPENED)
		return false;
	c->resets_tx++;
	return fsm_send(&c->fsm, PPP_RESET_REQ, fsm_new_id(&c->fsm), NULL, 0);
}

bool ccp_is_opened(const struct ccp *c)
{
	return c->fsm.state == FSM_OPENED;
}

const struct ccp_result *ccp_result(const struct ccp *c)
{
	return &c->res;
}

unsigned ccp_tunnel_mtu(const struct ccp *c, unsigned link_mtu)
{
	if (c->fsm.state != FSM_OPENED || c->res.tx.bits == 0)
		return link_mtu;
	return link_mtu > CCP_MPPE_OVERHEAD ? link_mtu - CCP_MPPE_OVERHEAD : 0;
}
