/*
 * IPV6CP option handling; the automaton is in fsm.c.
 */
#include "common/ppp/ipv6cp.h"

#include <string.h>

#include "common/log.h"

static struct ipv6cp *to_v6(struct fsm *f)
{
	return f->ctx;
}

static uint64_t load_iid(const uint8_t *p)
{
	return (uint64_t)load_be32(p) << 32 | load_be32(p + 4);
}

static void put_iid(struct wbuf *w, uint64_t iid)
{
	wbuf_be32(w, (uint32_t)(iid >> 32));
	wbuf_be32(w, (uint32_t)iid);
}

static void put_iid_opt(struct wbuf *w, uint64_t iid)
{
	wbuf_u8(w, IPV6CP_OPT_IID);
	wbuf_u8(w, PPP_OPT_HDR_LEN + IPV6CP_IID_LEN);
	put_iid(w, iid);
}

static void v6_build_request(struct fsm *f, struct wbuf *w)
{
	struct ipv6cp *v = to_v6(f);

	if (v->want_iid)
		put_iid_opt(w, v->iid);
}

static void v6_req_begin(struct fsm *f)
{
	struct ipv6cp *v = to_v6(f);

	v->pend_peer = 0;
	v->pend_has_iid = false;
}

/* Server: the identifier to Nak with; 0 when the owner has none. */
static uint64_t suggestion(struct ipv6cp *v)
{
	uint64_t s = v->ev && v->ev->iid_suggest ? v->ev->iid_suggest(v->arg) : 0;

	return s == v->cfg->local ? 0 : s;
}

static enum fsm_verdict v6_req_option(struct fsm *f, uint8_t type, const uint8_t *d, size_t n,
				      struct wbuf *nak)
{
	struct ipv6cp *v = to_v6(f);
	uint64_t peer, ours, s;

	if (type != IPV6CP_OPT_IID || n != IPV6CP_IID_LEN)
		return FSM_OPT_REJECT; /* compression, anything else, bad length */
	v->pend_has_iid = true;
	peer = load_iid(d);
	ours = v->want_iid ? v->iid : v->cfg->local;
	if (v->cfg->role == PPP_ROLE_CLIENT) {
		if (peer != 0 && peer != ours) {
			v->pend_peer = peer;
			return FSM_OPT_ACK;
		}
		/* RFC 5072 4.1: suggest a different, non-zero one */
		put_iid(nak, ours ? ~ours : 0x0200000000000001ull);
		return FSM_OPT_NAK;
	}
	if (peer != 0 && peer != ours && (!v->ev || !v->ev->iid_ok || v->ev->iid_ok(v->arg, peer))) {
		v->pend_peer = peer;
		return FSM_OPT_ACK;
	}
	s = suggestion(v);
	if (s == 0)
		return FSM_OPT_REJECT;
	if (v->iid_naks++ == 0) /* once per negotiation: a peer may insist */
		log_info("%s ppp=ipv6cp event=iid-naked reason=%s", FSM_LOG_ID(&v->fsm),
			 peer == 0 ? "zero" : peer == ours ? "ours" : "taken");
	put_iid(nak, s);
	return FSM_OPT_NAK;
}

static void v6_req_end(struct fsm *f, struct wbuf *nak)
{
	struct ipv6cp *v = to_v6(f);
	uint64_t s;

	/* A server-role peer that names no identifier is told the one it gets. */
	if (v->cfg->role == PPP_ROLE_SERVER && !v->pend_has_iid && (s = suggestion(v)) != 0)
		put_iid_opt(nak, s);
}

static void v6_req_acked(struct fsm *f)
{
	struct ipv6cp *v = to_v6(f);

	v->res.peer = v->pend_peer;
}

static void v6_rcv_ack(struct fsm *f)
{
	struct ipv6cp *v = to_v6(f);

	v->res.local = v->want_iid ? v->iid : 0;
}

static void v6_rcv_nak(struct fsm *f, uint8_t type, const uint8_t *d, size_t n)
{
	struct ipv6cp *v = to_v6(f);
	uint64_t s;

	v->naks_received++;
	if (type != IPV6CP_OPT_IID || n != IPV6CP_IID_LEN)
		return;
	s = load_iid(d);
	/* The server keeps its own identifier (the owner made it unique);
	 * the client adopts a non-zero suggestion. */
	if (v->cfg->role == PPP_ROLE_CLIENT && s != 0) {
		v->iid = s;
		v->want_iid = true;
	}
}

static void v6_rcv_reject(struct fsm *f, uint8_t type, const uint8_t *d, size_t n)
{
	struct ipv6cp *v = to_v6(f);

	(void)d;
	(void)n;
	v->rejects_received++;
	if (type == IPV6CP_OPT_IID)
		v->want_iid = false;
}

static void v6_up(struct fsm *f)
{
	struct ipv6cp *v = to_v6(f);

	log_info("%s ppp=ipv6cp event=up local-iid=%016llx peer-iid=%016llx", FSM_LOG_ID(&v->fsm),
		 (unsigned long long)v->res.local, (unsigned long long)v->res.peer);
	if (v->ev && v->ev->up)
		v->ev->up(v->arg);
}

static void v6_down(struct fsm *f)
{
	struct ipv6cp *v = to_v6(f);

	if (v->ev && v->ev->down)
		v->ev->down(v->arg);
}

static void v6_finished(struct fsm *f)
{
	struct ipv6cp *v = to_v6(f);

	if (v->ev && v->ev->finished)
		v->ev->finished(v->arg);
}

static const struct fsm_ops ipv6cp_ops = {
	.build_request = v6_build_request,
	.req_begin = v6_req_begin,
	.req_option = v6_req_option,
	.req_end = v6_req_end,
	.req_acked = v6_req_acked,
	.rcv_ack = v6_rcv_ack,
	.rcv_nak = v6_rcv_nak,
	.rcv_reject = v6_rcv_reject,
	.up = v6_up,
	.down = v6_down,
	.finished = v6_finished,
};

static void reset_want(struct ipv6cp *v)
{
	/* The client asks even with 0: the server then suggests one. */
	v->want_iid = v->cfg->role == PPP_ROLE_CLIENT || v->cfg->local != 0;
	v->iid = v->cfg->local;
	v->iid_naks = 0;
	memset(&v->res, 0, sizeof(v->res));
}

void ipv6cp_init(struct ipv6cp *v, const struct ipv6cp_config *cfg, const struct fsm_io *io,
		 const struct ipv6cp_events *ev, void *arg)
{
	memset(v, 0, sizeof(*v));
	v->cfg = cfg;
	v->ev = ev;
	v->arg = arg;
	fsm_init(&v->fsm, "ipv6cp", PPP_PROTO_IPV6CP, &ipv6cp_ops, v, io);
	reset_want(v);
}

void ipv6cp_open(struct ipv6cp *v)
{
	reset_want(v);
	fsm_open(&v->fsm);
	fsm_up(&v->fsm);
}

void ipv6cp_close(struct ipv6cp *v, const char *reason)
{
	fsm_close(&v->fsm, reason);
}

void ipv6cp_lower_down(struct ipv6cp *v)
{
	fsm_down(&v->fsm);
}

void ipv6cp_timeout(struct ipv6cp *v)
{
	fsm_timeout(&v->fsm);
}

void ipv6cp_protocol_rejected(struct ipv6cp *v)
{
	fsm_protocol_rejected(&v->fsm);
}

void ipv6cp_input(struct ipv6cp *v, const uint8_t *pkt, size_t len)
{
	fsm_input(&v->fsm, pkt, len);
}

bool ipv6cp_is_opened(const struct ipv6cp *v)
{
	return v->fsm.state == FSM_OPENED;
}

const struct ipv6cp_result *ipv6cp_result(const struct ipv6cp *v)
{
	return &v->res;
}
