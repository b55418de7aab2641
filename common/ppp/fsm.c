/*
 * RFC 1661 section 4 automaton. The table below is the RFC's state
 * transition table, one row per state; fsm_event() is the only place that
 * changes f->state.
 */
#include "common/ppp/fsm.h"

#include <string.h>

#include "common/log.h"
#include "common/ppp/ppp_defs.h"

#define A(acts, nx) { (uint16_t)(acts), FSM_##nx }
#define ILL(self)   { FSM_A_ILLEGAL, FSM_##self }
#define NONE        0

/* clang-format off */
const struct fsm_cell fsm_table[FSM_NSTATES][FSM_NEVENTS] = {
	[FSM_INITIAL] = {
		[FSM_EV_UP] = A(NONE, CLOSED),
		[FSM_EV_DOWN] = ILL(INITIAL),
		[FSM_EV_OPEN] = A(FSM_A_TLS, STARTING),
		[FSM_EV_CLOSE] = A(NONE, INITIAL),
		[FSM_EV_TO_PLUS] = ILL(INITIAL), [FSM_EV_TO_MINUS] = ILL(INITIAL),
		[FSM_EV_RCR_PLUS] = ILL(INITIAL), [FSM_EV_RCR_MINUS] = ILL(INITIAL),
		[FSM_EV_RCA] = ILL(INITIAL), [FSM_EV_RCN] = ILL(INITIAL),
		[FSM_EV_RTR] = ILL(INITIAL), [FSM_EV_RTA] = ILL(INITIAL),
		[FSM_EV_RUC] = ILL(INITIAL), [FSM_EV_RXJ_PLUS] = ILL(INITIAL),
		[FSM_EV_RXJ_MINUS] = ILL(INITIAL), [FSM_EV_RXR] = ILL(INITIAL),
	},
	[FSM_STARTING] = {
		[FSM_EV_UP] = A(FSM_A_IRC | FSM_A_SCR, REQ_SENT),
		[FSM_EV_DOWN] = ILL(STARTING),
		[FSM_EV_OPEN] = A(NONE, STARTING),
		[FSM_EV_CLOSE] = A(FSM_A_TLF, INITIAL),
		[FSM_EV_TO_PLUS] = ILL(STARTING), [FSM_EV_TO_MINUS] = ILL(STARTING),
		[FSM_EV_RCR_PLUS] = ILL(STARTING), [FSM_EV_RCR_MINUS] = ILL(STARTING),
		[FSM_EV_RCA] = ILL(STARTING), [FSM_EV_RCN] = ILL(STARTING),
		[FSM_EV_RTR] = ILL(STARTING), [FSM_EV_RTA] = ILL(STARTING),
		[FSM_EV_RUC] = ILL(STARTING), [FSM_EV_RXJ_PLUS] = ILL(STARTING),
		[FSM_EV_RXJ_MINUS] = ILL(STARTING), [FSM_EV_RXR] = ILL(STARTING),
	},
	[FSM_CLOSED] = {
		[FSM_EV_UP] = ILL(CLOSED),
		[FSM_EV_DOWN] = A(NONE, INITIAL),
		[FSM_EV_OPEN] = A(FSM_A_IRC | FSM_A_SCR, REQ_SENT),
		[FSM_EV_CLOSE] = A(NONE, CLOSED),
		[FSM_EV_TO_PLUS] = ILL(CLOSED), [FSM_EV_TO_MINUS] = ILL(CLOSED),
		[FSM_EV_RCR_PLUS] = A(FSM_A_STA, CLOSED),
		[FSM_EV_RCR_MINUS] = A(FSM_A_STA, CLOSED),
		[FSM_EV_RCA] = A(FSM_A_STA, CLOSED),
		[FSM_EV_RCN] = A(FSM_A_STA, CLOSED),
		[FSM_EV_RTR] = A(FSM_A_STA, CLOSED),
		[FSM_EV_RTA] = A(NONE, CLOSED),
		[FSM_EV_RUC] = A(FSM_A_SCJ, CLOSED),
		[FSM_EV_RXJ_PLUS] = A(NONE, CLOSED),
		[FSM_EV_RXJ_MINUS] = A(FSM_A_TLF, CLOSED),
		[FSM_EV_RXR] = A(NONE, CLOSED),
	},
	[FSM_STOPPED] = {
		[FSM_EV_UP] = ILL(STOPPED),
		[FSM_EV_DOWN] = A(FSM_A_TLS, STARTING),
		[FSM_EV_OPEN] = A(NONE, STOPPED),
		[FSM_EV_CLOSE] = A(NONE, CLOSED),
		[FSM_EV_TO_PLUS] = ILL(STOPPED), [FSM_EV_TO_MINUS] = ILL(STOPPED),
		[FSM_EV_RCR_PLUS] = A(FSM_A_IRC | FSM_A_SCR | FSM_A_SCA, ACK_SENT),
		[FSM_EV_RCR_MINUS] = A(FSM_A_IRC | FSM_A_SCR | FSM_A_SCN, REQ_SENT),
		[FSM_EV_RCA] = A(FSM_A_STA, STOPPED),
		[FSM_EV_RCN] = A(FSM_A_STA, STOPPED),
		[FSM_EV_RTR] = A(FSM_A_STA, STOPPED),
		[FSM_EV_RTA] = A(NONE, STOPPED),
		[FSM_EV_RUC] = A(FSM_A_SCJ, STOPPED),
		[FSM_EV_RXJ_PLUS] = A(NONE, STOPPED),
		[FSM_EV_RXJ_MINUS] = A(FSM_A_TLF, STOPPED),
		[FSM_EV_RXR] = A(NONE, STOPPED),
	},
	[FSM_CLOSING] = {
		[FSM_EV_UP] = ILL(CLOSING),
		[FSM_EV_DOWN] = A(NONE, INITIAL),
		[FSM_EV_OPEN] = A(NONE, STOPPING),
		[FSM_EV_CLOSE] = A(NONE, CLOSING),
		[FSM_EV_TO_PLUS] = A(FSM_A_STR, CLOSING),
		[FSM_EV_TO_MINUS] = A(FSM_A_TLF, CLOSED),
		[FSM_EV_RCR_PLUS] = A(NONE, CLOSING),
		[FSM_EV_RCR_MINUS] = A(NONE, CLOSING),
		[FSM_EV_RCA] = A(NONE, CLOSING),
		[FSM_EV_RCN] = A(NONE, CLOSING),
		[FSM_EV_RTR] = A(FSM_A_STA, CLOSING),
		[FSM_EV_RTA] = A(FSM_A_TLF, CLOSED),
		[FSM_EV_RUC] = A(FSM_A_SCJ, CLOSING),
		[FSM_EV_RXJ_PLUS] = A(NONE, CLOSING),
		[FSM_EV_RXJ_MINUS] = A(FSM_A_TLF, CLOSED),
		[FSM_EV_RXR] = A(NONE, CLOSING),
	},
	[FSM_STOPPING] = {
		[FSM_EV_UP] = ILL(STOPPING),
		[FSM_EV_DOWN] = A(NONE, STARTING),
		[FSM_EV_OPEN] = A(NONE, STOPPING),
		[FSM_EV_CLOSE] = A(NONE, CLOSING),
		[FSM_EV_TO_PLUS] = A(FSM_A_STR, STOPPING),
		[FSM_EV_TO_MINUS] = A(FSM_A_TLF, STOPPED),
		[FSM_EV_RCR_PLUS] = A(NONE, STOPPING),
		[FSM_EV_RCR_MINUS] = A(NONE, STOPPING),
		[FSM_EV_RCA] = A(NONE, STOPPING),
		[FSM_EV_RCN] = A(NONE, STOPPING),
		[FSM_EV_RTR] = A(FSM_A_STA, STOPPING),
		[FSM_EV_RTA] = A(FSM_A_TLF, STOPPED),
		[FSM_EV_RUC] = A(FSM_A_SCJ, STOPPING),
		[FSM_EV_RXJ_PLUS] = A(NONE, STOPPING),
		[FSM_EV_RXJ_MINUS] = A(FSM_A_TLF, STOPPED),
		[FSM_EV_RXR] = A(NONE, STOPPING),
	},
	[FSM_REQ_SENT] = {
		[FSM_EV_UP] = ILL(REQ_SENT),
		[FSM_EV_DOWN] = A(NONE, STARTING),
		[FSM_EV_OPEN] = A(NONE, REQ_SENT),
		[FSM_EV_CLOSE] = A(FSM_A_IRC | FSM_A_STR, CLOSING),
		[FSM_EV_TO_PLUS] = A(FSM_A_SCR, REQ_SENT),
		[FSM_EV_TO_MINUS] = A(FSM_A_TLF, STOPPED),
		[FSM_EV_RCR_PLUS] = A(FSM_A_SCA, ACK_SENT),
		[FSM_EV_RCR_MINUS] = A(FSM_A_SCN, REQ_SENT),
		[FSM_EV_RCA] = A(FSM_A_IRC, ACK_RCVD),
		[FSM_EV_RCN] = A(FSM_A_IRC | FSM_A_SCR, REQ_SENT),
		[FSM_EV_RTR] = A(FSM_A_STA, REQ_SENT),
		[FSM_EV_RTA] = A(NONE, REQ_SENT),
		[FSM_EV_RUC] = A(FSM_A_SCJ, REQ_SENT),
		[FSM_EV_RXJ_PLUS] = A(NONE, REQ_SENT),
		[FSM_EV_RXJ_MINUS] = A(FSM_A_TLF, STOPPED),
		[FSM_EV_RXR] = A(NONE, REQ_SENT),
	},
	[FSM_ACK_RCVD] = {
		[FSM_EV_UP] = ILL(ACK_RCVD),
		[FSM_EV_DOWN] = A(NONE, STARTING),
		[FSM_EV_OPEN] = A(NONE, ACK_RCVD),
		[FSM_EV_CLOSE] = A(FSM_A_IRC | FSM_A_STR, CLOSING),
		[FSM_EV_TO_PLUS] = A(FSM_A_SCR, REQ_SENT),
		[FSM_EV_TO_MINUS] = A(FSM_A_TLF, STOPPED),
		[FSM_EV_RCR_PLUS] = A(FSM_A_SCA | FSM_A_TLU, OPENED),
		[FSM_EV_RCR_MINUS] = A(FSM_A_SCN, ACK_RCVD),
		[FSM_EV_RCA] = A(FSM_A_SCR, REQ_SENT),
		[FSM_EV_RCN] = A(FSM_A_SCR, REQ_SENT),
		[FSM_EV_RTR] = A(FSM_A_STA, REQ_SENT),
		[FSM_EV_RTA] = A(NONE, REQ_SENT),
		[FSM_EV_RUC] = A(FSM_A_SCJ, ACK_RCVD),
		[FSM_EV_RXJ_PLUS] = A(NONE, ACK_RCVD),
		[FSM_EV_RXJ_MINUS] = A(FSM_A_TLF, STOPPED),
		[FSM_EV_RXR] = A(NONE, ACK_RCVD),
	},
	[FSM_ACK_SENT] = {
		[FSM_EV_UP] = ILL(ACK_SENT),
		[FSM_EV_DOWN] = A(NONE, STARTING),
		[FSM_EV_OPEN] = A(NONE, ACK_SENT),
		[FSM_EV_CLOSE] = A(FSM_A_IRC | FSM_A_STR, CLOSING),
		[FSM_EV_TO_PLUS] = A(FSM_A_SCR, ACK_SENT),
		[FSM_EV_TO_MINUS] = A(FSM_A_TLF, STOPPED),
		[FSM_EV_RCR_PLUS] = A(FSM_A_SCA, ACK_SENT),
		[FSM_EV_RCR_MINUS] = A(FSM_A_SCN, REQ_SENT),
		[FSM_EV_RCA] = A(FSM_A_IRC | FSM_A_TLU, OPENED),
		[FSM_EV_RCN] = A(FSM_A_IRC | FSM_A_SCR, ACK_SENT),
		[FSM_EV_RTR] = A(FSM_A_STA, REQ_SENT),
		[FSM_EV_RTA] = A(NONE, ACK_SENT),
		[FSM_EV_RUC] = A(FSM_A_SCJ, ACK_SENT),
		[FSM_EV_RXJ_PLUS] = A(NONE, ACK_SENT),
		[FSM_EV_RXJ_MINUS] = A(FSM_A_TLF, STOPPED),
		[FSM_EV_RXR] = A(NONE, ACK_SENT),
	},
	[FSM_OPENED] = {
		[FSM_EV_UP] = ILL(OPENED),
		[FSM_EV_DOWN] = A(FSM_A_TLD, STARTING),
		[FSM_EV_OPEN] = A(NONE, OPENED),
		[FSM_EV_CLOSE] = A(FSM_A_TLD | FSM_A_IRC | FSM_A_STR, CLOSING),
		[FSM_EV_TO_PLUS] = ILL(OPENED), [FSM_EV_TO_MINUS] = ILL(OPENED),
		[FSM_EV_RCR_PLUS] = A(FSM_A_TLD | FSM_A_SCR | FSM_A_SCA, ACK_SENT),
		[FSM_EV_RCR_MINUS] = A(FSM_A_TLD | FSM_A_SCR | FSM_A_SCN, REQ_SENT),
		[FSM_EV_RCA] = A(FSM_A_TLD | FSM_A_SCR, REQ_SENT),
		[FSM_EV_RCN] = A(FSM_A_TLD | FSM_A_SCR, REQ_SENT),
		[FSM_EV_RTR] = A(FSM_A_TLD | FSM_A_ZRC | FSM_A_STA, STOPPING),
		[FSM_EV_RTA] = A(FSM_A_TLD | FSM_A_SCR, REQ_SENT),
		[FSM_EV_RUC] = A(FSM_A_SCJ, OPENED),
		[FSM_EV_RXJ_PLUS] = A(NONE, OPENED),
		[FSM_EV_RXJ_MINUS] = A(FSM_A_TLD | FSM_A_IRC | FSM_A_STR, STOPPING),
		[FSM_EV_RXR] = A(FSM_A_SER, OPENED),
	},
};
/* clang-format on */

static const char *const state_names[FSM_NSTATES] = {
	"Initial", "Starting", "Closed", "Stopped", "Closing",
	"Stopping", "Req-Sent", "Ack-Rcvd", "Ack-Sent", "Opened",
};

static const char *const event_names[FSM_NEVENTS] = {
	"Up", "Down", "Open", "Close", "TO+", "TO-", "RCR+", "RCR-",
	"RCA", "RCN", "RTR", "RTA", "RUC", "RXJ+", "RXJ-", "RXR",
};

static const char *const drop_names[FSM_DROP_MAX] = {
	"short", "bad-length", "bad-option", "stale-id", "ack-mismatch",
	"bad-reject", "too-long", "state",
};

const char *fsm_state_name(enum fsm_state s)
{
	return (unsigned)s < FSM_NSTATES ? state_names[s] : "?";
}

const char *fsm_event_name(enum fsm_event e)
{
	return (unsigned)e < FSM_NEVENTS ? event_names[e] : "?";
}

const char *fsm_drop_name(enum fsm_drop d)
{
	return (unsigned)d < FSM_DROP_MAX ? drop_names[d] : "?";
}

const char *fsm_code_name(uint8_t code)
{
	static const char *const names[] = {
		"0", "Configure-Request", "Configure-Ack", "Configure-Nak",
		"Configure-Reject", "Terminate-Request", "Terminate-Ack",
		"Code-Reject", "Protocol-Reject", "Echo-Request", "Echo-Reply",
		"Discard-Request", "Identification", "Time-Remaining",
		"Reset-Request", "Reset-Ack",
	};
	return code < sizeof(names) / sizeof(names[0]) ? names[code] : "unknown";
}

void fsm_init(struct fsm *f, const char *name, uint16_t proto, const struct fsm_ops *ops,
	      void *ctx, const struct fsm_io *io)
{
	*f = (struct fsm){
		.name = name,
		.proto = proto,
		.ops = ops,
		.ctx = ctx,
		.io = io,
		.state = FSM_INITIAL,
		/* RFC 1661 4.6 defaults */
		.restart_ms = 3000,
		.max_configure = 10,
		.max_terminate = 2,
		.max_failure = 5,
		.next_id = 1,
	};
}

uint8_t fsm_new_id(struct fsm *f)
{
	return f->next_id++;
}

static void drop(struct fsm *f, enum fsm_drop why)
{
	f->drops[why]++;
	log_debug("%s ppp=%s event=drop reason=%s state=%s", FSM_LOG_ID(f), f->name,
		  fsm_drop_name(why),
		  fsm_state_name(f->state));
}

bool fsm_send(struct fsm *f, uint8_t code, uint8_t id, const void *data, size_t len)
{
	uint8_t pkt[FSM_PKT_MAX];
	struct wbuf w;

	wbuf_init(&w, pkt, sizeof(pkt));
	wbuf_u8(&w, code);
	wbuf_u8(&w, id);
	wbuf_be16(&w, (uint16_t)(PPP_CP_HDR_LEN + len));
	wbuf_bytes(&w, data, len);
	if (!wbuf_ok(&w))
		return false;
	if (f->io && f->io->send)
		f->io->send(f->io->arg, f->proto, pkt, w.len);
	return true;
}

static void timer_start(struct fsm *f)
{
	f->timer_running = true;
	if (f->io && f->io->timer_start)
		f->io->timer_start(f->io->arg, f, f->restart_ms);
}

static void timer_stop(struct fsm *f)
{
	if (!f->timer_running)
		return;
	f->timer_running = false;
	if (f->io && f->io->timer_stop)
		f->io->timer_stop(f->io->arg, f);
}

static void send_conf_req(struct fsm *f)
{
	struct wbuf w;

	wbuf_init(&w, f->req, sizeof(f->req) - PPP_CP_HDR_LEN);
	f->ops->build_request(f, &w);
	f->req_len = wbuf_ok(&w) ? w.len : 0;
	f->req_id = fsm_new_id(f);
	f->reply_seen = false;
	fsm_send(f, PPP_CONF_REQ, f->req_id, f->req, f->req_len);
	if (f->restart_count > 0)
		f->restart_count--;
	timer_start(f);
}

static void send_term_req(struct fsm *f)
{
	fsm_send(f, PPP_TERM_REQ, fsm_new_id(f), f->term_reason, strlen(f->term_reason));
	if (f->restart_count > 0)
		f->restart_count--;
	timer_start(f);
}

static void send_code_rej(struct fsm *f)
{
	uint8_t pkt[FSM_PKT_MAX - PPP_CP_HDR_LEN];
	size_t n = PPP_CP_HDR_LEN + f->rx_len;
	struct wbuf w;

	/* The rejected packet, truncated to what fits. */
	wbuf_init(&w, pkt, sizeof(pkt));
	wbuf_u8(&w, f->rx_code);
	wbuf_u8(&w, f->rx_id);
	wbuf_be16(&w, (uint16_t)n);
	wbuf_bytes(&w, f->rx_data, f->rx_len > wbuf_room(&w) ? wbuf_room(&w) : f->rx_len);
	fsm_send(f, PPP_CODE_REJ, fsm_new_id(f), pkt, w.len);
}

static bool timer_state(enum fsm_state s)
{
	return s == FSM_CLOSING || s == FSM_STOPPING || s == FSM_REQ_SENT ||
	       s == FSM_ACK_RCVD || s == FSM_ACK_SENT;
}

void fsm_event(struct fsm *f, enum fsm_event ev)
{
	const struct fsm_cell *c = &fsm_table[f->state][ev];
	enum fsm_state from = f->state, next = (enum fsm_state)c->next;
	unsigned a = c->actions;

	if (a & FSM_A_ILLEGAL) {
		f->illegal_events++;
		log_debug("%s ppp=%s event=illegal fsm-event=%s state=%s", FSM_LOG_ID(f), f->name,
			  fsm_event_name(ev), fsm_state_name(from));
		return;
	}
	log_debug("%s ppp=%s fsm-event=%s state=%s next=%s", FSM_LOG_ID(f), f->name,
		  fsm_event_name(ev),
		  fsm_state_name(from), fsm_state_name(next));

	if ((a & FSM_A_TLD) && f->ops->down)
		f->ops->down(f);
	if ((a & FSM_A_TLS) && f->ops->started)
		f->ops->started(f);
	if (a & FSM_A_IRC) {
		bool term = next == FSM_CLOSING || next == FSM_STOPPING;
		f->restart_count = term ? f->max_terminate : f->max_configure;
	}
	if (a & FSM_A_ZRC) {
		f->restart_count = 0;
		timer_start(f);
	}
	if (a & FSM_A_SCR)
		send_conf_req(f);
	if (a & (FSM_A_SCA | FSM_A_SCN)) {
		if (f->reply_code == PPP_CONF_ACK) {
			f->nak_count = 0;
			if (f->ops->req_acked)
				f->ops->req_acked(f);
		} else if (f->reply_code == PPP_CONF_NAK) {
			f->nak_count++;
		}
		fsm_send(f, f->reply_code, f->reply_id, f->reply, f->reply_len);
	}
	if (a & FSM_A_STR)
		send_term_req(f);
	if (a & FSM_A_STA)
		fsm_send(f, PPP_TERM_ACK, f->rx_id, NULL, 0);
	if (a & FSM_A_SCJ)
		send_code_rej(f);
	if (a & FSM_A_SER) {
		struct rbuf r;
		rbuf_init(&r, f->rx_data, f->rx_len);
		if (f->ops->ser)
			f->ops->ser(f, f->rx_code, f->rx_id, &r);
	}

	f->state = next;
	if (!timer_state(next))
		timer_stop(f);

	if ((a & FSM_A_TLU) && f->ops->up)
		f->ops->up(f);
	if ((a & FSM_A_TLF) && f->ops->finished)
		f->ops->finished(f);
}

void fsm_up(struct fsm *f)
{
	fsm_event(f, FSM_EV_UP);
}

void fsm_down(struct fsm *f)
{
	fsm_event(f, FSM_EV_DOWN);
}

void fsm_open(struct fsm *f)
{
	fsm_event(f, FSM_EV_OPEN);
}

void fsm_close(struct fsm *f, const char *reason)
{
	size_t n = reason ? strlen(reason) : 0;

	if (n >= sizeof(f->term_reason))
		n = sizeof(f->term_reason) - 1;
	if (n)
		memcpy(f->term_reason, reason, n);
	f->term_reason[n] = '\0';
	fsm_event(f, FSM_EV_CLOSE);
}

void fsm_timeout(struct fsm *f)
{
	if (!f->timer_running)
		return;
	f->timer_running = false;
	fsm_event(f, f->restart_count > 0 ? FSM_EV_TO_PLUS : FSM_EV_TO_MINUS);
}

void fsm_protocol_rejected(struct fsm *f)
{
	fsm_event(f, FSM_EV_RXJ_MINUS);
}

/* ---- Options ---- */

struct opt {
	uint8_t type;
	uint8_t len;          /* whole option */
	const uint8_t *start; /* the type octet */
	const uint8_t *val;
	size_t vlen;
};

/* 1: one option read; 0: end of data; -1: malformed. */
static int opt_next(struct rbuf *r, struct opt *o)
{
	if (rbuf_left(r) == 0)
		return rbuf_ok(r) ? 0 : -1;
	o->start = r->p + r->off;
	if (!rbuf_u8(r, &o->type) || !rbuf_u8(r, &o->len) || o->len < PPP_OPT_HDR_LEN)
		return -1;
	o->vlen = (size_t)o->len - PPP_OPT_HDR_LEN;
	o->val = rbuf_take(r, o->vlen);
	return o->val ? 1 : -1;
}

static bool opts_valid(const uint8_t *p, size_t n)
{
	struct rbuf r;
	struct opt o;
	int rc;

	rbuf_init(&r, p, n);
	while ((rc = opt_next(&r, &o)) == 1)
		;
	return rc == 0;
}

static bool sent_option(const struct fsm *f, uint8_t type)
{
	struct rbuf r;
	struct opt o;

	rbuf_init(&r, f->req, f->req_len);
	while (opt_next(&r, &o) == 1)
		if (o.type == type)
			return true;
	return false;
}

static bool needs_judging(enum fsm_state s)
{
	return s == FSM_STOPPED || s == FSM_REQ_SENT || s == FSM_ACK_RCVD ||
	       s == FSM_ACK_SENT || s == FSM_OPENED;
}

/* Judge the peer's Configure-Request and prepare the reply; false = drop. */
static bool judge_request(struct fsm *f, const uint8_t *data, size_t len)
{
	uint8_t rej_buf[FSM_PKT_MAX], nak_buf[FSM_PKT_MAX], naked_buf[FSM_PKT_MAX];
	uint8_t val[255];
	struct wbuf rej, nak, naked, v;
	struct rbuf r;
	struct opt o;

	wbuf_init(&rej, rej_buf, sizeof(rej_buf) - PPP_CP_HDR_LEN);
	wbuf_init(&nak, nak_buf, sizeof(nak_buf) - PPP_CP_HDR_LEN);
	wbuf_init(&naked, naked_buf, sizeof(naked_buf) - PPP_CP_HDR_LEN);
	if (f->ops->req_begin)
		f->ops->req_begin(f);
	rbuf_init(&r, data, len);
	while (opt_next(&r, &o) == 1) {
		enum fsm_verdict vd;

		wbuf_init(&v, val, sizeof(val) - PPP_OPT_HDR_LEN);
		vd = f->ops->req_option(f, o.type, o.val, o.vlen, &v);
		if (vd == FSM_OPT_NAK && !wbuf_ok(&v))
			vd = FSM_OPT_REJECT;
		if (vd == FSM_OPT_REJECT) {
			wbuf_bytes(&rej, o.start, o.len);
		} else if (vd == FSM_OPT_NAK) {
			wbuf_u8(&nak, o.type);
			wbuf_u8(&nak, (uint8_t)(v.len + PPP_OPT_HDR_LEN));
			wbuf_bytes(&nak, val, v.len);
			wbuf_bytes(&naked, o.start, o.len);
		}
	}
	if (rej.len == 0 && f->ops->req_end)
		f->ops->req_end(f, &nak);
	if (!wbuf_ok(&rej) || !wbuf_ok(&nak) || !wbuf_ok(&naked))
		return false;

	const uint8_t *out = data;
	size_t out_len = len;
	f->reply_code = PPP_CONF_ACK;
	if (rej.len) {
		f->reply_code = PPP_CONF_REJ;
		out = rej_buf;
		out_len = rej.len;
	} else if (nak.len && f->nak_count >= f->max_failure) {
		/* Not converging (RFC 1661 4.6): reject what we would Nak. */
		if (f->ops->nak_exhausted)
			f->ops->nak_exhausted(f);
		if (naked.len) {
			f->reply_code = PPP_CONF_REJ;
			out = naked_buf;
			out_len = naked.len;
		}
	} else if (nak.len) {
		f->reply_code = PPP_CONF_NAK;
		out = nak_buf;
		out_len = nak.len;
	}
	if (out_len > FSM_PKT_MAX - PPP_CP_HDR_LEN)
		return false;
	if (out_len)
		memcpy(f->reply, out, out_len);
	f->reply_len = out_len;
	return true;
}

static void rcv_conf_req(struct fsm *f, uint8_t id, const uint8_t *data, size_t len)
{
	uint8_t reply[FSM_PKT_MAX - PPP_CP_HDR_LEN];

	if (!opts_valid(data, len)) {
		drop(f, FSM_DROP_BAD_OPTION);
		return;
	}
	f->reply_id = id;
	f->reply_len = 0;
	if (!needs_judging(f->state)) {
		fsm_event(f, FSM_EV_RCR_PLUS);
		return;
	}
	f->reply = reply;
	if (!judge_request(f, data, len)) {
		f->reply = NULL;
		drop(f, FSM_DROP_TOO_LONG);
		return;
	}
	fsm_event(f, f->reply_code == PPP_CONF_ACK ? FSM_EV_RCR_PLUS : FSM_EV_RCR_MINUS);
	f->reply = NULL;
}

static void rcv_conf_reply(struct fsm *f, uint8_t code, uint8_t id, const uint8_t *data,
			   size_t len)
{
	struct rbuf r;
	struct opt o;
	bool active = f->state == FSM_REQ_SENT || f->state == FSM_ACK_RCVD ||
		      f->state == FSM_ACK_SENT || f->state == FSM_OPENED;

	if (id != f->req_id || f->reply_seen) {
		drop(f, FSM_DROP_STALE_ID);
		return;
	}
	if (!opts_valid(data, len)) {
		drop(f, FSM_DROP_BAD_OPTION);
		return;
	}
	if (active && code == PPP_CONF_ACK &&
	    (len != f->req_len || (len && memcmp(data, f->req, len) != 0))) {
		drop(f, FSM_DROP_ACK_MISMATCH);
		return;
	}
	if (active && code == PPP_CONF_REJ) {
		rbuf_init(&r, data, len);
		while (opt_next(&r, &o) == 1) {
			if (!sent_option(f, o.type)) {
				drop(f, FSM_DROP_BAD_REJECT);
				return;
			}
		}
	}
	f->reply_seen = true;
	if (active) {
		rbuf_init(&r, data, len);
		while (opt_next(&r, &o) == 1) {
			if (code == PPP_CONF_NAK && f->ops->rcv_nak)
				f->ops->rcv_nak(f, o.type, o.val, o.vlen);
			else if (code == PPP_CONF_REJ && f->ops->rcv_reject)
				f->ops->rcv_reject(f, o.type, o.val, o.vlen);
		}
		if (code == PPP_CONF_ACK && f->ops->rcv_ack)
			f->ops->rcv_ack(f);
	}
	fsm_event(f, code == PPP_CONF_ACK ? FSM_EV_RCA : FSM_EV_RCN);
}

void fsm_input(struct fsm *f, const uint8_t *pkt, size_t len)
{
	struct rbuf r;
	uint8_t code, id;
	uint16_t plen;

	rbuf_init(&r, pkt, len);
	if (!rbuf_u8(&r, &code) || !rbuf_u8(&r, &id) || !rbuf_be16(&r, &plen)) {
		drop(f, FSM_DROP_SHORT);
		return;
	}
	if (plen < PPP_CP_HDR_LEN || plen > len) {
		drop(f, FSM_DROP_BAD_LENGTH);
		return;
	}
	if (f->state == FSM_INITIAL || f->state == FSM_STARTING) {
		drop(f, FSM_DROP_STATE);
		return;
	}
	f->rx_code = code;
	f->rx_id = id;
	f->rx_len = (size_t)plen - PPP_CP_HDR_LEN;
	f->rx_data = rbuf_take(&r, f->rx_len);

	switch (code) {
	case PPP_CONF_REQ:
		rcv_conf_req(f, id, f->rx_data, f->rx_len);
		break;
	case PPP_CONF_ACK:
	case PPP_CONF_NAK:
	case PPP_CONF_REJ:
		rcv_conf_reply(f, code, id, f->rx_data, f->rx_len);
		break;
	case PPP_TERM_REQ:
		fsm_event(f, FSM_EV_RTR);
		break;
	case PPP_TERM_ACK:
		fsm_event(f, FSM_EV_RTA);
		break;
	case PPP_CODE_REJ:
		if (f->rx_len < 1) {
			drop(f, FSM_DROP_BAD_LENGTH);
			break;
		}
		/* A rejected code the protocol cannot live without is fatal. */
		fsm_event(f, f->rx_data[0] >= PPP_CONF_REQ && f->rx_data[0] <= PPP_CODE_REJ
			     ? FSM_EV_RXJ_MINUS : FSM_EV_RXJ_PLUS);
		break;
	default: {
		enum fsm_xcode xc = FSM_XC_UNKNOWN;
		struct rbuf d;

		rbuf_init(&d, f->rx_data, f->rx_len);
		if (f->ops->extra_code)
			xc = f->ops->extra_code(f, code, id, &d);
		if (xc == FSM_XC_UNKNOWN)
			fsm_event(f, FSM_EV_RUC);
		else if (xc == FSM_XC_RXR)
			fsm_event(f, FSM_EV_RXR);
		break;
	}
	}
	f->rx_data = NULL;
	f->rx_len = 0;
}
