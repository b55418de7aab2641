/*
 * The per-call send queue (issue 13): common/gre_txq.c on its own, and
 * through gre_flow_send(): frames the peer's window refuses wait, in order,
 * and leave as acks arrive; a full queue drops its oldest frame (or, when
 * ordered, refuses the new one); nothing is allocated for an idle flow;
 * sequence numbers wrap at 2^32.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "common/gre_flow.h"
#include "common/gre_txq.h"

#define SENT_MAX 512

/* What the transmit callback saw: each frame's tag (its first byte pair),
 * sequence number and ack. */
struct sent {
	size_t n;
	uint16_t tag[SENT_MAX];
	uint32_t seq[SENT_MAX];
	bool has_ack[SENT_MAX];
	uint32_t ack[SENT_MAX];
	/* deliver: frames to send back from inside the callback */
	struct gre_flow *echo_flow;
	unsigned echo_each;
	uint16_t echo_tag;
	bool echo_may_drop;       /* a full queue may refuse the answers */
};

static uint16_t tag_of(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void on_transmit(void *ctx, struct gre_hdr *h, const uint8_t *frame, size_t len)
{
	struct sent *s = ctx;
	assert_true(s->n < SENT_MAX);
	assert_true(len >= 2);
	assert_true(h->has_seq);
	assert_int_equal(h->payload_len, len);
	s->tag[s->n] = tag_of(frame);
	s->seq[s->n] = h->seq;
	s->has_ack[s->n] = h->has_ack;
	s->ack[s->n] = h->ack;
	s->n++;
}

static void on_deliver(void *ctx, uint8_t *p, size_t len)
{
	struct sent *s = ctx;
	(void)p;
	(void)len;
	/* What PPP does: answer from inside the callback. */
	for (unsigned i = 0; i < s->echo_each; i++) {
		uint8_t f[16] = { (uint8_t)(s->echo_tag >> 8), (uint8_t)s->echo_tag };
		s->echo_tag++;
		enum gre_flow_send_result r = gre_flow_send(s->echo_flow, 0, f, sizeof(f));
		if (!s->echo_may_drop)
			assert_int_not_equal(r, GRE_FLOW_DROPPED);
	}
}

static struct gre_flow *flow(struct sent *s, struct gre_txq_pool *pool, uint16_t window,
			     unsigned txq_max, uint32_t tx_start)
{
	struct gre_flow_params p;
	gre_flow_params_default(&p);
	p.peer_window = window;
	p.txq_pool = pool;
	p.txq_max = txq_max;
	p.tx_start = tx_start;
	memset(s, 0, sizeof(*s));
	struct gre_flow *f = gre_flow_new(&p, on_deliver, s);
	assert_non_null(f);
	gre_flow_set_transmit(f, on_transmit);
	s->echo_flow = f;
	return f;
}

static void peer_ack(struct gre_flow *f, uint32_t ack, uint64_t now);

/*
 * A flow whose peer has acknowledged one frame already (a peer that never
 * acks is not held to its window, gre_flow.h): the next frame sent is
 * number tx_start + 1 (2 by default), and the record starts empty.
 */
static struct gre_flow *primed(struct sent *s, struct gre_txq_pool *pool, uint16_t window,
			       unsigned txq_max, uint32_t tx_start)
{
	struct gre_flow *f = flow(s, pool, window, txq_max, tx_start);
	uint8_t frame[4] = { 0xFF, 0xFF };

	assert_int_equal(gre_flow_send(f, 0, frame, sizeof(frame)), GRE_FLOW_SENT);
	peer_ack(f, s->seq[0], 0);
	s->n = 0;
	return f;
}

static enum gre_flow_send_result send_tag(struct gre_flow *f, uint64_t now, uint16_t tag)
{
	uint8_t frame[100];
	memset(frame, 0xAB, sizeof(frame));
	frame[0] = (uint8_t)(tag >> 8);
	frame[1] = (uint8_t)tag;
	return gre_flow_send(f, now, frame, sizeof(frame));
}

static void peer_ack(struct gre_flow *f, uint32_t ack, uint64_t now)
{
	struct gre_hdr h = { .has_ack = true, .ack = ack };
	gre_flow_rx(f, &h, NULL, now);
}

/* A data packet from the peer (seq), maybe carrying an ack. */
static void peer_data(struct gre_flow *f, uint32_t seq, bool has_ack, uint32_t ack,
		      uint64_t now)
{
	uint8_t payload[8] = { 0 };
	struct gre_hdr h = { .has_seq = true, .seq = seq, .has_ack = has_ack, .ack = ack,
			     .payload_len = sizeof(payload) };
	gre_flow_rx(f, &h, payload, now);
}

/* ---- the queue and its pool on their own ------------------------------ */

static void queue_fifo_and_pool_reuse(void **state)
{
	(void)state;
	struct gre_txq_pool *pool = gre_txq_pool_new(64, 3);
	struct gre_txq q = { 0 };
	uint8_t b[64];

	assert_non_null(pool);
	/* Nothing allocated before the first push. */
	assert_int_equal(gre_txq_pool_stats(pool)->allocated, 0);
	for (uint8_t i = 0; i < 3; i++) {
		memset(b, i, sizeof(b));
		assert_true(gre_txq_push(&q, pool, b, 10u + i));
	}
	/* At the cap: the fourth finds no buffer, and it is counted. */
	assert_false(gre_txq_push(&q, pool, b, 1));
	assert_false(gre_txq_pool_can_get(pool));
	assert_int_equal(gre_txq_pool_stats(pool)->exhausted, 1);
	/* Larger than a buffer: refused without touching the pool. */
	assert_false(gre_txq_push(&q, pool, b, 65));
	assert_int_equal(q.len, 3);
	for (uint8_t i = 0; i < 3; i++) {
		const struct gre_txbuf *h = gre_txq_head(&q);
		assert_non_null(h);
		assert_int_equal(h->len, 10u + i);
		assert_int_equal(h->data[0], i);
		gre_txq_pop(&q, pool);
	}
	assert_null(gre_txq_head(&q));
	assert_null(q.tail);
	assert_int_equal(gre_txq_pool_stats(pool)->in_use, 0);
	/* Buffers come back from the free list: no new allocation. */
	for (int round = 0; round < 100; round++) {
		assert_true(gre_txq_push(&q, pool, b, 5));
		assert_true(gre_txq_push(&q, pool, b, 5));
		gre_txq_clear(&q, pool);
	}
	assert_int_equal(gre_txq_pool_stats(pool)->allocated, 3);
	assert_int_equal(q.len, 0);
	gre_txq_pool_free(pool);
	assert_null(gre_txq_pool_new(0, 1));
	assert_null(gre_txq_pool_new(70000, 1));
	assert_null(gre_txq_pool_new(64, 0));
}

/* ---- through the flow ------------------------------------------------- */

static void idle_and_open_window_allocate_nothing(void **state)
{
	(void)state;
	static struct sent s;
	struct gre_txq_pool *pool = gre_txq_pool_new(1600, 64);
	struct gre_flow *f = flow(&s, pool, 3, 64, 0);

	/* Sent as fast as acked: never queued, no buffer ever taken. */
	for (uint16_t i = 0; i < 30; i++) {
		assert_int_equal(send_tag(f, i, i), GRE_FLOW_SENT);
		peer_ack(f, s.seq[s.n - 1], i);
	}
	assert_int_equal(s.n, 30);
	assert_int_equal(gre_flow_stats(f)->tx_queued, 0);
	assert_int_equal(gre_txq_pool_stats(pool)->allocated, 0);
	assert_int_equal(gre_flow_next_deadline(f), UINT64_MAX);
	gre_flow_free(f);
	gre_txq_pool_free(pool);
}

static void queued_in_order_released_on_acks(void **state)
{
	(void)state;
	static struct sent s;
	struct gre_txq_pool *pool = gre_txq_pool_new(1600, 64);
	struct gre_flow *f = primed(&s, pool, 3, 64, 0);

	for (uint16_t i = 0; i < 10; i++)
		assert_int_equal(send_tag(f, 0, i), i < 3 ? GRE_FLOW_SENT : GRE_FLOW_QUEUED);
	assert_int_equal(s.n, 3);
	assert_int_equal(gre_flow_txq_len(f), 7);
	assert_int_equal(gre_flow_stats(f)->tx_window_drops, 0);
	/* Room for more: the data path may encrypt the next one. */
	assert_true(gre_flow_send_room(f, 0));

	/* An ack-only packet for 2 frames lets 2 go. */
	peer_ack(f, 3, 1);
	assert_int_equal(s.n, 5);
	/* An ack on a data packet lets 3 more go, the first of them carrying
	 * our ack for that packet. */
	peer_data(f, 100, true, 6, 2);
	assert_int_equal(s.n, 8);
	assert_true(s.has_ack[5]);
	assert_int_equal(s.ack[5], 100);
	assert_false(s.has_ack[6]);
	peer_ack(f, 9, 3);
	assert_int_equal(s.n, 10);
	for (uint16_t i = 0; i < 10; i++) {
		assert_int_equal(s.tag[i], i);
		assert_int_equal(s.seq[i], 2u + i);
	}
	assert_int_equal(gre_flow_txq_len(f), 0);
	assert_int_equal(gre_flow_stats(f)->tx_queued, 7);
	assert_int_equal(gre_flow_stats(f)->tx_queue_peak, 7);
	/* Every buffer is back. */
	assert_int_equal(gre_txq_pool_stats(pool)->in_use, 0);
	gre_flow_free(f);
	gre_txq_pool_free(pool);
}

static void full_queue_drops_oldest_counted(void **state)
{
	(void)state;
	static struct sent s;
	struct gre_txq_pool *pool = gre_txq_pool_new(1600, 64);
	struct gre_flow *f = primed(&s, pool, 1, 4, 0);

	/* 1 goes, 4 wait, and each of the next 3 pushes the oldest out. */
	for (uint16_t i = 0; i < 8; i++)
		assert_int_not_equal(send_tag(f, 0, i), GRE_FLOW_DROPPED);
	assert_int_equal(gre_flow_stats(f)->tx_queue_drops, 3);
	assert_int_equal(gre_flow_txq_len(f), 4);
	assert_true(gre_flow_send_room(f, 0));
	for (uint32_t a = 2; a <= 5; a++)
		peer_ack(f, a, 1);
	/* Frame 0, then 4..7; the sequence numbers have no gap. */
	static const uint16_t want[] = { 0, 4, 5, 6, 7 };
	assert_int_equal(s.n, 5);
	for (size_t i = 0; i < 5; i++) {
		assert_int_equal(s.tag[i], want[i]);
		assert_int_equal(s.seq[i], 2u + i);
	}
	gre_flow_free(f);
	gre_txq_pool_free(pool);
}

static void ordered_queue_refuses_new(void **state)
{
	(void)state;
	static struct sent s;
	struct gre_txq_pool *pool = gre_txq_pool_new(1600, 64);
	struct gre_flow *f = primed(&s, pool, 1, 4, 0);

	gre_flow_set_ordered(f, true);
	for (uint16_t i = 0; i < 5; i++)
		assert_int_not_equal(send_tag(f, 0, i), GRE_FLOW_DROPPED);
	/* Full: the caller learns it before encrypting, and a frame sent
	 * anyway is refused; nothing queued is lost. */
	assert_false(gre_flow_send_room(f, 0));
	assert_int_equal(send_tag(f, 0, 99), GRE_FLOW_DROPPED);
	assert_int_equal(gre_flow_stats(f)->tx_queue_refused, 1);
	assert_int_equal(gre_flow_stats(f)->tx_queue_drops, 0);
	for (uint32_t a = 2; a <= 5; a++)
		peer_ack(f, a, 1);
	assert_int_equal(s.n, 5);
	for (uint16_t i = 0; i < 5; i++)
		assert_int_equal(s.tag[i], i);
	gre_flow_free(f);
	gre_txq_pool_free(pool);
}

static void pool_cap_shared_by_flows(void **state)
{
	(void)state;
	static struct sent s1, s2;
	struct gre_txq_pool *pool = gre_txq_pool_new(1600, 3);
	struct gre_flow *a = primed(&s1, pool, 1, 64, 0);
	struct gre_flow *b = primed(&s2, pool, 1, 64, 0);

	for (uint16_t i = 0; i < 4; i++)
		assert_int_not_equal(send_tag(a, 0, i), GRE_FLOW_DROPPED);
	/* a holds all 3 buffers: b sends its first, then has no buffer and
	 * nothing of its own to drop. */
	assert_int_equal(send_tag(b, 0, 0), GRE_FLOW_SENT);
	assert_false(gre_flow_send_room(b, 0));
	assert_int_equal(send_tag(b, 0, 1), GRE_FLOW_DROPPED);
	assert_int_equal(gre_flow_stats(b)->tx_queue_refused, 1);
	/* a, not ordered, still takes frames by dropping its oldest. */
	assert_true(gre_flow_send_room(a, 0));
	assert_int_equal(send_tag(a, 0, 4), GRE_FLOW_QUEUED);
	assert_int_equal(gre_flow_stats(a)->tx_queue_drops, 1);
	/* Freeing a flow returns its buffers. */
	gre_flow_free(a);
	assert_int_equal(gre_txq_pool_stats(pool)->in_use, 0);
	assert_int_equal(send_tag(b, 0, 2), GRE_FLOW_QUEUED);
	gre_flow_free(b);
	gre_txq_pool_free(pool);
}

static void frames_sent_while_delivering_wait_for_return(void **state)
{
	(void)state;
	static struct sent s;
	struct gre_txq_pool *pool = gre_txq_pool_new(1600, 64);
	/* The queue turned off still holds the replies of a delivered frame. */
	struct gre_flow *f = flow(&s, pool, 0, 0, 0);

	s.echo_each = 2;
	peer_data(f, 7, false, 0, 0);
	/* Sent after the packet was processed, in order, the first carrying
	 * the ack for it. */
	assert_int_equal(s.n, 2);
	assert_int_equal(s.tag[0], 0);
	assert_int_equal(s.tag[1], 1);
	assert_true(s.has_ack[0]);
	assert_int_equal(s.ack[0], 7);
	assert_false(s.has_ack[1]);
	gre_flow_free(f);
	gre_txq_pool_free(pool);
}

/* gre_flow_move() (a call handed to a data-path worker): refused while a
 * frame waits or the flow delivers; once moved, frames go to the new
 * transmit callback, numbered on from the old ones, and wait in the new
 * owner's pool. */
static struct sent *moving;
static bool moved_inside;

static void try_move_inside(void *ctx, uint8_t *p, size_t len)
{
	(void)p;
	(void)len;
	struct sent *s = ctx;
	moved_inside = gre_flow_move(s->echo_flow, on_deliver, on_transmit, moving, NULL);
}

static void move_between_owners(void **state)
{
	(void)state;
	static struct sent a, b;
	struct gre_txq_pool *pa = gre_txq_pool_new(1600, 64), *pb = gre_txq_pool_new(1600, 64);
	struct gre_flow *f = primed(&a, pa, 1, 16, 0);

	assert_int_equal(send_tag(f, 0, 1), GRE_FLOW_SENT);
	assert_int_equal(send_tag(f, 0, 2), GRE_FLOW_QUEUED); /* window 1 */
	assert_false(gre_flow_move(f, on_deliver, on_transmit, &b, pb));
	peer_ack(f, a.seq[0], 1); /* tag 2 leaves */
	assert_int_equal(a.n, 2);
	assert_int_equal(gre_flow_txq_len(f), 0);
	/* not from inside its own delivery */
	moving = &b;
	assert_true(gre_flow_move(f, try_move_inside, on_transmit, &a, pa));
	peer_data(f, 1, false, 0, 2);
	assert_false(moved_inside);

	memset(&b, 0, sizeof(b));
	b.echo_flow = f;
	assert_true(gre_flow_move(f, on_deliver, on_transmit, &b, pb));
	peer_ack(f, a.seq[1], 3);
	assert_int_equal(send_tag(f, 3, 3), GRE_FLOW_SENT);
	assert_int_equal(send_tag(f, 3, 4), GRE_FLOW_QUEUED);
	assert_int_equal(a.n, 2); /* the old owner hears nothing more */
	assert_int_equal(b.n, 1);
	assert_int_equal(b.tag[0], 3);
	assert_int_equal(b.seq[0], a.seq[1] + 1); /* numbered on */
	assert_int_equal(gre_txq_pool_stats(pb)->in_use, 1);
	assert_int_equal(gre_txq_pool_stats(pa)->in_use, 0);
	gre_flow_free(f); /* its queued frame back to the new pool */
	assert_int_equal(gre_txq_pool_stats(pb)->in_use, 0);
	gre_txq_pool_free(pa);
	gre_txq_pool_free(pb);
}

static void no_queue_drops_at_window(void **state)
{
	(void)state;
	static struct sent s;
	struct gre_txq_pool *pool = gre_txq_pool_new(1600, 64);
	struct gre_flow *f = flow(&s, pool, 2, 0, 0);

	assert_int_equal(send_tag(f, 0, 0), GRE_FLOW_SENT);
	peer_ack(f, 1, 0);
	assert_int_equal(send_tag(f, 0, 1), GRE_FLOW_SENT);
	assert_int_equal(send_tag(f, 0, 2), GRE_FLOW_SENT);
	assert_false(gre_flow_send_room(f, 0));
	assert_int_equal(send_tag(f, 0, 3), GRE_FLOW_DROPPED);
	assert_int_equal(gre_flow_stats(f)->tx_window_drops, 1);
	assert_int_equal(gre_txq_pool_stats(pool)->allocated, 0);
	gre_flow_free(f);
	gre_txq_pool_free(pool);
}

static void timeout_releases_queue(void **state)
{
	(void)state;
	static struct sent s;
	struct gre_txq_pool *pool = gre_txq_pool_new(1600, 64);
	struct gre_flow *f = primed(&s, pool, 2, 64, 0);

	/* The peer has acked once, then goes silent with the window full. */
	assert_int_equal(send_tag(f, 10, 1), GRE_FLOW_SENT);
	assert_int_equal(send_tag(f, 10, 2), GRE_FLOW_SENT);
	assert_int_equal(send_tag(f, 10, 3), GRE_FLOW_QUEUED);
	uint64_t due = gre_flow_next_deadline(f);
	assert_int_equal(due, 10 + gre_flow_ack_timeout(f));
	gre_flow_on_timer(f, due - 1);
	assert_int_equal(s.n, 2);
	gre_flow_on_timer(f, due);
	assert_int_equal(s.n, 3);
	assert_int_equal(s.tag[2], 3);
	assert_int_equal(gre_flow_stats(f)->tx_ack_timeouts, 1);
	assert_int_equal(gre_flow_txq_len(f), 0);
	gre_flow_free(f);
	gre_txq_pool_free(pool);
}

static void sequence_wraps(void **state)
{
	(void)state;
	static struct sent s;
	struct gre_txq_pool *pool = gre_txq_pool_new(1600, 64);
	struct gre_flow *f = primed(&s, pool, 3, 64, UINT32_MAX - 5);

	for (uint16_t i = 0; i < 12; i++)
		assert_int_not_equal(send_tag(f, 0, i), GRE_FLOW_DROPPED);
	assert_int_equal(s.n, 3);
	/* Acks across the wrap: UINT32_MAX - 2, then 0, then 3. */
	peer_ack(f, UINT32_MAX - 2, 1);
	assert_int_equal(s.n, 6);
	peer_ack(f, 0, 2);
	assert_int_equal(s.n, 9);
	peer_ack(f, 3, 3);
	assert_int_equal(s.n, 12);
	for (uint16_t i = 0; i < 12; i++) {
		assert_int_equal(s.tag[i], i);
		assert_int_equal(s.seq[i], (uint32_t)(UINT32_MAX - 4 + i));
	}
	assert_int_equal(gre_flow_stats(f)->rx_acks_ignored, 0);
	assert_int_equal(gre_flow_tx_outstanding(f), 3);
	gre_flow_free(f);
	gre_txq_pool_free(pool);
}

/*
 * Random sends, acks (some late, some repeated, some ahead of what was
 * sent), delivered frames that answer, and timer runs, against a window
 * of 1..8 and a queue of 1..16 sharing a small pool: whatever happens,
 * frames leave in the order they were given (a tag only ever grows),
 * numbered without a gap, never more than the window in flight unless the
 * time-out reopened it, and every buffer not in the queue is back in the
 * pool.
 */
static void randomized_invariants(void **state)
{
	(void)state;
	static struct sent s;
	uint64_t rnd = 0x9E3779B97F4A7C15u;
#define RND() (rnd ^= rnd << 13, rnd ^= rnd >> 7, rnd ^= rnd << 17, rnd)

	for (int round = 0; round < 200; round++) {
		struct gre_txq_pool *pool = gre_txq_pool_new(1600, 1 + RND() % 24);
		uint16_t window = (uint16_t)(1 + RND() % 8);
		unsigned qmax = (unsigned)(1 + RND() % 16);
		struct gre_flow *f = primed(&s, pool, window, qmax,
					    (uint32_t)(UINT32_MAX - RND() % 64));
		bool ordered = RND() % 2;
		gre_flow_set_ordered(f, ordered);
		uint32_t first_seq = 0, peer_seq = 1;
		uint16_t tag = 0;
		uint64_t now = 1, timeouts = 0;
		size_t checked = 0;

		for (int step = 0; step < 300; step++) {
			now += RND() % 4;
			switch (RND() % 4) {
			case 0:
			case 1: {
				bool room = gre_flow_send_room(f, now);
				enum gre_flow_send_result r = send_tag(f, now, tag++);
				/* send_room is exact about a refusal */
				assert_true(room == (r != GRE_FLOW_DROPPED));
				break;
			}
			case 2: {
				/* An ack for something up to what was sent (or a
				 * bad one: ignored). */
				uint32_t sent = s.n ? s.seq[s.n - 1] : 0;
				uint32_t back = (uint32_t)(RND() % (window + 2u));
				s.echo_each = (unsigned)(RND() % 3);
				s.echo_tag = tag;
				s.echo_may_drop = true;
				peer_data(f, peer_seq++, s.n > 0, sent - back, now);
				tag = s.echo_tag;
				s.echo_each = 0;
				break;
			}
			default:
				if (gre_flow_next_deadline(f) <= now)
					gre_flow_on_timer(f, now);
				break;
			}
			/* Order and numbering of everything sent since. */
			for (; checked < s.n; checked++) {
				if (checked == 0) {
					first_seq = s.seq[0];
					continue;
				}
				assert_true(s.tag[checked] > s.tag[checked - 1]);
				assert_int_equal(s.seq[checked], first_seq + (uint32_t)checked);
			}
			if (gre_flow_stats(f)->tx_ack_timeouts == timeouts)
				assert_true(gre_flow_tx_outstanding(f) <= window ||
					    gre_flow_stats(f)->peer_non_acking);
			timeouts = gre_flow_stats(f)->tx_ack_timeouts;
			assert_true(gre_flow_txq_len(f) <= (qmax > GRE_FLOW_TXQ_BUSY_MIN ?
							    qmax : GRE_FLOW_TXQ_BUSY_MIN));
			assert_int_equal(gre_txq_pool_stats(pool)->in_use, gre_flow_txq_len(f));
			if (ordered)
				assert_int_equal(gre_flow_stats(f)->tx_queue_drops, 0);
			if (s.n > SENT_MAX - 8)
				break;
		}
		gre_flow_free(f);
		assert_int_equal(gre_txq_pool_stats(pool)->in_use, 0);
		gre_txq_pool_free(pool);
	}
#undef RND
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(queue_fifo_and_pool_reuse),
		cmocka_unit_test(idle_and_open_window_allocate_nothing),
		cmocka_unit_test(queued_in_order_released_on_acks),
		cmocka_unit_test(full_queue_drops_oldest_counted),
		cmocka_unit_test(ordered_queue_refuses_new),
		cmocka_unit_test(pool_cap_shared_by_flows),
		cmocka_unit_test(frames_sent_while_delivering_wait_for_return),
		cmocka_unit_test(no_queue_drops_at_window),
		cmocka_unit_test(timeout_releases_queue),
		cmocka_unit_test(move_between_owners),
		cmocka_unit_test(sequence_wraps),
		cmocka_unit_test(randomized_invariants),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
