#include "common/gre_flow.h"

#include <stdlib.h>
#include <string.h>

#include "common/serial.h"

static void tx_flush(struct gre_flow *f, uint64_t now);

/* Longest round-trip sample taken into account, ms: keeps the sums small. */
#define RTT_SAMPLE_MAX 60000u

struct gre_slot {
	bool used;
	uint32_t seq;
	size_t len;
	uint64_t since;       /* arrival time */
};

struct gre_flow {
	struct gre_flow_params p;
	gre_flow_deliver_fn deliver;
	gre_flow_transmit_fn transmit;
	void *ctx;
	struct gre_flow_stats st;
	bool busy;            /* inside gre_flow_rx()/gre_flow_on_timer() */
	bool ordered;         /* full queue: refuse new frames, never drop queued ones */
	struct gre_txq txq;   /* frames waiting for the window (or for !busy) */

	/* receive */
	bool rx_started;
	uint32_t rx_next;     /* next sequence number expected */
	unsigned held;        /* slots in use */
	uint8_t *store;       /* N * slot_size bytes, only after a frame came ahead */
	uint64_t store_used;  /* when a frame last went into it */
	uint32_t old_next;    /* the old packet that would extend the run */
	unsigned old_run;     /* consecutive in-sequence old packets */

	/* acknowledgements we owe */
	uint32_t ack_sent;    /* last ack sent (start - 1 before any) */
	bool ack_owed;        /* rx_next - 1 != ack_sent */
	uint64_t ack_owed_since;

	/* transmit */
	uint32_t tx_next;     /* sequence number of the next data packet */
	uint32_t tx_acked;    /* highest acked (or given up) by the peer */
	bool peer_acked;      /* the peer has sent a valid ack at least once */
	uint64_t ack_wait_since; /* in flight since, or last ack progress */
	bool rtt_timing;      /* one packet timed at a time */
	uint32_t rtt_seq;
	uint64_t rtt_sent;
	bool rtt_valid;
	int64_t srtt8;        /* smoothed RTT, ms * 8 */
	int64_t dev8;         /* mean deviation, ms * 8 */
	unsigned ato;         /* current acknowledgement time-out, ms */

	struct gre_slot slots[];
};

void gre_flow_params_default(struct gre_flow_params *p)
{
	*p = (struct gre_flow_params){
		.reorder_slots = GRE_FLOW_SLOTS_DEFAULT,
		.reorder_hold_ms = GRE_FLOW_HOLD_MS_DEFAULT,
		.slot_size = GRE_FLOW_SLOT_SIZE_DEFAULT,
		.ack_delay_ms = GRE_FLOW_ACK_DELAY_MS_DEFAULT,
		.rx_window = GRE_FLOW_RX_WINDOW_DEFAULT,
		.peer_window = 0,
		.ato_min_ms = GRE_FLOW_ATO_MIN_MS_DEFAULT,
		.ato_max_ms = GRE_FLOW_ATO_MAX_MS_DEFAULT,
	};
}

struct gre_flow *gre_flow_new(const struct gre_flow_params *p,
			      gre_flow_deliver_fn deliver, void *ctx)
{
	if (!p || !deliver)
		return NULL;
	if (p->reorder_slots > GRE_FLOW_SLOTS_MAX)
		return NULL;
	if (p->slot_size == 0 || p->slot_size > UINT16_MAX)
		return NULL;
	if (p->ato_min_ms == 0 || p->ato_min_ms > p->ato_max_ms)
		return NULL;

	/* N <= 64: no overflow possible. The slots' storage comes later
	 * (slot_store()): most flows never see a frame out of order. */
	size_t n = p->reorder_slots;
	struct gre_flow *f = calloc(1, sizeof(struct gre_flow) + n * sizeof(struct gre_slot));
	if (!f)
		return NULL;
	f->p = *p;
	if (!f->p.far_window) {
		uint32_t w = p->rx_window > p->reorder_slots ? p->rx_window : p->reorder_slots;
		f->p.far_window = (w ? w : 1) * GRE_FLOW_FAR_FACTOR;
	}
	f->deliver = deliver;
	f->ctx = ctx;
	f->tx_next = p->tx_start ? p->tx_start : 1;
	f->tx_acked = f->tx_next - 1;
	f->ato = p->ato_max_ms;
	return f;
}

void gre_flow_free(struct gre_flow *f)
{
	if (!f)
		return;
	if (f->p.txq_pool)
		gre_txq_clear(&f->txq, f->p.txq_pool);
	free(f->store);
	free(f);
}

bool gre_flow_move(struct gre_flow *f, gre_flow_deliver_fn deliver,
		   gre_flow_transmit_fn transmit, void *ctx, struct gre_txq_pool *pool)
{
	if (!deliver || f->busy || f->txq.len)
		return false;
	f->deliver = deliver;
	f->transmit = transmit;
	f->ctx = ctx;
	f->p.txq_pool = pool;
	return true;
}

void gre_flow_set_transmit(struct gre_flow *f, gre_flow_transmit_fn transmit)
{
	f->transmit = transmit;
}

void gre_flow_set_ordered(struct gre_flow *f, bool ordered)
{
	f->ordered = ordered;
}

unsigned gre_flow_txq_len(const struct gre_flow *f)
{
	return f->txq.len;
}

const struct gre_flow_stats *gre_flow_stats(const struct gre_flow *f)
{
	return &f->st;
}

unsigned gre_flow_ack_timeout(const struct gre_flow *f)
{
	return f->ato;
}

/* ---- receive ---------------------------------------------------------- */

/* After rx_next moved: an ack becomes owed from now unless it already was. */
static void rx_progress(struct gre_flow *f, uint64_t now)
{
	if (!f->ack_owed && f->rx_next - 1 != f->ack_sent) {
		f->ack_owed = true;
		f->ack_owed_since = now;
	}
}

static void rx_deliver(struct gre_flow *f, uint8_t *payload, size_t len)
{
	if (len == 0)
		return;
	f->deliver(f->ctx, payload, len);
	f->st.rx_delivered++;
}

static struct gre_slot *slot_find(struct gre_flow *f, uint32_t seq)
{
	for (unsigned i = 0; i < f->p.reorder_slots; i++)
		if (f->slots[i].used && f->slots[i].seq == seq)
			return &f->slots[i];
	return NULL;
}

/* The held packet with the lowest sequence number (held > 0). */
static struct gre_slot *slot_lowest(struct gre_flow *f)
{
	struct gre_slot *best = NULL;
	for (unsigned i = 0; i < f->p.reorder_slots; i++) {
		struct gre_slot *s = &f->slots[i];
		if (s->used && (!best || seq_lt(s->seq, best->seq)))
			best = s;
	}
	return best;
}

/* Arrival time of the packet held longest (held > 0). */
static uint8_t *slot_data(struct gre_flow *f, const struct gre_slot *s)
{
	return f->store + (size_t)(s - f->slots) * f->p.slot_size;
}

/* The slots' storage, allocated when the first frame has to be held
 * (N * slot_size: 6,400 bytes by default, a third of a held session
 * otherwise); NULL if memory is short. */
static uint8_t *slot_store(struct gre_flow *f)
{
	/* N <= 64 and slot_size < 64 KiB: no overflow possible. */
	if (!f->store)
		f->store = malloc((size_t)f->p.reorder_slots * f->p.slot_size);
	return f->store;
}

/* Give the storage back once nothing has been held for
 * GRE_FLOW_STORE_KEEP_MS: a flow that reorders now and then keeps it, one
 * that is back in order does not hold 6 KB for the rest of its life. */
static void slot_store_release(struct gre_flow *f, uint64_t now)
{
	if (f->store && !f->held && now >= f->store_used + GRE_FLOW_STORE_KEEP_MS) {
		free(f->store);
		f->store = NULL;
	}
}

bool gre_flow_has_store(const struct gre_flow *f)
{
	return f->store != NULL;
}

static uint64_t slot_oldest_since(const struct gre_flow *f)
{
	uint64_t t = UINT64_MAX;
	for (unsigned i = 0; i < f->p.reorder_slots; i++)
		if (f->slots[i].used && f->slots[i].since < t)
			t = f->slots[i].since;
	return t;
}

/* Deliver held packets that are now in sequence. */
static void drain(struct gre_flow *f)
{
	struct gre_slot *s;

	while (f->held && (s = slot_find(f, f->rx_next)) != NULL) {
		rx_deliver(f, slot_data(f, s), s->len);
		f->st.rx_reordered++;
		s->used = false;
		f->held--;
		f->rx_next++;
	}
}

/* Skip to the lowest held packet, counting the gap lost, and drain. */
static void give_up_gap(struct gre_flow *f)
{
	struct gre_slot *s = slot_lowest(f);

	if (!s)
		return;
	f->st.rx_lost += (uint32_t)(s->seq - f->rx_next);
	f->rx_next = s->seq;
	drain(f);
}

static void flush_all(struct gre_flow *f)
{
	while (f->held)
		give_up_gap(f);
}

/* Deliver seq at once after flushing the slots: a jump or a restart. */
static enum gre_flow_rx_result resync(struct gre_flow *f, uint32_t seq,
				      uint8_t *payload, size_t len, uint64_t now)
{
	flush_all(f);
	if (seq_gt(seq, f->rx_next))
		f->st.rx_lost += (uint32_t)(seq - f->rx_next);
	f->rx_next = seq + 1;
	f->st.rx_resyncs++;
	f->old_run = 0;
	rx_deliver(f, payload, len);
	rx_progress(f, now);
	return GRE_FLOW_RX_RESYNC;
}

static enum gre_flow_rx_result rx_behind(struct gre_flow *f, uint32_t seq, int32_t d,
					 uint8_t *payload, size_t len, uint64_t now)
{
	/* d < 0; -(int64_t) avoids overflow for INT32_MIN */
	if (-(int64_t)d <= (int64_t)f->p.reorder_slots) {
		f->st.rx_duplicates++;
		return GRE_FLOW_RX_DUPLICATE;
	}
	if (f->old_run && seq == f->old_next)
		f->old_run++;
	else
		f->old_run = 1;
	f->old_next = seq + 1;
	if (f->old_run >= GRE_FLOW_OLD_RESYNC)
		return resync(f, seq, payload, len, now);
	f->st.rx_old++;
	return GRE_FLOW_RX_OLD;
}

static enum gre_flow_rx_result rx_data(struct gre_flow *f, uint32_t seq,
				       uint8_t *payload, size_t len, uint64_t now)
{
	f->st.rx_packets++;
	if (!f->rx_started) {
		f->rx_started = true;
		f->rx_next = seq;
		f->ack_sent = seq - 1;
	}

	int32_t d = seq_diff(seq, f->rx_next);
	if (d < 0)
		return rx_behind(f, seq, d, payload, len, now);
	if (d == 0) {
		f->old_run = 0;
		rx_deliver(f, payload, len);
		f->rx_next++;
		drain(f);
		rx_progress(f, now);
		return GRE_FLOW_RX_DELIVERED;
	}
	if ((uint32_t)d > f->p.reorder_slots)
		return resync(f, seq, payload, len, now);

	/* 1..N ahead: hold a copy. A free slot exists unless seq is held. */
	if (slot_find(f, seq)) {
		f->st.rx_duplicates++;
		return GRE_FLOW_RX_DUPLICATE;
	}
	if (len > f->p.slot_size) {
		f->st.rx_too_big++;
		return GRE_FLOW_RX_TOO_BIG;
	}
	/* No memory to hold it: as without reordering (N = 0). */
	if (!slot_store(f))
		return resync(f, seq, payload, len, now);
	f->store_used = now;
	for (unsigned i = 0; i < f->p.reorder_slots; i++) {
		struct gre_slot *s = &f->slots[i];
		if (s->used)
			continue;
		s->used = true;
		s->seq = seq;
		s->len = len;
		s->since = now;
		if (len)
			memcpy(slot_data(f, s), payload, len);
		f->held++;
		break;
	}
	return GRE_FLOW_RX_HELD;
}

static void rtt_sample(struct gre_flow *f, uint64_t sample)
{
	if (sample > RTT_SAMPLE_MAX)
		sample = RTT_SAMPLE_MAX;
	int64_t s8 = (int64_t)sample * 8;
	if (!f->rtt_valid) {
		f->srtt8 = s8;
		f->dev8 = s8 / 2;
		f->rtt_valid = true;
	} else {
		/* RFC 2637 4.4.1 with alpha 1/8, beta 1/4, everything * 8 */
		int64_t diff = s8 - f->srtt8;
		f->srtt8 += diff / 8;
		f->dev8 += ((diff < 0 ? -diff : diff) - f->dev8) / 4;
	}
	int64_t ato = (f->srtt8 + 4 * f->dev8 + 7) / 8;
	if (ato < (int64_t)f->p.ato_min_ms)
		ato = f->p.ato_min_ms;
	if (ato > (int64_t)f->p.ato_max_ms)
		ato = f->p.ato_max_ms;
	f->ato = (unsigned)ato;
}

static void rx_ack(struct gre_flow *f, uint32_t ack, uint64_t now)
{
	uint32_t last_sent = f->tx_next - 1;

	if (seq_lt(ack, f->tx_acked) || seq_gt(ack, last_sent)) {
		f->st.rx_acks_ignored++;
		return;
	}
	f->peer_acked = true;
	f->st.peer_non_acking = false;
	if (ack == f->tx_acked)
		return;
	f->tx_acked = ack;
	f->ack_wait_since = now;
	if (f->rtt_timing && seq_ge(ack, f->rtt_seq)) {
		rtt_sample(f, now >= f->rtt_sent ? now - f->rtt_sent : 0);
		f->rtt_timing = false;
	}
}

/* More than F ahead of or behind the expected number (once started). */
static bool rx_far(const struct gre_flow *f, uint32_t seq)
{
	if (!f->rx_started)
		return false;
	int64_t d = seq_diff(seq, f->rx_next);
	return (d < 0 ? -d : d) > (int64_t)f->p.far_window;
}

static enum gre_flow_rx_result rx_one(struct gre_flow *f, const struct gre_hdr *h,
				      uint8_t *payload, uint64_t now)
{
	if (h->has_seq && rx_far(f, h->seq)) {
		f->st.rx_far++;
		return GRE_FLOW_RX_FAR;
	}
	if (h->has_ack)
		rx_ack(f, h->ack, now);
	if (!h->has_seq) {
		if (h->payload_len) {
			f->st.rx_unsequenced++;
			return GRE_FLOW_RX_UNSEQUENCED;
		}
		return GRE_FLOW_RX_NO_DATA;
	}
	return rx_data(f, h->seq, payload, h->payload_len, now);
}

enum gre_flow_rx_result gre_flow_rx(struct gre_flow *f, const struct gre_hdr *h,
				    uint8_t *payload, uint64_t now)
{
	/* Frames the deliver callback sends wait in the queue until the
	 * packet is processed; then they, and whatever the ack let through,
	 * go in order, carrying the ack this packet made owed. */
	f->busy = true;
	enum gre_flow_rx_result r = rx_one(f, h, payload, now);
	f->busy = false;
	tx_flush(f, now);
	return r;
}

void gre_flow_on_timer(struct gre_flow *f, uint64_t now)
{
	bool moved = false;

	f->busy = true;
	while (f->held && now >= slot_oldest_since(f) + f->p.reorder_hold_ms) {
		give_up_gap(f);
		moved = true;
	}
	if (moved)
		rx_progress(f, now);
	slot_store_release(f, now);
	f->busy = false;
	/* A window full for the whole ack time-out reopens here. */
	tx_flush(f, now);
}

/* ---- acknowledgements we send ----------------------------------------- */

uint64_t gre_flow_ack_deadline(const struct gre_flow *f)
{
	if (!f->ack_owed)
		return UINT64_MAX;
	if (f->p.rx_window) {
		int32_t owed = seq_diff(f->rx_next - 1, f->ack_sent);
		uint32_t half = f->p.rx_window / 2 ? f->p.rx_window / 2u : 1u;
		/* owed < 0 only after a peer restart: ack at once */
		if (owed < 0 || (uint32_t)owed >= half)
			return f->ack_owed_since;
	}
	return f->ack_owed_since + f->p.ack_delay_ms;
}

static uint64_t tx_deadline(const struct gre_flow *f);

uint64_t gre_flow_next_deadline(const struct gre_flow *f)
{
	uint64_t t = gre_flow_ack_deadline(f);
	uint64_t q = tx_deadline(f);

	if (q < t)
		t = q;

	if (f->held) {
		uint64_t r = slot_oldest_since(f) + f->p.reorder_hold_ms;
		if (r < t)
			t = r;
	} else if (f->store && f->store_used + GRE_FLOW_STORE_KEEP_MS < t) {
		t = f->store_used + GRE_FLOW_STORE_KEEP_MS;
	}
	return t;
}

static uint32_t ack_mark_sent(struct gre_flow *f)
{
	f->ack_sent = f->rx_next - 1;
	f->ack_owed = false;
	return f->ack_sent;
}

bool gre_flow_take_ack(struct gre_flow *f, uint64_t now, uint32_t *ack)
{
	if (!f->ack_owed || now < gre_flow_ack_deadline(f))
		return false;
	*ack = ack_mark_sent(f);
	f->st.acks_only++;
	return true;
}

/* ---- transmit --------------------------------------------------------- */

enum tx_verdict {
	TX_OPEN,
	TX_NON_ACKING,  /* full, but the peer never acked: stop enforcing */
	TX_TIMED_OUT,   /* full for the whole time-out: reopen */
	TX_CLOSED,
};

uint32_t gre_flow_tx_outstanding(const struct gre_flow *f)
{
	return f->tx_next - 1 - f->tx_acked;
}

static enum tx_verdict tx_check(const struct gre_flow *f, uint64_t now)
{
	if (!f->p.peer_window || f->st.peer_non_acking)
		return TX_OPEN;
	if (gre_flow_tx_outstanding(f) < f->p.peer_window)
		return TX_OPEN;
	if (!f->peer_acked)
		return TX_NON_ACKING;
	if (now >= f->ack_wait_since + f->ato)
		return TX_TIMED_OUT;
	return TX_CLOSED;
}

bool gre_flow_tx_allowed(const struct gre_flow *f, uint64_t now)
{
	return tx_check(f, now) != TX_CLOSED;
}

/* Number, ack and time-out bookkeeping for a packet the window admitted. */
static void tx_admit(struct gre_flow *f, enum tx_verdict v, uint64_t now, struct gre_hdr *h)
{
	switch (v) {
	case TX_OPEN:
	case TX_CLOSED:
		break;
	case TX_NON_ACKING:
		f->st.peer_non_acking = true;
		break;
	case TX_TIMED_OUT:
		/* RFC 2637 4.4.2: back off; the packets in flight are lost */
		f->tx_acked = f->tx_next - 1;
		f->st.tx_ack_timeouts++;
		f->rtt_timing = false;
		f->ato = f->ato > f->p.ato_max_ms / 2 ? f->p.ato_max_ms : f->ato * 2;
		break;
	}

	if (gre_flow_tx_outstanding(f) == 0)
		f->ack_wait_since = now;
	uint32_t seq = f->tx_next++;
	f->st.tx_packets++;
	if (!f->rtt_timing) {
		f->rtt_timing = true;
		f->rtt_seq = seq;
		f->rtt_sent = now;
	}

	h->has_seq = true;
	h->seq = seq;
	h->has_ack = f->ack_owed;
	h->ack = 0;
	if (f->ack_owed) {
		h->ack = ack_mark_sent(f);
		f->st.acks_piggybacked++;
	}
}

bool gre_flow_tx_data(struct gre_flow *f, uint64_t now, struct gre_hdr *h)
{
	enum tx_verdict v = tx_check(f, now);

	if (v == TX_CLOSED) {
		f->st.tx_window_drops++;
		return false;
	}
	tx_admit(f, v, now, h);
	return true;
}

/* ---- the send queue --------------------------------------------------- */

/* Frames the queue may hold: txq_max, or while busy at least a few (the
 * replies a delivered frame makes) even with the queue turned off. */
static unsigned txq_cap(const struct gre_flow *f)
{
	return f->p.txq_max ? f->p.txq_max : GRE_FLOW_TXQ_BUSY_MIN;
}

static bool txq_has_room(const struct gre_flow *f)
{
	return f->p.txq_pool && f->txq.len < txq_cap(f) &&
	       gre_txq_pool_can_get(f->p.txq_pool);
}

static void tx_one(struct gre_flow *f, enum tx_verdict v, uint64_t now,
		   const uint8_t *data, size_t len)
{
	struct gre_hdr h = { 0 };

	tx_admit(f, v, now, &h);
	h.payload_len = (uint16_t)len;
	f->transmit(f->ctx, &h, data, len);
}

/* Send queued frames, oldest first, while the window lets them. */
static void tx_flush(struct gre_flow *f, uint64_t now)
{
	const struct gre_txbuf *b;

	if (f->busy || !f->transmit || !f->p.txq_pool)
		return;
	/* Bounded: every round sends and pops one of txq.len frames. */
	while ((b = gre_txq_head(&f->txq)) != NULL) {
		enum tx_verdict v = tx_check(f, now);
		if (v == TX_CLOSED)
			break;
		tx_one(f, v, now, b->data, b->len);
		gre_txq_pop(&f->txq, f->p.txq_pool);
	}
}

/* When frames waiting for a full window may go: the ack time-out (or now). */
static uint64_t tx_deadline(const struct gre_flow *f)
{
	if (!f->txq.len || f->busy)
		return UINT64_MAX;
	if (!f->p.peer_window || f->st.peer_non_acking || !f->peer_acked ||
	    gre_flow_tx_outstanding(f) < f->p.peer_window)
		return 0;
	return f->ack_wait_since + f->ato;
}

enum gre_flow_send_result gre_flow_send(struct gre_flow *f, uint64_t now,
					const uint8_t *data, size_t len)
{
	if (!f->busy && !f->txq.len && f->transmit) {
		enum tx_verdict v = tx_check(f, now);
		if (v != TX_CLOSED) {
			/* The common case: straight out, no copy. */
			tx_one(f, v, now, data, len);
			return GRE_FLOW_SENT;
		}
		if (!f->p.txq_max) {
			f->st.tx_window_drops++;
			return GRE_FLOW_DROPPED;
		}
	}
	if (!txq_has_room(f)) {
		if (f->ordered || !f->txq.len || !f->p.txq_pool) {
			f->st.tx_queue_refused++;
			return GRE_FLOW_DROPPED;
		}
		/* Stateless: the oldest frame goes, which frees a buffer. */
		gre_txq_pop(&f->txq, f->p.txq_pool);
		f->st.tx_queue_drops++;
	}
	/* Counted as waiting for the window unless only waiting for !busy. */
	bool closed = tx_check(f, now) == TX_CLOSED;
	if (!gre_txq_push(&f->txq, f->p.txq_pool, data, len)) {
		f->st.tx_queue_refused++;
		return GRE_FLOW_DROPPED;
	}
	if (closed)
		f->st.tx_queued++;
	if (f->txq.len > f->st.tx_queue_peak)
		f->st.tx_queue_peak = f->txq.len;
	return GRE_FLOW_QUEUED;
}

bool gre_flow_send_room(const struct gre_flow *f, uint64_t now)
{
	if (!f->busy && !f->txq.len && tx_check(f, now) != TX_CLOSED)
		return true;
	if (!f->busy && !f->txq.len && !f->p.txq_max)
		return false;
	if (txq_has_room(f))
		return true;
	return !f->ordered && f->txq.len > 0;
}
