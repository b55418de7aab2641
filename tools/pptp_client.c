#include "tools/pptp_client.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <sys/socket.h>

#include "common/buf.h"
#include "common/gre.h"
#include "common/gre_batch.h"
#include "common/gre_flow.h"
#include "common/pptp_msg.h"

#define CALL_ID_SLOTS   65536
#define CTRL_RX_SIZE    4096
#define CTRL_TX_SIZE    32768
#define GRE_BATCH       GRE_BATCH_N
#define GRE_ROUNDS      8          /* receive batches per readiness event */
#define GRE_RCVBUF_OWN  (4 << 20)
#define GRE_RCVBUF_SHARED (16 << 20)
_Static_assert(PPTP_CLIENT_MAX_FRAME <= GRE_BATCH_FRAME_MAX, "a send slot holds a whole frame");

enum ctrl_state { CTRL_CONNECTING, CTRL_WAIT_START, CTRL_UP, CTRL_WAIT_STOP, CTRL_DEAD };
enum call_state { CALL_WAIT_REPLY, CALL_UP, CALL_WAIT_CDN, CALL_DEAD };

struct pptp_call {
	struct pptp_ctrl *ctrl;
	struct pptp_call *next;      /* ctrl's list, then the client's dead list */
	void *user;
	enum call_state state;
	uint16_t id, peer_id, serial, peer_window;
	uint8_t result;
	bool in_deliver;
	struct gre_flow *flow;
	ev_timer wait_timer;         /* call reply, disconnect notify */
	ev_timer flow_timer;         /* gre_flow deadlines */
};

struct pptp_ctrl {
	struct pptp_client *cl;
	struct pptp_ctrl *next;
	void *user;
	enum ctrl_state state;
	int fd;
	ev_io io;
	ev_timer timer;
	uint16_t next_serial;
	uint8_t result;
	pptp_str peer_host, peer_vendor;
	struct pptp_call *calls;
	size_t rx_len, tx_len;
	/* Last, and never read past rx_len / tx_len: pptp_ctrl_open()
	 * clears only the fields before them. */
	uint8_t rx[CTRL_RX_SIZE];
	uint8_t tx[CTRL_TX_SIZE];
};

struct pptp_client {
	struct ev_loop *loop;
	struct pptp_client_params p;
	char host_name[PPTP_STR_LEN + 1], vendor[PPTP_STR_LEN + 1];
	const struct pptp_client_ops *ops;
	void *user;
	struct pptp_gre *gre;        /* p.gre, or our own (gre->owner == this) */
	ev_timer reaper;
	struct pptp_ctrl *ctrls, *dead_ctrls;
	struct pptp_call *dead_calls;
	struct pptp_client_stats stats;
};

struct pptp_gre {
	struct ev_loop *loop;
	struct pptp_client *owner;   /* a client's own endpoint; NULL: shared */
	unsigned nclients;           /* clients using it */
	int fd;
	ev_io io;
	ev_prepare flush_w;          /* flushes before the loop sleeps */
	struct pptp_call **by_id;    /* CALL_ID_SLOTS entries, of every client */
	uint16_t next_id;
	struct pptp_client_stats stats; /* packets no client could be named for */
	/* The receive buffers and the send slots; slot i's packet is
	 * counted for tx_cl[i] (every client flushes the endpoint before it
	 * is freed, so the pointer never outlives it). */
	struct gre_batch b;
	struct pptp_client *tx_cl[GRE_BATCH];
};

static const char *const reason_names[] = {
	[PPTP_DOWN_LOCAL] = "local",
	[PPTP_DOWN_PEER] = "peer",
	[PPTP_DOWN_REJECTED] = "rejected",
	[PPTP_DOWN_BUSY] = "busy",
	[PPTP_DOWN_TIMEOUT] = "timeout",
	[PPTP_DOWN_CONNECT] = "connect-failed",
	[PPTP_DOWN_CONN_LOST] = "connection-lost",
	[PPTP_DOWN_PROTOCOL] = "protocol-error",
	[PPTP_DOWN_CTRL] = "ctrl-down",
};

const char *pptp_down_reason_name(enum pptp_down_reason r)
{
	if ((unsigned)r < sizeof(reason_names) / sizeof(reason_names[0]))
		return reason_names[r];
	return "unknown";
}

static uint64_t now_ms(struct pptp_client *cl)
{
	return (uint64_t)(ev_now(cl->loop) * 1000.0);
}

static int set_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);
	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
		return -1;
	return 0;
}

/* ---- reaping ---- */

static void reap_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct pptp_client *cl = w->data;
	(void)loop;
	(void)revents;
	while (cl->dead_calls) {
		struct pptp_call *call = cl->dead_calls;
		cl->dead_calls = call->next;
		gre_flow_free(call->flow);
		free(call);
	}
	while (cl->dead_ctrls) {
		struct pptp_ctrl *c = cl->dead_ctrls;
		cl->dead_ctrls = c->next;
		free(c);
	}
}

static void schedule_reap(struct pptp_client *cl)
{
	if (!ev_is_active(&cl->reaper))
		ev_timer_start(cl->loop, &cl->reaper);
}

/* ---- control connection output ---- */

static void ctrl_update_io(struct pptp_ctrl *c)
{
	int want = EV_READ | (c->tx_len ? EV_WRITE : 0);
	if (c->state == CTRL_CONNECTING)
		want = EV_WRITE;
	if ((c->io.events & (EV_READ | EV_WRITE)) == want && ev_is_active(&c->io))
		return;
	ev_io_stop(c->cl->loop, &c->io);
	ev_io_set(&c->io, c->fd, want);
	ev_io_start(c->cl->loop, &c->io);
}

static void ctrl_down(struct pptp_ctrl *c, enum pptp_down_reason reason);

/* Write what is queued; false if the connection failed. */
static bool ctrl_flush(struct pptp_ctrl *c)
{
	while (c->tx_len) {
		ssize_t n = send(c->fd, c->tx, c->tx_len, MSG_NOSIGNAL);
		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			if (errno == EINTR)
				continue;
			return false;
		}
		memmove(c->tx, c->tx + n, c->tx_len - (size_t)n);
		c->tx_len -= (size_t)n;
	}
	ctrl_update_io(c);
	return true;
}

static bool ctrl_send(struct pptp_ctrl *c, const struct pptp_msg *m)
{
	struct wbuf w;
	wbuf_init(&w, c->tx + c->tx_len, sizeof(c->tx) - c->tx_len);
	if (!pptp_msg_encode(&w, m)) {
		ctrl_down(c, PPTP_DOWN_PROTOCOL);
		return false;
	}
	c->tx_len += w.len;
	if (!ctrl_flush(c)) {
		ctrl_down(c, PPTP_DOWN_CONN_LOST);
		return false;
	}
	return true;
}

/* ---- calls ---- */

static void call_unlink_from_ctrl(struct pptp_call *call)
{
	struct pptp_call **pp = &call->ctrl->calls;
	while (*pp && *pp != call)
		pp = &(*pp)->next;
	if (*pp)
		*pp = call->next;
}

static void call_down(struct pptp_call *call, enum pptp_down_reason reason)
{
	struct pptp_client *cl = call->ctrl->cl;
	if (call->state == CALL_DEAD)
		return;
	call->state = CALL_DEAD;
	ev_timer_stop(cl->loop, &call->wait_timer);
	ev_timer_stop(cl->loop, &call->flow_timer);
	if (cl->gre->by_id[call->id] == call)
		cl->gre->by_id[call->id] = NULL;
	call_unlink_from_ctrl(call);
	call->next = cl->dead_calls;
	cl->dead_calls = call;
	schedule_reap(cl);
	if (cl->ops->on_call_down)
		cl->ops->on_call_down(call, reason);
}

static void call_wait_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)loop;
	(void)revents;
	call_down(w->data, PPTP_DOWN_TIMEOUT);
}

static void gre_flush(struct pptp_gre *g);

/* Queue one GRE packet of the call for the endpoint's next flush (len is
 * at most PPTP_CLIENT_MAX_FRAME: the callers check). */
static void call_send_gre(struct pptp_call *call, struct gre_hdr *h, const uint8_t *payload,
			  size_t len)
{
	struct pptp_client *cl = call->ctrl->cl;
	struct pptp_gre *g = cl->gre;
	/* The shared socket is bound to no address: each packet names its
	 * client's as its source. */
	uint32_t src = g->owner ? 0 : ntohl(cl->p.local.s_addr);

	if (g->b.ntx == GRE_BATCH)
		gre_flush(g);
	h->call_id = call->peer_id;
	h->payload_len = (uint16_t)len;
	g->tx_cl[g->b.ntx] = cl;
	if (!gre_batch_put(&g->b, src, ntohl(cl->p.server.s_addr), true, h, payload, len))
		cl->stats.gre_tx_errors++;
}

static void call_rearm_flow(struct pptp_call *call)
{
	struct pptp_client *cl = call->ctrl->cl;
	uint64_t due = gre_flow_next_deadline(call->flow);
	uint64_t now = now_ms(cl);
	ev_timer_stop(cl->loop, &call->flow_timer);
	if (due == UINT64_MAX)
		return;
	ev_timer_set(&call->flow_timer, due > now ? (double)(due - now) / 1000.0 : 0.0, 0.0);
	ev_timer_start(cl->loop, &call->flow_timer);
}

static void call_flow_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct pptp_call *call = w->data;
	struct pptp_client *cl = call->ctrl->cl;
	uint64_t now = now_ms(cl);
	uint32_t ack;
	(void)loop;
	(void)revents;
	call->in_deliver = true;
	gre_flow_on_timer(call->flow, now);
	call->in_deliver = false;
	if (call->state == CALL_DEAD)
		return;
	while (gre_flow_take_ack(call->flow, now, &ack)) {
		struct gre_hdr h = { .has_ack = true, .ack = ack };
		call_send_gre(call, &h, NULL, 0);
	}
	call_rearm_flow(call);
}

static void call_deliver(void *ctx, uint8_t *payload, size_t len)
{
	struct pptp_call *call = ctx;
	struct pptp_client *cl = call->ctrl->cl;
	if (call->state != CALL_UP && call->state != CALL_WAIT_CDN)
		return;
	if (cl->ops->on_frame)
		cl->ops->on_frame(call, payload, len);
}

struct pptp_call *pptp_call_place(struct pptp_ctrl *c, void *user)
{
	struct pptp_client *cl = c->cl;
	struct pptp_gre *g = cl->gre;
	struct pptp_call *call;
	struct pptp_msg m;
	unsigned tries;

	if (c->state != CTRL_UP) {
		errno = ENOTCONN;
		return NULL;
	}
	for (tries = 0; tries < CALL_ID_SLOTS; tries++, g->next_id++)
		if (g->next_id != 0 && !g->by_id[g->next_id])
			break;
	if (tries == CALL_ID_SLOTS) {
		errno = EAGAIN;
		return NULL;
	}
	call = calloc(1, sizeof(*call));
	if (!call)
		return NULL;
	call->ctrl = c;
	call->user = user;
	call->id = g->next_id++;
	call->serial = c->next_serial++;
	call->state = CALL_WAIT_REPLY;
	ev_timer_init(&call->wait_timer, call_wait_cb, cl->p.timeout, 0.0);
	call->wait_timer.data = call;
	ev_timer_init(&call->flow_timer, call_flow_cb, 0.0, 0.0);
	call->flow_timer.data = call;
	g->by_id[call->id] = call;
	call->next = c->calls;
	c->calls = call;

	memset(&m, 0, sizeof(m));
	m.type = PPTP_OUT_CALL_REQUEST;
	m.ocrq.call_id = call->id;
	m.ocrq.call_serial = call->serial;
	m.ocrq.min_bps = 2400;
	m.ocrq.max_bps = 100000000;
	m.ocrq.bearer_type = PPTP_BEARER_EITHER;
	m.ocrq.framing_type = PPTP_FRAMING_EITHER;
	m.ocrq.recv_window = cl->p.recv_window;
	m.ocrq.proc_delay = 0;
	m.ocrq.phone_len = 0;
	ev_timer_start(cl->loop, &call->wait_timer);
	if (!ctrl_send(c, &m))
		return NULL;  /* the ctrl (and the call) went down */
	return call;
}

void pptp_call_clear(struct pptp_call *call)
{
	struct pptp_client *cl = call->ctrl->cl;
	struct pptp_msg m;
	if (call->state == CALL_WAIT_REPLY) {
		/* Nothing to clear on the server yet that we know of: wait for
		 * the reply, then clear (handled in the reply). */
		call->state = CALL_WAIT_CDN;
		return;
	}
	if (call->state != CALL_UP)
		return;
	call->state = CALL_WAIT_CDN;
	memset(&m, 0, sizeof(m));
	m.type = PPTP_CALL_CLEAR_REQUEST;
	m.ccrq.call_id = call->id;
	ev_timer_set(&call->wait_timer, cl->p.timeout, 0.0);
	ev_timer_start(cl->loop, &call->wait_timer);
	ctrl_send(call->ctrl, &m);
}

void *pptp_call_user(const struct pptp_call *call) { return call->user; }
struct pptp_ctrl *pptp_call_ctrl(const struct pptp_call *call) { return call->ctrl; }
uint16_t pptp_call_id(const struct pptp_call *call) { return call->id; }
uint16_t pptp_call_peer_id(const struct pptp_call *call) { return call->peer_id; }
uint8_t pptp_call_result(const struct pptp_call *call) { return call->result; }
uint16_t pptp_call_peer_window(const struct pptp_call *call) { return call->peer_window; }

const struct gre_flow_stats *pptp_call_flow_stats(const struct pptp_call *call)
{
	return call->flow ? gre_flow_stats(call->flow) : NULL;
}

bool pptp_call_can_send(const struct pptp_call *call)
{
	return call->state == CALL_UP && call->flow && !call->in_deliver &&
	       gre_flow_tx_allowed(call->flow, now_ms(call->ctrl->cl));
}

int pptp_call_send(struct pptp_call *call, const uint8_t *frame, size_t len)
{
	struct pptp_client *cl = call->ctrl->cl;
	struct gre_hdr h;
	if (call->state != CALL_UP || !call->flow) {
		errno = ENOTCONN;
		return -1;
	}
	if (call->in_deliver) {
		errno = EBUSY;
		return -1;
	}
	if (len > PPTP_CLIENT_MAX_FRAME) {
		errno = EMSGSIZE;
		return -1;
	}
	memset(&h, 0, sizeof(h));
	if (!gre_flow_tx_data(call->flow, now_ms(cl), &h)) {
		cl->stats.gre_tx_window++;
		call_rearm_flow(call);
		errno = ENOBUFS;
		return -1;
	}
	call_send_gre(call, &h, frame, len);
	call_rearm_flow(call);
	return 0;
}

/* ---- control connection ---- */

static void ctrl_down(struct pptp_ctrl *c, enum pptp_down_reason reason)
{
	struct pptp_client *cl = c->cl;
	struct pptp_ctrl **pp;
	if (c->state == CTRL_DEAD)
		return;
	c->state = CTRL_DEAD;
	while (c->calls)
		call_down(c->calls, PPTP_DOWN_CTRL);
	ev_io_stop(cl->loop, &c->io);
	ev_timer_stop(cl->loop, &c->timer);
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	for (pp = &cl->ctrls; *pp && *pp != c; pp = &(*pp)->next)
		;
	if (*pp)
		*pp = c->next;
	c->next = cl->dead_ctrls;
	cl->dead_ctrls = c;
	schedule_reap(cl);
	if (cl->ops->on_ctrl_down)
		cl->ops->on_ctrl_down(c, reason);
}

static void ctrl_timer_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct pptp_ctrl *c = w->data;
	(void)loop;
	(void)revents;
	ctrl_down(c, c->state == CTRL_CONNECTING ? PPTP_DOWN_CONNECT : PPTP_DOWN_TIMEOUT);
}

static void ctrl_wait(struct pptp_ctrl *c)
{
	ev_timer_stop(c->cl->loop, &c->timer);
	ev_timer_set(&c->timer, c->cl->p.timeout, 0.0);
	ev_timer_start(c->cl->loop, &c->timer);
}

static struct pptp_call *ctrl_call_by_peer_id(struct pptp_ctrl *c, uint16_t peer_id)
{
	for (struct pptp_call *call = c->calls; call; call = call->next)
		if (call->flow && call->peer_id == peer_id)
			return call;
	return NULL;
}

static struct pptp_call *ctrl_call_by_id(struct pptp_ctrl *c, uint16_t id)
{
	for (struct pptp_call *call = c->calls; call; call = call->next)
		if (call->id == id)
			return call;
	return NULL;
}

static void ctrl_on_call_reply(struct pptp_ctrl *c, const struct pptp_out_call_reply *rp)
{
	struct pptp_client *cl = c->cl;
	struct pptp_call *call = ctrl_call_by_id(c, rp->peer_call_id);
	struct gre_flow_params fp;
	bool clear_at_once;

	if (!call || (call->state != CALL_WAIT_REPLY && !(call->state == CALL_WAIT_CDN && !call->flow))) {
		ctrl_down(c, PPTP_DOWN_PROTOCOL);
		return;
	}
	clear_at_once = call->state == CALL_WAIT_CDN;
	ev_timer_stop(cl->loop, &call->wait_timer);
	call->result = rp->result;
	call->peer_id = rp->call_id;
	call->peer_window = rp->recv_window;
	if (rp->result != PPTP_OUT_CONNECTED) {
		call_down(call, rp->result == PPTP_OUT_BUSY ? PPTP_DOWN_BUSY : PPTP_DOWN_REJECTED);
		return;
	}
	gre_flow_params_default(&fp);
	fp.rx_window = cl->p.recv_window;
	if (cl->p.ack_delay_ms) {
		fp.ack_delay_ms = cl->p.ack_delay_ms;
		fp.rx_window = 0;
	}
	fp.peer_window = rp->recv_window;
	fp.slot_size = PPTP_CLIENT_MAX_FRAME;
	call->flow = gre_flow_new(&fp, call_deliver, call);
	if (!call->flow) {
		call_down(call, PPTP_DOWN_REJECTED);
		return;
	}
	call->state = CALL_UP;
	if (clear_at_once) {
		pptp_call_clear(call);
		return;
	}
	if (cl->ops->on_call_up)
		cl->ops->on_call_up(call);
}

static void ctrl_dispatch(struct pptp_ctrl *c, const struct pptp_msg *m)
{
	struct pptp_client *cl = c->cl;
	struct pptp_msg out;
	struct pptp_call *call;

	memset(&out, 0, sizeof(out));
	switch (m->type) {
	case PPTP_START_CTRL_REPLY:
		if (c->state != CTRL_WAIT_START) {
			ctrl_down(c, PPTP_DOWN_PROTOCOL);
			return;
		}
		ev_timer_stop(cl->loop, &c->timer);
		c->result = m->start_rp.result;
		memcpy(c->peer_host, m->start_rp.host_name, sizeof(c->peer_host));
		memcpy(c->peer_vendor, m->start_rp.vendor, sizeof(c->peer_vendor));
		if (m->start_rp.result != PPTP_START_OK) {
			ctrl_down(c, PPTP_DOWN_REJECTED);
			return;
		}
		c->state = CTRL_UP;
		if (cl->ops->on_ctrl_up)
			cl->ops->on_ctrl_up(c);
		return;
	case PPTP_ECHO_REQUEST:
		out.type = PPTP_ECHO_REPLY;
		out.echo_rp.id = m->echo_rq.id;
		out.echo_rp.result = PPTP_ECHO_OK;
		ctrl_send(c, &out);
		return;
	case PPTP_ECHO_REPLY:
	case PPTP_SET_LINK_INFO:
	case PPTP_WAN_ERROR_NOTIFY:
		return;
	case PPTP_OUT_CALL_REPLY:
		ctrl_on_call_reply(c, &m->ocrp);
		return;
	case PPTP_CALL_DISCONNECT_NOTIFY:
		call = ctrl_call_by_peer_id(c, m->cdn.call_id);
		if (!call)
			return;  /* a late notify for a call already gone */
		call->result = m->cdn.result;
		call_down(call, call->state == CALL_WAIT_CDN ? PPTP_DOWN_LOCAL : PPTP_DOWN_PEER);
		return;
	case PPTP_STOP_CTRL_REQUEST:
		out.type = PPTP_STOP_CTRL_REPLY;
		out.stop_rp.result = PPTP_STOP_OK;
		if (ctrl_send(c, &out))
			ctrl_down(c, PPTP_DOWN_PEER);
		return;
	case PPTP_STOP_CTRL_REPLY:
		if (c->state != CTRL_WAIT_STOP) {
			ctrl_down(c, PPTP_DOWN_PROTOCOL);
			return;
		}
		ctrl_down(c, PPTP_DOWN_LOCAL);
		return;
	default:
		/* Requests only a PAC-side peer would answer: not for us. */
		ctrl_down(c, PPTP_DOWN_PROTOCOL);
		return;
	}
}

static void ctrl_read(struct pptp_ctrl *c)
{
	for (;;) {
		ssize_t n = recv(c->fd, c->rx + c->rx_len, sizeof(c->rx) - c->rx_len, 0);
		size_t off = 0;
		if (n == 0) {
			ctrl_down(c, PPTP_DOWN_CONN_LOST);
			return;
		}
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				ctrl_down(c, PPTP_DOWN_CONN_LOST);
			return;
		}
		c->rx_len += (size_t)n;
		while (c->state != CTRL_DEAD) {
			size_t mlen = 0;
			enum pptp_err err;
			struct pptp_msg m;
			enum pptp_frame_status st = pptp_frame(c->rx + off, c->rx_len - off, &mlen, &err);
			if (st == PPTP_FRAME_NEED_MORE)
				break;
			if (st == PPTP_FRAME_ERROR) {
				ctrl_down(c, PPTP_DOWN_PROTOCOL);
				return;
			}
			err = pptp_msg_decode_bytes(c->rx + off, mlen, &m);
			off += mlen;
			if (err == PPTP_E_UNKNOWN_TYPE)
				continue;
			if (err != PPTP_OK) {
				ctrl_down(c, PPTP_DOWN_PROTOCOL);
				return;
			}
			ctrl_dispatch(c, &m);
		}
		if (c->state == CTRL_DEAD)
			return;
		memmove(c->rx, c->rx + off, c->rx_len - off);
		c->rx_len -= off;
	}
}

static void ctrl_start_request(struct pptp_ctrl *c)
{
	struct pptp_client *cl = c->cl;
	struct pptp_msg m;
	memset(&m, 0, sizeof(m));
	m.type = PPTP_START_CTRL_REQUEST;
	m.start_rq.version = PPTP_VERSION;
	m.start_rq.framing_caps = PPTP_FRAMING_ASYNC | PPTP_FRAMING_SYNC;
	m.start_rq.bearer_caps = PPTP_BEARER_ANALOG | PPTP_BEARER_DIGITAL;
	m.start_rq.max_channels = 0;
	m.start_rq.firmware_rev = 1;
	memcpy(m.start_rq.host_name, cl->host_name, sizeof(m.start_rq.host_name));
	memcpy(m.start_rq.vendor, cl->vendor, sizeof(m.start_rq.vendor));
	c->state = CTRL_WAIT_START;
	ctrl_wait(c);
	ctrl_send(c, &m);
}

static void ctrl_io_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct pptp_ctrl *c = w->data;
	struct pptp_client *cl = c->cl;
	(void)loop;
	if (c->state == CTRL_CONNECTING) {
		int err = 0;
		socklen_t len = sizeof(err);
		if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0 || err) {
			ctrl_down(c, PPTP_DOWN_CONNECT);
			return;
		}
		if (cl->ops->on_tcp_up)
			cl->ops->on_tcp_up(c);
		if (c->state == CTRL_DEAD)
			return;
		ctrl_start_request(c);
		return;
	}
	if (revents & EV_WRITE) {
		if (!ctrl_flush(c)) {
			ctrl_down(c, PPTP_DOWN_CONN_LOST);
			return;
		}
	}
	if (revents & EV_READ)
		ctrl_read(c);
}

struct pptp_ctrl *pptp_ctrl_open(struct pptp_client *cl, void *user)
{
	struct sockaddr_in local = { .sin_family = AF_INET, .sin_addr = cl->p.local };
	struct sockaddr_in srv = { .sin_family = AF_INET, .sin_addr = cl->p.server,
				   .sin_port = htons(PPTP_TCP_PORT) };
	/* The buffers (36 KB) are written before they are read: only the
	 * fields in front of them are cleared, not the whole struct (clearing
	 * it was a quarter of pptpbench sessions' CPU per login). */
	struct pptp_ctrl *c = malloc(sizeof(*c));
	int saved;

	if (!c)
		return NULL;
	memset(c, 0, offsetof(struct pptp_ctrl, rx));
	c->cl = cl;
	c->user = user;
	c->state = CTRL_CONNECTING;
	c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_TCP);
	if (c->fd < 0)
		goto fail;
	if (cl->p.local.s_addr != htonl(INADDR_ANY) &&
	    bind(c->fd, (struct sockaddr *)&local, sizeof(local)) < 0)
		goto fail;
	if (connect(c->fd, (struct sockaddr *)&srv, sizeof(srv)) < 0 && errno != EINPROGRESS)
		goto fail;
	ev_io_init(&c->io, ctrl_io_cb, c->fd, EV_WRITE);
	c->io.data = c;
	ev_timer_init(&c->timer, ctrl_timer_cb, cl->p.timeout, 0.0);
	c->timer.data = c;
	ev_io_start(cl->loop, &c->io);
	ev_timer_start(cl->loop, &c->timer);
	c->next = cl->ctrls;
	cl->ctrls = c;
	return c;
fail:
	saved = errno;
	if (c->fd >= 0)
		close(c->fd);
	free(c);
	errno = saved;
	return NULL;
}

void pptp_ctrl_close(struct pptp_ctrl *c)
{
	struct pptp_msg m;
	if (c->state == CTRL_DEAD || c->state == CTRL_WAIT_STOP)
		return;
	if (c->state != CTRL_UP) {
		ctrl_down(c, PPTP_DOWN_LOCAL);
		return;
	}
	memset(&m, 0, sizeof(m));
	m.type = PPTP_STOP_CTRL_REQUEST;
	m.stop_rq.reason = PPTP_STOP_NONE;
	c->state = CTRL_WAIT_STOP;
	ctrl_wait(c);
	ctrl_send(c, &m);
}

void *pptp_ctrl_user(const struct pptp_ctrl *c) { return c->user; }
struct pptp_client *pptp_ctrl_client(const struct pptp_ctrl *c) { return c->cl; }
bool pptp_ctrl_is_up(const struct pptp_ctrl *c) { return c->state == CTRL_UP; }
uint8_t pptp_ctrl_result(const struct pptp_ctrl *c) { return c->result; }
const char *pptp_ctrl_peer_host(const struct pptp_ctrl *c) { return c->peer_host; }
const char *pptp_ctrl_peer_vendor(const struct pptp_ctrl *c) { return c->peer_vendor; }

/* ---- GRE ---- */

/* Is a packet to local address dst (host order) for this call? A client
 * without a local address takes what reaches it; a shared endpoint's
 * socket also sees the GRE of every other local address (another
 * process's client included), whose keys may name one of our calls. */
static bool call_addressed(const struct pptp_call *call, uint32_t dst)
{
	const struct pptp_client *cl = call->ctrl->cl;
	return cl->p.local.s_addr == htonl(INADDR_ANY) || dst == ntohl(cl->p.local.s_addr);
}

static void gre_packet(struct pptp_gre *g, uint8_t *pkt, size_t len)
{
	struct ipv4_info ip;
	struct gre_hdr h;
	size_t hl;
	struct pptp_call *call = NULL;
	struct pptp_client *cl;
	struct pptp_client_stats *st;
	bool parsed = gre_skip_ipv4(pkt, len, &ip) == GRE_OK &&
		      gre_parse(pkt + ip.hdr_len, ip.total_len - ip.hdr_len, &h, &hl) == GRE_OK;

	if (parsed) {
		call = g->by_id[h.call_id];
		if (call && !call_addressed(call, ip.dst))
			call = NULL;
	}
	/* Counted for the call's client, else for the owner of a client's
	 * own endpoint (all of it is that client's, as it always was), else
	 * for the shared endpoint. */
	cl = call ? call->ctrl->cl : g->owner;
	st = cl ? &cl->stats : &g->stats;
	st->gre_rx++;
	if (!parsed) {
		st->gre_bad++;
		return;
	}
	if (cl && ip.src != ntohl(cl->p.server.s_addr)) {
		st->gre_wrong_src++;
		return;
	}
	if (!call || !call->flow || (call->state != CALL_UP && call->state != CALL_WAIT_CDN)) {
		st->gre_unknown_call++;
		return;
	}
	call->in_deliver = true;
	gre_flow_rx(call->flow, &h, pkt + ip.hdr_len + hl, now_ms(cl));
	call->in_deliver = false;
	if (call->state != CALL_DEAD)
		call_rearm_flow(call);
}

static void gre_io_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct pptp_gre *g = w->data;
	(void)loop;
	(void)revents;
	for (int round = 0; round < GRE_ROUNDS; round++) {
		int n = gre_batch_recv(&g->b, g->fd);
		if (n <= 0)
			return;
		for (int i = 0; i < n; i++)
			gre_packet(g, g->b.rx[i], g->b.rx_msgs[i].msg_len);
		/* What this batch produced (acks) leaves as one batch too. */
		gre_flush(g);
		if (n < GRE_BATCH)
			return;
	}
}

static void gre_sent(void *ctx, unsigned first, unsigned n)
{
	struct pptp_gre *g = ctx;
	for (unsigned k = 0; k < n; k++)
		g->tx_cl[first + k]->stats.gre_tx++;
}

static void gre_send_failed(void *ctx, unsigned i)
{
	struct pptp_gre *g = ctx;
	g->tx_cl[i]->stats.gre_tx_errors++;
}

/* Send the queued packets: one sendmmsg() per batch. A packet the kernel
 * refuses (a full buffer, no route) is dropped and counted, the rest of
 * the batch still goes (common/gre_batch.h). */
static void gre_flush(struct pptp_gre *g)
{
	gre_batch_flush(&g->b, g->fd, gre_sent, gre_send_failed, g);
}

static void gre_prepare_cb(struct ev_loop *loop, ev_prepare *w, int revents)
{
	struct pptp_gre *g = w->data;
	(void)loop;
	(void)revents;
	if (g->b.ntx)
		gre_flush(g);
}

/* The socket, bound to *local if given; NULL with errno set. */
static struct pptp_gre *gre_open(struct ev_loop *loop, const struct in_addr *local)
{
	struct pptp_gre *g = calloc(1, sizeof(*g));
	int saved, rcvbuf = local ? GRE_RCVBUF_OWN : GRE_RCVBUF_SHARED;

	if (!g)
		return NULL;
	g->loop = loop;
	g->fd = -1;
	g->next_id = 1;
	g->by_id = calloc(CALL_ID_SLOTS, sizeof(*g->by_id));
	if (!g->by_id)
		goto fail;
	g->fd = socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, GRE_IPPROTO);
	if (g->fd < 0 || set_nonblock(g->fd) < 0)
		goto fail;
	/* Echoes of a load run arrive in bursts (a shared socket takes
	 * every client's): past net.core.rmem_max when privileged
	 * (SO_RCVBUFFORCE), else as far as allowed. */
	if (setsockopt(g->fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf)) != 0)
		(void)setsockopt(g->fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	if (local) {
		struct sockaddr_in sin = { .sin_family = AF_INET, .sin_addr = *local };
		if (bind(g->fd, (struct sockaddr *)&sin, sizeof(sin)) < 0)
			goto fail;
	}
	gre_batch_init(&g->b);
	ev_io_init(&g->io, gre_io_cb, g->fd, EV_READ);
	g->io.data = g;
	ev_io_start(loop, &g->io);
	/* After the loop's other prepare watchers (the tools send from
	 * theirs), and without keeping the loop running by itself. */
	ev_prepare_init(&g->flush_w, gre_prepare_cb);
	g->flush_w.data = g;
	ev_set_priority(&g->flush_w, EV_MINPRI);
	ev_prepare_start(loop, &g->flush_w);
	ev_unref(loop);
	return g;
fail:
	saved = errno;
	if (g->fd >= 0)
		close(g->fd);
	free(g->by_id);
	free(g);
	errno = saved;
	return NULL;
}

struct pptp_gre *pptp_gre_new(struct ev_loop *loop)
{
	return gre_open(loop, NULL);
}

void pptp_gre_free(struct pptp_gre *g)
{
	if (!g)
		return;
	/* Every client flushed it and left it (pptp_client_free). */
	assert(g->nclients == 0 && g->b.ntx == 0);
	ev_io_stop(g->loop, &g->io);
	ev_ref(g->loop);
	ev_prepare_stop(g->loop, &g->flush_w);
	close(g->fd);
	free(g->by_id);
	free(g);
}

const struct pptp_client_stats *pptp_gre_stats(const struct pptp_gre *g) { return &g->stats; }

/* ---- client ---- */

void pptp_client_params_default(struct pptp_client_params *p)
{
	memset(p, 0, sizeof(*p));
	p->local.s_addr = htonl(INADDR_ANY);
	p->timeout = 5.0;
	p->recv_window = 64;
	p->host_name = "pptpbench";
	p->vendor = "pptpbench";
}

struct pptp_client *pptp_client_new(struct ev_loop *loop, const struct pptp_client_params *p,
				    const struct pptp_client_ops *ops, void *user)
{
	struct pptp_client *cl = calloc(1, sizeof(*cl));

	if (!cl)
		return NULL;
	cl->loop = loop;
	cl->p = *p;
	snprintf(cl->host_name, sizeof(cl->host_name), "%s", p->host_name ? p->host_name : "pptpbench");
	snprintf(cl->vendor, sizeof(cl->vendor), "%s", p->vendor ? p->vendor : "pptpbench");
	cl->p.host_name = cl->host_name;
	cl->p.vendor = cl->vendor;
	cl->ops = ops;
	cl->user = user;
	if (p->gre) {
		cl->gre = p->gre;
	} else {
		int saved;
		cl->gre = gre_open(loop, &p->local);
		if (!cl->gre) {
			saved = errno;
			free(cl);
			errno = saved;
			return NULL;
		}
		cl->gre->owner = cl;
		cl->p.gre = cl->gre;
	}
	cl->gre->nclients++;
	ev_timer_init(&cl->reaper, reap_cb, 0.0, 0.0);
	cl->reaper.data = cl;
	return cl;
}

static void free_call(struct pptp_client *cl, struct pptp_call *call)
{
	ev_timer_stop(cl->loop, &call->wait_timer);
	ev_timer_stop(cl->loop, &call->flow_timer);
	if (cl->gre->by_id[call->id] == call)
		cl->gre->by_id[call->id] = NULL;
	gre_flow_free(call->flow);
	free(call);
}

void pptp_client_free(struct pptp_client *cl)
{
	struct pptp_gre *g;

	if (!cl)
		return;
	g = cl->gre;
	/* What is queued goes now: the slots name their clients. */
	gre_flush(g);
	while (cl->ctrls) {
		struct pptp_ctrl *c = cl->ctrls;
		cl->ctrls = c->next;
		while (c->calls) {
			struct pptp_call *call = c->calls;
			c->calls = call->next;
			free_call(cl, call);
		}
		ev_io_stop(cl->loop, &c->io);
		ev_timer_stop(cl->loop, &c->timer);
		if (c->fd >= 0)
			close(c->fd);
		free(c);
	}
	ev_timer_stop(cl->loop, &cl->reaper);
	reap_cb(cl->loop, &cl->reaper, 0);
	g->nclients--;
	if (g->owner == cl)
		pptp_gre_free(g);
	free(cl);
}

void *pptp_client_user(const struct pptp_client *cl) { return cl->user; }
const struct pptp_client_stats *pptp_client_stats(const struct pptp_client *cl) { return &cl->stats; }
struct pptp_gre *pptp_client_gre(const struct pptp_client *cl) { return cl->gre; }
