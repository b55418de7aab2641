/*
 * PPTP control connections: stream framing, the message x state dispatch
 * table, and each message's handler (RFC 2637 section 2).
 */
#include "server/ctrl.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/log.h"
#include "common/log_id.h"
#include "server/call.h"
#include "server/server.h"

#define ST(s) (1u << (s))
#define PPTP_VENDOR "pptpd"
#define FIRMWARE_REV 1

static const char *const state_names[CTRL_NSTATES] = {
	[CTRL_WAIT_START] = "wait-start",
	[CTRL_ESTABLISHED] = "established",
	[CTRL_STOPPING] = "stopping",
	[CTRL_CLOSING] = "closing",
};

/* ---- output ---- */

static void update_io(struct ctrl *c)
{
	int events = 0;

	if (c->dying)
		return;
	if (c->state != CTRL_CLOSING)
		events |= EV_READ;
	/* CLOSING: io_cb kills the connection once the output is out, even
	 * when ctrl_send() already wrote it all. */
	if (c->out_len || c->state == CTRL_CLOSING)
		events |= EV_WRITE;
	if (events == (c->io.events & (EV_READ | EV_WRITE)) && ev_is_active(&c->io))
		return;
	ev_io_stop(c->srv->loop, &c->io);
	ev_io_set(&c->io, c->fd, events);
	if (events)
		ev_io_start(c->srv->loop, &c->io);
}

/*
 * Straight to the socket while nothing waits: no EV_WRITE round through
 * the loop (two epoll_ctl calls and a wake-up per message before). What
 * the socket does not take waits in c->out. A send error is left for
 * flush_output(), from io_cb, to find again and end the connection there.
 */
bool ctrl_send(struct ctrl *c, const struct pptp_msg *m)
{
	uint8_t msg[PPTP_MAX_MSG_LEN];
	struct wbuf w;
	size_t sent = 0;

	if (c->dying)
		return false;
	wbuf_init(&w, msg, sizeof(msg));
	if (!pptp_msg_encode(&w, m)) {
		ctrl_kill(c, "encode-error");
		return false;
	}
	if (!c->out_len) {
		ssize_t n = send(c->fd, msg, w.len, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n > 0)
			sent = (size_t)n;
	}
	if (sent < w.len) {
		if (w.len - sent > CTRL_OUT_SIZE - c->out_len) {
			ctrl_kill(c, "peer-not-reading");
			return false;
		}
		if (!c->out && !(c->out = malloc(CTRL_OUT_SIZE))) {
			ctrl_kill(c, "out-of-memory");
			return false;
		}
		memcpy(c->out + c->out_len, msg + sent, w.len - sent);
		c->out_len += w.len - sent;
	}
	log_debug("%s event=msg-sent type=%s", CTRL_LOG_ID(c), pptp_msg_name(m->type));
	update_io(c);
	return true;
}

static void flush_output(struct ctrl *c)
{
	while (c->out_len) {
		ssize_t n = send(c->fd, c->out, c->out_len, MSG_NOSIGNAL);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return;
			ctrl_kill(c, errno == ECONNRESET || errno == EPIPE ? "reset" : "write-error");
			return;
		}
		memmove(c->out, c->out + n, c->out_len - (size_t)n);
		c->out_len -= (size_t)n;
	}
	free(c->out);
	c->out = NULL;
}

/* ---- state changes ---- */

/* Every state change goes through here: it keeps the server's count of
 * connections still in WAIT_START (max-unstarted-connections). */
static void set_state(struct ctrl *c, enum ctrl_state st)
{
	if (c->state == CTRL_WAIT_START && st != CTRL_WAIT_START)
		c->srv->nunstarted--;
	c->state = st;
}

static void kill_calls(struct ctrl *c, const char *reason)
{
	while (c->calls)
		call_kill(c->calls, reason);
}

/* Write what is queued, then close. */
static void close_after_write(struct ctrl *c, const char *reason)
{
	set_state(c, CTRL_CLOSING);
	c->close_reason = reason;
	ctrl_timers_stopping(c);
	update_io(c);
}

void ctrl_kill(struct ctrl *c, const char *reason)
{
	struct server *srv = c->srv;

	if (c->dying)
		return;
	/* A connection that never started is as dull as its ctrl-open line
	 * (info): a flood of them must not fill the log at the default level;
	 * the refusals and evictions behind them are logged once per peer. */
	log_msg(c->state == CTRL_WAIT_START ? LOG_LVL_INFO : LOG_LVL_NOTICE,
		"%s event=ctrl-close reason=%s state=%s calls=%u", CTRL_LOG_ID(c), reason,
		state_names[c->state], c->ncalls);
	if (c->state == CTRL_WAIT_START)
		srv->nunstarted--;
	/* Dying before the calls go: a teardown nested in theirs that reaches
	 * this connection again (a notify that does not fit, another kill)
	 * finds it dying and does nothing twice. */
	c->dying = true;
	kill_calls(c, reason);
	ctrl_timers_stop_all(c);
	ev_io_stop(srv->loop, &c->io);
	close(c->fd);
	c->fd = -1;
	if (c->prev)
		c->prev->next = c->next;
	else
		srv->ctrls = c->next;
	if (c->next)
		c->next->prev = c->prev;
	srv->nctrls--;
	addr_count_add(&srv->peer_counts, c->peer.sin_addr.s_addr, -1, 0);
	srv->stats.ctrl_closed++;
	server_reap_ctrl(srv, c);
}

void ctrl_close(struct ctrl *c, uint8_t reason, const char *why)
{
	if (c->dying || c->state == CTRL_STOPPING || c->state == CTRL_CLOSING)
		return;
	if (c->state == CTRL_WAIT_START) {
		ctrl_kill(c, why);
		return;
	}
	log_notice("%s event=ctrl-stop reason=%s calls=%u", CTRL_LOG_ID(c),
		   why, c->ncalls);
	/* A stop clears every call implicitly (RFC 2637 2.3): no notify per call. */
	kill_calls(c, why);
	struct pptp_msg m = { .type = PPTP_STOP_CTRL_REQUEST };
	m.stop_rq.reason = reason;
	if (!ctrl_send(c, &m))
		return;
	set_state(c, CTRL_STOPPING);
	c->close_reason = why;
	ctrl_timers_stopping(c);
}

void ctrl_free(struct ctrl *c)
{
	free(c->in);
	free(c->out);
	server_release(c->srv, c);
}

/* ---- calls ---- */

void ctrl_call_added(struct ctrl *c, struct call *call)
{
	call->prev = NULL;
	call->next = c->calls;
	if (c->calls)
		c->calls->prev = call;
	c->calls = call;
	c->ncalls++;
	/* The address has this connection counted: no growth, cannot fail. */
	addr_count_add(&c->srv->peer_counts, c->peer.sin_addr.s_addr, 0, 1);
	ctrl_timers_calls_changed(c);
}

void ctrl_call_removed(struct ctrl *c, struct call *call)
{
	if (call->prev)
		call->prev->next = call->next;
	else
		c->calls = call->next;
	if (call->next)
		call->next->prev = call->prev;
	call->next = call->prev = NULL;
	c->ncalls--;
	addr_count_add(&c->srv->peer_counts, c->peer.sin_addr.s_addr, 0, -1);
	ctrl_timers_calls_changed(c);
}

/* A call of this connection by our call ID. */
static struct call *call_by_ours(struct ctrl *c, uint16_t id)
{
	struct call *call = server_call_by_id(c->srv, id);
	return call && call->ctrl == c ? call : NULL;
}

/* A call of this connection and role by the peer's call ID. */
static struct call *call_by_peers(struct ctrl *c, uint16_t peer_id, enum call_role role)
{
	for (struct call *call = c->calls; call; call = call->next)
		if (call->peer_id == peer_id && call->role == role)
			return call;
	return NULL;
}

void ctrl_close_call(struct call *call, const char *reason)
{
	struct ctrl *c = call->ctrl;
	struct pptp_msg m;

	if (call->dying)
		return;
	if (call->role == CALL_PAC) {
		m = (struct pptp_msg){ .type = PPTP_CALL_DISCONNECT_NOTIFY };
		m.cdn.call_id = call->id;
		m.cdn.result = PPTP_CDN_ADMIN_SHUTDOWN;
		call_kill(call, reason);
		ctrl_send(c, &m);
		return;
	}
	if (call->state == CALL_CLEARING)
		return;
	m = (struct pptp_msg){ .type = PPTP_CALL_CLEAR_REQUEST };
	m.ccrq.call_id = call->id;
	call->state = CALL_CLEARING;
	log_info("%s event=call-clear reason=%s", CALL_LOG_ID(call), reason);
	ctrl_send(c, &m);
}

static void bad_call_id(struct ctrl *c, enum pptp_ctrl_type type, uint16_t id)
{
	log_notice("%s event=msg-ignored type=%s reason=bad-call-id call=%u", CTRL_LOG_ID(c),
		   pptp_msg_name(type), id);
}

/* ---- handlers ---- */

static void start_reply(struct ctrl *c, uint8_t result, uint8_t error)
{
	struct pptp_msg m = { .type = PPTP_START_CTRL_REPLY };
	struct pptp_start_ctrl_reply *r = &m.start_rp;

	r->version = PPTP_VERSION;
	r->result = result;
	r->error = error;
	r->framing_caps = PPTP_FRAMING_ASYNC | PPTP_FRAMING_SYNC;
	r->bearer_caps = PPTP_BEARER_ANALOG | PPTP_BEARER_DIGITAL;
	r->max_channels = (uint16_t)c->srv->cfg->connections;
	r->firmware_rev = FIRMWARE_REV;
	snprintf(r->host_name, sizeof(r->host_name), "%s", c->srv->hostname);
	snprintf(r->vendor, sizeof(r->vendor), "%s", PPTP_VENDOR);
	ctrl_send(c, &m);
}

static void on_start_request(struct ctrl *c, const struct pptp_msg *m)
{
	const struct pptp_start_ctrl_request *rq = &m->start_rq;

	log_notice("%s event=start-request version=0x%04x host=%s vendor=%s",
		   CTRL_LOG_ID(c), rq->version, LOG_ESC(rq->host_name), LOG_ESC(rq->vendor));
	if (c->state == CTRL_ESTABLISHED) {
		log_notice("%s event=start-request-again result=already-exists", CTRL_LOG_ID(c));
		start_reply(c, PPTP_START_EXISTS, PPTP_ERR_NONE);
		return;
	}
	if (rq->version != PPTP_VERSION) {
		start_reply(c, PPTP_START_BAD_VERSION, PPTP_ERR_NONE);
		if (!c->dying)
			close_after_write(c, "bad-version");
		return;
	}
	start_reply(c, PPTP_START_OK, PPTP_ERR_NONE);
	if (c->dying)
		return;
	set_state(c, CTRL_ESTABLISHED);
	ctrl_timers_started(c);
}

static void on_stop_request(struct ctrl *c, const struct pptp_msg *m)
{
	log_notice("%s event=stop-request reason=%u", CTRL_LOG_ID(c),
		   m->stop_rq.reason);
	for (struct call *call = c->calls; call; call = call->next)
		call->peer_ended = true;
	kill_calls(c, "peer-stop");
	struct pptp_msg r = { .type = PPTP_STOP_CTRL_REPLY };
	r.stop_rp.result = PPTP_STOP_OK;
	if (ctrl_send(c, &r))
		close_after_write(c, "peer-stop");
}

static void on_stop_reply(struct ctrl *c, const struct pptp_msg *m)
{
	log_info("%s event=stop-reply result=%u", CTRL_LOG_ID(c), m->stop_rp.result);
	ctrl_kill(c, c->close_reason ? c->close_reason : "stopped");
}

static void on_echo_request(struct ctrl *c, const struct pptp_msg *m)
{
	struct pptp_msg r = { .type = PPTP_ECHO_REPLY };
	r.echo_rp.id = m->echo_rq.id;
	r.echo_rp.result = PPTP_ECHO_OK;
	ctrl_send(c, &r);
}

static void on_echo_reply(struct ctrl *c, const struct pptp_msg *m)
{
	log_debug("%s event=echo-reply id=%u result=%u", CTRL_LOG_ID(c), m->echo_rp.id,
		  m->echo_rp.result);
}

/*
 * May this connection open one more call? NULL: yes; else the limit that
 * refuses it, for the log. The refusal is the RFC 2637 result code:
 *   Outgoing-Call-Reply 4 (Busy) when the server is full (`connections`):
 *     a state of the server that clears as calls end;
 *   Outgoing-Call-Reply 7 (Do-Not-Accept) over max-calls-per-connection or
 *     max-calls-per-address: an administrative refusal of this peer;
 *   Incoming-Call-Reply 3 (Do-Not-Accept) for all three: the only refusal
 *     it has besides General-Error.
 */
static const char *call_limit(struct ctrl *c, unsigned *limit)
{
	const struct config *cfg = c->srv->cfg;

	if (c->srv->ncalls >= cfg->connections) {
		*limit = cfg->connections;
		return "busy";
	}
	if (c->ncalls >= cfg->max_calls_per_conn) {
		*limit = cfg->max_calls_per_conn;
		return "max-calls-per-connection";
	}
	if (addr_count_calls(&c->srv->peer_counts, c->peer.sin_addr.s_addr) >=
	    cfg->max_calls_per_addr) {
		*limit = cfg->max_calls_per_addr;
		return "max-calls-per-address";
	}
	return NULL;
}

/* Count a refusal; log it once per peer address per SERVER_PEER_LOG_MS. */
static void call_refused(struct ctrl *c, const char *why, unsigned limit, uint16_t peer_call,
			 unsigned result)
{
	struct server *srv = c->srv;
	uint64_t suppressed = 0;

	if (strcmp(why, "busy") == 0)
		srv->stats.calls_busy++;
	else
		srv->stats.calls_limited++;
	if (log_limit_due(&srv->log_call_refused, ntohl(c->peer.sin_addr.s_addr),
			  server_now_ms(), &suppressed))
		log_notice("%s event=call-refused reason=%s peer-call=%u limit=%u "
			   "result=%u suppressed=%llu", CTRL_LOG_ID(c), why, peer_call, limit,
			   result, (unsigned long long)suppressed);
}

static void on_out_call_request(struct ctrl *c, const struct pptp_msg *m)
{
	const struct pptp_out_call_request *rq = &m->ocrq;
	struct pptp_msg r = { .type = PPTP_OUT_CALL_REPLY };
	struct call *call = NULL;

	r.ocrp.peer_call_id = rq->call_id;
	unsigned limit = 0;
	const char *why = call_limit(c, &limit);
	if (why) {
		r.ocrp.result = strcmp(why, "busy") == 0 ? PPTP_OUT_BUSY : PPTP_OUT_DO_NOT_ACCEPT;
		call_refused(c, why, limit, rq->call_id, r.ocrp.result);
		ctrl_send(c, &r);
		return;
	}
	call = call_new(c, CALL_PAC, rq->call_id);
	if (!call || !call_up(call, rq->recv_window)) {
		if (call)
			call_kill(call, "no-resource");
		log_warnx("%s event=call-refused reason=no-resource peer-call=%u", CTRL_LOG_ID(c),
			  rq->call_id);
		r.ocrp.result = PPTP_OUT_GENERAL_ERROR;
		r.ocrp.error = PPTP_ERR_NO_RESOURCE;
		ctrl_send(c, &r);
		return;
	}
	r.ocrp.call_id = call->id;
	r.ocrp.result = PPTP_OUT_CONNECTED;
	r.ocrp.connect_speed = rq->max_bps;
	r.ocrp.recv_window = CALL_RX_WINDOW;
	r.ocrp.proc_delay = 0;
	ctrl_send(c, &r);
}

static void on_in_call_request(struct ctrl *c, const struct pptp_msg *m)
{
	const struct pptp_in_call_request *rq = &m->icrq;
	struct pptp_msg r = { .type = PPTP_IN_CALL_REPLY };

	r.icrp.peer_call_id = rq->call_id;
	unsigned limit = 0;
	const char *why = call_limit(c, &limit);
	if (why) {
		r.icrp.result = PPTP_IN_DO_NOT_ACCEPT;
		call_refused(c, why, limit, rq->call_id, r.icrp.result);
		ctrl_send(c, &r);
		return;
	}
	struct call *call = call_new(c, CALL_PNS, rq->call_id);
	if (!call) {
		r.icrp.result = PPTP_IN_GENERAL_ERROR;
		r.icrp.error = PPTP_ERR_NO_RESOURCE;
		ctrl_send(c, &r);
		return;
	}
	log_info("%s event=incoming-call peer-call=%u", CALL_LOG_ID(call), rq->call_id);
	r.icrp.call_id = call->id;
	r.icrp.result = PPTP_IN_CONNECT;
	r.icrp.recv_window = CALL_RX_WINDOW;
	ctrl_send(c, &r);
}

static void on_in_call_connected(struct ctrl *c, const struct pptp_msg *m)
{
	struct call *call = call_by_ours(c, m->iccn.peer_call_id);

	if (!call || call->role != CALL_PNS || call->state != CALL_WAIT_CONNECTED) {
		bad_call_id(c, m->type, m->iccn.peer_call_id);
		return;
	}
	if (!call_up(call, m->iccn.recv_window))
		ctrl_close_call(call, "no-resource");
}

static void on_call_clear_request(struct ctrl *c, const struct pptp_msg *m)
{
	struct call *call = call_by_peers(c, m->ccrq.call_id, CALL_PAC);

	if (!call) {
		bad_call_id(c, m->type, m->ccrq.call_id);
		return;
	}
	struct pptp_msg r = { .type = PPTP_CALL_DISCONNECT_NOTIFY };
	r.cdn.call_id = call->id;
	r.cdn.result = PPTP_CDN_REQUEST;
	call->peer_ended = true;
	call_kill(call, "peer-clear");
	ctrl_send(c, &r);
}

static void on_call_disconnect_notify(struct ctrl *c, const struct pptp_msg *m)
{
	struct call *call = call_by_peers(c, m->cdn.call_id, CALL_PNS);
	if (!call) {
		bad_call_id(c, m->type, m->cdn.call_id);
		return;
	}
	log_info("%s event=disconnect-notify result=%u error=%u cause=%u "
		 "stats=%s", CALL_LOG_ID(call), m->cdn.result, m->cdn.error, m->cdn.cause,
		 LOG_ESC(m->cdn.stats));
	call->peer_ended = true;
	call_kill(call, "peer-disconnect");
}

static void on_wan_error_notify(struct ctrl *c, const struct pptp_msg *m)
{
	const struct pptp_wan_error_notify *w = &m->wen;
	struct call *call = call_by_ours(c, w->peer_call_id);

	if (!call) {
		bad_call_id(c, m->type, w->peer_call_id);
		return;
	}
	log_notice("%s event=wan-error crc=%u framing=%u hw-overruns=%u "
		   "buf-overruns=%u timeouts=%u alignment=%u", CALL_LOG_ID(call), w->crc_errors,
		   w->framing_errors, w->hw_overruns, w->buf_overruns, w->timeout_errors,
		   w->alignment_errors);
}

static void on_set_link_info(struct ctrl *c, const struct pptp_msg *m)
{
	struct call *call = call_by_ours(c, m->sli.peer_call_id);

	if (!call) {
		bad_call_id(c, m->type, m->sli.peer_call_id);
		return;
	}
	call->send_accm = m->sli.send_accm;
	call->recv_accm = m->sli.recv_accm;
	log_debug("%s event=set-link-info send-accm=0x%08x recv-accm=0x%08x",
		  CALL_LOG_ID(call), call->send_accm, call->recv_accm);
}

/* ---- dispatch ---- */

struct handler {
	void (*fn)(struct ctrl *c, const struct pptp_msg *m);
	unsigned states; /* ST() bits in which the message is accepted */
};

#define EST ST(CTRL_ESTABLISHED)
static const struct handler handlers[PPTP_CTRL_TYPE_MAX + 1] = {
	[PPTP_START_CTRL_REQUEST] = { on_start_request, ST(CTRL_WAIT_START) | EST },
	[PPTP_START_CTRL_REPLY] = { NULL, 0 },
	[PPTP_STOP_CTRL_REQUEST] = { on_stop_request, EST | ST(CTRL_STOPPING) },
	[PPTP_STOP_CTRL_REPLY] = { on_stop_reply, ST(CTRL_STOPPING) },
	[PPTP_ECHO_REQUEST] = { on_echo_request, EST | ST(CTRL_STOPPING) },
	[PPTP_ECHO_REPLY] = { on_echo_reply, EST | ST(CTRL_STOPPING) },
	[PPTP_OUT_CALL_REQUEST] = { on_out_call_request, EST },
	[PPTP_OUT_CALL_REPLY] = { NULL, 0 },
	[PPTP_IN_CALL_REQUEST] = { on_in_call_request, EST },
	[PPTP_IN_CALL_REPLY] = { NULL, 0 },
	[PPTP_IN_CALL_CONNECTED] = { on_in_call_connected, EST },
	[PPTP_CALL_CLEAR_REQUEST] = { on_call_clear_request, EST },
	[PPTP_CALL_DISCONNECT_NOTIFY] = { on_call_disconnect_notify, EST },
	[PPTP_WAN_ERROR_NOTIFY] = { on_wan_error_notify, EST },
	[PPTP_SET_LINK_INFO] = { on_set_link_info, EST },
};

/*
 * A known message with the wrong length: where the message has a reply
 * with an error field, answer with general error Bad-Format; else ignore.
 */
static void bad_format(struct ctrl *c, unsigned type, const uint8_t *p, size_t len)
{
	struct rbuf r;
	struct pptp_msg m;
	uint16_t id16 = 0;
	uint32_t id32 = 0;

	log_notice("%s event=msg-bad-length type=%s length=%zu expected=%zu", CTRL_LOG_ID(c),
		   pptp_msg_name(type), len, pptp_msg_len(type));
	rbuf_init(&r, p, len);
	if (rbuf_skip(&r, PPTP_HEADER_LEN)) {
		struct rbuf r2 = r;
		if (!rbuf_be16(&r, &id16))
			id16 = 0;
		if (!rbuf_be32(&r2, &id32))
			id32 = 0;
	}
	switch (type) {
	case PPTP_START_CTRL_REQUEST:
		start_reply(c, PPTP_START_GENERAL_ERROR, PPTP_ERR_BAD_FORMAT);
		return;
	case PPTP_STOP_CTRL_REQUEST:
		m = (struct pptp_msg){ .type = PPTP_STOP_CTRL_REPLY, .stop_rp = {
			.result = PPTP_STOP_GENERAL_ERROR, .error = PPTP_ERR_BAD_FORMAT } };
		break;
	case PPTP_ECHO_REQUEST:
		m = (struct pptp_msg){ .type = PPTP_ECHO_REPLY, .echo_rp = { .id = id32,
			.result = PPTP_ECHO_GENERAL_ERROR, .error = PPTP_ERR_BAD_FORMAT } };
		break;
	case PPTP_OUT_CALL_REQUEST:
		m = (struct pptp_msg){ .type = PPTP_OUT_CALL_REPLY, .ocrp = { .peer_call_id = id16,
			.result = PPTP_OUT_GENERAL_ERROR, .error = PPTP_ERR_BAD_FORMAT } };
		break;
	case PPTP_IN_CALL_REQUEST:
		m = (struct pptp_msg){ .type = PPTP_IN_CALL_REPLY, .icrp = { .peer_call_id = id16,
			.result = PPTP_IN_GENERAL_ERROR, .error = PPTP_ERR_BAD_FORMAT } };
		break;
	default:
		return; /* no reply with an error field: ignored */
	}
	ctrl_send(c, &m);
}

/*
 * One framed message. Reactions:
 *   unknown Control Message Type      -> ignored, logged;
 *   not allowed in this state         -> WAIT_START: closed (no call before
 *                                        the start exchange); else ignored;
 *   known type with the wrong length  -> bad_format();
 *   otherwise                         -> its handler.
 */
static void ctrl_input(struct ctrl *c, const uint8_t *p, size_t len)
{
	struct pptp_msg m;
	struct rbuf r;
	uint16_t type = 0;

	rbuf_init(&r, p, len);
	rbuf_peek_be16(&r, PPTP_CTRL_TYPE_OFFSET, &type);
	enum pptp_err err = pptp_msg_decode_bytes(p, len, &m);
	ctrl_timers_msg_received(c);
	if (err == PPTP_E_UNKNOWN_TYPE) {
		log_notice("%s event=msg-ignored reason=unknown-type type=%u", CTRL_LOG_ID(c),
			   type);
		return;
	}
	if (err != PPTP_OK && err != PPTP_E_BAD_LENGTH) {
		ctrl_kill(c, pptp_err_name(err));
		return;
	}
	const struct handler *h = &handlers[type];
	if (!(h->states & ST(c->state))) {
		if (c->state == CTRL_WAIT_START) {
			log_notice("%s event=msg-before-start type=%s", CTRL_LOG_ID(c),
				   pptp_msg_name(type));
			ctrl_kill(c, "msg-before-start");
		} else {
			log_notice("%s event=msg-ignored reason=state type=%s state=%s",
				   CTRL_LOG_ID(c), pptp_msg_name(type), state_names[c->state]);
		}
		return;
	}
	if (err == PPTP_E_BAD_LENGTH) {
		bad_format(c, type, p, len);
		return;
	}
	log_debug("%s event=msg-received type=%s", CTRL_LOG_ID(c), pptp_msg_name(type));
	h->fn(c, &m);
}

static void read_input(struct ctrl *c)
{
	uint8_t in[CTRL_IN_SIZE];

	if (c->in_len)
		memcpy(in, c->in, c->in_len);
	ssize_t n = recv(c->fd, in + c->in_len, CTRL_IN_SIZE - c->in_len, 0);
	if (n == 0) {
		ctrl_kill(c, "peer-closed");
		return;
	}
	if (n < 0) {
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
			return;
		ctrl_kill(c, errno == ECONNRESET ? "reset" : "read-error");
		return;
	}
	c->in_len += (size_t)n;

	size_t off = 0;
	while (!c->dying && c->state != CTRL_CLOSING) {
		size_t mlen = 0;
		enum pptp_err err = PPTP_OK;
		enum pptp_frame_status st = pptp_frame(in + off, c->in_len - off, &mlen, &err);
		if (st == PPTP_FRAME_NEED_MORE)
			break;
		if (st == PPTP_FRAME_ERROR) {
			log_notice("%s event=framing-error error=%s", CTRL_LOG_ID(c),
				   pptp_err_name(err));
			ctrl_kill(c, pptp_err_name(err));
			return;
		}
		ctrl_input(c, in + off, mlen);
		off += mlen;
	}
	if (c->dying)
		return;
	if (c->state == CTRL_CLOSING)
		off = c->in_len; /* nothing more is read */
	c->in_len -= off;
	if (!c->in_len) {
		free(c->in);
		c->in = NULL;
		return;
	}
	if (!c->in && !(c->in = malloc(CTRL_IN_SIZE))) {
		ctrl_kill(c, "out-of-memory");
		return;
	}
	memcpy(c->in, in + off, c->in_len);
}

bool ctrl_poll_unstarted(struct ctrl *c)
{
	if (c->dying || c->state != CTRL_WAIT_START)
		return false;
	read_input(c);
	if (c->dying)
		return false;
	update_io(c);
	return c->state == CTRL_WAIT_START;
}

static void io_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct ctrl *c = container_of(w, struct ctrl, io);
	(void)loop;

	if (revents & EV_WRITE) {
		flush_output(c);
		if (c->dying)
			return;
	}
	if ((revents & EV_READ) && c->state != CTRL_CLOSING) {
		read_input(c);
		if (c->dying)
			return;
	}
	if (c->state == CTRL_CLOSING && !c->out_len) {
		ctrl_kill(c, c->close_reason);
		return;
	}
	update_io(c);
}

/* local_addr: host order, 0 to ask the socket; nodelay: set TCP_NODELAY
 * (a listener's sockets inherit it from the listening one). */
static void accept_fd(struct server *srv, int fd, const struct sockaddr_in *peer,
		      uint32_t local_addr, bool nodelay)
{
	struct sockaddr_in local;
	socklen_t len = sizeof(local);
	char a[INET_ADDRSTRLEN];
	int one = 1;

	struct ctrl *c = server_alloc(srv, sizeof(*c));
	if (!c || !addr_count_add(&srv->peer_counts, peer->sin_addr.s_addr, 1, 0)) {
		log_warnx("event=ctrl-refused reason=out-of-memory");
		server_release(srv, c);
		close(fd);
		return;
	}
	c->srv = srv;
	c->fd = fd;
	c->id = ++srv->next_ctrl_id;
	c->peer = *peer;
	inet_ntop(AF_INET, &peer->sin_addr, a, sizeof(a));
	snprintf(c->peer_str, sizeof(c->peer_str), "%s:%u", a, ntohs(peer->sin_port));
	c->local_addr = local_addr;
	if (!local_addr && getsockname(fd, (struct sockaddr *)&local, &len) == 0)
		c->local_addr = ntohl(local.sin_addr.s_addr);
	if (nodelay)
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	c->state = CTRL_WAIT_START;
	srv->nunstarted++;

	c->next = srv->ctrls;
	if (srv->ctrls)
		srv->ctrls->prev = c;
	srv->ctrls = c;
	srv->nctrls++;
	srv->stats.ctrl_opened++;

	ev_io_init(&c->io, io_cb, fd, EV_READ);
	ev_io_start(srv->loop, &c->io);
	ctrl_timers_init(c);
	log_info("%s event=ctrl-open", CTRL_LOG_ID(c));
}

void ctrl_accept(struct server *srv, int fd, const struct sockaddr_in *peer)
{
	accept_fd(srv, fd, peer, 0, true);
}

void ctrl_accept_listened(struct server *srv, int fd, const struct sockaddr_in *peer,
			  uint32_t local_addr)
{
	accept_fd(srv, fd, peer, local_addr, false);
}
