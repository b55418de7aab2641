/*
 * The PPP link: framing, protocol demultiplexing, phases, timers and the
 * MPPE data path around LCP, CHAP/PAP, CCP and IPCP.
 *
 * About re-entrancy. The protocol objects report events through callbacks
 * that must not call back into the same object. So every callback here only
 * records what happened (a bit in l->work, plus any data it must copy) and
 * returns; run() does the work once the outermost entry point is about to
 * return, one item at a time, until nothing is left. Entry points called
 * from inside an ops callback (ppp_auth_result from auth_request, ppp_close
 * from ip_up, ...) only record too: the outer run() picks them up.
 *
 * About termination. fail() sets the cause (first one wins), drops the
 * authentication (telling the owner to cancel a pending backend request),
 * takes CCP, IPCP and MPPE down without sending anything and closes LCP,
 * whose Terminate-Request carries the detail text. ops->down follows when
 * LCP has finished (Terminate-Ack, or the restart timer gave up), or at once
 * when LCP had nothing to close. ppp_lower_down() skips the wait. In every
 * case ops->down is delivered by run() as the very last thing, once.
 *
 * A verdict that accepts the credentials but carries no address still
 * gets its Success sent (the credentials were right, and the client then
 * shows the reason from our Terminate-Request rather than a bogus
 * "wrong password"); the link then ends with PPP_CAUSE_NO_ADDRESS before
 * any NCP starts.
 */
#include "common/ppp/ppp.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/crypto.h"
#include "common/log.h"
#include "common/mschap.h"
#include "common/ppp/ccp.h"
#include "common/ppp/eap_sm.h"
#include "common/ppp/ipcp.h"
#include "common/ppp/ipv6cp.h"
#include "common/ppp/lcp.h"
#include "common/ppp/mppe.h"
#include "common/ppp/ppp_data.h"

#define DEFAULT_MRU           1400
#define DEFAULT_ECHO_FAILURES 3
#define DETAIL_MAX            64
#define NO_DEADLINE           UINT64_MAX
#define PPP_RESET_REPEAT_MS   500 /* CCP Reset-Request repeat while discarding */

enum auth_kind {
	AUTH_NONE,
	AUTH_CHAP,
	AUTH_PAP,
	AUTH_EAP,
};

enum auth_end {
	AUTH_END_SUCCESS,
	AUTH_END_FAILURE,
	AUTH_END_TIMEOUT,
	AUTH_END_ROUNDS,                /* EAP: more rounds than eap_max_rounds */
};

/* Timers the sub-objects asked for; the keepalive is read from struct lcp. */
enum link_timer {
	T_LCP,
	T_CCP,
	T_IPCP,
	T_AUTH,
	T_IPV6CP,
	T_COUNT
};

/* Work recorded by callbacks, done by run() in the order of do_one(). */
enum link_work {
	W_CLOSE         = 1u << 0,  /* ppp_close() from inside a callback */
	W_LOWER_DOWN    = 1u << 1,
	W_LCP_FINISHED  = 1u << 2,
	W_LCP_DOWN      = 1u << 3,
	W_LCP_UP        = 1u << 4,
	W_AUTH_REQUEST  = 1u << 5,  /* hand the copied request to the owner */
	W_AUTH_VERDICT  = 1u << 6,  /* apply the owner's stored verdict */
	W_AUTH_DONE     = 1u << 7,
	W_AUTH_REJECTED = 1u << 8,  /* the peer Protocol-Rejected CHAP/PAP */
	W_CCP_REJECTED  = 1u << 9,
	W_CCP_REFUSED   = 1u << 10,
	W_CCP_DOWN      = 1u << 11,
	W_CCP_UP        = 1u << 12,
	W_IPCP_REJECTED = 1u << 13,
	W_IPCP_DOWN     = 1u << 14,
	W_IPCP_UP       = 1u << 15,
	W_IPCP_NO_ADDRESS = 1u << 16, /* the peer will not take its address */
	W_CCP_RENEGOTIATE = 1u << 17, /* the peer asked to renegotiate CCP */
	/* IPv6, at the top so other work can take the bits in between */
	W_IPV6CP_REJECTED = 1u << 28, /* the peer Protocol-Rejected IPV6CP */
	W_IPV6CP_DOWN     = 1u << 29,
	W_IPV6CP_UP       = 1u << 30,
};

/* The CHAP, PAP or EAP exchange and the request it hands the owner: about
 * 2.3 KB (EAP: 3.4 KB, two packets of EAP_PACKET_MAX) that only the
 * authentication phase needs. Allocated by start_auth(),
 * freed when the link is running (the peer is in the network phase, so it
 * got our Success and will not resend its Response) or with the link. In
 * between, CHAP/PAP packets and the auth timer go here; after, they are
 * dropped and counted as any unexpected protocol's. */
struct link_auth {
	union {                         /* the one l->auth names (set once) */
		struct chap chap;
		struct pap pap;
		struct eap eap;
	};
	struct eap_packet_info req_eap; /* points into eap */
	/* The verdict's EAP Success/Failure (EAP_HDR_LEN octets when valid). */
	uint8_t v_eap[EAP_HDR_LEN];
	size_t v_eap_len;
	struct chap_response_info req_chap;
	uint8_t req_name[CHAP_NAME_MAX];
	uint8_t req_challenge[CHAP_CHALLENGE_MAX];
	struct pap_request_info req_pap;
	uint8_t req_peer_id[PAP_FIELD_MAX];
	uint8_t req_password[PAP_FIELD_MAX];
	char v_response[MSCHAP_AUTH_RESPONSE_LEN + 1];
};

struct ppp_link {
	struct ppp_config cfg;          /* string pointers replaced by ours */
	const struct ppp_ops *ops;
	void *owner;
	/* host_name, user and password (the cfg strings, copied) end to end
	 * in one block of their length: strs. peer_name: the authenticated
	 * name, allocated to its length; NULL before (and after a failure). */
	char *strs;
	const char *host_name, *user;
	char *password;
	size_t password_len;
	char *peer_name;

	enum ppp_phase phase;
	enum ppp_cause cause;
	char detail[DETAIL_MAX];
	uint64_t now;
	unsigned depth;                 /* entry points on the stack */
	unsigned work;                  /* enum link_work bits */
	bool started;
	bool lower_gone;                /* nothing may be sent any more */
	bool final;                     /* ops->down is due */
	bool down_done;                 /* ops->down was called */
	bool peer_terminated;           /* LCP Terminate-Request in Opened */
	enum ppp_cause close_cause;     /* W_CLOSE / W_LOWER_DOWN arguments */
	char close_detail[DETAIL_MAX];

	struct fsm_io io;
	struct lcp_config lcp_cfg;
	struct lcp lcp;
	struct ccp_config ccp_cfg;
	struct ccp ccp;
	struct ipcp_config ipcp_cfg;
	struct ipcp ipcp;
	bool use_ccp;                   /* policy: run CCP in the network phase */
	bool ccp_running, ipcp_running; /* opened in the network phase */
	/* With MPPE required, IPCP starts only once MPPE is up; the newest IPCP
	 * packet the peer sent before that (Windows does) is kept and replayed
	 * then, so neither side waits for a restart timer. Allocated when
	 * one is held (FSM_PKT_MAX bytes), freed once replayed: most of a
	 * link's life holds none. */
	uint8_t *held_ipcp;
	size_t held_ipcp_len;
	/* IPv6 (cfg.allow_ipv6): IPV6CP runs beside IPCP; ipv6_up once
	 * ops->ipv6_up was called (IPV6CP Opened and the link RUNNING). The
	 * newest IPV6CP packet sent before IPV6CP starts is held and
	 * replayed as IPCP's is. */
	struct ipv6cp_config ipv6cp_cfg;
	struct ipv6cp ipv6cp;
	bool ipv6cp_running, ipv6_up;
	uint8_t *held_ipv6cp;
	size_t held_ipv6cp_len;

	/* Authentication */
	enum auth_kind auth;
	struct link_auth *a;            /* NULL before start_auth() and once running */
	enum auth_end auth_end;
	unsigned auth_error;
	bool auth_outstanding;          /* ops->auth_request made, no verdict yet */
	unsigned auth_refusals;         /* verdicts that refused the credentials */
	/* The owner's verdict (server) */
	unsigned v_error;
	bool v_has_response;
	bool have_keys;
	uint8_t send_key[16], recv_key[16];
	uint32_t peer_addr;

	/* MPPE */
	bool mppe_up;
	bool data_moved;      /* ppp_data_export(): the data path is a worker's */
	bool mppe_started;              /* keys were set up once: never again */
	bool mppe_refusal_logged;       /* the first MPPE_RX_REFUSED was logged */
	bool eap_drop_logged;           /* the first dropped EAP packet was logged */
	uint64_t last_reset_ms;         /* last CCP Reset-Request sent */
	struct mppe_tx tx;
	struct mppe_rx rx;

	uint64_t deadline[T_COUNT];
	struct ppp_stats stats;
};

static void fail(struct ppp_link *l, enum ppp_cause cause, const char *detail);

/* ---- Names ---- */

const char *ppp_phase_name(enum ppp_phase p)
{
	switch (p) {
	case PPP_PHASE_DEAD: return "dead";
	case PPP_PHASE_ESTABLISH: return "establish";
	case PPP_PHASE_AUTHENTICATE: return "authenticate";
	case PPP_PHASE_NETWORK: return "network";
	case PPP_PHASE_RUNNING: return "running";
	case PPP_PHASE_TERMINATE: return "terminate";
	}
	return "unknown";
}

const char *ppp_cause_name(enum ppp_cause c)
{
	switch (c) {
	case PPP_CAUSE_NONE: return "none";
	case PPP_CAUSE_PEER_TERMINATE: return "peer-terminate";
	case PPP_CAUSE_LOWER_DOWN: return "lower-down";
	case PPP_CAUSE_KEEPALIVE: return "keepalive";
	case PPP_CAUSE_LCP_FAILED: return "lcp-failed";
	case PPP_CAUSE_LOOPBACK: return "loopback";
	case PPP_CAUSE_AUTH_FAILED: return "auth-failed";
	case PPP_CAUSE_AUTH_TIMEOUT: return "auth-timeout";
	case PPP_CAUSE_ENCRYPTION_REFUSED: return "encryption-refused";
	case PPP_CAUSE_IPCP_FAILED: return "ipcp-failed";
	case PPP_CAUSE_NO_ADDRESS: return "no-address";
	case PPP_CAUSE_MPPE_ERROR: return "mppe-error";
	case PPP_CAUSE_ADMIN: return "admin";
	case PPP_CAUSE_SHUTDOWN: return "shutdown";
	case PPP_CAUSE_SESSION_TIMEOUT: return "session-timeout";
	case PPP_CAUSE_IDLE_TIMEOUT: return "idle-timeout";
	case PPP_CAUSE_MPPE_ABUSE: return "mppe-abuse";
	case PPP_CAUSE_CCP_RENEGOTIATED: return "ccp-renegotiated";
	}
	return "unknown";
}

/* ---- Output ---- */

/* One control packet (code, id, length, data) of protocol proto. The
 * frame is built on the stack (ops->send may use it during the call only):
 * a link keeps no transmit buffer of its own. */
static void send_ctl(struct ppp_link *l, uint16_t proto, const uint8_t *pkt, size_t len)
{
	uint8_t buf[PPP_HEADROOM_MAX + PPP_FRAME_MAX];
	uint8_t *frame = buf + l->cfg.headroom;
	const struct lcp_result *res = lcp_result(&l->lcp);
	bool is_lcp = proto == PPP_PROTO_LCP;
	bool opened = lcp_is_opened(&l->lcp);
	struct wbuf w;

	if (l->lower_gone || l->down_done)
		return;
	wbuf_init(&w, frame, PPP_FRAME_MAX);
	if (is_lcp || !opened || !res->acfc_tx) {
		wbuf_u8(&w, 0xFF);
		wbuf_u8(&w, 0x03);
	}
	if (!is_lcp && opened && res->pfc_tx && proto < 0x100)
		wbuf_u8(&w, (uint8_t)proto);
	else
		wbuf_be16(&w, proto);
	wbuf_bytes(&w, pkt, len);
	if (!wbuf_ok(&w))
		return; /* control packets are bounded well below the frame size */
	l->stats.tx_frames++;
	l->ops->send(l->owner, frame, w.len);
}

/* One data packet of protocol inner (IPv4 or IPv6: MPPE covers both the
 * same way, RFC 3078), encrypted in place when MPPE is up. */
static bool send_data(struct ppp_link *l, uint16_t inner, uint8_t *pkt, size_t len)
{
	const struct lcp_result *res = lcp_result(&l->lcp);
	uint8_t *p;
	size_t n = len;

	if (l->down_done || l->lower_gone || l->phase != PPP_PHASE_RUNNING || len == 0 ||
	    len > PPP_FRAME_MAX - PPP_TX_HEADROOM || (l->cfg.mppe_required && !l->mppe_up) ||
	    l->data_moved) {
		l->stats.tx_dropped++;
		return false;
	}
	p = ppp_data_wrap(l->mppe_up ? &l->tx : NULL, res->pfc_tx, res->acfc_tx, inner, pkt, &n);
	l->stats.tx_frames++;
	if (inner == PPP_PROTO_IPV6) {
		l->stats.tx_ipv6_packets++;
		l->stats.tx_ipv6_bytes += len;
	} else {
		l->stats.tx_ip_packets++;
		l->stats.tx_ip_bytes += len;
	}
	l->ops->send(l->owner, p, n);
	return true;
}

bool ppp_send_ip(struct ppp_link *l, uint8_t *pkt, size_t len, uint64_t now)
{
	(void)now;
	return send_data(l, PPP_PROTO_IP, pkt, len);
}

bool ppp_send_ipv6(struct ppp_link *l, uint8_t *pkt, size_t len, uint64_t now)
{
	(void)now;
	if (!l->ipv6_up) {
		l->stats.tx_dropped++;
		return false;
	}
	return send_data(l, PPP_PROTO_IPV6, pkt, len);
}

/* ---- Timers ---- */

static enum link_timer fsm_timer(struct ppp_link *l, const struct fsm *f)
{
	if (f == &l->lcp.fsm)
		return T_LCP;
	if (f == &l->ccp.fsm)
		return T_CCP;
	if (f == &l->ipv6cp.fsm)
		return T_IPV6CP;
	return T_IPCP;
}

static void io_send(void *arg, uint16_t proto, const uint8_t *pkt, size_t len)
{
	send_ctl(arg, proto, pkt, len);
}

static void io_timer_start(void *arg, struct fsm *f, unsigned ms)
{
	struct ppp_link *l = arg;
	l->deadline[fsm_timer(l, f)] = l->now + ms;
}

static void io_timer_stop(void *arg, struct fsm *f)
{
	struct ppp_link *l = arg;
	l->deadline[fsm_timer(l, f)] = NO_DEADLINE;
}

static bool keepalive_armed(const struct ppp_link *l)
{
	return l->lcp_cfg.echo_interval_ms && lcp_is_opened(&l->lcp) &&
	       l->lcp.next_echo_ms != 0 && l->phase != PPP_PHASE_TERMINATE;
}

uint64_t ppp_next_deadline(const struct ppp_link *l)
{
	uint64_t next = NO_DEADLINE;

	if (l->down_done)
		return NO_DEADLINE;
	for (int i = 0; i < T_COUNT; i++)
		if (l->deadline[i] < next)
			next = l->deadline[i];
	if (keepalive_armed(l) && l->lcp.next_echo_ms < next)
		next = l->lcp.next_echo_ms;
	return next;
}

/* ---- Random ---- */

static bool link_random(void *ctx, void *buf, size_t len)
{
	struct ppp_link *l = ctx;

	if (l->ops->random)
		return l->ops->random(l->owner, buf, len);
	return crypto_random(buf, len);
}

static uint32_t lcp_ev_random(void *arg)
{
	uint32_t v = 0;

	if (!link_random(arg, &v, sizeof(v)))
		v = 0; /* LCP then sends no magic number */
	return v;
}

/* ---- Sub-object callbacks: record only ---- */

static void lcp_ev_up(void *arg) { ((struct ppp_link *)arg)->work |= W_LCP_UP; }
static void lcp_ev_down(void *arg) { ((struct ppp_link *)arg)->work |= W_LCP_DOWN; }
static void lcp_ev_finished(void *arg) { ((struct ppp_link *)arg)->work |= W_LCP_FINISHED; }

static void lcp_ev_protocol_rejected(void *arg, uint16_t proto)
{
	struct ppp_link *l = arg;

	switch (proto) {
	case PPP_PROTO_CCP:
		l->work |= W_CCP_REJECTED;
		break;
	case PPP_PROTO_IPCP:
		l->work |= W_IPCP_REJECTED;
		break;
	case PPP_PROTO_IPV6CP:
		l->work |= W_IPV6CP_REJECTED;
		break;
	case PPP_PROTO_CHAP:
	case PPP_PROTO_PAP:
	case PPP_PROTO_EAP:
		l->work |= W_AUTH_REJECTED;
		break;
	default:
		break;
	}
}

static const struct lcp_events lcp_events = {
	.up = lcp_ev_up,
	.down = lcp_ev_down,
	.finished = lcp_ev_finished,
	.protocol_rejected = lcp_ev_protocol_rejected,
	.random = lcp_ev_random,
};

static void ccp_ev_up(void *arg) { ((struct ppp_link *)arg)->work |= W_CCP_UP; }
static void ccp_ev_down(void *arg) { ((struct ppp_link *)arg)->work |= W_CCP_DOWN; }
static void ccp_ev_refused(void *arg) { ((struct ppp_link *)arg)->work |= W_CCP_REFUSED; }
static void ccp_ev_renegotiate(void *arg) { ((struct ppp_link *)arg)->work |= W_CCP_RENEGOTIATE; }

static void ccp_ev_reset_request(void *arg)
{
	struct ppp_link *l = arg;

	if (l->mppe_up)
		mppe_tx_reset(&l->tx);
}

static const struct ccp_events ccp_events = {
	.up = ccp_ev_up,
	.down = ccp_ev_down,
	.refused = ccp_ev_refused,
	.renegotiate = ccp_ev_renegotiate,
	.reset_request = ccp_ev_reset_request,
};

static void ipcp_ev_up(void *arg) { ((struct ppp_link *)arg)->work |= W_IPCP_UP; }
static void ipcp_ev_down(void *arg) { ((struct ppp_link *)arg)->work |= W_IPCP_DOWN; }
static void ipcp_ev_no_address(void *arg) { ((struct ppp_link *)arg)->work |= W_IPCP_NO_ADDRESS; }

static const struct ipcp_events ipcp_events = {
	.up = ipcp_ev_up,
	.down = ipcp_ev_down,
	.finished = ipcp_ev_down,
	.no_address = ipcp_ev_no_address,
};

static void ipv6cp_ev_up(void *arg) { ((struct ppp_link *)arg)->work |= W_IPV6CP_UP; }
static void ipv6cp_ev_down(void *arg) { ((struct ppp_link *)arg)->work |= W_IPV6CP_DOWN; }

static bool ipv6cp_ev_iid_ok(void *arg, uint64_t iid)
{
	struct ppp_link *l = arg;

	return !l->ops->ipv6_iid_ok || l->ops->ipv6_iid_ok(l->owner, iid);
}

static uint64_t ipv6cp_ev_iid_suggest(void *arg)
{
	return ((struct ppp_link *)arg)->cfg.ipv6_peer_iid;
}

static const struct ipv6cp_events ipv6cp_events = {
	.up = ipv6cp_ev_up,
	.down = ipv6cp_ev_down,
	.finished = ipv6cp_ev_down,
	.iid_ok = ipv6cp_ev_iid_ok,
	.iid_suggest = ipv6cp_ev_iid_suggest,
};

static void auth_send_chap(void *ctx, const uint8_t *pkt, size_t len)
{
	send_ctl(ctx, PPP_PROTO_CHAP, pkt, len);
}

static void auth_send_pap(void *ctx, const uint8_t *pkt, size_t len)
{
	send_ctl(ctx, PPP_PROTO_PAP, pkt, len);
}

static void auth_set_timer(void *ctx, uint32_t after_ms)
{
	struct ppp_link *l = ctx;
	l->deadline[T_AUTH] = after_ms ? l->now + after_ms : NO_DEADLINE;
}

static void chap_cb_response(void *ctx, const struct chap_response_info *r)
{
	struct ppp_link *l = ctx;
	size_t clen = r->challenge_len;

	if (clen > sizeof(l->a->req_challenge))
		clen = sizeof(l->a->req_challenge);
	l->a->req_chap = *r;
	l->a->req_chap.name_len = r->name_len > sizeof(l->a->req_name) ? sizeof(l->a->req_name) : r->name_len;
	memcpy(l->a->req_name, r->name, l->a->req_chap.name_len);
	memcpy(l->a->req_challenge, r->challenge, clen);
	l->a->req_chap.name = l->a->req_name;
	l->a->req_chap.challenge = l->a->req_challenge;
	l->a->req_chap.challenge_len = clen;
	l->work |= W_AUTH_REQUEST;
}

static bool chap_cb_retry(void *ctx, const struct chap_ms_failure *f)
{
	struct ppp_link *l = ctx;
	const char *pw;

	if (!l->ops->auth_retry)
		return false;
	pw = l->ops->auth_retry(l->owner, f->has_error ? f->error : 0);
	return pw && chap_peer_set_password(&l->a->chap, pw);
}

static void chap_cb_done(void *ctx, enum chap_outcome o, unsigned error, const char *why)
{
	struct ppp_link *l = ctx;

	(void)why;
	l->auth_end = o == CHAP_SUCCESS ? AUTH_END_SUCCESS :
		      o == CHAP_FAILURE ? AUTH_END_FAILURE : AUTH_END_TIMEOUT;
	l->auth_error = error;
	l->work |= W_AUTH_DONE;
}

static const struct chap_callbacks chap_callbacks = {
	.send = auth_send_chap,
	.set_timer = auth_set_timer,
	.response = chap_cb_response,
	.retry = chap_cb_retry,
	.done = chap_cb_done,
	.random = link_random,
};

static void pap_cb_request(void *ctx, const struct pap_request_info *r)
{
	struct ppp_link *l = ctx;

	l->a->req_pap = *r;
	memcpy(l->a->req_peer_id, r->peer_id, r->peer_id_len);
	if (r->password_len)
		memcpy(l->a->req_password, r->password, r->password_len);
	l->a->req_pap.peer_id = l->a->req_peer_id;
	l->a->req_pap.password = l->a->req_password;
	l->work |= W_AUTH_REQUEST;
}

static void pap_cb_done(void *ctx, enum pap_outcome o, const char *why)
{
	struct ppp_link *l = ctx;

	(void)why;
	l->auth_end = o == PAP_SUCCESS ? AUTH_END_SUCCESS :
		      o == PAP_FAILURE ? AUTH_END_FAILURE : AUTH_END_TIMEOUT;
	l->auth_error = 0;
	l->work |= W_AUTH_DONE;
}

static const struct pap_callbacks pap_callbacks = {
	.send = auth_send_pap,
	.set_timer = auth_set_timer,
	.request = pap_cb_request,
	.done = pap_cb_done,
	.random = link_random,
};

static void auth_send_eap(void *ctx, const uint8_t *pkt, size_t len)
{
	send_ctl(ctx, PPP_PROTO_EAP, pkt, len);
}

/* The Response stays in the machine (it waits for the owner): only the
 * description is kept for do_auth_request(). */
static void eap_cb_response(void *ctx, const struct eap_packet_info *info)
{
	struct ppp_link *l = ctx;

	l->a->req_eap = *info;
	l->work |= W_AUTH_REQUEST;
}

static int eap_cb_method(void *ctx, const uint8_t *req, size_t len, uint8_t *resp, size_t cap)
{
	struct ppp_link *l = ctx;

	if (!l->ops->eap_method)
		return -1; /* not reached: start_eap() leaves cb->method NULL then */
	return l->ops->eap_method(l->owner, req, len, resp, cap);
}

/* Counted always, logged once per link: a peer can send these per packet. */
static void eap_cb_dropped(void *ctx, const char *reason)
{
	struct ppp_link *l = ctx;

	l->stats.rx_eap_dropped++;
	if (l->eap_drop_logged)
		return;
	l->eap_drop_logged = true;
	log_notice("%s ppp=eap event=dropped reason=%s note=further-drops-counted-only",
		   l->cfg.log_id, reason);
}

static void eap_cb_done(void *ctx, enum eap_outcome o, const char *why)
{
	struct ppp_link *l = ctx;

	(void)why;
	l->auth_end = o == EAP_SUCCESS ? AUTH_END_SUCCESS :
		      o == EAP_FAILURE ? AUTH_END_FAILURE :
		      o == EAP_ROUNDS ? AUTH_END_ROUNDS : AUTH_END_TIMEOUT;
	l->auth_error = 0;
	l->work |= W_AUTH_DONE;
}

static const struct eap_callbacks eap_callbacks = {
	.send = auth_send_eap,
	.set_timer = auth_set_timer,
	.response = eap_cb_response,
	.method = eap_cb_method,
	.dropped = eap_cb_dropped,
	.done = eap_cb_done,
	.random = link_random,
};

/* The client role has no method to offer without ops->eap_method. */
static const struct eap_callbacks eap_callbacks_no_method = {
	.send = auth_send_eap,
	.set_timer = auth_set_timer,
	.response = eap_cb_response,
	.dropped = eap_cb_dropped,
	.done = eap_cb_done,
	.random = link_random,
};

/* ---- Life cycle ---- */

_Static_assert(CHAP_PASSWORD_MAX == CHAP_NAME_MAX, "copy_names() bounds all three alike");

/* host_name, user and password, each at most cap - 1 bytes, copied into
 * one block (l->strs) of their length. */
static bool copy_names(struct ppp_link *l, const struct ppp_config *cfg, size_t cap)
{
	const char *src[3] = { cfg->host_name, cfg->user, cfg->password };
	size_t len[3], total = 0;
	char *p;

	for (int i = 0; i < 3; i++) {
		len[i] = src[i] ? strlen(src[i]) : 0;
		if (len[i] >= cap)
			return false;
		total += len[i] + 1;
	}
	l->strs = p = malloc(total);
	if (!p)
		return false;
	for (int i = 0; i < 3; i++) {
		memcpy(p, src[i] ? src[i] : "", len[i]);
		p[len[i]] = '\0';
		if (i == 0)
			l->host_name = p;
		else if (i == 1)
			l->user = p;
		else
			l->password = p;
		p += len[i] + 1;
	}
	l->password_len = len[2];
	return true;
}

static bool copy_str(char *dst, size_t cap, const char *src)
{
	size_t n = src ? strlen(src) : 0;

	if (n >= cap)
		return false;
	memcpy(dst, src ? src : "", n);
	dst[n] = '\0';
	return true;
}

struct ppp_link *ppp_new(const struct ppp_config *cfg, const struct ppp_ops *ops, void *owner)
{
	struct ppp_link *l;
	unsigned keys = 0;

	if (!cfg || !ops || !ops->send || !ops->down || cfg->headroom > PPP_HEADROOM_MAX)
		return NULL;
	if (cfg->role == PPP_ROLE_SERVER && !ops->auth_request)
		return NULL;
	if (cfg->role == PPP_ROLE_SERVER && (cfg->allow_eap || cfg->require_eap) &&
	    !ops->eap_response)
		return NULL;
	l = calloc(1, sizeof(*l));
	if (!l)
		return NULL;
	l->cfg = *cfg;
	l->ops = ops;
	l->owner = owner;
	/* CHAP_PASSWORD_MAX == CHAP_NAME_MAX: one bound for the three */
	if (!copy_names(l, cfg, CHAP_NAME_MAX + 1)) {
		ppp_free(l);
		return NULL;
	}
	l->cfg.host_name = l->host_name;
	l->cfg.user = l->user;
	l->cfg.password = l->password;
	if (!l->cfg.log_id)
		l->cfg.log_id = cfg->role == PPP_ROLE_SERVER ? "role=server" : "role=client";
	for (int i = 0; i < T_COUNT; i++)
		l->deadline[i] = NO_DEADLINE;
	l->io = (struct fsm_io){
		.send = io_send,
		.timer_start = io_timer_start,
		.timer_stop = io_timer_stop,
		.arg = l,
	};

	l->lcp_cfg.role = cfg->role;
	l->lcp_cfg.mru = cfg->mru ? cfg->mru : DEFAULT_MRU;
	l->lcp_cfg.auth_allowed = (cfg->allow_mschapv2 ? LCP_AUTH_BIT(LCP_AUTH_MSCHAPV2) : 0) |
				  (cfg->allow_mschapv1 ? LCP_AUTH_BIT(LCP_AUTH_MSCHAPV1) : 0) |
				  (cfg->allow_chap_md5 ? LCP_AUTH_BIT(LCP_AUTH_CHAP_MD5) : 0) |
				  (cfg->allow_pap ? LCP_AUTH_BIT(LCP_AUTH_PAP) : 0);
	/* EAP first when allowed (lcp.h); require_eap leaves nothing to fall
	 * back to, so a peer that refuses EAP ends the negotiation. */
	if (cfg->allow_eap || (cfg->require_eap && cfg->role == PPP_ROLE_SERVER))
		l->lcp_cfg.auth_allowed |= LCP_AUTH_BIT(LCP_AUTH_EAP);
	if (cfg->require_eap && cfg->role == PPP_ROLE_SERVER)
		l->lcp_cfg.auth_allowed = LCP_AUTH_BIT(LCP_AUTH_EAP);
	l->lcp_cfg.pfc = true;
	l->lcp_cfg.acfc = true;
	l->lcp_cfg.windows_options = cfg->role == PPP_ROLE_CLIENT && cfg->client_windows_options;
	l->lcp_cfg.echo_interval_ms = cfg->echo_interval_s * 1000u;
	l->lcp_cfg.echo_failures = cfg->echo_failures ? cfg->echo_failures : DEFAULT_ECHO_FAILURES;
	lcp_init(&l->lcp, &l->lcp_cfg, &l->io, &lcp_events, l);

	keys = (cfg->mppe_40 ? CCP_KEY_40 : 0) | (cfg->mppe_56 ? CCP_KEY_56 : 0) |
	       (cfg->mppe_128 ? CCP_KEY_128 : 0);
	l->use_ccp = cfg->mppe_required || keys != 0;
	l->ccp_cfg.role = cfg->role;
	l->ccp_cfg.keys = keys ? keys : CCP_KEY_128;
	l->ccp_cfg.stateless = cfg->mppe_stateless || !cfg->mppe_stateful;
	l->ccp_cfg.stateful = cfg->mppe_stateful;
	l->ccp_cfg.required = cfg->mppe_required;
	ccp_init(&l->ccp, &l->ccp_cfg, &l->io, &ccp_events, l);

	l->ipcp_cfg.role = cfg->role;
	l->ipcp_cfg.local = cfg->local_addr;
	if (cfg->role == PPP_ROLE_SERVER) {
		memcpy(l->ipcp_cfg.dns, cfg->dns, sizeof(l->ipcp_cfg.dns));
		memcpy(l->ipcp_cfg.nbns, cfg->nbns, sizeof(l->ipcp_cfg.nbns));
	} else {
		l->ipcp_cfg.want_dns = true;
		l->ipcp_cfg.want_nbns = cfg->client_windows_options;
	}
	ipcp_init(&l->ipcp, &l->ipcp_cfg, &l->io, &ipcp_events, l);
	l->lcp.fsm.log_id = l->ccp.fsm.log_id = l->ipcp.fsm.log_id = l->cfg.log_id;

	l->ipv6cp_cfg.role = cfg->role;
	l->ipv6cp_cfg.local = cfg->ipv6_local_iid;
	ipv6cp_init(&l->ipv6cp, &l->ipv6cp_cfg, &l->io, &ipv6cp_events, l);
	l->ipv6cp.fsm.log_id = l->cfg.log_id;
	return l;
}

static void mppe_down(struct ppp_link *l)
{
	if (!l->mppe_up)
		return;
	mppe_tx_free(&l->tx);
	mppe_rx_free(&l->rx);
	l->mppe_up = false;
}

static void auth_free(struct ppp_link *l)
{
	if (!l->a)
		return;
	if (l->auth == AUTH_CHAP)
		chap_free(&l->a->chap);
	else if (l->auth == AUTH_PAP)
		pap_free(&l->a->pap);
	else if (l->auth == AUTH_EAP)
		eap_free(&l->a->eap);
	crypto_wipe(l->a, sizeof(*l->a)); /* the peer's PAP password, the response */
	free(l->a);
	l->a = NULL;
	l->deadline[T_AUTH] = NO_DEADLINE;
}

void ppp_free(struct ppp_link *l)
{
	if (!l)
		return;
	mppe_down(l);
	auth_free(l);
	free(l->held_ipcp);
	free(l->held_ipv6cp);
	if (l->password)
		crypto_wipe(l->password, l->password_len);
	free(l->strs);
	free(l->peer_name);
	crypto_wipe(l->send_key, sizeof(l->send_key));
	crypto_wipe(l->recv_key, sizeof(l->recv_key));
	free(l);
}

/* ---- Termination ---- */

static void set_cause(struct ppp_link *l, enum ppp_cause cause, const char *detail)
{
	if (l->cause != PPP_CAUSE_NONE)
		return;
	l->cause = cause;
	copy_str(l->detail, sizeof(l->detail), "");
	if (detail) {
		size_t n = strnlen(detail, sizeof(l->detail) - 1);
		memcpy(l->detail, detail, n);
		l->detail[n] = '\0';
	}
}

/* Stop authentication; tell the owner to drop a pending backend request. */
static void abandon_auth(struct ppp_link *l)
{
	l->deadline[T_AUTH] = NO_DEADLINE;
	if (l->auth_outstanding) {
		l->auth_outstanding = false;
		if (l->ops->auth_cancel)
			l->ops->auth_cancel(l->owner);
	}
	l->work &= ~(unsigned)(W_AUTH_REQUEST | W_AUTH_VERDICT | W_AUTH_DONE);
}

/* Everything above LCP goes away, silently. */
static void teardown_upper(struct ppp_link *l)
{
	abandon_auth(l);
	if (l->ccp_running) {
		l->ccp_running = false;
		ccp_lower_down(&l->ccp);
	}
	if (l->ipcp_running) {
		l->ipcp_running = false;
		ipcp_lower_down(&l->ipcp);
	}
	if (l->ipv6cp_running) {
		/* the owner learns it from ops->down: no ipv6_down */
		l->ipv6cp_running = false;
		l->ipv6_up = false;
		ipv6cp_lower_down(&l->ipv6cp);
	}
	l->deadline[T_CCP] = l->deadline[T_IPCP] = l->deadline[T_IPV6CP] = NO_DEADLINE;
	mppe_down(l);
}

static bool lcp_idle(const struct ppp_link *l)
{
	switch (l->lcp.fsm.state) {
	case FSM_INITIAL:
	case FSM_STARTING:
	case FSM_CLOSED:
	case FSM_STOPPED:
		return true;
	default:
		return false;
	}
}

static void fail(struct ppp_link *l, enum ppp_cause cause, const char *detail)
{
	set_cause(l, cause, detail);
	if (l->final || l->phase == PPP_PHASE_TERMINATE)
		return;
	log_info("%s ppp=link event=close phase=%s cause=%s detail=%s", l->cfg.log_id,
		 ppp_phase_name(l->phase),
		 ppp_cause_name(l->cause), LOG_ESC(l->detail));
	l->phase = PPP_PHASE_TERMINATE;
	teardown_upper(l);
	if (!l->started || l->lower_gone) {
		l->final = true;
		return;
	}
	lcp_close(&l->lcp, l->detail);
	if (lcp_idle(l))
		l->final = true;
}

/* ---- Phases ---- */

/* ---- IPv6 (IPV6CP beside IPCP; never a reason to end the link) ---- */

/* IPV6CP runs when allowed and, for the server, with our identifier. */
static bool ipv6_enabled(const struct ppp_link *l)
{
	return l->cfg.allow_ipv6 && (l->cfg.role == PPP_ROLE_CLIENT || l->cfg.ipv6_local_iid != 0);
}

static void start_ipv6cp(struct ppp_link *l)
{
	if (l->ipv6cp_running || !ipv6_enabled(l) || l->phase != PPP_PHASE_NETWORK)
		return;
	l->ipv6cp_running = true;
	ipv6cp_open(&l->ipv6cp);
	if (l->held_ipv6cp) {
		uint8_t *held = l->held_ipv6cp;
		size_t n = l->held_ipv6cp_len;
		l->held_ipv6cp = NULL;
		l->held_ipv6cp_len = 0;
		ipv6cp_input(&l->ipv6cp, held, n);
		free(held);
	}
}

/* Tell the owner once IPV6CP is Opened and the link RUNNING. */
static void ipv6_check_up(struct ppp_link *l)
{
	const struct ipv6cp_result *r = ipv6cp_result(&l->ipv6cp);
	struct ppp_ipv6_info info;

	if (l->ipv6_up || !l->ipv6cp_running || !ipv6cp_is_opened(&l->ipv6cp) ||
	    l->phase != PPP_PHASE_RUNNING)
		return;
	if (l->cfg.role == PPP_ROLE_SERVER && r->peer == 0) {
		/* past Max-Failure the automaton may agree without one */
		log_notice("%s ppp=ipv6cp event=closed reason=no-peer-iid", l->cfg.log_id);
		ipv6cp_close(&l->ipv6cp, "no interface identifier");
		return;
	}
	memset(&info, 0, sizeof(info));
	info.local_iid = r->local;
	info.peer_iid = r->peer;
	info.mppe_bits = l->mppe_up ? ccp_result(&l->ccp)->tx.bits : 0;
	info.ip_mtu = l->mppe_up ? (uint16_t)ccp_tunnel_mtu(&l->ccp, lcp_result(&l->lcp)->peer_mru) :
				   lcp_result(&l->lcp)->peer_mru;
	l->ipv6_up = true;
	if (l->ops->ipv6_up)
		l->ops->ipv6_up(l->owner, &info);
}

static void ipv6_gone(struct ppp_link *l, const char *why)
{
	if (!l->ipv6_up)
		return;
	l->ipv6_up = false;
	log_info("%s ppp=ipv6cp event=down reason=%s", l->cfg.log_id, why);
	if (l->ops->ipv6_down)
		l->ops->ipv6_down(l->owner);
}

/* One IPv6 work bit; false if none was set. */
static bool do_ipv6_work(struct ppp_link *l)
{
	if (l->work & W_IPV6CP_REJECTED) {
		l->work &= ~(unsigned)W_IPV6CP_REJECTED;
		if (l->ipv6cp_running) {
			log_info("%s ppp=ipv6cp event=protocol-rejected", l->cfg.log_id);
			ipv6cp_protocol_rejected(&l->ipv6cp);
		}
	} else if (l->work & W_IPV6CP_DOWN) {
		/* before a W_IPV6CP_UP recorded with it: up is re-reported */
		l->work &= ~(unsigned)W_IPV6CP_DOWN;
		ipv6_gone(l, "ipv6cp-down");
	} else if (l->work & W_IPV6CP_UP) {
		l->work &= ~(unsigned)W_IPV6CP_UP;
		ipv6_check_up(l);
	} else {
		return false;
	}
	return true;
}

static void check_running(struct ppp_link *l)
{
	struct ppp_ip_info info;
	const struct ipcp_result *ir = ipcp_result(&l->ipcp);
	const struct ccp_result *cr = ccp_result(&l->ccp);
	uint16_t peer_mru = lcp_result(&l->lcp)->peer_mru;

	if (l->phase != PPP_PHASE_NETWORK || !l->ipcp_running || !ipcp_is_opened(&l->ipcp))
		return;
	if (l->cfg.mppe_required && !l->mppe_up)
		return;
	if (l->cfg.role == PPP_ROLE_SERVER && ir->peer == 0) {
		/* IPCP never opens so (ipcp.c); never run a link without it. */
		fail(l, PPP_CAUSE_NO_ADDRESS, "IPCP opened without a peer address");
		return;
	}
	memset(&info, 0, sizeof(info));
	info.local_addr = ir->local;
	info.peer_addr = ir->peer;
	memcpy(info.dns, ir->dns, sizeof(info.dns));
	memcpy(info.nbns, ir->nbns, sizeof(info.nbns));
	info.mppe_bits = l->mppe_up ? cr->tx.bits : 0;
	info.mppe_stateful = l->mppe_up && !cr->tx.stateless;
	info.peer_mru = peer_mru;
	info.ip_mtu = l->mppe_up ? (uint16_t)ccp_tunnel_mtu(&l->ccp, peer_mru) : peer_mru;
	l->phase = PPP_PHASE_RUNNING;
	/* The peer is past its authentication phase: it has our Success. */
	auth_free(l);
	log_info("%s ppp=link event=running mppe=%u stateful=%d mtu=%u", l->cfg.log_id,
		 info.mppe_bits,
		 info.mppe_stateful, info.ip_mtu);
	if (l->ops->ip_up)
		l->ops->ip_up(l->owner, &info);
	ipv6_check_up(l);
}

static void start_ipcp(struct ppp_link *l)
{
	if (l->ipcp_running)
		return;
	if (l->cfg.role == PPP_ROLE_SERVER)
		ipcp_set_peer_address(&l->ipcp, l->peer_addr);
	l->ipcp_running = true;
	ipcp_open(&l->ipcp);
	if (l->held_ipcp) {
		uint8_t *held = l->held_ipcp;
		size_t n = l->held_ipcp_len;
		l->held_ipcp = NULL;
		l->held_ipcp_len = 0;
		ipcp_input(&l->ipcp, held, n);
		free(held);
	}
	start_ipv6cp(l);
}

static void start_network(struct ppp_link *l)
{
	l->phase = PPP_PHASE_NETWORK;
	if (l->use_ccp && !l->have_keys) {
		if (l->cfg.mppe_required) {
			fail(l, PPP_CAUSE_ENCRYPTION_REFUSED,
			     "MPPE required but authentication gave no keys");
			return;
		}
		l->use_ccp = false; /* CCP is then Protocol-Rejected */
	}
	if (l->use_ccp) {
		l->ccp_running = true;
		ccp_open(&l->ccp);
	}
	if (!(l->use_ccp && l->cfg.mppe_required))
		start_ipcp(l);
}

static void start_eap(struct ppp_link *l)
{
	bool server = l->cfg.role == PPP_ROLE_SERVER;
	struct eap_config ec;

	memset(&ec, 0, sizeof(ec));
	ec.identity = server ? NULL : l->user;
	ec.timeout_ms = l->cfg.eap_timeout_s * 1000u;
	ec.max_rounds = l->cfg.eap_max_rounds;
	if (!eap_init(&l->a->eap, server ? EAP_AUTHENTICATOR : EAP_PEER, &ec,
		      server || l->ops->eap_method ? &eap_callbacks : &eap_callbacks_no_method, l)) {
		fail(l, PPP_CAUSE_AUTH_FAILED, "cannot set up EAP");
		return;
	}
	l->auth = AUTH_EAP;
	if (!server)
		log_info("%s ppp=eap event=start role=peer", l->cfg.log_id);
	eap_start(&l->a->eap, l->now);
}

static void start_auth(struct ppp_link *l)
{
	enum lcp_auth a = lcp_result(&l->lcp)->auth;
	bool server = l->cfg.role == PPP_ROLE_SERVER;
	struct chap_config cc;
	struct pap_config pc;

	if (a == LCP_AUTH_NONE) {
		if (server && l->lcp_cfg.auth_allowed) {
			fail(l, PPP_CAUSE_AUTH_FAILED, "no authentication protocol agreed");
			return;
		}
		start_network(l);
		return;
	}
	l->phase = PPP_PHASE_AUTHENTICATE;
	if (!l->a && !(l->a = calloc(1, sizeof(*l->a)))) {
		fail(l, PPP_CAUSE_AUTH_FAILED, "out of memory");
		return;
	}
	if (a == LCP_AUTH_EAP) {
		start_eap(l);
		return;
	}
	if (a == LCP_AUTH_PAP) {
		memset(&pc, 0, sizeof(pc));
		pc.user = l->user;
		pc.password = l->password;
		pc.auth_timeout_ms = l->cfg.auth_timeout_s * 1000u;
		pc.max_attempts = l->cfg.auth_max_attempts;
		if (!pap_init(&l->a->pap, server ? PAP_AUTHENTICATOR : PAP_PEER, &pc, &pap_callbacks, l)) {
			fail(l, PPP_CAUSE_AUTH_FAILED, "cannot set up PAP");
			return;
		}
		l->auth = AUTH_PAP;
		pap_start(&l->a->pap, l->now);
		return;
	}
	memset(&cc, 0, sizeof(cc));
	cc.algo = a == LCP_AUTH_MSCHAPV2 ? CHAP_MSCHAPV2 :
		  a == LCP_AUTH_MSCHAPV1 ? CHAP_MSCHAPV1 : CHAP_MD5;
	cc.name = server ? l->host_name : l->user;
	cc.password = server ? NULL : l->password;
	cc.auth_timeout_ms = l->cfg.auth_timeout_s * 1000u;
	cc.max_attempts = l->cfg.auth_max_attempts;
	if (!chap_init(&l->a->chap, server ? CHAP_AUTHENTICATOR : CHAP_PEER, &cc, &chap_callbacks, l)) {
		fail(l, PPP_CAUSE_AUTH_FAILED, "cannot set up CHAP");
		return;
	}
	l->auth = AUTH_CHAP;
	chap_start(&l->a->chap, l->now);
}

/* ---- Work ---- */

static void do_auth_request(struct ppp_link *l)
{
	if (l->phase != PPP_PHASE_AUTHENTICATE || !l->a)
		return;
	l->auth_outstanding = true;
	if (l->auth == AUTH_EAP) {
		/* auth_outstanding stays set for the whole exchange: the owner
		 * keeps RADIUS state (State, the pending round) until the
		 * verdict, and auth_cancel must drop it on any abandon. */
		const struct eap_packet_info *info = &l->a->req_eap;
		if (info->round == 1)
			log_info("%s ppp=eap event=start role=authenticator identity=%s",
				 l->cfg.log_id,
				 LOG_ESC_N(info->identity, info->identity_len));
		l->ops->eap_response(l->owner, info);
	} else if (l->auth == AUTH_CHAP) {
		l->ops->auth_request(l->owner, &l->a->req_chap, NULL);
	} else {
		l->ops->auth_request(l->owner, NULL, &l->a->req_pap);
	}
}

static void do_auth_verdict(struct ppp_link *l)
{
	const char *resp;

	if (l->phase != PPP_PHASE_AUTHENTICATE || !l->a)
		return;
	resp = l->v_has_response ? l->a->v_response : NULL;
	if (l->v_error != 0)
		l->auth_refusals++;
	if (l->v_error == 0) {
		const uint8_t *name = l->auth == AUTH_CHAP ? l->a->req_name : l->a->req_peer_id;
		size_t n = l->auth == AUTH_CHAP ? l->a->req_chap.name_len : l->a->req_pap.peer_id_len;
		if (l->auth == AUTH_EAP)
			name = eap_identity(&l->a->eap, &n); /* the outer identity */
		if (n > CHAP_NAME_MAX)
			n = CHAP_NAME_MAX;
		free(l->peer_name);
		l->peer_name = malloc(n + 1);
		if (!l->peer_name) {
			fail(l, PPP_CAUSE_AUTH_FAILED, "out of memory");
			return;
		}
		memcpy(l->peer_name, name, n);
		l->peer_name[n] = '\0';
	}
	if (l->auth == AUTH_CHAP)
		chap_auth_result(&l->a->chap, l->v_error, resp, l->now);
	else if (l->auth == AUTH_EAP)
		eap_auth_result(&l->a->eap, l->v_error == 0, l->a->v_eap_len ? l->a->v_eap : NULL,
				l->a->v_eap_len, l->now);
	else if (l->auth == AUTH_PAP)
		pap_auth_result(&l->a->pap, l->v_error == 0,
				l->v_error == 0 ? "Welcome" : "Authentication failure", l->now);
}

static void log_eap_end(struct ppp_link *l)
{
	static const char *const result[] = {
		[AUTH_END_SUCCESS] = "success", [AUTH_END_FAILURE] = "failure",
		[AUTH_END_TIMEOUT] = "timeout", [AUTH_END_ROUNDS] = "rounds-limit",
	};
	size_t n = 0;
	const uint8_t *id = eap_identity(&l->a->eap, &n);

	if (l->cfg.role == PPP_ROLE_SERVER)
		log_info("%s ppp=eap event=end result=%s rounds=%u max-rounds=%u identity=%s",
			 l->cfg.log_id, result[l->auth_end], eap_rounds(&l->a->eap),
			 l->a->eap.max_rounds, LOG_ESC_N(id, n));
	else
		log_info("%s ppp=eap event=end role=peer result=%s", l->cfg.log_id,
			 result[l->auth_end]);
}

static void do_auth_done(struct ppp_link *l)
{
	char why[DETAIL_MAX];

	if (l->phase != PPP_PHASE_AUTHENTICATE)
		return;
	if (l->auth == AUTH_EAP && l->a)
		log_eap_end(l);
	if (l->auth_end == AUTH_END_ROUNDS) {
		snprintf(why, sizeof(why), "EAP rounds limit (%u) reached", l->a->eap.max_rounds);
		fail(l, PPP_CAUSE_AUTH_FAILED, why);
		return;
	}
	if (l->auth_end == AUTH_END_TIMEOUT) {
		fail(l, PPP_CAUSE_AUTH_TIMEOUT, "authentication timed out");
		return;
	}
	if (l->auth_end == AUTH_END_FAILURE) {
		free(l->peer_name);
		l->peer_name = NULL;
		if (l->auth_error)
			snprintf(why, sizeof(why), "authentication failed (E=%u)", l->auth_error);
		else
			snprintf(why, sizeof(why), "authentication failed");
		fail(l, PPP_CAUSE_AUTH_FAILED, why);
		return;
	}
	if (l->cfg.role == PPP_ROLE_SERVER) {
		log_info("%s ppp=link event=authenticated user=%s", l->cfg.log_id,
			 LOG_ESC(ppp_peer_name(l)));
		if (l->peer_addr == 0) {
			fail(l, PPP_CAUSE_NO_ADDRESS, "no address available");
			return;
		}
	} else if (l->auth == AUTH_CHAP && l->a) {
		l->have_keys = chap_peer_keys(&l->a->chap, l->send_key, l->recv_key);
	} else if (l->auth == AUTH_EAP) {
		/* The method's keys (client's view: send = to the server). */
		l->have_keys = l->ops->eap_keys &&
			       l->ops->eap_keys(l->owner, l->send_key, l->recv_key);
	}
	start_network(l);
}

static void do_ccp_up(struct ppp_link *l)
{
	const struct ccp_result *r = ccp_result(&l->ccp);

	if (!l->ccp_running || l->phase < PPP_PHASE_NETWORK || l->phase == PPP_PHASE_TERMINATE)
		return;
	if (r->tx.bits == 0 || r->rx.bits == 0)
		return; /* optional MPPE not agreed: data goes in the clear */
	if (l->mppe_started) {
		/* The same start keys would give the same keystream again. */
		fail(l, PPP_CAUSE_CCP_RENEGOTIATED, "CCP renegotiation refused");
		return;
	}
	mppe_down(l);
	l->mppe_started = true;
	if (!mppe_tx_init(&l->tx, l->send_key, r->tx.bits, !r->tx.stateless) ||
	    !mppe_rx_init(&l->rx, l->recv_key, r->rx.bits, !r->rx.stateless)) {
		mppe_tx_free(&l->tx);
		mppe_rx_free(&l->rx);
		fail(l, PPP_CAUSE_MPPE_ERROR, "cannot set up MPPE");
		return;
	}
	l->mppe_up = true;
	start_ipcp(l);
	check_running(l);
}

/* The peer ended the link. A client that hangs up after its password was
 * refused counts as an authentication failure. */
static enum ppp_cause peer_term_cause(const struct ppp_link *l)
{
	if (l->phase == PPP_PHASE_AUTHENTICATE && l->auth_refusals > 0)
		return PPP_CAUSE_AUTH_FAILED;
	return PPP_CAUSE_PEER_TERMINATE;
}

static void do_lcp_down(struct ppp_link *l)
{
	if (l->phase == PPP_PHASE_TERMINATE || l->final)
		return;
	if (l->peer_terminated)
		fail(l, peer_term_cause(l), "peer terminated the link");
	else
		fail(l, PPP_CAUSE_LCP_FAILED, "lcp renegotiated");
}

static void do_lcp_finished(struct ppp_link *l)
{
	switch (l->lcp.fail) {
	case LCP_FAIL_LOOPBACK:
		set_cause(l, PPP_CAUSE_LOOPBACK, lcp_fail_name(l->lcp.fail));
		break;
	case LCP_FAIL_AUTH:
		set_cause(l, PPP_CAUSE_LCP_FAILED, lcp_fail_name(l->lcp.fail));
		break;
	default:
		set_cause(l, l->peer_terminated ? peer_term_cause(l) : PPP_CAUSE_LCP_FAILED,
			  l->peer_terminated ? "peer terminated the link" : "lcp negotiation failed");
		break;
	}
	if (l->phase != PPP_PHASE_TERMINATE) {
		l->phase = PPP_PHASE_TERMINATE;
		teardown_upper(l);
	}
	l->final = true;
}

static unsigned take(unsigned *work, unsigned bit)
{
	if (!(*work & bit))
		return 0;
	*work &= ~bit;
	return bit;
}

static void do_one(struct ppp_link *l)
{
	unsigned *w = &l->work;

	if (take(w, W_LOWER_DOWN)) {
		set_cause(l, l->close_cause, "lower layer down");
		l->lower_gone = true;
		fail(l, l->close_cause, "lower layer down");
		lcp_lower_down(&l->lcp);
		l->final = true;
	} else if (take(w, W_CLOSE)) {
		fail(l, l->close_cause, l->close_detail);
	} else if (take(w, W_LCP_FINISHED)) {
		do_lcp_finished(l);
	} else if (take(w, W_LCP_DOWN)) {
		do_lcp_down(l);
	} else if (take(w, W_LCP_UP)) {
		if (l->phase == PPP_PHASE_ESTABLISH) {
			lcp_note_rx(&l->lcp, l->now); /* arms the keepalive */
			start_auth(l);
		}
	} else if (take(w, W_AUTH_REQUEST)) {
		do_auth_request(l);
	} else if (take(w, W_AUTH_VERDICT)) {
		do_auth_verdict(l);
	} else if (take(w, W_AUTH_DONE)) {
		do_auth_done(l);
	} else if (take(w, W_AUTH_REJECTED)) {
		if (l->phase == PPP_PHASE_AUTHENTICATE)
			fail(l, PPP_CAUSE_AUTH_FAILED, "peer rejected the authentication protocol");
	} else if (take(w, W_CCP_REJECTED)) {
		if (l->ccp_running)
			ccp_protocol_rejected(&l->ccp);
	} else if (take(w, W_CCP_REFUSED)) {
		if (l->ccp_running)
			fail(l, PPP_CAUSE_ENCRYPTION_REFUSED, "encryption required, refused by peer");
	} else if (take(w, W_CCP_RENEGOTIATE)) {
		if (l->ccp_running)
			fail(l, PPP_CAUSE_CCP_RENEGOTIATED, "CCP renegotiation refused");
	} else if (take(w, W_CCP_DOWN)) {
		mppe_down(l);
		if (l->mppe_started && l->ccp_running)
			fail(l, PPP_CAUSE_CCP_RENEGOTIATED, "CCP left Opened: renegotiation refused");
	} else if (take(w, W_CCP_UP)) {
		do_ccp_up(l);
	} else if (take(w, W_IPCP_REJECTED)) {
		fail(l, PPP_CAUSE_IPCP_FAILED, "peer rejected IPCP");
	} else if (take(w, W_IPCP_NO_ADDRESS)) {
		if (l->ipcp_running)
			fail(l, PPP_CAUSE_NO_ADDRESS, "peer would not take its address");
	} else if (take(w, W_IPCP_DOWN)) {
		if (l->ipcp_running)
			fail(l, PPP_CAUSE_IPCP_FAILED, "ipcp down");
	} else if (take(w, W_IPCP_UP)) {
		check_running(l);
	} else if (do_ipv6_work(l)) {
		/* done */
	} else {
		*w = 0; /* unknown bits cannot be set */
	}
}

static void enter(struct ppp_link *l, uint64_t now)
{
	l->depth++;
	l->now = now;
}

/* Do the recorded work once the outermost entry point returns; ops->down
 * comes last. */
static void leave(struct ppp_link *l)
{
	if (l->depth > 1) {
		l->depth--;
		return;
	}
	while (l->work && !l->down_done)
		do_one(l);
	if (l->final && !l->down_done) {
		l->down_done = true;
		l->work = 0;
		l->phase = PPP_PHASE_DEAD;
		for (int i = 0; i < T_COUNT; i++)
			l->deadline[i] = NO_DEADLINE;
		mppe_down(l);
		log_info("%s ppp=link event=down cause=%s detail=%s", l->cfg.log_id,
			 ppp_cause_name(l->cause),
			 LOG_ESC(l->detail));
		l->ops->down(l->owner, l->cause, l->detail);
	}
	l->depth--;
}

/* ---- Entry points ---- */

void ppp_start(struct ppp_link *l, uint64_t now)
{
	if (l->started || l->down_done)
		return;
	enter(l, now);
	l->started = true;
	l->phase = PPP_PHASE_ESTABLISH;
	lcp_open(&l->lcp);
	leave(l);
}

void ppp_on_timer(struct ppp_link *l, uint64_t now)
{
	if (l->down_done)
		return;
	enter(l, now);
	for (int i = 0; i < T_COUNT; i++) {
		if (l->deadline[i] > now)
			continue;
		l->deadline[i] = NO_DEADLINE;
		switch (i) {
		case T_LCP: lcp_timeout(&l->lcp); break;
		case T_CCP: ccp_timeout(&l->ccp); break;
		case T_IPCP: ipcp_timeout(&l->ipcp); break;
		case T_IPV6CP: ipv6cp_timeout(&l->ipv6cp); break;
		case T_AUTH:
			if (!l->a)
				break;
			if (l->auth == AUTH_CHAP)
				chap_timeout(&l->a->chap, now);
			else if (l->auth == AUTH_PAP)
				pap_timeout(&l->a->pap, now);
			else if (l->auth == AUTH_EAP)
				eap_timeout(&l->a->eap, now);
			break;
		default: break;
		}
	}
	if (keepalive_armed(l) && now >= l->lcp.next_echo_ms && !lcp_keepalive(&l->lcp, now))
		fail(l, PPP_CAUSE_KEEPALIVE, "no answer to LCP echo requests");
	leave(l);
}

void ppp_auth_result(struct ppp_link *l, const struct ppp_auth_verdict *v, uint64_t now)
{
	if (l->down_done || l->cfg.role != PPP_ROLE_SERVER || !l->auth_outstanding)
		return;
	/* EAP: only while the owner holds a Response (the exchange is
	 * outstanding from the first Response to the verdict). */
	if (l->auth == AUTH_EAP && (!l->a || !eap_waiting_owner(&l->a->eap)))
		return;
	enter(l, now);
	l->auth_outstanding = false;
	if (l->auth == AUTH_EAP && l->a) {
		/* Kept only when it is a Success/Failure of 4 octets (the
		 * machine checks the code against the verdict). */
		l->a->v_eap_len = 0;
		if (v->eap_pkt && v->eap_len >= EAP_HDR_LEN &&
		    load_be16(v->eap_pkt + 2) == EAP_HDR_LEN) {
			memcpy(l->a->v_eap, v->eap_pkt, EAP_HDR_LEN);
			l->a->v_eap_len = EAP_HDR_LEN;
		}
	}
	l->v_error = v->win_error;
	l->v_has_response = v->auth_response != NULL;
	if (v->auth_response && l->a)
		copy_str(l->a->v_response, sizeof(l->a->v_response), v->auth_response);
	if (v->win_error == 0) {
		l->have_keys = v->have_keys;
		if (v->have_keys) {
			memcpy(l->send_key, v->send_key, sizeof(l->send_key));
			memcpy(l->recv_key, v->recv_key, sizeof(l->recv_key));
		}
		l->peer_addr = v->peer_addr;
		if (v->ipv6_peer_iid)
			l->cfg.ipv6_peer_iid = v->ipv6_peer_iid;
		/* CCP has not started yet (it follows authentication): the
		 * user's policy narrows what it may agree to. */
		if (v->mppe_keys) {
			l->ccp_cfg.keys = v->mppe_keys;
			l->use_ccp = true;
		}
		if (v->mppe_require) {
			l->cfg.mppe_required = true;
			l->ccp_cfg.required = true;
			l->use_ccp = true;
		}
		for (size_t i = 0; i < 2; i++) {
			if (v->dns[i])
				l->ipcp_cfg.dns[i] = v->dns[i];
			if (v->nbns[i])
				l->ipcp_cfg.nbns[i] = v->nbns[i];
		}
	} else if (v->message) {
		log_info("%s ppp=link event=auth-refused error=%u message=%s", l->cfg.log_id,
			 v->win_error,
			 LOG_ESC(v->message));
	}
	l->work |= W_AUTH_VERDICT;
	leave(l);
}

void ppp_eap_request(struct ppp_link *l, const uint8_t *pkt, size_t len, uint64_t now)
{
	if (l->down_done || l->cfg.role != PPP_ROLE_SERVER || l->auth != AUTH_EAP || !l->a ||
	    l->phase != PPP_PHASE_AUTHENTICATE)
		return;
	/* The machine is at rest whenever the owner runs (its callbacks only
	 * record), so the Request goes out at once, even from inside
	 * ops->eap_response; a bad one or one too many ends the exchange
	 * through W_AUTH_DONE. */
	enter(l, now);
	eap_request(&l->a->eap, pkt, len, now);
	leave(l);
}

void ppp_close(struct ppp_link *l, enum ppp_cause cause, const char *detail, uint64_t now)
{
	if (l->down_done)
		return;
	if (l->depth > 0) {
		/* From inside a callback: record, the outer call acts. */
		set_cause(l, cause, detail);
		l->close_cause = cause;
		snprintf(l->close_detail, sizeof(l->close_detail), "%s", detail ? detail : "");
		l->work |= W_CLOSE;
		return;
	}
	enter(l, now);
	fail(l, cause, detail);
	leave(l);
}

void ppp_lower_down(struct ppp_link *l, enum ppp_cause cause, uint64_t now)
{
	if (l->down_done)
		return;
	l->close_cause = cause;
	if (l->depth > 0) {
		l->lower_gone = true;
		l->work |= W_LOWER_DOWN;
		return;
	}
	enter(l, now);
	l->work |= W_LOWER_DOWN;
	leave(l);
}

/* ---- Input ---- */

static void deliver_ip(struct ppp_link *l, uint8_t *pkt, size_t len)
{
	if (l->phase != PPP_PHASE_RUNNING) {
		l->stats.rx_dropped++;
		return;
	}
	if (len == 0) {
		l->stats.rx_bad_frames++;
		return;
	}
	l->stats.rx_ip_packets++;
	l->stats.rx_ip_bytes += len;
	if (l->ops->ip_rx)
		l->ops->ip_rx(l->owner, pkt, len);
}

static void deliver_ipv6(struct ppp_link *l, uint8_t *pkt, size_t len)
{
	if (!l->ipv6_up) {
		l->stats.rx_dropped++;
		return;
	}
	if (len == 0) {
		l->stats.rx_bad_frames++;
		return;
	}
	l->stats.rx_ipv6_packets++;
	l->stats.rx_ipv6_bytes += len;
	if (l->ops->ipv6_rx)
		l->ops->ipv6_rx(l->owner, pkt, len);
}

static void send_reset_request(struct ppp_link *l)
{
	if (ccp_send_reset_request(&l->ccp)) {
		l->stats.mppe_resets++;
		l->last_reset_ms = l->now;
	}
}

static void input_mppe(struct ppp_link *l, uint8_t *p, size_t n)
{
	struct rbuf r;
	uint16_t inner;

	if (!l->mppe_up || l->data_moved) {
		l->stats.rx_mppe_dropped++;
		return;
	}
	if (n < MPPE_HDR_LEN) {
		l->stats.rx_bad_frames++;
		return;
	}
	switch (mppe_rx_decrypt(&l->rx, p, p + MPPE_HDR_LEN, n - MPPE_HDR_LEN, l->now)) {
	case MPPE_RX_OK:
		break;
	case MPPE_RX_REFUSED:
		l->stats.rx_mppe_refused++;
		if (!l->mppe_refusal_logged) {
			l->mppe_refusal_logged = true;
			log_notice("%s ppp=link event=mppe-rekey-refused user=%s jump=%u "
				   "max-jump=%u rekey-rate=%u", l->cfg.log_id,
				   LOG_ESC(ppp_peer_name(l)), l->rx.max_jump, MPPE_RX_MAX_JUMP,
				   MPPE_REKEY_RATE);
		}
		return;
	case MPPE_RX_ABUSE: {
		char why[DETAIL_MAX];
		l->stats.rx_mppe_refused++;
		snprintf(why, sizeof(why), "MPPE count jumps refused for %u s (%llu frames)",
			 MPPE_ABUSE_MS / 1000, (unsigned long long)l->rx.refused);
		fail(l, PPP_CAUSE_MPPE_ABUSE, why);
		return;
	}
	case MPPE_RX_RESET_NEEDED:
		l->stats.rx_mppe_dropped++;
		send_reset_request(l);
		return;
	case MPPE_RX_DISCARD:
		/* Still waiting for a flushed packet: our Reset-Request or the
		 * peer's flushed packet may have been lost, so ask again, at
		 * most every PPP_RESET_REPEAT_MS (as pppd does). */
		l->stats.rx_mppe_dropped++;
		if (l->now - l->last_reset_ms >= PPP_RESET_REPEAT_MS)
			send_reset_request(l);
		return;
	case MPPE_RX_FATAL:
		l->stats.rx_mppe_dropped++;
		fail(l, PPP_CAUSE_MPPE_ERROR, "MPPE receive state lost");
		return;
	case MPPE_RX_DROP:
	default:
		l->stats.rx_mppe_dropped++;
		return;
	}
	rbuf_init(&r, p + MPPE_HDR_LEN, n - MPPE_HDR_LEN);
	if (!ppp_read_proto(&r, &inner)) {
		l->stats.rx_bad_frames++;
		return;
	}
	size_t left = rbuf_left(&r);
	if (inner == PPP_PROTO_IPV6 && ipv6_enabled(l)) {
		deliver_ipv6(l, p + n - left, left);
		return;
	}
	if (inner != PPP_PROTO_IP) {
		l->stats.rx_dropped++; /* nothing else is expected inside MPPE */
		return;
	}
	deliver_ip(l, p + n - left, left);
}

/* The address and control bytes (FF 03, optional) and the protocol
 * field. False for a bad frame (counted); else *info and *n are the rest. */
static bool read_header(struct ppp_link *l, uint8_t *frame, size_t len, uint16_t *proto,
			uint8_t **info, size_t *n)
{
	size_t off;

	if (len > PPP_FRAME_MAX || !ppp_frame_header(frame, len, proto, &off)) {
		l->stats.rx_bad_frames++;
		return false;
	}
	*n = len - off;
	*info = frame + off;
	return true;
}

static void input_ccp(struct ppp_link *l, uint8_t *info, size_t n)
{
	bool network = l->phase == PPP_PHASE_NETWORK || l->phase == PPP_PHASE_RUNNING;

	if (l->ccp_running) {
		ccp_input(&l->ccp, info, n);
	} else if (network && lcp_is_opened(&l->lcp)) {
		/* We run no CCP on this link. */
		lcp_send_protocol_reject(&l->lcp, PPP_PROTO_CCP, info, n);
		l->stats.rx_proto_rejected++;
	} else {
		l->stats.rx_dropped++;
	}
}

static void input_ipcp(struct ppp_link *l, uint8_t *info, size_t n)
{
	if (l->ipcp_running) {
		ipcp_input(&l->ipcp, info, n);
	} else if (l->phase == PPP_PHASE_NETWORK && l->ccp_running && n <= FSM_PKT_MAX) {
		/* Before MPPE is up (Windows sends IPCP early): keep the
		 * newest, replayed when IPCP starts. Without memory it is
		 * dropped like a lost frame: the peer retransmits. */
		if (!l->held_ipcp && !(l->held_ipcp = malloc(FSM_PKT_MAX))) {
			l->stats.rx_dropped++;
			return;
		}
		memcpy(l->held_ipcp, info, n);
		l->held_ipcp_len = n;
		l->stats.rx_held_ipcp++;
	} else {
		l->stats.rx_dropped++;
	}
}

/* IPV6CP and IPv6 frames; false when the link does not run IPv6 (the
 * caller Protocol-Rejects). IPV6CP before MPPE is up is held as IPCP is
 * (input_ipcp()). */
static bool input_ipv6(struct ppp_link *l, uint16_t proto, uint8_t *info, size_t n)
{
	if (!ipv6_enabled(l))
		return false;
	if (proto == PPP_PROTO_IPV6) {
		if (l->mppe_up || l->cfg.mppe_required)
			l->stats.rx_unencrypted++;
		else
			deliver_ipv6(l, info, n);
	} else if (l->ipv6cp_running) {
		ipv6cp_input(&l->ipv6cp, info, n);
	} else if (l->phase == PPP_PHASE_NETWORK && l->ccp_running && n <= FSM_PKT_MAX) {
		if (!l->held_ipv6cp && !(l->held_ipv6cp = malloc(FSM_PKT_MAX))) {
			l->stats.rx_dropped++;
			return true;
		}
		memcpy(l->held_ipv6cp, info, n);
		l->held_ipv6cp_len = n;
		l->stats.rx_held_ipv6cp++;
	} else {
		l->stats.rx_dropped++;
	}
	return true;
}

static void input_frame(struct ppp_link *l, uint8_t *frame, size_t len)
{
	uint16_t proto;
	uint8_t *info;
	size_t n;

	if (!read_header(l, frame, len, &proto, &info, &n))
		return;
	if (lcp_is_opened(&l->lcp))
		lcp_note_rx(&l->lcp, l->now);
	if (l->phase == PPP_PHASE_TERMINATE && proto != PPP_PROTO_LCP) {
		l->stats.rx_dropped++;
		return;
	}
	switch (proto) {
	case PPP_PROTO_LCP:
		if (n > 0 && info[0] == PPP_TERM_REQ && lcp_is_opened(&l->lcp))
			l->peer_terminated = true;
		lcp_input(&l->lcp, info, n);
		return;
	case PPP_PROTO_CHAP:
		if (l->auth == AUTH_CHAP && l->a)
			chap_input(&l->a->chap, info, n, l->now);
		else
			l->stats.rx_dropped++;
		return;
	case PPP_PROTO_PAP:
		if (l->auth == AUTH_PAP && l->a)
			pap_input(&l->a->pap, info, n, l->now);
		else
			l->stats.rx_dropped++;
		return;
	case PPP_PROTO_EAP:
		if (l->auth == AUTH_EAP && l->a)
			eap_input(&l->a->eap, info, n, l->now);
		else
			l->stats.rx_dropped++;
		return;
	case PPP_PROTO_CCP:
		input_ccp(l, info, n);
		return;
	case PPP_PROTO_IPCP:
		input_ipcp(l, info, n);
		return;
	case PPP_PROTO_COMP:
		input_mppe(l, info, n);
		return;
	case PPP_PROTO_IP:
		if (l->mppe_up || l->cfg.mppe_required)
			l->stats.rx_unencrypted++;
		else
			deliver_ip(l, info, n);
		return;
	case PPP_PROTO_IPV6CP:
	case PPP_PROTO_IPV6:
		if (input_ipv6(l, proto, info, n))
			return;
		break; /* IPv6 is not run on this link: rejected as unknown */
	default:
		break;
	}
	if (lcp_is_opened(&l->lcp) && lcp_send_protocol_reject(&l->lcp, proto, info, n))
		l->stats.rx_proto_rejected++;
	else
		l->stats.rx_dropped++;
}

void ppp_input(struct ppp_link *l, uint8_t *frame, size_t len, uint64_t now)
{
	if (l->down_done || l->lower_gone || !l->started)
		return;
	enter(l, now);
	l->stats.rx_frames++;
	input_frame(l, frame, len);
	leave(l);
}

/* ---- Accessors ---- */

enum ppp_phase ppp_phase(const struct ppp_link *l)
{
	return l->phase;
}

const struct ppp_stats *ppp_stats(const struct ppp_link *l)
{
	return &l->stats;
}

bool ppp_ipv6_is_up(const struct ppp_link *l)
{
	return l->ipv6_up;
}

const char *ppp_peer_name(const struct ppp_link *l)
{
	return l->cfg.role == PPP_ROLE_SERVER && l->peer_name ? l->peer_name : "";
}

bool ppp_data_export(struct ppp_link *l, struct ppp_data *d)
{
	const struct lcp_result *res = lcp_result(&l->lcp);

	memset(d, 0, sizeof(*d));
	if (l->down_done || l->lower_gone || l->phase != PPP_PHASE_RUNNING || l->data_moved ||
	    (l->cfg.mppe_required && !l->mppe_up) || (l->mppe_up && l->tx.d.stateful) ||
	    (l->mppe_up && l->rx.d.stateful))
		return false;
	d->mppe_required = l->cfg.mppe_required;
	d->pfc = res->pfc_tx;
	d->acfc = res->acfc_tx;
	d->mppe = l->mppe_up;
	/* Moved, not copied: the link keeps its keys and counts but no RC4
	 * context, and carries no data until ppp_data_restore(). */
	d->tx = l->tx;
	d->rx = l->rx;
	l->tx.d.rc4 = NULL;
	l->rx.d.rc4 = NULL;
	l->data_moved = true;
	return true;
}

void ppp_data_restore(struct ppp_link *l, struct ppp_data *d)
{
	if (!l->data_moved)
		return;
	l->tx = d->tx;
	l->rx = d->rx;
	l->data_moved = false;
	memset(d, 0, sizeof(*d));
}
