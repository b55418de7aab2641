/*
 * PPTP calls: creation and teardown, the GRE flow per call and its timer,
 * and the frame interface the PPP layer uses.
 */
#include "server/call.h"

#include "common/gre_flow.h"
#include "common/log.h"
#include "common/log_id.h"
#include "server/ctrl.h"
#include "server/gre_sock.h"
#include "server/server.h"
#include "server/worker.h"

static void echo_frame(void *ctx, struct call *call, uint8_t *frame, size_t len)
{
	(void)ctx;
	call_send_frame(call, frame, len);
}

const struct call_ops call_echo_ops = {
	.frame = echo_frame,
};

/* Re-arm the timer to the flow's next deadline. Called after every packet
 * in and out: when the deadline did not move (an ack already owed, a
 * window time-out already running) the timer is left alone, which saves
 * two heap operations in libev and a clock read per packet. */
static void arm(struct call *call)
{
	struct ev_loop *loop = call->srv->loop;

	if (call->dying || !call->flow)
		return;
	uint64_t due = gre_flow_next_deadline(call->flow);
	if (due == call->flow_armed_at && (due == UINT64_MAX || ev_is_active(&call->flow_timer)))
		return;
	ev_timer_stop(loop, &call->flow_timer);
	call->flow_armed_at = due;
	if (due == UINT64_MAX)
		return;
	uint64_t now = server_now_ms();
	double delay = due > now ? (double)(due - now) / 1000.0 : 0.;
	ev_timer_set(&call->flow_timer, delay, 0.);
	ev_timer_start(loop, &call->flow_timer);
}

static bool send_packet(struct call *call, struct gre_hdr *h, const uint8_t *data, size_t len)
{
	h->call_id = call->peer_id;
	h->payload_len = (uint16_t)len;
	return gre_sock_send(call->srv->gre, call->local_addr, call->peer_addr, h, data, len);
}

/* The flow's transmit callback: one data packet, now (at once, or out of
 * the send queue as the window opens). */
static void transmit(void *ctx, struct gre_hdr *h, const uint8_t *data, size_t len)
{
	struct call *call = ctx;

	/* Dying: the session is gone, what it queued is not worth sending. */
	if (call->dying)
		return;
	call->frames_tx++;
	send_packet(call, h, data, len);
}

/* Add the flow's queue counters to the server's; log the first head drop. */
static void txq_account(struct call *call)
{
	const struct gre_flow_stats *fs = gre_flow_stats(call->flow);
	struct server_stats *st = &call->srv->stats;

	st->gre_tx_queued += fs->tx_queued - call->txq_queued;
	call->txq_queued = fs->tx_queued;
	if (fs->tx_queue_drops == call->txq_drops)
		return;
	st->gre_tx_queue_drop += fs->tx_queue_drops - call->txq_drops;
	call->txq_drops = fs->tx_queue_drops;
	if (!call->txq_drop_logged) {
		call->txq_drop_logged = true;
		log_notice("%s event=gre-tx-queue-drop window=%u queue=%u (oldest queued frame "
			   "dropped; logged once per call, counted)", CALL_LOG_ID(call),
			   call->peer_window, call->srv->cfg->gre_tx_queue);
	}
}

static void send_acks(struct call *call, uint64_t now)
{
	uint32_t ack;

	while (gre_flow_take_ack(call->flow, now, &ack)) {
		struct gre_hdr h = { .has_ack = true, .ack = ack };
		send_packet(call, &h, NULL, 0);
	}
}

/* One frame for the PPP side. */
static void pass_up(struct call *call, uint8_t *frame, size_t len)
{
	if (call->ops && call->ops->frame)
		call->ops->frame(call->ops_ctx, call, frame, len);
	else
		call->srv->stats.frames_dropped++;
}

static void deliver(void *ctx, uint8_t *payload, size_t len)
{
	struct call *call = ctx;

	call->frames_rx++;
	call->srv->stats.frames_rx++;
	if (!call->dying)
		pass_up(call, payload, len);
}

static void flow_timer_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct call *call = container_of(w, struct call, flow_timer);
	(void)loop;
	(void)revents;

	if (call->dying || !call->flow)
		return;
	uint64_t now = server_now_ms();
	gre_flow_on_timer(call->flow, now);
	if (call->dying)
		return;
	send_acks(call, now);
	arm(call);
}

/* The first GRE packet of the call far outside its window is logged. */
static void far_log(struct call *call, uint32_t seq)
{
	if (call->far_logged)
		return;
	call->far_logged = true;
	log_notice("%s event=gre-far-dropped seq=%u", CALL_LOG_ID(call), seq);
}

void call_gre_input(struct call *call, const struct gre_hdr *h, uint8_t *payload)
{
	struct server_stats *st = &call->srv->stats;

	if (!call->flow) {
		st->gre_no_call++;
		return;
	}
	enum gre_flow_rx_result r = gre_flow_rx(call->flow, h, payload, server_now_ms());
	if (r == GRE_FLOW_RX_DUPLICATE) {
		st->gre_dup++;
	} else if (r == GRE_FLOW_RX_OLD) {
		st->gre_old++;
	} else if (r == GRE_FLOW_RX_FAR) {
		/* Forged, or a peer lost far more than any window: either way not
		 * delivered. All are counted (call-down line, stats). */
		st->gre_far++;
		call->far_dropped++;
		far_log(call, h->seq);
	}
	txq_account(call);
	arm(call);
}

bool call_send_frame(struct call *call, const uint8_t *data, size_t len)
{
	if (call->ws && !call->dying && len <= CALL_FRAME_MAX) {
		if (worker_send_frame(call->ws, data, len))
			return true;
		call->srv->stats.worker_full++;
		call->tx_dropped++;
		return false;
	}
	if (call->dying || !call->flow || len > CALL_FRAME_MAX) {
		call->tx_dropped++;
		return false;
	}
	enum gre_flow_send_result r = gre_flow_send(call->flow, server_now_ms(), data, len);
	if (r == GRE_FLOW_DROPPED)
		call->tx_dropped++;
	if (r != GRE_FLOW_SENT) {
		txq_account(call);
		arm(call);
	}
	return r != GRE_FLOW_DROPPED;
}

bool call_can_send(const struct call *call)
{
	if (call->ws)
		return !call->dying; /* the worker refuses before encrypting */
	if (call->dying || !call->flow)
		return false;
	return gre_flow_send_room(call->flow, server_now_ms());
}

void call_set_ordered(struct call *call, bool ordered)
{
	if (call->flow)
		gre_flow_set_ordered(call->flow, ordered);
}

bool call_hand_over(struct call *call, struct workers *set, struct wsess_params *p,
		    struct ppp_data *d)
{
	if (call->dying || !call->flow || call->ws)
		return false;
	p->call_id = call->id;
	p->peer_call_id = call->peer_id;
	p->local_addr = call->local_addr;
	p->peer_addr = call->peer_addr;
	/* The server's counters for the flow up to now; the worker has the
	 * rest (the call-down line adds them). */
	txq_account(call);
	struct wsess *ws = worker_take(set, p, call->flow, d);
	if (!ws)
		return false;
	/* The flow is the worker's from here: not one more look at it. */
	ev_timer_stop(call->srv->loop, &call->flow_timer);
	call->flow_armed_at = UINT64_MAX;
	call->flow = NULL;
	call->flow_moved = true;
	call->ws = ws;
	return true;
}

static struct call *worker_call(struct server *srv, uint16_t id, uint64_t gen)
{
	struct call *call = server_call_by_id(srv, id);
	if (!call || call->dying || !call->ws || wsess_gen(call->ws) != gen)
		return NULL;
	return call;
}

void call_from_worker(struct server *srv, uint16_t id, uint64_t gen, uint8_t *frame, size_t len)
{
	struct call *call = worker_call(srv, id, gen);

	if (!call)
		return;
	/* Counted by the worker (frames-rx on the call-down line). */
	pass_up(call, frame, len);
}

void call_worker_event(struct server *srv, uint16_t id, uint64_t gen, enum call_worker_event ev,
		       uint64_t arg)
{
	struct call *call = worker_call(srv, id, gen);

	if (call && ev == CALL_WORKER_GRE_FAR)
		far_log(call, (uint32_t)arg);
	else if (call && call->ops && call->ops->worker_event)
		call->ops->worker_event(call->ops_ctx, call, ev, arg);
}

static void setup_timer_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct call *call = container_of(w, struct call, setup_timer);
	(void)loop;
	(void)revents;

	if (call->dying || call->established)
		return;
	call->srv->stats.calls_setup_timeout++;
	/* A NAS's call would wait in CLEARING for a notify this peer may never
	 * send: it ends here either way. */
	ctrl_close_call(call, "setup-timeout");
	if (!call->dying)
		call_kill(call, "setup-timeout");
}

void call_link_established(struct call *call)
{
	if (call->established || call->dying)
		return;
	call->established = true;
	ev_timer_stop(call->srv->loop, &call->setup_timer);
}

void call_set_ops(struct call *call, const struct call_ops *ops, void *ctx)
{
	call->ops = ops;
	call->ops_ctx = ctx;
}

struct call *call_new(struct ctrl *c, enum call_role role, uint16_t peer_id)
{
	struct server *srv = c->srv;
	struct call *call = server_alloc(srv, sizeof(*call));

	if (!call)
		return NULL;
	call->id = server_callid_alloc(srv, call);
	if (!call->id) {
		server_release(srv, call);
		return NULL;
	}
	call->srv = srv;
	call->ctrl = c;
	call->peer_id = peer_id;
	call->role = role;
	call->state = CALL_WAIT_CONNECTED;
	call->peer_addr = ntohl(c->peer.sin_addr.s_addr);
	call->local_addr = c->local_addr;
	ev_timer_init(&call->flow_timer, flow_timer_cb, 0., 0.);
	call->flow_armed_at = UINT64_MAX;
	ev_timer_init(&call->setup_timer, setup_timer_cb, (double)srv->cfg->call_setup_timeout, 0.);
	ev_timer_start(srv->loop, &call->setup_timer);
	call_set_ops(call, srv->call_ops, NULL);
	srv->ncalls++;
	srv->stats.calls_opened++;
	ctrl_call_added(c, call);
	return call;
}

bool call_up(struct call *call, uint16_t peer_window)
{
	const struct config *cfg = call->srv->cfg;
	struct gre_flow_params p;

	gre_flow_params_default(&p);
	p.reorder_slots = cfg->gre_reorder_packets;
	p.reorder_hold_ms = cfg->gre_reorder_hold_ms;
	p.slot_size = CALL_FRAME_MAX;
	p.rx_window = CALL_RX_WINDOW;
	p.peer_window = peer_window;
	/* Even with gre-tx-queue 0 the queue holds the replies made while a
	 * frame is delivered. The pool allocates nothing until a frame waits. */
	if (!call->srv->txq_pool)
		call->srv->txq_pool = gre_txq_pool_new(CALL_FRAME_MAX, CALL_TXQ_POOL_BUFS);
	if (!call->srv->txq_pool)
		return false;
	p.txq_pool = call->srv->txq_pool;
	p.txq_max = cfg->gre_tx_queue;
	call->flow = gre_flow_new(&p, deliver, call);
	if (!call->flow)
		return false;
	gre_flow_set_transmit(call->flow, transmit);
	server_object_add(call->srv);
	call->peer_window = peer_window;
	call->state = CALL_UP;
	log_notice("%s event=call-up role=%s peer-call=%u window=%u", CALL_LOG_ID(call),
		   call->role == CALL_PAC ? "pac" : "pns", call->peer_id, peer_window);
	if (call->ops && call->ops->up)
		call->ops->up(call->ops_ctx, call);
	/* --echo-frames carries no PPP: there is no LCP to wait for. */
	if (call->srv->echo_frames)
		call_link_established(call);
	return true;
}

void call_kill(struct call *call, const char *reason)
{
	struct server *srv = call->srv;

	if (call->dying)
		return;
	call->dying = true;
	const struct gre_flow_stats *fs = call->flow ? gre_flow_stats(call->flow) : NULL;
	struct wsess_stats w = { 0 };
	if (call->ws)
		wsess_stats(call->ws, &w);
	else if (fs)
		w = (struct wsess_stats){ .tx_queued = fs->tx_queued,
					  .tx_queue_drops = fs->tx_queue_drops,
					  .tx_queue_peak = fs->tx_queue_peak,
					  .tx_ack_timeouts = fs->tx_ack_timeouts };
	log_notice("%s event=call-down reason=%s frames-rx=%llu frames-tx=%llu "
		   "tx-dropped=%llu gre-far=%llu tx-queued=%llu tx-queue-drops=%llu "
		   "tx-queue-peak=%u tx-ack-timeouts=%llu", CALL_LOG_ID(call), reason,
		   (unsigned long long)(call->frames_rx + w.frames_rx),
		   (unsigned long long)(call->frames_tx + w.frames_tx),
		   (unsigned long long)call->tx_dropped,
		   (unsigned long long)(call->far_dropped + w.gre_far),
		   (unsigned long long)w.tx_queued, (unsigned long long)w.tx_queue_drops,
		   w.tx_queue_peak, (unsigned long long)w.tx_ack_timeouts);
	/* Out of every table before the session hears of it: a teardown nested
	 * in ops->down that walks the connection's calls (kill_calls() takes
	 * the head until none is left) must not find this one again. */
	ev_timer_stop(srv->loop, &call->flow_timer);
	ev_timer_stop(srv->loop, &call->setup_timer);
	server_callid_release(srv, call->id);
	ctrl_call_removed(call->ctrl, call);
	srv->ncalls--;
	if (call->state != CALL_WAIT_CONNECTED && call->ops && call->ops->down)
		call->ops->down(call->ops_ctx, call);
	/* After the session's last look at the worker's counters. */
	if (call->ws) {
		worker_drop(call->ws);
		call->ws = NULL;
	}
	srv->stats.calls_closed++;
	server_reap_call(srv, call);
}

void call_free(struct call *call)
{
	if (call->flow)
		gre_flow_free(call->flow);
	if (call->flow || call->flow_moved)
		server_object_del(call->srv);
	server_release(call->srv, call);
}
