/*
 * Data-path workers: threads that carry the packets of the sessions the
 * main loop hands them (server/worker.h has the threads, the hand-offs and
 * the lifetimes).
 */
#include "server/worker.h"

#include <errno.h>
#include <linux/filter.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <ev.h>

#include "common/gre_batch.h"
#include "common/gre_flow.h"
#include "common/gre_txq.h"
#include "common/ipv4.h"
#include "common/log.h"
#include "common/ppp/ppp.h"
#include "common/ppp/ppp_defs.h"
#include "common/spsc_ring.h"
#include "conf/config.h"
#include "server/call.h"
#include "server/datapath.h"
#include "server/server.h"
#include "server/tun.h"
#include "server/tun_io.h"
#include "server/tun_mq.h"

#define RING_IN      1024 /* main -> worker: GRE packets mostly */
#define RING_OUT     256  /* worker -> main: control frames, strays */
#define WMSG_ROOM    16   /* headroom in front of a message's data (>= PPP_TX_HEADROOM) */
#define WMSG_DATA    2048 /* a GRE payload, a PPP frame or a tun packet */
#define TABLE_SIZE   4096 /* address buckets per worker (a power of two) */
#define TUN_ROUNDS   4    /* tun batches per wake-up */
#define TUN_BATCH    32
#define PKT_MAX      (WMSG_DATA - WMSG_ROOM)

_Static_assert(WMSG_ROOM >= PPP_TX_HEADROOM, "room for PPP's headers");
_Static_assert(CALL_FRAME_MAX <= WMSG_DATA, "a frame fits a message");

enum wmsg_type {
	WMSG_TAKE = 1, WMSG_GRE, WMSG_FRAME, WMSG_IP, WMSG_RATE, WMSG_DROP, WMSG_STOP, /* inbound */
	WMSG_TO_LINK, WMSG_TUN, WMSG_EVENT,                                  /* outbound */
};

struct wmsg {
	uint8_t type;
	uint16_t len;
	uint16_t call_id;
	uint64_t gen;
	struct wsess *ws;
	struct gre_hdr h;
	uint8_t event;        /* WMSG_EVENT: enum call_worker_event */
	uint64_t arg;
	_Alignas(8) uint8_t buf[WMSG_ROOM + WMSG_DATA];
};

typedef _Atomic uint64_t counter;

/* Single writer: a load and a store, no locked instruction. */
static inline void bump(counter *c, uint64_t n)
{
	atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) + n,
			      memory_order_relaxed);
}

static inline uint64_t peek(const counter *c)
{
	return atomic_load_explicit(c, memory_order_relaxed);
}

struct wsess {
	/* Set by the main thread before TAKE; read-only after, but for
	 * p.shaper, the worker's buckets from TAKE on. */
	struct worker *w;
	uint64_t gen;
	struct wsess_params p;
	/* The worker's, from TAKE to DROP. */
	struct gre_flow *flow;
	struct ppp_data data;
	ev_timer timer;
	uint64_t armed_at;
	struct wsess *next;     /* the address table's chain */
	bool linked;
	bool refusal_sent;      /* the first MPPE refusal was reported */
	bool rate_sent;         /* the first packet over the rate was reported */
	bool spoof_sent;        /* the first spoofed source was reported */
	bool far_sent;          /* the first GRE packet far outside the window was */
	bool close_sent;
	/* Written by the worker only; read by the main thread until DROP. */
	counter rx_ip_packets, rx_ip_bytes, tx_ip_packets, tx_ip_bytes;
	counter frames_rx, frames_tx, spoofed, bad, dropped, mppe_refused, tx_refused,
		rate_dropped, gre_far;
	counter tx_queued, tx_queue_drops, tx_ack_timeouts, tx_queue_peak;
	/* The main thread's: a DROP the ring had no room for waits here. */
	struct wsess *drop_next;
};

struct worker {
	struct workers *set;
	unsigned idx;
	pthread_t thread;
	bool started;
	struct ev_loop *loop;
	struct spsc_ring *in, *out;
	ev_io in_w, tun_w;
	ev_prepare prep_w;
	ev_io out_w;              /* on the main loop */
	int gre_fd;
	struct tun tq;            /* the worker's queue: its fd, the device's name */
	struct server_stats wst;  /* tun_io's counters (tun-tx-err etc.) */
	struct tun_io *tio;       /* reads and writes on tq, batched (tun_io.h) */
	struct tun_pkt pkts[TUN_BATCH];
	uint8_t *rxmem;           /* the read buffers, WMSG_ROOM free in front of each */
	struct gre_batch *b;
	struct gre_txq_pool *pool;
	struct wsess *table[TABLE_SIZE];
	bool in_pending;          /* main: pushed since the last kick */
	bool out_pending;         /* worker: pushed since the last kick */
	struct wsess *drops;      /* main: DROPs waiting for room */
	/* Written by the worker. */
	counter taken, dropped_sessions, tun_rx, tun_tx, tun_to_main, gre_tx, gre_tx_err,
		out_full, packets, mppe_refused, tx_queued, tx_queue_drops, tx_refused, rate_dropped,
		spoofed, bad_ip, frames_rx, gre_far, gre_dup, gre_old, tun_rx_bytes, tun_tx_bytes;
	/* Written by the main thread. */
	counter in_full;
};

struct workers {
	struct server *srv;
	struct tun_mq *mq;
	unsigned n;
	uint64_t next_gen;
	ev_timer fold_w;          /* main loop: the workers' counters into srv->stats */
	struct workers_stats folded;
	struct worker w[];
};

static uint64_t now_ms(void)
{
	return server_now_ms();
}

static struct wsess **bucket(struct worker *w, uint32_t addr)
{
	return &w->table[(addr ^ addr >> 12) & (TABLE_SIZE - 1)];
}

static struct wsess *lookup(struct worker *w, uint32_t addr)
{
	for (struct wsess *ws = *bucket(w, addr); ws; ws = ws->next)
		if (ws->p.addr == addr)
			return ws;
	return NULL;
}

/* ---- the worker's side ---- */

static struct wmsg *out_claim(struct worker *w)
{
	struct wmsg *m = spsc_ring_claim(w->out);
	if (!m)
		bump(&w->out_full, 1);
	return m;
}

static void out_commit(struct worker *w)
{
	spsc_ring_commit(w->out);
	w->out_pending = true;
}

static void gre_flush(struct worker *w);

static void gre_put(struct worker *w, struct wsess *ws, struct gre_hdr *h, const uint8_t *data,
		    size_t len)
{
	if (w->b->ntx == GRE_BATCH_N)
		gre_flush(w);
	h->call_id = ws->p.peer_call_id;
	h->payload_len = (uint16_t)len;
	if (!gre_batch_put(w->b, ws->p.local_addr, ws->p.peer_addr, true, h, data, len))
		bump(&w->gre_tx_err, 1);
}

static void sent_cb(void *ctx, unsigned first, unsigned n)
{
	struct worker *w = ctx;
	(void)first;
	bump(&w->gre_tx, n);
}

static void failed_cb(void *ctx, unsigned i)
{
	struct worker *w = ctx;
	(void)i;
	bump(&w->gre_tx_err, 1);
}

static void gre_flush(struct worker *w)
{
	if (w->b->ntx)
		gre_batch_flush(w->b, w->gre_fd, sent_cb, failed_cb, w);
}

static void transmit(void *ctx, struct gre_hdr *h, const uint8_t *data, size_t len)
{
	struct wsess *ws = ctx;
	bump(&ws->frames_tx, 1);
	gre_put(ws->w, ws, h, data, len);
}

/* The flow's queue counters, as the main thread reads them (the
 * session's, and the worker's totals by what they grew). */
static void publish_flow(struct wsess *ws)
{
	const struct gre_flow_stats *fs = gre_flow_stats(ws->flow);
	bump(&ws->w->tx_queued, fs->tx_queued - peek(&ws->tx_queued));
	bump(&ws->w->tx_queue_drops, fs->tx_queue_drops - peek(&ws->tx_queue_drops));
	atomic_store_explicit(&ws->tx_queued, fs->tx_queued, memory_order_relaxed);
	atomic_store_explicit(&ws->tx_queue_drops, fs->tx_queue_drops, memory_order_relaxed);
	atomic_store_explicit(&ws->tx_ack_timeouts, fs->tx_ack_timeouts, memory_order_relaxed);
	atomic_store_explicit(&ws->tx_queue_peak, fs->tx_queue_peak, memory_order_relaxed);
}

static void arm(struct wsess *ws)
{
	struct worker *w = ws->w;
	uint64_t due = gre_flow_next_deadline(ws->flow);

	if (due == ws->armed_at && (due == UINT64_MAX || ev_is_active(&ws->timer)))
		return;
	ev_timer_stop(w->loop, &ws->timer);
	ws->armed_at = due;
	if (due == UINT64_MAX)
		return;
	uint64_t now = now_ms();
	ev_timer_set(&ws->timer, due > now ? (double)(due - now) / 1000.0 : 0., 0.);
	ev_timer_start(w->loop, &ws->timer);
}

static void send_acks(struct wsess *ws, uint64_t now)
{
	uint32_t ack;

	while (gre_flow_take_ack(ws->flow, now, &ack)) {
		struct gre_hdr h = { .has_ack = true, .ack = ack };
		gre_put(ws->w, ws, &h, NULL, 0);
	}
}

static void timer_cb(struct ev_loop *loop, ev_timer *t, int revents)
{
	struct wsess *ws = container_of(t, struct wsess, timer);
	uint64_t now = now_ms();
	(void)loop;
	(void)revents;

	gre_flow_on_timer(ws->flow, now);
	send_acks(ws, now);
	publish_flow(ws);
	arm(ws);
}

/* A message to the main loop about ws's call (named by ID and the
 * hand-over's generation); NULL if the ring is full (counted). */
static struct wmsg *out_for(struct wsess *ws, enum wmsg_type type)
{
	struct wmsg *m = out_claim(ws->w);
	if (m) {
		m->type = (uint8_t)type;
		m->call_id = ws->p.call_id;
		m->gen = ws->gen;
	}
	return m;
}

/* A frame for the link on the main loop, untouched. */
static void to_link(struct wsess *ws, const uint8_t *frame, size_t len)
{
	struct wmsg *m = out_for(ws, WMSG_TO_LINK);
	if (!m)
		return;
	m->len = (uint16_t)len;
	memcpy(m->buf + WMSG_ROOM, frame, len);
	out_commit(ws->w);
}

static void report_once(struct wsess *ws, bool *sent, enum call_worker_event ev, uint64_t arg);

/* The session's rate limit in one direction (shaper.h, the loop's time as
 * the main loop's session_police() takes it). */
static bool police(struct wsess *ws, enum shaper_dir dir, size_t len)
{
	struct shaper *b = &ws->p.shaper[dir];

	if (!b->rate)
		return true;
	if (shaper_admit_limited(b, len, (uint64_t)(ev_now(ws->w->loop) * 1e6)))
		return true;
	bump(&ws->rate_dropped, 1);
	bump(&ws->w->rate_dropped, 1);
	report_once(ws, &ws->rate_sent, CALL_WORKER_RATE_LIMITED, dir);
	return false;
}

static void to_tun(struct worker *w, struct wsess *ws, uint8_t *pkt, size_t len)
{
	struct ipv4_hdr h;

	/* Counted as the link counts: every IP frame it delivers, before
	 * any check (accounting's octets are the link's). */
	if (len == 0) {
		bump(&ws->bad, 1);
		return;
	}
	bump(&ws->rx_ip_packets, 1);
	bump(&ws->rx_ip_bytes, len);
	if (ipv4_parse(pkt, len, false, &h) != IPV4_OK) {
		bump(&ws->bad, 1);
		bump(&w->bad_ip, 1);
		return;
	}
	if (h.src != ws->p.addr) {
		bump(&ws->spoofed, 1);
		bump(&w->spoofed, 1);
		report_once(ws, &ws->spoof_sent, CALL_WORKER_SPOOFED, h.src);
		return;
	}
	if (!police(ws, SHAPER_UP, h.tot_len))
		return;
	if (ws->p.mss)
		ipv4_clamp_mss(pkt, h.tot_len, ws->p.mss);
	if (tun_io_write(w->tio, pkt, h.tot_len)) {
		bump(&w->tun_tx, 1);
		bump(&w->tun_tx_bytes, h.tot_len);
		bump(&w->packets, 1);
	}
}

/* An event for the call's link, once: *sent is set when it went (a full
 * ring leaves it for the next frame that causes it). */
static void report_once(struct wsess *ws, bool *sent, enum call_worker_event ev, uint64_t arg)
{
	if (*sent)
		return;
	struct wmsg *m = out_for(ws, WMSG_EVENT);
	if (!m)
		return;
	*sent = true;
	m->event = (uint8_t)ev;
	m->arg = arg;
	out_commit(ws->w);
}

/* The flow's deliver callback: one frame from the peer, in order. */
static void deliver(void *ctx, uint8_t *frame, size_t len)
{
	struct wsess *ws = ctx;
	struct worker *w = ws->w;
	uint8_t *ip;
	size_t n;

	bump(&ws->frames_rx, 1);
	bump(&w->frames_rx, 1);
	enum ppp_data_kind kind = ppp_data_unwrap(&ws->data, frame, len, now_ms(), &ip, &n);
	switch (kind) {
	case PPP_DATA_IPV4:
		to_tun(w, ws, ip, n);
		return;
	case PPP_DATA_CONTROL:
		to_link(ws, frame, len);
		return;
	case PPP_DATA_BAD:
		bump(&ws->bad, 1);
		return;
	case PPP_DATA_DROP:
		bump(&ws->dropped, 1);
		return;
	case PPP_DATA_REFUSED:
	case PPP_DATA_ABUSE:
		bump(&ws->mppe_refused, 1);
		bump(&w->mppe_refused, 1);
		if (kind == PPP_DATA_REFUSED)
			report_once(ws, &ws->refusal_sent, CALL_WORKER_MPPE_REFUSED,
				    ws->data.rx.max_jump);
		else
			report_once(ws, &ws->close_sent, CALL_WORKER_MPPE_ABUSE, ws->data.rx.refused);
		return;
	case PPP_DATA_FATAL:
		bump(&ws->dropped, 1);
		report_once(ws, &ws->close_sent, CALL_WORKER_MPPE_FATAL, 0);
		return;
	}
}

/* One IPv4 packet for the client at pkt (WMSG_ROOM writable in front);
 * policed here unless the main loop did (what it passes on). */
static void send_ip(struct wsess *ws, uint8_t *pkt, size_t len, bool policed)
{
	uint64_t now = now_ms();

	if (!policed && !police(ws, SHAPER_DOWN, len))
		return;
	/* MPPE: refused before it is encrypted, never a gap in the count. */
	if (!gre_flow_send_room(ws->flow, now)) {
		bump(&ws->tx_refused, 1);
		bump(&ws->w->tx_refused, 1);
		return;
	}
	if (ws->p.mss)
		ipv4_clamp_mss(pkt, len, ws->p.mss);
	size_t flen = len;
	uint8_t *f = ppp_data_wrap(ws->data.mppe ? &ws->data.tx : NULL, ws->data.pfc,
				   ws->data.acfc, PPP_PROTO_IP, pkt, &flen);
	bump(&ws->tx_ip_packets, 1);
	bump(&ws->tx_ip_bytes, len);
	bump(&ws->w->packets, 1);
	if (gre_flow_send(ws->flow, now, f, flen) != GRE_FLOW_SENT)
		publish_flow(ws);
	arm(ws);
}

static void to_main(struct worker *w, const uint8_t *pkt, size_t len)
{
	struct wmsg *m = out_claim(w);
	bump(&w->tun_to_main, 1);
	if (!m)
		return;
	m->type = WMSG_TUN;
	m->len = (uint16_t)len;
	memcpy(m->buf + WMSG_ROOM, pkt, len);
	out_commit(w);
}

static void tun_cb(struct ev_loop *loop, ev_io *io, int revents)
{
	struct worker *w = container_of(io, struct worker, tun_w);
	(void)loop;
	(void)revents;

	for (int round = 0; round < TUN_ROUNDS; round++) {
		int n = tun_io_read_batch(w->tio, w->pkts, TUN_BATCH);
		for (int i = 0; i < n; i++) {
			uint8_t *pkt = w->pkts[i].buf;
			size_t len = w->pkts[i].len;
			struct ipv4_hdr h;
			struct wsess *ws = NULL;
			bump(&w->tun_rx, 1);
			bump(&w->tun_rx_bytes, len);
			if (ipv4_parse(pkt, len, false, &h) == IPV4_OK)
				ws = lookup(w, h.dst);
			/* Too big for the session (fragments or Fragmentation
			 * Needed), IPv6, or no session of ours: the main
			 * loop's data path. */
			if (!ws || h.tot_len > ws->p.ip_mtu)
				to_main(w, pkt, len);
			else
				send_ip(ws, pkt, h.tot_len, false);
		}
		/* This batch's GRE packets leave together (sendmmsg). */
		gre_flush(w);
		if (n < TUN_BATCH)
			break;
	}
}

static void unlink_ws(struct worker *w, struct wsess *ws)
{
	for (struct wsess **pp = bucket(w, ws->p.addr); *pp; pp = &(*pp)->next)
		if (*pp == ws) {
			*pp = ws->next;
			break;
		}
	ws->linked = false;
}

/* Free a wsess and what it holds (the worker's thread, or after join). */
static void release(struct worker *w, struct wsess *ws)
{
	if (ws->linked)
		unlink_ws(w, ws);
	if (w->loop)
		ev_timer_stop(w->loop, &ws->timer);
	gre_flow_free(ws->flow);
	ppp_data_free(&ws->data);
	free(ws);
}

static void take(struct worker *w, struct wsess *ws)
{
	ev_timer_init(&ws->timer, timer_cb, 0., 0.);
	ws->armed_at = UINT64_MAX;
	/* An address is one session's; a stale entry would be a bug upstream. */
	struct wsess *old = lookup(w, ws->p.addr);
	if (old)
		unlink_ws(w, old);
	struct wsess **b = bucket(w, ws->p.addr);
	ws->next = *b;
	*b = ws;
	ws->linked = true;
	bump(&w->taken, 1);
	arm(ws);
}

/* Returns false on STOP. */
static bool handle_in(struct worker *w, struct wmsg *m)
{
	struct wsess *ws = m->ws;
	uint8_t *data = m->buf + WMSG_ROOM;

	switch (m->type) {
	case WMSG_TAKE:
		take(w, ws);
		break;
	case WMSG_GRE:
		switch (gre_flow_rx(ws->flow, &m->h, data, now_ms())) {
		case GRE_FLOW_RX_DUPLICATE:
			bump(&w->gre_dup, 1);
			break;
		case GRE_FLOW_RX_OLD:
			bump(&w->gre_old, 1);
			break;
		case GRE_FLOW_RX_FAR:
			/* Forged, or lost far beyond any window: counted, the
			 * first one logged by the call. */
			bump(&ws->gre_far, 1);
			bump(&w->gre_far, 1);
			report_once(ws, &ws->far_sent, CALL_WORKER_GRE_FAR, m->h.seq);
			break;
		default:
			break;
		}
		send_acks(ws, now_ms());
		publish_flow(ws);
		arm(ws);
		break;
	case WMSG_FRAME:
		if (gre_flow_send(ws->flow, now_ms(), data, m->len) != GRE_FLOW_SENT)
			publish_flow(ws);
		arm(ws);
		break;
	case WMSG_IP:
		send_ip(ws, data, m->len, true);
		break;
	case WMSG_RATE:
		memcpy(ws->p.shaper, data, sizeof(ws->p.shaper));
		ws->rate_sent = false;
		break;
	case WMSG_DROP:
		bump(&w->dropped_sessions, 1);
		release(w, ws);
		break;
	case WMSG_STOP:
		return false;
	default:
		break;
	}
	return true;
}

static void in_cb(struct ev_loop *loop, ev_io *io, int revents)
{
	struct worker *w = container_of(io, struct worker, in_w);
	struct wmsg *m;
	(void)revents;

	spsc_ring_ack(w->in);
	for (unsigned n = 0; (m = spsc_ring_peek(w->in)); n++) {
		if (n == RING_IN) {
			/* A ring's worth: let the tun queue have its turn, and
			 * come back in the next loop turn for the rest. */
			ev_feed_event(loop, io, EV_READ);
			break;
		}
		bool go = handle_in(w, m);
		spsc_ring_release(w->in);
		if (!go) {
			ev_break(loop, EVBREAK_ALL);
			return;
		}
	}
	gre_flush(w);
	tun_io_flush(w->tio);
}

/* Before the worker sleeps: what it produced leaves, main hears of it. */
static void prep_cb(struct ev_loop *loop, ev_prepare *p, int revents)
{
	struct worker *w = container_of(p, struct worker, prep_w);
	(void)loop;
	(void)revents;

	gre_flush(w);
	if (w->out_pending) {
		w->out_pending = false;
		spsc_ring_kick(w->out);
	}
}

static void *thread_main(void *arg)
{
	struct worker *w = arg;
	char name[16];

	/* Named for top -H, perf and the benchmark's per-thread CPU. */
	snprintf(name, sizeof(name), "pptpd-w%u", w->idx);
	pthread_setname_np(pthread_self(), name);
	ev_run(w->loop, 0);
	return NULL;
}

/* ---- the main thread's side ---- */

static void fold(struct workers *set);

static void out_cb(struct ev_loop *loop, ev_io *io, int revents)
{
	struct worker *w = container_of(io, struct worker, out_w);
	struct server *srv = w->set->srv;
	struct wmsg *m;
	(void)loop;
	(void)revents;

	spsc_ring_ack(w->out);
	while ((m = spsc_ring_peek(w->out))) {
		uint8_t *data = m->buf + WMSG_ROOM;
		switch (m->type) {
		case WMSG_TO_LINK:
			call_from_worker(srv, m->call_id, m->gen, data, m->len);
			break;
		case WMSG_TUN:
			datapath_from_worker(srv->dp, data, m->len);
			break;
		case WMSG_EVENT:
			call_worker_event(srv, m->call_id, m->gen, (enum call_worker_event)m->event,
					  m->arg);
			break;
		default:
			break;
		}
		spsc_ring_release(w->out);
	}
	datapath_flush(srv);
	workers_kick(w->set);
	fold(w->set);
}

static struct wmsg *in_claim(struct worker *w)
{
	struct wmsg *m = spsc_ring_claim(w->in);
	if (!m) {
		bump(&w->in_full, 1);
		return NULL;
	}
	return m;
}

static void in_commit(struct worker *w)
{
	spsc_ring_commit(w->in);
	w->in_pending = true;
}

struct wsess *worker_take(struct workers *set, const struct wsess_params *p,
			  struct gre_flow *flow, struct ppp_data *d)
{
	struct worker *w = &set->w[p->addr % set->n];
	struct wsess *ws = calloc(1, sizeof(*ws));

	if (!ws)
		return NULL;
	ws->w = w;
	ws->gen = ++set->next_gen;
	ws->p = *p;
	ws->flow = flow;
	struct wmsg *m = in_claim(w);
	if (!m || !gre_flow_move(flow, deliver, transmit, ws, w->pool)) {
		free(ws);
		return NULL;
	}
	ws->data = *d;
	memset(d, 0, sizeof(*d));
	m->type = WMSG_TAKE;
	m->ws = ws;
	in_commit(w);
	return ws;
}

bool worker_gre(struct wsess *ws, const struct gre_hdr *h, const uint8_t *payload, size_t len)
{
	if (len > WMSG_DATA)
		return false;
	struct wmsg *m = in_claim(ws->w);
	if (!m)
		return false;
	m->type = WMSG_GRE;
	m->ws = ws;
	m->h = *h;
	m->len = (uint16_t)len;
	if (len)
		memcpy(m->buf + WMSG_ROOM, payload, len);
	in_commit(ws->w);
	return true;
}

static bool push_data(struct wsess *ws, enum wmsg_type type, const uint8_t *data, size_t len)
{
	if (len > PKT_MAX)
		return false;
	struct wmsg *m = in_claim(ws->w);
	if (!m)
		return false;
	m->type = (uint8_t)type;
	m->ws = ws;
	m->len = (uint16_t)len;
	memcpy(m->buf + WMSG_ROOM, data, len);
	in_commit(ws->w);
	return true;
}

bool worker_send_frame(struct wsess *ws, const uint8_t *frame, size_t len)
{
	return push_data(ws, WMSG_FRAME, frame, len);
}

bool worker_send_ip(struct wsess *ws, const uint8_t *pkt, size_t len)
{
	return push_data(ws, WMSG_IP, pkt, len);
}

bool worker_set_rate(struct wsess *ws, const struct shaper shaper[SHAPER_NDIRS])
{
	return push_data(ws, WMSG_RATE, (const uint8_t *)shaper,
			 SHAPER_NDIRS * sizeof(struct shaper));
}

static bool push_drop(struct worker *w, struct wsess *ws)
{
	struct wmsg *m = spsc_ring_claim(w->in);
	if (!m)
		return false;
	m->type = WMSG_DROP;
	m->ws = ws;
	in_commit(w);
	return true;
}

void worker_drop(struct wsess *ws)
{
	struct worker *w = ws->w;

	/* Never lost: a DROP the ring has no room for waits for the next kick. */
	if (w->drops || !push_drop(w, ws)) {
		ws->drop_next = w->drops;
		w->drops = ws;
	}
}

void workers_kick(struct workers *set)
{
	if (!set)
		return;
	for (unsigned k = 0; k < set->n; k++) {
		struct worker *w = &set->w[k];
		while (w->drops && push_drop(w, w->drops))
			w->drops = w->drops->drop_next;
		if (w->in_pending) {
			w->in_pending = false;
			spsc_ring_kick(w->in);
		}
	}
}

void wsess_stats(const struct wsess *ws, struct wsess_stats *o)
{
	o->rx_ip_packets = peek(&ws->rx_ip_packets);
	o->rx_ip_bytes = peek(&ws->rx_ip_bytes);
	o->tx_ip_packets = peek(&ws->tx_ip_packets);
	o->tx_ip_bytes = peek(&ws->tx_ip_bytes);
	o->frames_rx = peek(&ws->frames_rx);
	o->frames_tx = peek(&ws->frames_tx);
	o->spoofed = peek(&ws->spoofed);
	o->bad = peek(&ws->bad);
	o->dropped = peek(&ws->dropped);
	o->mppe_refused = peek(&ws->mppe_refused);
	o->rate_dropped = peek(&ws->rate_dropped);
	o->gre_far = peek(&ws->gre_far);
	o->tx_refused = peek(&ws->tx_refused);
	o->tx_queued = peek(&ws->tx_queued);
	o->tx_queue_drops = peek(&ws->tx_queue_drops);
	o->tx_ack_timeouts = peek(&ws->tx_ack_timeouts);
	o->tx_queue_peak = (unsigned)peek(&ws->tx_queue_peak);
}

uint64_t wsess_gen(const struct wsess *ws)
{
	return ws->gen;
}

unsigned wsess_worker(const struct wsess *ws)
{
	return ws->w->idx;
}

unsigned workers_count(const struct workers *set)
{
	return set ? set->n : 1;
}

void workers_stats(const struct workers *set, struct workers_stats *o)
{
	memset(o, 0, sizeof(*o));
	for (unsigned k = 0; set && k < set->n; k++) {
		const struct worker *w = &set->w[k];
		o->sessions_taken += peek(&w->taken);
		o->sessions_dropped += peek(&w->dropped_sessions);
		o->ring_full += peek(&w->in_full) + peek(&w->out_full);
		o->tun_rx += peek(&w->tun_rx);
		o->tun_tx += peek(&w->tun_tx);
		o->tun_to_main += peek(&w->tun_to_main);
		o->gre_tx += peek(&w->gre_tx);
		o->gre_tx_err += peek(&w->gre_tx_err);
		o->mppe_refused += peek(&w->mppe_refused);
		o->tx_queued += peek(&w->tx_queued);
		o->tx_queue_drops += peek(&w->tx_queue_drops);
		o->tx_refused += peek(&w->tx_refused);
		o->rate_dropped += peek(&w->rate_dropped);
		o->spoofed += peek(&w->spoofed);
		o->bad_ip += peek(&w->bad_ip);
		o->frames_rx += peek(&w->frames_rx);
		o->gre_far += peek(&w->gre_far);
		o->gre_dup += peek(&w->gre_dup);
		o->gre_old += peek(&w->gre_old);
		o->tun_rx_bytes += peek(&w->tun_rx_bytes);
		o->tun_tx_bytes += peek(&w->tun_tx_bytes);
	}
}

uint64_t workers_packets(const struct workers *set, unsigned k)
{
	return set && k < set->n ? peek(&set->w[k].packets) : 0;
}

/* The server's own counters (the stats line, `pptpctl stats`, metrics)
 * include what the workers counted: folded once a second, after each
 * batch of their messages, and by whoever reads them (workers_fold()). */
static void fold(struct workers *set)
{
	struct server_stats *st = &set->srv->stats;
	struct tun_stats *ts = &set->srv->tun->st;
	struct workers_stats now;

	workers_stats(set, &now);
	ts->rx += now.tun_rx - set->folded.tun_rx;
	ts->tx += now.tun_tx - set->folded.tun_tx;
	ts->rx_bytes += now.tun_rx_bytes - set->folded.tun_rx_bytes;
	ts->tx_bytes += now.tun_tx_bytes - set->folded.tun_tx_bytes;
	st->mppe_refused += now.mppe_refused - set->folded.mppe_refused;
	st->gre_tx += now.gre_tx - set->folded.gre_tx;
	st->gre_tx_err += now.gre_tx_err - set->folded.gre_tx_err;
	st->gre_tx_queued += now.tx_queued - set->folded.tx_queued;
	st->gre_tx_queue_drop += now.tx_queue_drops - set->folded.tx_queue_drops;
	st->tx_window += now.tx_refused - set->folded.tx_refused;
	st->rate_dropped += now.rate_dropped - set->folded.rate_dropped;
	st->spoofed += now.spoofed - set->folded.spoofed;
	st->bad_ip += now.bad_ip - set->folded.bad_ip;
	st->frames_rx += now.frames_rx - set->folded.frames_rx;
	st->gre_far += now.gre_far - set->folded.gre_far;
	st->gre_dup += now.gre_dup - set->folded.gre_dup;
	st->gre_old += now.gre_old - set->folded.gre_old;
	set->folded = now;
}

void workers_fold(struct workers *set)
{
	if (set)
		fold(set);
}

static void fold_cb(struct ev_loop *loop, ev_timer *t, int revents)
{
	(void)loop;
	(void)revents;
	fold(container_of(t, struct workers, fold_w));
}

/* ---- set-up and the end ---- */

unsigned workers_wanted(const struct config *cfg)
{
	if (cfg->workers)
		return cfg->workers > WORKERS_MAX ? WORKERS_MAX : cfg->workers;
	cpu_set_t set;
	int n = sched_getaffinity(0, sizeof(set), &set) == 0 ? CPU_COUNT(&set) : 1;
	return n < 1 ? 1 : n > WORKERS_MAX ? WORKERS_MAX : (unsigned)n;
}

static int open_gre_sender(const struct config *cfg)
{
	int fd = socket(AF_INET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_GRE);
	if (fd < 0)
		return -1;
	/* It only sends: the main loop reads GRE. Keep nothing for reading. */
	struct sock_filter none = BPF_STMT(BPF_RET | BPF_K, 0);
	struct sock_fprog prog = { .len = 1, .filter = &none };
	if (setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof(prog)) != 0) {
		close(fd);
		return -1;
	}
	if (cfg->listen.n == 1 && cfg->listen.addr[0].s_addr != htonl(INADDR_ANY)) {
		struct sockaddr_in sin = { .sin_family = AF_INET, .sin_addr = cfg->listen.addr[0] };
		if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) != 0) {
			close(fd);
			return -1;
		}
	}
	return fd;
}

static bool worker_init(struct workers *set, unsigned k)
{
	struct worker *w = &set->w[k];
	struct server *srv = set->srv;

	w->set = set;
	w->idx = k;
	w->gre_fd = -1;
	w->tq.fd = tun_mq_fd(set->mq, k);
	w->tq.ifindex = srv->tun->ifindex;
	w->tq.mtu = srv->tun->mtu;
	memcpy(w->tq.name, srv->tun->name, sizeof(w->tq.name));
	w->in = spsc_ring_new(RING_IN, sizeof(struct wmsg));
	w->out = spsc_ring_new(RING_OUT, sizeof(struct wmsg));
	w->b = malloc(sizeof(*w->b));
	w->pool = gre_txq_pool_new(CALL_FRAME_MAX, CALL_TXQ_POOL_BUFS);
	w->loop = ev_loop_new(EVFLAG_AUTO);
	w->rxmem = malloc((size_t)TUN_BATCH * (WMSG_ROOM + WMSG_DATA));
	if (!w->in || !w->out || !w->b || !w->pool || !w->loop || !w->rxmem) {
		log_errx("event=worker-failed worker=%u reason=out-of-memory", k);
		return false;
	}
	w->gre_fd = open_gre_sender(srv->cfg);
	if (w->gre_fd < 0) {
		log_err("event=worker-failed worker=%u reason=gre-socket", k);
		return false;
	}
	for (unsigned i = 0; i < TUN_BATCH; i++) {
		w->pkts[i].buf = w->rxmem + (size_t)i * (WMSG_ROOM + WMSG_DATA) + WMSG_ROOM;
		w->pkts[i].cap = PKT_MAX;
	}
	/* The same method as the main loop's (`tun-io`), whose line says
	 * which (the worker's at debug level). */
	w->tio = tun_io_open(w->loop, &w->tq, srv->cfg->tun_io, &w->wst, false);
	if (!w->tio)
		return false;
	gre_batch_init(w->b);
	ev_io_init(&w->in_w, in_cb, spsc_ring_fd(w->in), EV_READ);
	ev_io_start(w->loop, &w->in_w);
	ev_io_init(&w->tun_w, tun_cb, w->tq.fd, EV_READ);
	ev_io_start(w->loop, &w->tun_w);
	ev_prepare_init(&w->prep_w, prep_cb);
	ev_prepare_start(w->loop, &w->prep_w);
	ev_io_init(&w->out_w, out_cb, spsc_ring_fd(w->out), EV_READ);
	ev_io_start(srv->loop, &w->out_w);
	return true;
}

struct workers *workers_open(struct server *srv, unsigned n)
{
	if (n < 2 || n > WORKERS_MAX)
		return NULL;
	struct workers *set = calloc(1, sizeof(*set) + n * sizeof(set->w[0]));
	if (!set) {
		log_errx("out of memory");
		return NULL;
	}
	set->srv = srv;
	set->n = n;
	for (unsigned k = 0; k < n; k++)
		set->w[k].gre_fd = -1;
	set->mq = tun_mq_attach(srv->tun->name, n, 1);
	if (!set->mq) {
		workers_free(set);
		return NULL;
	}
	for (unsigned k = 0; k < n; k++)
		if (!worker_init(set, k)) {
			workers_free(set);
			return NULL;
		}
	ev_timer_init(&set->fold_w, fold_cb, 1., 1.);
	ev_timer_start(srv->loop, &set->fold_w);
	log_notice("event=workers-open workers=%u tun=%s steering=%s", n, srv->tun->name,
		   tun_mq_steering_name(tun_mq_steering(set->mq)));
	return set;
}

bool workers_start(struct workers *set)
{
	for (unsigned k = 0; set && k < set->n; k++) {
		struct worker *w = &set->w[k];
		int e = pthread_create(&w->thread, NULL, thread_main, w);
		if (e) {
			errno = e;
			log_err("event=worker-failed worker=%u reason=thread", k);
			return false;
		}
		w->started = true;
	}
	return true;
}

void workers_free(struct workers *set)
{
	if (!set)
		return;
	struct server *srv = set->srv;
	ev_timer_stop(srv->loop, &set->fold_w);
	for (unsigned k = 0; k < set->n; k++) {
		struct worker *w = &set->w[k];
		if (!w->started)
			continue;
		/* Room for STOP: wait for the worker to make it. */
		struct wmsg *m;
		while (!(m = spsc_ring_claim(w->in))) {
			spsc_ring_kick(w->in);
			usleep(1000);
		}
		m->type = WMSG_STOP;
		spsc_ring_commit(w->in);
		spsc_ring_kick(w->in);
		pthread_join(w->thread, NULL);
		w->started = false;
	}
	for (unsigned k = 0; k < set->n; k++) {
		struct worker *w = &set->w[k];
		struct wmsg *m;
		/* The threads are gone: what is left is freed here. */
		while (w->in && (m = spsc_ring_peek(w->in))) {
			if (m->type == WMSG_TAKE)
				take(w, m->ws);
			else if (m->type == WMSG_DROP)
				release(w, m->ws);
			spsc_ring_release(w->in);
		}
		for (struct wsess *ws = w->drops, *next; ws; ws = next) {
			next = ws->drop_next;
			release(w, ws);
		}
		for (size_t i = 0; i < TABLE_SIZE; i++)
			while (w->table[i])
				release(w, w->table[i]);
		if (w->out) {
			ev_io_stop(srv->loop, &w->out_w);
			spsc_ring_free(w->out);
		}
		spsc_ring_free(w->in);
		tun_io_free(w->tio); /* its watcher is on the loop: first */
		free(w->rxmem);
		if (w->loop)
			ev_loop_destroy(w->loop);
		if (w->gre_fd >= 0)
			close(w->gre_fd);
		free(w->b);
		gre_txq_pool_free(w->pool);
	}
	tun_mq_free(set->mq);
	free(set);
}
