/*
 * LCP option handling and LCP-only codes. One handler per option in
 * lcp_req_option(); the automaton is in fsm.c.
 */
#include "common/ppp/lcp.h"

#include <string.h>

#include "common/log.h"

#define LCP_LOOP_MAX 5 /* own magic seen this often: looped-back link */

static struct lcp *to_lcp(struct fsm *f)
{
	return f->ctx;
}

const char *lcp_auth_name(enum lcp_auth a)
{
	static const char *const names[LCP_AUTH_MAX] = {
		"none", "mschapv2", "mschapv1", "chap-md5", "pap", "eap",
	};
	return (unsigned)a < LCP_AUTH_MAX ? names[a] : "?";
}

const char *lcp_fail_name(enum lcp_fail f)
{
	switch (f) {
	case LCP_FAIL_NONE: return "none";
	case LCP_FAIL_LOOPBACK: return "loopback detected";
	case LCP_FAIL_AUTH: return "no acceptable authentication protocol";
	}
	return "?";
}

static uint32_t new_magic(struct lcp *l)
{
	uint32_t m = 0;
	for (int i = 0; i < 8 && m == 0; i++)
		m = l->ev && l->ev->random ? l->ev->random(l->arg) : 0x5A5A0000u + (uint32_t)i;
	return m ? m : 0x1;
}

static enum lcp_auth first_auth(unsigned set)
{
	if (set & LCP_AUTH_BIT(LCP_AUTH_EAP))
		return LCP_AUTH_EAP;
	for (int a = LCP_AUTH_MSCHAPV2; a < LCP_AUTH_EAP; a++)
		if (set & LCP_AUTH_BIT(a))
			return (enum lcp_auth)a;
	return LCP_AUTH_NONE;
}

static void write_auth(struct wbuf *w, enum lcp_auth a, bool with_header)
{
	static const uint8_t alg[LCP_AUTH_MAX] = {
		0, CHAP_ALG_MSCHAPV2, CHAP_ALG_MSCHAPV1, CHAP_ALG_MD5, 0, 0,
	};
	if (with_header) {
		wbuf_u8(w, LCP_OPT_AUTH);
		wbuf_u8(w, PPP_OPT_HDR_LEN +
			   (a == LCP_AUTH_PAP ? LCP_AUTH_PAP_LEN :
			    a == LCP_AUTH_EAP ? LCP_AUTH_EAP_LEN : LCP_AUTH_CHAP_LEN));
	}
	if (a == LCP_AUTH_PAP) {
		wbuf_be16(w, PPP_PROTO_PAP);
	} else if (a == LCP_AUTH_EAP) {
		wbuf_be16(w, PPP_PROTO_EAP);
	} else {
		wbuf_be16(w, PPP_PROTO_CHAP);
		wbuf_u8(w, alg[a]);
	}
}

static enum lcp_auth parse_auth(const uint8_t *d, size_t n)
{
	struct rbuf r;
	uint16_t proto = 0;
	uint8_t alg = 0;

	rbuf_init(&r, d, n);
	if (!rbuf_be16(&r, &proto))
		return LCP_AUTH_NONE;
	if (proto == PPP_PROTO_PAP && n == LCP_AUTH_PAP_LEN)
		return LCP_AUTH_PAP;
	if (proto == PPP_PROTO_EAP && n == LCP_AUTH_EAP_LEN)
		return LCP_AUTH_EAP;
	if (proto != PPP_PROTO_CHAP || n != LCP_AUTH_CHAP_LEN || !rbuf_u8(&r, &alg))
		return LCP_AUTH_NONE;
	switch (alg) {
	case CHAP_ALG_MSCHAPV2: return LCP_AUTH_MSCHAPV2;
	case CHAP_ALG_MSCHAPV1: return LCP_AUTH_MSCHAPV1;
	case CHAP_ALG_MD5: return LCP_AUTH_CHAP_MD5;
	default: return LCP_AUTH_NONE;
	}
}

static void lcp_build_request(struct fsm *f, struct wbuf *w)
{
	struct lcp *l = to_lcp(f);

	if (l->want.mru) {
		wbuf_u8(w, LCP_OPT_MRU);
		wbuf_u8(w, PPP_OPT_HDR_LEN + LCP_MRU_LEN);
		wbuf_be16(w, l->want.mru_val);
	}
	if (l->want.auth)
		write_auth(w, l->want.auth_val, true);
	if (l->want.magic) {
		wbuf_u8(w, LCP_OPT_MAGIC);
		wbuf_u8(w, PPP_OPT_HDR_LEN + LCP_MAGIC_LEN);
		wbuf_be32(w, l->want.magic_val);
	}
	if (l->want.pfc) {
		wbuf_u8(w, LCP_OPT_PFC);
		wbuf_u8(w, PPP_OPT_HDR_LEN);
	}
	if (l->want.acfc) {
		wbuf_u8(w, LCP_OPT_ACFC);
		wbuf_u8(w, PPP_OPT_HDR_LEN);
	}
	/* lcp_config.windows_options, in Windows' order and values */
	if (l->want.callback) {
		wbuf_u8(w, LCP_OPT_CALLBACK);
		wbuf_u8(w, PPP_OPT_HDR_LEN + 1);
		wbuf_u8(w, LCP_WIN_CALLBACK_CBCP);
	}
	if (l->want.mrru) {
		wbuf_u8(w, LCP_OPT_MRRU);
		wbuf_u8(w, PPP_OPT_HDR_LEN + 2);
		wbuf_be16(w, LCP_WIN_MRRU);
	}
	if (l->want.epdisc) {
		/* class 1 (locally assigned), 4 octets: our magic number */
		wbuf_u8(w, LCP_OPT_EPDISC);
		wbuf_u8(w, PPP_OPT_HDR_LEN + 1 + 4);
		wbuf_u8(w, 1);
		wbuf_be32(w, l->want.magic_val);
	}
	if (l->want.ldisc) {
		wbuf_u8(w, LCP_OPT_LDISC);
		wbuf_u8(w, PPP_OPT_HDR_LEN + 2);
		wbuf_be16(w, 0);
	}
}

/* A Nak or Reject of one of lcp_config.windows_options: leave it out. */
static void drop_windows_option(struct lcp *l, uint8_t type)
{
	switch (type) {
	case LCP_OPT_CALLBACK: l->want.callback = false; break;
	case LCP_OPT_MRRU: l->want.mrru = false; break;
	case LCP_OPT_EPDISC: l->want.epdisc = false; break;
	case LCP_OPT_LDISC: l->want.ldisc = false; break;
	default: break;
	}
}

static void lcp_req_begin(struct fsm *f)
{
	struct lcp *l = to_lcp(f);

	memset(&l->pend, 0, sizeof(l->pend));
	l->pend.peer_mru = PPP_MRU_DEFAULT;
}

static enum fsm_verdict lcp_req_option(struct fsm *f, uint8_t type, const uint8_t *d, size_t n,
				       struct wbuf *nak)
{
	struct lcp *l = to_lcp(f);

	switch (type) {
	case LCP_OPT_MRU:
		if (n != LCP_MRU_LEN)
			return FSM_OPT_REJECT;
		if (load_be16(d) < PPP_MRU_MIN) {
			wbuf_be16(nak, PPP_MRU_MIN);
			return FSM_OPT_NAK;
		}
		l->pend.peer_mru = load_be16(d);
		return FSM_OPT_ACK;
	case LCP_OPT_ACCM:
		/* PPTP is synchronous: any map is fine and unused. */
		return n == LCP_ACCM_LEN ? FSM_OPT_ACK : FSM_OPT_REJECT;
	case LCP_OPT_AUTH: {
		if (l->cfg->role == PPP_ROLE_SERVER || l->cfg->auth_allowed == 0)
			return FSM_OPT_REJECT; /* we do not authenticate ourselves */
		enum lcp_auth a = parse_auth(d, n);
		if (a != LCP_AUTH_NONE && (l->cfg->auth_allowed & LCP_AUTH_BIT(a))) {
			l->pend.auth = a;
			return FSM_OPT_ACK;
		}
		write_auth(nak, first_auth(l->cfg->auth_allowed), false);
		return FSM_OPT_NAK;
	}
	case LCP_OPT_MAGIC: {
		if (n != LCP_MAGIC_LEN)
			return FSM_OPT_REJECT;
		uint32_t m = load_be32(d);
		if (m == 0 || (l->want.magic && m == l->want.magic_val)) {
			if (m != 0 && ++l->loop_naks >= LCP_LOOP_MAX)
				l->fail = LCP_FAIL_LOOPBACK;
			if (m != 0)
				l->want.magic_val = new_magic(l);
			uint32_t s = new_magic(l);
			if (s == l->want.magic_val)
				s ^= 0x80000001u;
			wbuf_be32(nak, s);
			return FSM_OPT_NAK;
		}
		l->pend.peer_magic = m;
		return FSM_OPT_ACK;
	}
	case LCP_OPT_PFC:
		if (n != 0)
			return FSM_OPT_REJECT;
		l->pend.pfc_tx = true;
		return FSM_OPT_ACK;
	case LCP_OPT_ACFC:
		if (n != 0)
			return FSM_OPT_REJECT;
		l->pend.acfc_tx = true;
		return FSM_OPT_ACK;
	case LCP_OPT_EPDISC:
		return n >= 1 ? FSM_OPT_ACK : FSM_OPT_REJECT;
	default:
		/* callback 13, MRRU 17, SSNHF 18, link discriminator 23, quality, ... */
		return FSM_OPT_REJECT;
	}
}

static void lcp_req_acked(struct fsm *f)
{
	struct lcp *l = to_lcp(f);

	l->res.peer_mru = l->pend.peer_mru;
	l->res.pfc_tx = l->pend.pfc_tx;
	l->res.acfc_tx = l->pend.acfc_tx;
	l->res.peer_magic = l->pend.peer_magic;
	if (l->cfg->role == PPP_ROLE_CLIENT)
		l->res.auth = l->pend.auth;
}

static void lcp_rcv_ack(struct fsm *f)
{
	struct lcp *l = to_lcp(f);

	l->res.our_mru = l->want.mru ? l->want.mru_val : PPP_MRU_DEFAULT;
	l->res.pfc_rx = l->want.pfc;
	l->res.acfc_rx = l->want.acfc;
	l->res.our_magic = l->want.magic ? l->want.magic_val : 0;
	if (l->cfg->role == PPP_ROLE_SERVER)
		l->res.auth = l->want.auth ? l->want.auth_val : LCP_AUTH_NONE;
}

/* The peer does not want the protocol we asked for: its suggestion if we
 * allow it, else the next one we allow, else give up. */
static void auth_refused(struct lcp *l, enum lcp_auth suggested)
{
	l->auth_left &= ~LCP_AUTH_BIT(l->want.auth_val);
	if (l->want.auth_val == LCP_AUTH_EAP) {
		/* Once per negotiation: the peer says no to EAP once. */
		enum lcp_auth next = suggested != LCP_AUTH_NONE &&
				     (l->auth_left & LCP_AUTH_BIT(suggested)) ?
				     suggested : first_auth(l->auth_left);
		log_notice("%s ppp=lcp event=eap-refused suggested=%s fallback=%s",
			   FSM_LOG_ID(&l->fsm), lcp_auth_name(suggested),
			   l->auth_left ? lcp_auth_name(next) : "none");
	}
	if (suggested != LCP_AUTH_NONE && (l->auth_left & LCP_AUTH_BIT(suggested))) {
		l->want.auth_val = suggested;
		return;
	}
	if (l->auth_left) {
		l->want.auth_val = first_auth(l->auth_left);
		return;
	}
	l->fail = LCP_FAIL_AUTH;
}

static void lcp_rcv_nak(struct fsm *f, uint8_t type, const uint8_t *d, size_t n)
{
	struct lcp *l = to_lcp(f);

	switch (type) {
	case LCP_OPT_MRU:
		if (n == LCP_MRU_LEN && load_be16(d) >= PPP_MRU_MIN && load_be16(d) <= l->cfg->mru)
			l->want.mru_val = load_be16(d);
		else
			l->want.mru = false;
		break;
	case LCP_OPT_AUTH:
		if (l->want.auth)
			auth_refused(l, parse_auth(d, n));
		break;
	case LCP_OPT_MAGIC:
		l->want.magic_val = new_magic(l);
		break;
	case LCP_OPT_PFC: /* a Nak of a boolean option: treat as Reject */
		l->want.pfc = false;
		break;
	case LCP_OPT_ACFC:
		l->want.acfc = false;
		break;
	default:
		drop_windows_option(l, type);
		break;
	}
}

static void lcp_rcv_reject(struct fsm *f, uint8_t type, const uint8_t *d, size_t n)
{
	struct lcp *l = to_lcp(f);

	(void)d;
	(void)n;
	switch (type) {
	case LCP_OPT_MRU: l->want.mru = false; break;
	case LCP_OPT_AUTH:
		/* Authentication is not optional; a peer that rejects the
		 * option for EAP may still take the CHAP kinds when asked
		 * (a Windows RAS server falls back so too). */
		if (l->want.auth && l->want.auth_val == LCP_AUTH_EAP)
			auth_refused(l, LCP_AUTH_NONE);
		else if (l->want.auth)
			l->fail = LCP_FAIL_AUTH;
		break;
	case LCP_OPT_MAGIC: l->want.magic = false; break;
	case LCP_OPT_PFC: l->want.pfc = false; break;
	case LCP_OPT_ACFC: l->want.acfc = false; break;
	default: drop_windows_option(l, type); break;
	}
}

static uint32_t our_magic(const struct lcp *l)
{
	return l->res.our_magic;
}

static enum fsm_xcode lcp_extra_code(struct fsm *f, uint8_t code, uint8_t id, struct rbuf *d)
{
	struct lcp *l = to_lcp(f);
	bool opened = f->state == FSM_OPENED;
	uint16_t proto;
	uint32_t magic;

	(void)id;
	switch (code) {
	case PPP_PROTO_REJ:
		if (opened && rbuf_be16(d, &proto) && proto != PPP_PROTO_LCP) {
			log_info("%s ppp=lcp event=protocol-reject proto=0x%04x", FSM_LOG_ID(&l->fsm),
				 proto);
			if (l->ev && l->ev->protocol_rejected)
				l->ev->protocol_rejected(l->arg, proto);
		}
		return FSM_XC_HANDLED;
	case PPP_ECHO_REQ:
		return FSM_XC_RXR;
	case PPP_ECHO_REP:
		if (opened && rbuf_be32(d, &magic) && (magic == 0 || magic != our_magic(l))) {
			l->echo_outstanding = 0;
			l->echo_replies++;
		}
		return FSM_XC_RXR;
	case PPP_DISCARD_REQ:
		l->discards++;
		return FSM_XC_RXR;
	case PPP_IDENTIFICATION:
		l->idents++;
		return FSM_XC_HANDLED;
	case PPP_TIME_REMAINING:
		l->time_remaining++;
		return FSM_XC_HANDLED;
	default:
		return FSM_XC_UNKNOWN;
	}
}

static void lcp_ser(struct fsm *f, uint8_t code, uint8_t id, struct rbuf *d)
{
	struct lcp *l = to_lcp(f);
	uint8_t buf[FSM_PKT_MAX];
	struct wbuf w;
	size_t room;

	if (code != PPP_ECHO_REQ || !rbuf_skip(d, LCP_MAGIC_LEN))
		return;
	/* The whole reply (code..data) must fit the peer's MRU. */
	room = l->res.peer_mru > PPP_CP_HDR_LEN ? l->res.peer_mru - PPP_CP_HDR_LEN : 0;
	if (room > sizeof(buf))
		room = sizeof(buf);
	if (room < LCP_MAGIC_LEN)
		return;
	wbuf_init(&w, buf, room);
	wbuf_be32(&w, our_magic(l));
	size_t n = rbuf_left(d);
	wbuf_bytes(&w, rbuf_take(d, n), n > wbuf_room(&w) ? wbuf_room(&w) : n);
	fsm_send(f, PPP_ECHO_REP, id, buf, w.len);
}

static void lcp_up(struct fsm *f)
{
	struct lcp *l = to_lcp(f);

	l->echo_outstanding = 0;
	l->next_echo_ms = 0;
	log_info("%s ppp=lcp event=up mru=%u peer-mru=%u auth=%s", FSM_LOG_ID(&l->fsm),
		 l->res.our_mru, l->res.peer_mru, lcp_auth_name(l->res.auth));
	if (l->ev && l->ev->up)
		l->ev->up(l->arg);
}

static void lcp_down(struct fsm *f)
{
	struct lcp *l = to_lcp(f);
	if (l->ev && l->ev->down)
		l->ev->down(l->arg);
}

static void lcp_finished(struct fsm *f)
{
	struct lcp *l = to_lcp(f);
	if (l->ev && l->ev->finished)
		l->ev->finished(l->arg);
}

static const struct fsm_ops lcp_ops = {
	.build_request = lcp_build_request,
	.req_begin = lcp_req_begin,
	.req_option = lcp_req_option,
	.req_acked = lcp_req_acked,
	.rcv_ack = lcp_rcv_ack,
	.rcv_nak = lcp_rcv_nak,
	.rcv_reject = lcp_rcv_reject,
	.extra_code = lcp_extra_code,
	.ser = lcp_ser,
	.up = lcp_up,
	.down = lcp_down,
	.finished = lcp_finished,
};

static void reset_want(struct lcp *l)
{
	const struct lcp_config *c = l->cfg;

	memset(&l->want, 0, sizeof(l->want));
	l->want.mru = c->mru && c->mru != PPP_MRU_DEFAULT;
	l->want.mru_val = c->mru;
	l->auth_left = c->auth_allowed & ~LCP_AUTH_BIT(LCP_AUTH_NONE);
	l->want.auth = c->role == PPP_ROLE_SERVER && l->auth_left != 0;
	l->want.auth_val = first_auth(l->auth_left);
	l->want.magic = true;
	l->want.magic_val = new_magic(l);
	l->want.pfc = c->pfc;
	l->want.acfc = c->acfc;
	l->want.callback = l->want.mrru = l->want.epdisc = l->want.ldisc =
		c->role == PPP_ROLE_CLIENT && c->windows_options;
	memset(&l->res, 0, sizeof(l->res));
	l->res.peer_mru = l->res.our_mru = PPP_MRU_DEFAULT;
	l->loop_naks = 0;
	l->fail = LCP_FAIL_NONE;
	l->fail_handled = false;
}

void lcp_init(struct lcp *l, const struct lcp_config *cfg, const struct fsm_io *io,
	      const struct lcp_events *ev, void *arg)
{
	memset(l, 0, sizeof(*l));
	l->cfg = cfg;
	l->ev = ev;
	l->arg = arg;
	fsm_init(&l->fsm, "lcp", PPP_PROTO_LCP, &lcp_ops, l, io);
	reset_want(l);
}

static void act_on_failure(struct lcp *l)
{
	if (l->fail == LCP_FAIL_NONE || l->fail_handled)
		return;
	l->fail_handled = true;
	log_notice("%s ppp=lcp event=fail reason=\"%s\"", FSM_LOG_ID(&l->fsm),
		   lcp_fail_name(l->fail));
	fsm_close(&l->fsm, lcp_fail_name(l->fail));
}

void lcp_open(struct lcp *l)
{
	reset_want(l);
	fsm_open(&l->fsm);
	fsm_up(&l->fsm);
}

void lcp_close(struct lcp *l, const char *reason)
{
	fsm_close(&l->fsm, reason);
}

void lcp_lower_down(struct lcp *l)
{
	fsm_down(&l->fsm);
}

void lcp_timeout(struct lcp *l)
{
	fsm_timeout(&l->fsm);
}

void lcp_input(struct lcp *l, const uint8_t *pkt, size_t len)
{
	fsm_input(&l->fsm, pkt, len);
	act_on_failure(l);
}

bool lcp_send_echo(struct lcp *l)
{
	uint8_t magic[4];

	if (l->fsm.state != FSM_OPENED)
		return false;
	store_be32(magic, our_magic(l));
	l->echo_sent++;
	return fsm_send(&l->fsm, PPP_ECHO_REQ, fsm_new_id(&l->fsm), magic, sizeof(magic));
}

void lcp_note_rx(struct lcp *l, uint64_t now_ms)
{
	l->echo_outstanding = 0;
	l->next_echo_ms = now_ms + l->cfg->echo_interval_ms;
}

bool lcp_keepalive(struct lcp *l, uint64_t now_ms)
{
	if (l->cfg->echo_interval_ms == 0 || l->fsm.state != FSM_OPENED)
		return true;
	if (l->next_echo_ms == 0) {
		l->next_echo_ms = now_ms + l->cfg->echo_interval_ms;
		return true;
	}
	if (now_ms < l->next_echo_ms)
		return true;
	if (l->echo_outstanding >= l->cfg->echo_failures)
		return false;
	lcp_send_echo(l);
	l->echo_outstanding++;
	l->next_echo_ms = now_ms + l->cfg->echo_interval_ms;
	return true;
}

bool lcp_send_protocol_reject(struct lcp *l, uint16_t proto, const uint8_t *info, size_t len)
{
	uint8_t buf[FSM_PKT_MAX];
	struct wbuf w;
	size_t room;

	if (l->fsm.state != FSM_OPENED)
		return false;
	room = l->res.peer_mru > PPP_CP_HDR_LEN ? l->res.peer_mru - PPP_CP_HDR_LEN : 0;
	if (room > sizeof(buf) - PPP_CP_HDR_LEN)
		room = sizeof(buf) - PPP_CP_HDR_LEN;
	if (room < 2)
		return false;
	wbuf_init(&w, buf, room);
	wbuf_be16(&w, proto);
	if (info && len)
		wbuf_bytes(&w, info, len > wbuf_room(&w) ? wbuf_room(&w) : len);
	return fsm_send(&l->fsm, PPP_PROTO_REJ, fsm_new_id(&l->fsm), buf, w.len);
}

bool lcp_is_opened(const struct lcp *l)
{
	return l->fsm.state == FSM_OPENED;
}

const struct lcp_result *lcp_result(const struct lcp *l)
{
	return &l->res;
}
