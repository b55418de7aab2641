#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "common/gre_flow.h"
#include "common/serial.h"

/*
 * Every test payload starts with its sequence number (big-endian) and is
 * followed by bytes derived from it, so the recorder can check that a held
 * copy came back intact.
 */
#define REC_MAX 8192

struct rec {
	size_t n;
	uint32_t seq[REC_MAX];
	const uint8_t *ptr[REC_MAX];
	size_t len[REC_MAX];
};

static uint8_t fill_byte(uint32_t seq, size_t i)
{
	return (uint8_t)(seq * 7u + i);
}

static void rec_deliver(void *ctx, uint8_t *p, size_t len)
{
	struct rec *r = ctx;
	assert_true(len >= 4);
	assert_true(r->n < REC_MAX);
	uint32_t seq = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
		       (uint32_t)p[2] << 8 | p[3];
	for (size_t i = 4; i < len; i++)
		assert_int_equal(p[i], fill_byte(seq, i));
	r->seq[r->n] = seq;
	r->ptr[r->n] = p;
	r->len[r->n] = len;
	r->n++;
}

static size_t make_payload(uint8_t *buf, uint32_t seq, size_t len)
{
	buf[0] = (uint8_t)(seq >> 24);
	buf[1] = (uint8_t)(seq >> 16);
	buf[2] = (uint8_t)(seq >> 8);
	buf[3] = (uint8_t)seq;
	for (size_t i = 4; i < len; i++)
		buf[i] = fill_byte(seq, i);
	return len;
}

/*
 * Receive data packet seq (8 bytes of payload) from one shared buffer that
 * is overwritten by the next call: a held packet must have been copied.
 */
static uint8_t shared_buf[2048];

static enum gre_flow_rx_result rx_len(struct gre_flow *f, uint32_t seq, size_t len, uint64_t now)
{
	struct gre_hdr h = { .has_seq = true, .seq = seq };
	h.payload_len = (uint16_t)make_payload(shared_buf, seq, len);
	enum gre_flow_rx_result r = gre_flow_rx(f, &h, shared_buf, now);
	memset(shared_buf, 0xEE, sizeof(shared_buf));
	return r;
}

static enum gre_flow_rx_result rx(struct gre_flow *f, uint32_t seq, uint64_t now)
{
	return rx_len(f, seq, 8, now);
}

/* An ack-only packet from the peer: S clear, A set, no payload. */
static enum gre_flow_rx_result rx_ack(struct gre_flow *f, uint32_t ack, uint64_t now)
{
	struct gre_hdr h = { .has_ack = true, .ack = ack };
	return gre_flow_rx(f, &h, NULL, now);
}

static void assert_delivered(const struct rec *r, const uint32_t *want, size_t n)
{
	assert_int_equal(r->n, n);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(r->seq[i], want[i]);
}

static struct gre_flow *flow_with(struct rec *r, unsigned slots, unsigned hold)
{
	struct gre_flow_params p;
	gre_flow_params_default(&p);
	p.reorder_slots = slots;
	p.reorder_hold_ms = hold;
	memset(r, 0, sizeof(*r));
	struct gre_flow *f = gre_flow_new(&p, rec_deliver, r);
	assert_non_null(f);
	return f;
}

/* With an ack delay longer than the hold time: the next deadline is the
 * reorder buffer's, not the ack's. */
static struct gre_flow *flow_slow_ack(struct rec *r, unsigned slots, unsigned hold)
{
	struct gre_flow_params p;
	gre_flow_params_default(&p);
	p.reorder_slots = slots;
	p.reorder_hold_ms = hold;
	p.ack_delay_ms = 20;
	memset(r, 0, sizeof(*r));
	struct gre_flow *f = gre_flow_new(&p, rec_deliver, r);
	assert_non_null(f);
	return f;
}

static struct gre_flow *flow_tx(struct rec *r, uint16_t peer_window)
{
	struct gre_flow_params p;
	gre_flow_params_default(&p);
	p.peer_window = peer_window;
	memset(r, 0, sizeof(*r));
	struct gre_flow *f = gre_flow_new(&p, rec_deliver, r);
	assert_non_null(f);
	return f;
}

static uint32_t tx(struct gre_flow *f, uint64_t now)
{
	struct gre_hdr h;
	memset(&h, 0, sizeof(h));
	assert_true(gre_flow_tx_data(f, now, &h));
	assert_true(h.has_seq);
	return h.seq;
}

static bool tx_try(struct gre_flow *f, uint64_t now)
{
	struct gre_hdr h;
	memset(&h, 0, sizeof(h));
	return gre_flow_tx_data(f, now, &h);
}

/* ---- receive ---------------------------------------------------------- */

static void in_order_without_copy(void **state)
{
	(void)state;
	static struct rec r;
	struct gre_flow *f = flow_with(&r, 4, 5);
	uint8_t bufs[5][16];

	for (uint32_t i = 0; i < 5; i++) {
		struct gre_hdr h = { .has_seq = true, .seq = 1 + i, .payload_len = 16 };
		make_payload(bufs[i], 1 + i, 16);
		assert_int_equal(gre_flow_rx(f, &h, bufs[i], 0), GRE_FLOW_RX_DELIVERED);
		assert_int_equal(r.n, i + 1);
		assert_ptr_equal(r.ptr[i], bufs[i]);
		assert_int_equal(r.len[i], 16);
	}
	const uint32_t want[] = { 1, 2, 3, 4, 5 };
	assert_delivered(&r, want, 5);
	const struct gre_flow_stats *st = gre_flow_stats(f);
	assert_int_equal(st->rx_packets, 5);
	assert_int_equal(st->rx_delivered, 5);
	assert_int_equal(st->rx_reordered, 0);
	assert_int_equal(st->rx_lost, 0);
	assert_int_equal(gre_flow_next_deadline(f), 0 + GRE_FLOW_ACK_DELAY_MS_DEFAULT);
	gre_flow_free(f);
}

/* A flow that stays in order never allocates the reorder slots' storage
 * (6,400 bytes by default, issue 13); duplicates, old packets and a jump
 * ahead (a resync) do not need it either. */
static void in_order_never_allocates_slots(void **state)
{
	(void)state;
	static struct rec r;
	struct gre_flow *f = flow_with(&r, 4, 5);

	for (uint32_t i = 0; i < 1000; i++) {
		assert_int_equal(rx(f, 100 + i, i), GRE_FLOW_RX_DELIVERED);
		gre_flow_on_timer(f, i);
	}
	assert_int_equal(rx(f, 1098, 1000), GRE_FLOW_RX_DUPLICATE);
	assert_int_equal(rx(f, 500, 1001), GRE_FLOW_RX_OLD);
	assert_int_equal(rx(f, 1200, 1002), GRE_FLOW_RX_RESYNC);
	assert_false(gre_flow_has_store(f));
	assert_int_equal(gre_flow_stats(f)->rx_reordered, 0);
	gre_flow_free(f);
}

/* The storage comes with the first packet held, stays while the flow
 * reorders now and then, and goes GRE_FLOW_STORE_KEEP_MS after the last
 * held packet, at a deadline the flow announces; a later gap gets it back
 * and the held copy is intact. */
static void slots_allocated_on_demand_and_released(void **state)
{
	(void)state;
	static struct rec r;
	struct gre_flow *f = flow_slow_ack(&r, 4, 5);
	const uint64_t keep = GRE_FLOW_STORE_KEEP_MS;

	assert_int_equal(rx(f, 1, 0), GRE_FLOW_RX_DELIVERED);
	assert_int_equal(rx(f, 3, 1), GRE_FLOW_RX_HELD);
	assert_true(gre_flow_has_store(f));
	assert_int_equal(rx(f, 2, 2), GRE_FLOW_RX_DELIVERED);
	/* after the ack: the release is the only deadline left */
	uint32_t ack = 0;
	assert_true(gre_flow_take_ack(f, 100, &ack));
	assert_int_equal(gre_flow_next_deadline(f), 1 + keep);
	gre_flow_on_timer(f, keep);
	assert_true(gre_flow_has_store(f));
	/* in order meanwhile: released on time */
	for (uint32_t i = 4; i < 20; i++)
		assert_int_equal(rx(f, i, 200 + i), GRE_FLOW_RX_DELIVERED);
	assert_true(gre_flow_take_ack(f, 300, &ack));
	gre_flow_on_timer(f, 1 + keep);
	assert_false(gre_flow_has_store(f));
	assert_int_equal(gre_flow_next_deadline(f), UINT64_MAX);
	/* a new gap: allocated again, the copy comes back whole */
	assert_int_equal(rx_len(f, 21, 1500, 2 * keep), GRE_FLOW_RX_HELD);
	assert_true(gre_flow_has_store(f));
	assert_int_equal(rx(f, 20, 2 * keep + 1), GRE_FLOW_RX_DELIVERED);
	/* rec_deliver() checked every byte of the copy */
	assert_int_equal(r.n, 21);
	assert_int_equal(r.seq[19], 20);
	assert_int_equal(r.seq[20], 21);
	assert_int_equal(r.len[20], 1500);
	assert_int_equal(gre_flow_stats(f)->rx_reordered, 2);
	assert_int_equal(gre_flow_stats(f)->rx_lost, 0);
	gre_flow_free(f);
}

static void starts_anywhere(void **state)
{
	(void)state;
	static struct rec r;
	const uint32_t starts[] = { 0, 1, 0xFFFFFFF0u, 0x7FFFFFFFu };

	for (size_t s = 0; s < 4; s++) {
		struct gre_flow *f = flow_with(&r, 4, 5);
		uint32_t want[32];
		for (uint32_t i = 0; i < 32; i++) {
			want[i] = starts[s] + i;
			assert_int_equal(rx(f, want[i], i), GRE_FLOW_RX_DELIVERED);
		}
		assert_delivered(&r, want, 32);
		assert_int_equal(gre_flow_stats(f)->rx_lost, 0);
		assert_int_equal(gre_flow_stats(f)->rx_duplicates, 0);
		assert_int_equal(gre_flow_stats(f)->rx_old, 0);
		/* the ack owed is the last one, across the wrap too */
		uint32_t ack = 0;
		assert_true(gre_flow_take_ack(f, 1000, &ack));
		assert_int_equal(ack, starts[s] + 31);
		gre_flow_free(f);
	}
}

static void swap_is_reordered(void **state)
{
	(void)state;
	static struct rec r;
	struct gre_flow *f = flow_slow_ack(&r, 4, 5);

	assert_int_equal(rx(f, 8, 0), GRE_FLOW_RX_DELIVERED);
	assert_int_equal(rx(f, 10, 1), GRE_FLOW_RX_HELD);
	assert_int_equal(r.n, 1);
	assert_int_equal(gre_flow_next_deadline(f), 6);
	assert_int_equal(rx(f, 9, 2), GRE_FLOW_RX_DELIVERED);
	assert_int_equal(rx(f, 11, 3), GRE_FLOW_RX_DELIVERED);
	const uint32_t want[] = { 8, 9, 10, 11 };
	assert_delivered(&r, want, 4);
	/* 9 came straight from the caller, 10 from a slot */
	assert_int_equal(r.len[2], 8);
	const struct gre_flow_stats *st = gre_flow_stats(f);
	assert_int_equal(st->rx_delivered, 4);
	assert_int_equal(st->rx_reordered, 1);
	assert_int_equal(st->rx_lost, 0);
	/* nothing held: only the ack deadline is left */
	assert_int_equal(gre_flow_next_deadline(f), 0 + 20);
	gre_flow_free(f);
}

static void gap_given_up_after_hold(void **state)
{
	(void)state;
	static struct rec r;
	struct gre_flow *f = flow_slow_ack(&r, 4, 5);
	const struct gre_flow_stats *st = gre_flow_stats(f);

	rx(f, 1, 0);
	assert_int_equal(rx(f, 3, 1), GRE_FLOW_RX_HELD);
	assert_int_equal(rx(f, 4, 2), GRE_FLOW_RX_HELD);
	assert_int_equal(gre_flow_next_deadline(f), 6);
	gre_flow_on_timer(f, 5);
	assert_int_equal(r.n, 1);
	gre_flow_on_timer(f, 6);
	const uint32_t want[] = { 1, 3, 4 };
	assert_delivered(&r, want, 3);
	assert_int_equal(st->rx_lost, 1);
	assert_int_equal(st->rx_reordered, 2);
	/* the straggler is now behind: a duplicate, dropped */
	assert_int_equal(rx(f, 2, 7), GRE_FLOW_RX_DUPLICATE);
	assert_int_equal(st->rx_duplicates, 1);
	assert_int_equal(r.n, 3);

	/* two gaps: each is given up when its own oldest packet expires */
	assert_int_equal(rx(f, 8, 10), GRE_FLOW_RX_HELD);
	assert_int_equal(rx(f, 6, 11), GRE_FLOW_RX_HELD);
	assert_int_equal(gre_flow_next_deadline(f), 15);
	gre_flow_on_timer(f, 15);
	/* 8 expired first: both gaps (5, 7) go, 6 and 8 come out in order */
	const uint32_t want2[] = { 1, 3, 4, 6, 8 };
	assert_delivered(&r, want2, 5);
	assert_int_equal(st->rx_lost, 3);

	assert_int_equal(rx(f, 11, 20), GRE_FLOW_RX_HELD);
	assert_int_equal(rx(f, 13, 22), GRE_FLOW_RX_HELD);
	gre_flow_on_timer(f, 25);
	uint32_t ack = 0;
	assert_true(gre_flow_take_ack(f, 25, &ack));
	assert_int_equal(ack, 11);
	/* 11 expired, 13 not yet: only the gap before 11 goes */
	const uint32_t want3[] = { 1, 3, 4, 6, 8, 11 };
	assert_delivered(&r, want3, 6);
	assert_int_equal(st->rx_lost, 5);
	assert_int_equal(gre_flow_next_deadline(f), 27);
	gre_flow_on_timer(f, 27);
	const uint32_t want4[] = { 1, 3, 4, 6, 8, 11, 13 };
	assert_delivered(&r, want4, 7);
	assert_int_equal(st->rx_lost, 6);
	assert_int_equal(st->rx_delivered, 7);
	gre_flow_free(f);
}

static void duplicates_and_old_dropped(void **state)
{
	(void)state;
	static struct rec r;
	struct gre_flow *f = flow_with(&r, 4, 5);
	const struct gre_flow_stats *st = gre_flow_stats(f);

	for (uint32_t s = 1; s <= 10; s++)
		rx(f, s, 0);
	assert_int_equal(rx(f, 10, 1), GRE_FLOW_RX_DUPLICATE);
	/* 11 is expected: 7..10 are within the window of 4 behind it */
	assert_int_equal(rx(f, 7, 1), GRE_FLOW_RX_DUPLICATE);
	assert_int_equal(rx(f, 7, 1), GRE_FLOW_RX_DUPLICATE);
	assert_int_equal(rx(f, 6, 1), GRE_FLOW_RX_OLD);
	assert_int_equal(rx(f, 5, 1), GRE_FLOW_RX_OLD);
	assert_int_equal(rx(f, 1, 1), GRE_FLOW_RX_OLD);
	assert_int_equal(rx(f, 0x8000000Bu, 1), GRE_FLOW_RX_FAR); /* half the space away */
	/* a held packet received twice */
	assert_int_equal(rx(f, 13, 1), GRE_FLOW_RX_HELD);
	assert_int_equal(rx(f, 13, 1), GRE_FLOW_RX_DUPLICATE);
	assert_int_equal(rx(f, 11, 1), GRE_FLOW_RX_DELIVERED);
	assert_int_equal(rx(f, 12, 1), GRE_FLOW_RX_DELIVERED);

	const uint32_t want[] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13 };
	assert_delivered(&r, want, 13);
	assert_int_equal(st->rx_duplicates, 4);
	assert_int_equal(st->rx_old, 3);
	assert_int_equal(st->rx_far, 1);
	assert_int_equal(st->rx_packets, 20); /* a far packet is not counted as received */
	assert_int_equal(st->rx_delivered, 13);
	assert_int_equal(st->rx_lost, 0);
	assert_int_equal(st->rx_resyncs, 0);
	gre_flow_free(f);
}

static void far_ahead_resyncs(void **state)
{
	(void)state;
	static struct rec r;
	struct gre_flow *f = flow_with(&r, 4, 5);
	const struct gre_flow_stats *st = gre_flow_stats(f);

	rx(f, 1, 0);
	rx(f, 2, 0);
	assert_int_equal(rx(f, 4, 0), GRE_FLOW_RX_HELD);
	assert_int_equal(rx(f, 20, 1), GRE_FLOW_RX_RESYNC);
	assert_int_equal(rx(f, 21, 2), GRE_FLOW_RX_DELIVERED);
	const uint32_t want[] = { 1, 2, 4, 20, 21 };
	assert_delivered(&r, want, 5);
	assert_int_equal(st->rx_lost, 1 + 15);  /* 3, then 5..19 */
	assert_int_equal(st->rx_resyncs, 1);
	assert_int_equal(st->rx_reordered, 1);
	assert_int_equal(gre_flow_next_deadline(f), 0 + GRE_FLOW_ACK_DELAY_MS_DEFAULT);
	/* what was skipped is now behind */
	assert_int_equal(rx(f, 19, 3), GRE_FLOW_RX_DUPLICATE);
	assert_int_equal(rx(f, 3, 3), GRE_FLOW_RX_OLD);
	gre_flow_free(f);
}

static void full_buffer_flushes(void **state)
{
	(void)state;
	static struct rec r;
	struct gre_flow *f = flow_with(&r, 4, 5);
	const struct gre_flow_stats *st = gre_flow_stats(f);

	rx(f, 1, 0);
	/* 2 is missing; 3..6 fill the four slots */
	for (uint32_t s = 3; s <= 6; s++)
		assert_int_equal(rx(f, s, 0), GRE_FLOW_RX_HELD);
	assert_int_equal(rx(f, 5, 0), GRE_FLOW_RX_DUPLICATE);
	assert_int_equal(r.n, 1);
	/* 7 does not fit: flush in order, give 2 up, deliver 7 */
	assert_int_equal(rx(f, 7, 1), GRE_FLOW_RX_RESYNC);
	const uint32_t want[] = { 1, 3, 4, 5, 6, 7 };
	assert_delivered(&r, want, 6);
	assert_int_equal(st->rx_lost, 1);
	assert_int_equal(st->rx_reordered, 4);
	assert_int_equal(st->rx_resyncs, 1);
	assert_int_equal(gre_flow_next_deadline(f), 0 + GRE_FLOW_ACK_DELAY_MS_DEFAULT);
	gre_flow_free(f);
}

static void wrap_inside_buffer(void **state)
{
	(void)state;
	static struct rec r;
	struct gre_flow *f = flow_with(&r, 4, 5);
	const struct gre_flow_stats *st = gre_flow_stats(f);

	rx(f, 0xFFFFFFFDu, 0);
	assert_int_equal(rx(f, 0, 0), GRE_FLOW_RX_HELD);
	assert_int_equal(rx(f, 0xFFFFFFFFu, 0), GRE_FLOW_RX_HELD);
	assert_int_equal(rx(f, 1, 0), GRE_FLOW_RX_HELD);
	assert_int_equal(rx(f, 0xFFFFFFFEu, 0), GRE_FLOW_RX_DELIVERED);
	const uint32_t want[] = { 0xFFFFFFFDu, 0xFFFFFFFEu, 0xFFFFFFFFu, 0, 1 };
	assert_delivered(&r, want, 5);
	assert_int_equal(st->rx_reordered, 3);

	/* a gap across the wrap, given up by the timer */
	memset(&r, 0, sizeof(r));
	gre_flow_free(f);
	f = flow_with(&r, 4, 5);
	st = gre_flow_stats(f);
	rx(f, 0xFFFFFFFEu, 0);
	assert_int_equal(rx(f, 1, 0), GRE_FLOW_RX_HELD);
	assert_int_equal(rx(f, 0, 0), GRE_FLOW_RX_HELD);
	assert_int_equal(rx(f, 0xFFFFFFFEu, 0), GRE_FLOW_RX_DUPLICATE);
	gre_flow_on_timer(f, 5);
	const uint32_t want2[] = { 0xFFFFFFFEu, 0, 1 };
	assert_delivered(&r, want2, 3);
	assert_int_equal(st->rx_lost, 1);
	uint32_t ack = 0;
	assert_true(gre_flow_take_ack(f, 100, &ack));
	assert_int_equal(ack, 1);

	/* a jump across the wrap */
	assert_int_equal(rx(f, 0xFFFFFFF0u, 101), GRE_FLOW_RX_OLD);
	gre_flow_free(f);
	f = flow_with(&r, 4, 5);
	st = gre_flow_stats(f);
	rx(f, 0xFFFFFFFCu, 0);
	assert_int_equal(rx(f, 3, 0), GRE_FLOW_RX_RESYNC);
	assert_int_equal(st->rx_lost, 6);  /* FFFFFFFD..2 */
	gre_flow_free(f);
}

static void no_reordering_with_zero_slots(void **state)
{
	(void)state;
	static struct rec r;
	struct gre_flow *f = flow_with(&r, 0, 5);
	const struct gre_flow_stats *st = gre_flow_stats(f);

	rx(f, 1, 0);
	assert_int_equal(rx(f, 3, 0), GRE_FLOW_RX_RESYNC);
	assert_int_equal(rx(f, 2, 0), GRE_FLOW_RX_OLD);
	assert_int_equal(rx(f, 4, 0), GRE_FLOW_RX_DELIVERED);
	const uint32_t want[] = { 1, 3, 4 };
	assert_delivered(&r, want, 3);
	assert_int_equal(st->rx_lost, 1);
	assert_int_equal(gre_flow_next_deadline(f), 0 + GRE_FLOW_ACK_DELAY_MS_DEFAULT);
	gre_flow_free(f);
}

/*
 * Forged frames: a sequence number more than the far window F ahead of or
 * behind the expected one is dropped and counted, delivers nothing, moves
 * nothing, and its ack is not read; runs of them never resync. Within F a
 * jump still resyncs (a real loss burst).
 */
static void far_outside_window_dropped(void **state)
{
	(void)state;
	static struct rec r;
	struct gre_flow *f = flow_with(&r, 4, 5);
	const struct gre_flow_stats *st = gre_flow_stats(f);
	/* default F: 64 times the announced window of 64 */
	const uint32_t F = GRE_FLOW_FAR_FACTOR * GRE_FLOW_RX_WINDOW_DEFAULT;

	/* the first packet sets the base wherever it is */
	assert_int_equal(rx(f, 5000, 0), GRE_FLOW_RX_DELIVERED);
	assert_int_equal(rx(f, 5001, 0), GRE_FLOW_RX_DELIVERED);
	/* expected 5002: just outside F either way, half the space, runs */
	assert_int_equal(rx(f, 5002 + F + 1, 1), GRE_FLOW_RX_FAR);
	assert_int_equal(rx(f, 5002 - F - 1, 1), GRE_FLOW_RX_FAR);
	assert_int_equal(rx(f, 5002 + 0x80000000u, 1), GRE_FLOW_RX_FAR);
	for (uint32_t s = 0; s < 2 * GRE_FLOW_OLD_RESYNC; s++) {
		assert_int_equal(rx(f, 0x40000000u + s, 1), GRE_FLOW_RX_FAR);
		assert_int_equal(rx(f, 5002 - F - 100 + s, 1), GRE_FLOW_RX_FAR);
	}
	/* a far packet's ack is not taken either: nothing was sent, and a
	 * valid-looking ack must not count as the peer's */
	uint32_t seq = tx(f, 2);
	struct gre_hdr h = { .has_seq = true, .seq = 0x40000000u, .has_ack = true, .ack = seq };
	assert_int_equal(gre_flow_rx(f, &h, shared_buf, 3), GRE_FLOW_RX_FAR);
	assert_int_equal(st->rx_acks_ignored, 0);
	assert_int_equal(gre_flow_tx_outstanding(f), 1);
	assert_int_equal(st->rx_far, 3 + 4 * GRE_FLOW_OLD_RESYNC + 1);
	assert_int_equal(st->rx_resyncs, 0);
	assert_int_equal(st->rx_old, 0);
	/* the real peer goes on as if nothing happened */
	assert_int_equal(rx(f, 5002, 4), GRE_FLOW_RX_DELIVERED);
	/* exactly F ahead is still a (loss) jump */
	assert_int_equal(rx(f, 5003 + F, 5), GRE_FLOW_RX_RESYNC);
	const uint32_t want[] = { 5000, 5001, 5002, 5003 + F };
	assert_delivered(&r, want, 4);
	gre_flow_free(f);

	/* F follows the parameters: 64 * max(rx_window, N, 1), or as given */
	struct gre_flow_params p;
	gre_flow_params_default(&p);
	p.rx_window = 3;
	p.reorder_slots = 8;
	f = gre_flow_new(&p, rec_deliver, memset(&r, 0, sizeof(r)));
	assert_non_null(f);
	rx(f, 1, 0);
	assert_int_equal(rx(f, 2 + 8 * GRE_FLOW_FAR_FACTOR, 1), GRE_FLOW_RX_RESYNC);
	assert_int_equal(rx(f, 3 + 16 * GRE_FLOW_FAR_FACTOR + 1, 1), GRE_FLOW_RX_FAR);
	gre_flow_free(f);
	p.far_window = 10;
	f = gre_flow_new(&p, rec_deliver, memset(&r, 0, sizeof(r)));
	assert_non_null(f);
	rx(f, 0, 0);
	assert_int_equal(rx(f, 11, 1), GRE_FLOW_RX_RESYNC);
	assert_int_equal(rx(f, 23, 1), GRE_FLOW_RX_FAR);
	gre_flow_free(f);
}

static void peer_restart_resyncs(void **state)
{
	(void)state;
	static struct rec r;
	struct gre_flow *f = flow_with(&r, 4, 5);
	const struct gre_flow_stats *st = gre_flow_stats(f);

	uint32_t ack = 0;
	for (uint32_t s = 1000; s < 1006; s++)
		rx(f, s, 0);
	assert_true(gre_flow_take_ack(f, 100, &ack));
	assert_int_equal(ack, 1005);
	/* scattered old packets never resync */
	for (uint32_t s = 0; s < 20; s += 2)
		assert_int_equal(rx(f, s, 101), GRE_FLOW_RX_OLD);
	/* a run of consecutive ones does, on the eighth */
	for (uint32_t s = 100; s < 107; s++)
		assert_int_equal(rx(f, s, 102), GRE_FLOW_RX_OLD);
	assert_int_equal(gre_flow_ack_deadline(f), UINT64_MAX);
	assert_int_equal(rx(f, 107, 102), GRE_FLOW_RX_RESYNC);
	assert_int_equal(rx(f, 108, 103), GRE_FLOW_RX_DELIVERED);
	const uint32_t want[] = { 1000, 1001, 1002, 1003, 1004, 1005, 107, 108 };
	assert_delivered(&r, want, 8);
	assert_int_equal(st->rx_old, 17);
	assert_int_equal(st->rx_resyncs, 1);
	assert_int_equal(st->rx_lost, 0);
	/* the ack goes out at once and names the new position */
	assert_int_equal(gre_flow_ack_deadline(f), 102);
	assert_true(gre_flow_take_ack(f, 103, &ack));
	assert_int_equal(ack, 108);
	gre_flow_free(f);
}

static void odd_packets(void **state)
{
	(void)state;
	static struct rec r;
	struct gre_flow *f = flow_with(&r, 4, 5);
	const struct gre_flow_stats *st = gre_flow_stats(f);

	/* payload without S: dropped */
	struct gre_hdr h = { .payload_len = 8 };
	make_payload(shared_buf, 1, 8);
	assert_int_equal(gre_flow_rx(f, &h, shared_buf, 0), GRE_FLOW_RX_UNSEQUENCED);
	assert_int_equal(st->rx_unsequenced, 1);
	assert_int_equal(st->rx_packets, 0);
	/* nothing at all */
	memset(&h, 0, sizeof(h));
	assert_int_equal(gre_flow_rx(f, &h, NULL, 0), GRE_FLOW_RX_NO_DATA);
	/* S with no payload: takes its number, delivers nothing */
	rx(f, 1, 0);
	h = (struct gre_hdr){ .has_seq = true, .seq = 2 };
	assert_int_equal(gre_flow_rx(f, &h, shared_buf, 0), GRE_FLOW_RX_DELIVERED);
	h.seq = 4;
	assert_int_equal(gre_flow_rx(f, &h, shared_buf, 0), GRE_FLOW_RX_HELD);
	assert_int_equal(rx(f, 3, 0), GRE_FLOW_RX_DELIVERED);
	assert_int_equal(rx(f, 5, 0), GRE_FLOW_RX_DELIVERED);
	const uint32_t want[] = { 1, 3, 5 };
	assert_delivered(&r, want, 3);
	assert_int_equal(st->rx_lost, 0);
	assert_int_equal(st->rx_packets, 5);
	assert_int_equal(st->rx_delivered, 3);
	/* out of order and larger than a slot: dropped */
	assert_int_equal(rx_len(f, 7, GRE_FLOW_SLOT_SIZE_DEFAULT + 1, 0), GRE_FLOW_RX_TOO_BIG);
	assert_int_equal(st->rx_too_big, 1);
	/* in order, the same size passes: no copy needed */
	assert_int_equal(rx_len(f, 6, GRE_FLOW_SLOT_SIZE_DEFAULT + 1, 0), GRE_FLOW_RX_DELIVERED);
	assert_int_equal(rx_len(f, 8, GRE_FLOW_SLOT_SIZE_DEFAULT, 0), GRE_FLOW_RX_HELD);
	gre_flow_on_timer(f, 5);
	const uint32_t want2[] = { 1, 3, 5, 6, 8 };
	assert_delivered(&r, want2, 5);
	assert_int_equal(r.len[4], GRE_FLOW_SLOT_SIZE_DEFAULT);
	gre_flow_free(f);
}

static void bad_params_refused(void **state)
{
	(void)state;
	struct gre_flow_params p;
	static struct rec r;

	gre_flow_params_default(&p);
	p.reorder_slots = GRE_FLOW_SLOTS_MAX + 1;
	assert_null(gre_flow_new(&p, rec_deliver, &r));
	gre_flow_params_default(&p);
	p.slot_size = 0;
	assert_null(gre_flow_new(&p, rec_deliver, &r));
	gre_flow_params_default(&p);
	p.slot_size = 65536;
	assert_null(gre_flow_new(&p, rec_deliver, &r));
	gre_flow_params_default(&p);
	p.ato_min_ms = 2000;
	assert_null(gre_flow_new(&p, rec_deliver, &r));
	gre_flow_params_default(&p);
	p.ato_min_ms = 0;
	assert_null(gre_flow_new(&p, rec_deliver, &r));
	gre_flow_params_default(&p);
	assert_null(gre_flow_new(&p, NULL, &r));
	p.reorder_slots = GRE_FLOW_SLOTS_MAX;
	struct gre_flow *f = gre_flow_new(&p, rec_deliver, &r);
	assert_non_null(f);
	gre_flow_free(f);
}

/* ---- acknowledgements we send ----------------------------------------- */

static void ack_piggybacked(void **state)
{
	(void)state;
	static struct rec r;
	struct gre_flow *f = flow_tx(&r, 0);
	const struct gre_flow_stats *st = gre_flow_stats(f);
	struct gre_hdr h;

	/* nothing received: no ack owed, no deadline */
	assert_int_equal(gre_flow_ack_deadline(f), UINT64_MAX);
	assert_int_equal(gre_flow_next_deadline(f), UINT64_MAX);
	assert_true(gre_flow_tx_data(f, 0, &h));
	assert_false(h.has_ack);

	rx(f, 0, 100);
	rx(f, 1, 105);
	assert_int_equal(gre_flow_ack_deadline(f), 100 + GRE_FLOW_ACK_DELAY_MS_DEFAULT);
	assert_true(gre_flow_tx_data(f, 110, &h));
	assert_true(h.has_ack);
	assert_int_equal(h.ack, 1);
	assert_int_equal(st->acks_piggybacked, 1);
	assert_int_equal(gre_flow_ack_deadline(f), UINT64_MAX);
	uint32_t ack;
	assert_false(gre_flow_take_ack(f, 1000, &ack));
	/* the same ack is not sent twice */
	assert_true(gre_flow_tx_data(f, 111, &h));
	assert_false(h.has_ack);
	assert_int_equal(st->acks_piggybacked, 1);
	assert_int_equal(st->acks_only, 0);
	assert_int_equal(st->tx_packets, 3);
	gre_flow_free(f);
}

static void ack_only_after_delay(void **state)
{
	(void)state;
	static struct rec r;
	struct gre_flow *f = flow_tx(&r, 0);
	const struct gre_flow_stats *st = gre_flow_stats(f);
	const uint64_t due = 100 + GRE_FLOW_ACK_DELAY_MS_DEFAULT;
	uint32_t ack = 0;

	rx(f, 1, 100);
	rx(f, 2, 101);
	assert_int_equal(gre_flow_next_deadline(f), due);
	assert_false(gre_flow_take_ack(f, due - 1, &ack));
	assert_true(gre_flow_take_ack(f, due, &ack));
	assert_int_equal(ack, 2);
	assert_int_equal(st->acks_only, 1);
	assert_false(gre_flow_take_ack(f, due + 100, &ack));
	assert_int_equal(gre_flow_next_deadline(f), UINT64_MAX);
	/* a duplicate does not make an ack owed */
	rx(f, 2, 200);
	assert_int_equal(gre_flow_ack_deadline(f), UINT64_MAX);
	/* a gap given up by the timer is acknowledged too */
	rx(f, 4, 300);
	assert_int_equal(gre_flow_ack_deadline(f), UINT64_MAX);
	gre_flow_on_timer(f, 305);
	assert_int_equal(gre_flow_ack_deadline(f), 305 + GRE_FLOW_ACK_DELAY_MS_DEFAULT);
	assert_true(gre_flow_take_ack(f, 305 + GRE_FLOW_ACK_DELAY_MS_DEFAULT, &ack));
	assert_int_equal(ack, 4);
	assert_int_equal(st->acks_only, 2);
	gre_flow_free(f);
}

static void ack_early_at_half_window(void **state)
{
	(void)state;
	static struct rec r;
	struct gre_flow_params p;
	gre_flow_params_default(&p);
	p.rx_window = 4;
	struct gre_flow *f = gre_flow_new(&p, rec_deliver, &r);
	assert_non_null(f);
	uint32_t ack = 0;

	rx(f, 1, 50);
	assert_int_equal(gre_flow_ack_deadline(f), 50 + GRE_FLOW_ACK_DELAY_MS_DEFAULT);
	rx(f, 2, 51);
	/* two owed = half of 4: due since the first became owed */
	assert_int_equal(gre_flow_ack_deadline(f), 50);
	assert_true(gre_flow_take_ack(f, 51, &ack));
	assert_int_equal(ack, 2);
	gre_flow_free(f);
}

/* ---- transmit --------------------------------------------------------- */

static void tx_seq_starts_at_one(void **state)
{
	(void)state;
	static struct rec r;
	struct gre_flow *f = flow_tx(&r, 0);

	for (uint32_t i = 1; i <= 100; i++)
		assert_int_equal(tx(f, i), i);
	assert_int_equal(gre_flow_tx_outstanding(f), 100);
	assert_int_equal(gre_flow_stats(f)->tx_window_drops, 0);
	gre_flow_free(f);
}

static void window_respected(void **state)
{
	(void)state;
	static struct rec r;
	struct gre_flow *f = flow_tx(&r, 3);
	const struct gre_flow_stats *st = gre_flow_stats(f);

	/* the peer acknowledges the first window: an acking peer */
	assert_int_equal(tx(f, 0), 1);
	assert_int_equal(tx(f, 0), 2);
	assert_int_equal(tx(f, 0), 3);
	rx_ack(f, 3, 10);
	assert_int_equal(gre_flow_tx_outstanding(f), 0);

	assert_true(gre_flow_tx_allowed(f, 11));
	assert_int_equal(tx(f, 11), 4);
	assert_int_equal(tx(f, 11), 5);
	assert_int_equal(tx(f, 11), 6);
	assert_false(gre_flow_tx_allowed(f, 12));
	assert_false(tx_try(f, 12));
	assert_false(tx_try(f, 13));
	assert_int_equal(st->tx_window_drops, 2);
	assert_int_equal(st->tx_packets, 6);
	/* a partial ack opens one place */
	rx_ack(f, 4, 14);
	assert_true(gre_flow_tx_allowed(f, 14));
	assert_int_equal(tx(f, 14), 7);
	assert_false(tx_try(f, 14));
	/* a piggybacked ack opens the rest */
	struct gre_hdr h = { .has_seq = true, .seq = 1, .has_ack = true, .ack = 7, .payload_len = 8 };
	make_payload(shared_buf, 1, 8);
	assert_int_equal(gre_flow_rx(f, &h, shared_buf, 15), GRE_FLOW_RX_DELIVERED);
	assert_int_equal(gre_flow_tx_outstanding(f), 0);
	assert_int_equal(tx(f, 15), 8);
	assert_int_equal(st->tx_window_drops, 3);
	assert_false(st->peer_non_acking);
	assert_int_equal(st->tx_ack_timeouts, 0);
	gre_flow_free(f);
}

static void non_acking_peer_not_stalled(void **state)
{
	(void)state;
	static struct rec r;
	struct gre_flow *f = flow_tx(&r, 3);
	const struct gre_flow_stats *st = gre_flow_stats(f);

	/* Android: data with sequence numbers, never an ack */
	for (uint32_t i = 1; i <= 50; i++) {
		rx(f, i, i);
		assert_true(gre_flow_tx_allowed(f, i));
		assert_int_equal(tx(f, i), i);
		assert_int_equal(st->peer_non_acking, i > 3);
	}
	assert_int_equal(st->tx_window_drops, 0);
	assert_int_equal(st->tx_packets, 50);

	/* should it start acking after all, the window applies again */
	rx_ack(f, 50, 60);
	assert_false(st->peer_non_acking);
	assert_int_equal(tx(f, 61), 51);
	assert_int_equal(tx(f, 61), 52);
	assert_int_equal(tx(f, 61), 53);
	assert_false(tx_try(f, 61));
	assert_int_equal(st->tx_window_drops, 1);
	gre_flow_free(f);
}

static void ack_timeout_reopens_window(void **state)
{
	(void)state;
	static struct rec r;
	struct gre_flow *f = flow_tx(&r, 3);
	const struct gre_flow_stats *st = gre_flow_stats(f);

	assert_int_equal(gre_flow_ack_timeout(f), GRE_FLOW_ATO_MAX_MS_DEFAULT);
	/* one round trip of 40 ms: ATO = 40 + 4 * 20 */
	tx(f, 1000);
	rx_ack(f, 1, 1040);
	assert_int_equal(gre_flow_ack_timeout(f), 120);

	tx(f, 1100);
	tx(f, 1100);
	tx(f, 1100);
	assert_false(tx_try(f, 1150));
	assert_false(gre_flow_tx_allowed(f, 1219));
	assert_true(gre_flow_tx_allowed(f, 1220));
	/* the three in flight are given up, the window opens, ATO doubles */
	assert_int_equal(tx(f, 1220), 5);
	assert_int_equal(st->tx_ack_timeouts, 1);
	assert_int_equal(gre_flow_ack_timeout(f), 240);
	assert_int_equal(gre_flow_tx_outstanding(f), 1);
	assert_int_equal(tx(f, 1221), 6);
	assert_int_equal(tx(f, 1221), 7);
	assert_false(tx_try(f, 1221));
	/* a late ack for a packet given up is behind: ignored */
	rx_ack(f, 3, 1230);
	assert_int_equal(st->rx_acks_ignored, 1);
	assert_int_equal(gre_flow_tx_outstanding(f), 3);
	/* the doubled time-out applies, from the last send into an empty window */
	assert_false(gre_flow_tx_allowed(f, 1459));
	assert_true(gre_flow_tx_allowed(f, 1460));
	assert_false(st->peer_non_acking);

	/* the back-off stops at the maximum */
	for (int i = 0; i < 6; i++) {
		uint64_t t = 2000 + (uint64_t)i * 2000;
		assert_int_equal(tx(f, t), 8 + (uint32_t)i * 3);
		tx(f, t);
		tx(f, t);
	}
	assert_int_equal(gre_flow_ack_timeout(f), GRE_FLOW_ATO_MAX_MS_DEFAULT);
	gre_flow_free(f);
}

static void rtt_estimate_bounded(void **state)
{
	(void)state;
	static struct rec r;
	struct gre_flow *f = flow_tx(&r, 0);

	/* fast acks: the time-out stops at the minimum */
	for (uint32_t i = 0; i < 20; i++) {
		uint32_t s = tx(f, 100 * i);
		rx_ack(f, s, 100 * i + 1);
	}
	assert_int_equal(gre_flow_ack_timeout(f), GRE_FLOW_ATO_MIN_MS_DEFAULT);
	/* slow acks: at the maximum */
	for (uint32_t i = 0; i < 20; i++) {
		uint32_t s = tx(f, 100000 * i);
		rx_ack(f, s, 100000 * i + 5000);
	}
	assert_int_equal(gre_flow_ack_timeout(f), GRE_FLOW_ATO_MAX_MS_DEFAULT);
	gre_flow_free(f);
}

static void bad_acks_ignored(void **state)
{
	(void)state;
	static struct rec r;
	struct gre_flow *f = flow_tx(&r, 8);
	const struct gre_flow_stats *st = gre_flow_stats(f);

	/* before anything was sent, any ack but 0 acknowledges the unsent */
	rx_ack(f, 1, 0);
	rx_ack(f, 0xFFFFFFFFu, 0);
	assert_int_equal(st->rx_acks_ignored, 2);
	for (int i = 0; i < 5; i++)
		tx(f, 0);
	rx_ack(f, 7, 1);                       /* beyond what was sent */
	assert_int_equal(st->rx_acks_ignored, 3);
	assert_int_equal(gre_flow_tx_outstanding(f), 5);
	rx_ack(f, 3, 2);
	assert_int_equal(gre_flow_tx_outstanding(f), 2);
	rx_ack(f, 2, 3);                       /* backwards */
	rx_ack(f, 0x80000003u, 3);             /* far away */
	assert_int_equal(st->rx_acks_ignored, 5);
	rx_ack(f, 3, 4);                       /* repeated: normal, not counted */
	assert_int_equal(st->rx_acks_ignored, 5);
	assert_int_equal(gre_flow_tx_outstanding(f), 2);
	rx_ack(f, 5, 5);
	assert_int_equal(gre_flow_tx_outstanding(f), 0);
	rx_ack(f, 6, 6);
	assert_int_equal(st->rx_acks_ignored, 6);
	gre_flow_free(f);
}

/* ---- randomized ------------------------------------------------------- */

static uint64_t rng_state;

static uint32_t rng(void)
{
	/* xorshift64* */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (uint32_t)((rng_state * 0x2545F4914F6CDD1DULL) >> 32);
}

struct arrival {
	uint32_t key;
	uint32_t tie;
	uint32_t idx;  /* offset from the first sequence number */
};

static int arrival_cmp(const void *a, const void *b)
{
	const struct arrival *x = a, *y = b;
	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	if (x->tie != y->tie)
		return x->tie < y->tie ? -1 : 1;
	return 0;
}

#define FUZZ_PKTS 1500

/*
 * Packet i arrives at the rank of key i + rand(0..D-1): a packet overtakes
 * it only if it is less than D ahead, so no packet arrives more than D - 1
 * ahead of the lowest one still missing. Packet 0, if not dropped, comes
 * first: the flow takes the first packet it sees as the start.
 */
static size_t make_arrivals(struct arrival *a, unsigned d, unsigned drop_pct, unsigned dup_pct)
{
	size_t n = 0;
	for (uint32_t i = 0; i < FUZZ_PKTS; i++) {
		if (rng() % 100 < drop_pct)
			continue;
		/* the first packet sets the start: it must come first */
		uint32_t key = i ? i + rng() % d : 0;
		a[n++] = (struct arrival){ key, i ? rng() : 0, i };
		if (rng() % 100 < dup_pct)
			a[n++] = (struct arrival){ i + rng() % (2 * d), rng(), i };
	}
	qsort(a, n, sizeof(*a), arrival_cmp);
	return n;
}

static void randomized_reordering(void **state)
{
	(void)state;
	static struct rec r;
	static struct arrival arr[2 * FUZZ_PKTS];
	static uint8_t payload[GRE_FLOW_SLOT_SIZE_DEFAULT];

	for (unsigned round = 0; round < 300; round++) {
		rng_state = 0x9E3779B97F4A7C15ULL * (round + 1);
		bool lossy = round % 2;
		unsigned slots = 1 + rng() % GRE_FLOW_SLOTS_MAX;
		if (round % 3 == 0)
			slots = GRE_FLOW_SLOTS_DEFAULT;
		uint32_t start = round % 5 == 0 ? 0xFFFFFFFFu - rng() % 1000 : rng();
		unsigned d = lossy ? 1 + rng() % (slots + 2) : 1 + rng() % slots;
		size_t n = make_arrivals(arr, d, lossy ? 5 : 0, lossy ? 5 : 0);

		struct gre_flow_params p;
		gre_flow_params_default(&p);
		p.reorder_slots = slots;
		p.reorder_hold_ms = 5;
		memset(&r, 0, sizeof(r));
		struct gre_flow *f = gre_flow_new(&p, rec_deliver, &r);
		assert_non_null(f);

		uint64_t now = 1000;
		for (size_t k = 0; k < n; k++) {
			if (lossy) {
				now += rng() % 3;
				if (gre_flow_next_deadline(f) <= now)
					gre_flow_on_timer(f, now);
				uint32_t ack;
				(void)gre_flow_take_ack(f, now, &ack);
			}
			uint32_t seq = start + arr[k].idx;
			size_t len = 4 + rng() % 60;
			if (rng() % 50 == 0)
				len = sizeof(payload);
			struct gre_hdr h = { .has_seq = true, .seq = seq };
			h.payload_len = (uint16_t)make_payload(payload, seq, len);
			gre_flow_rx(f, &h, payload, now);
			memset(payload, 0xEE, sizeof(payload));
		}
		gre_flow_on_timer(f, now + 1000);
		uint32_t last_ack;
		if (r.n) {
			/* the final ack names the last packet delivered */
			assert_true(gre_flow_take_ack(f, now + 2000, &last_ack) ||
				    gre_flow_ack_deadline(f) == UINT64_MAX);
		}
		/* the reorder slots' storage goes once the flow is quiet */
		gre_flow_on_timer(f, now + 2000 + GRE_FLOW_STORE_KEEP_MS);
		assert_false(gre_flow_has_store(f));
		/* nothing held, nothing owed */
		assert_int_equal(gre_flow_next_deadline(f), UINT64_MAX);

		/* strictly increasing (serial order), hence no duplicates */
		for (size_t i = 1; i < r.n; i++)
			assert_true(seq_gt(r.seq[i], r.seq[i - 1]));
		for (size_t i = 0; i < r.n; i++)
			assert_true((uint32_t)(r.seq[i] - start) < FUZZ_PKTS);

		const struct gre_flow_stats *st = gre_flow_stats(f);
		assert_int_equal(st->rx_packets, n);
		assert_int_equal(st->rx_delivered, r.n);
		assert_int_equal(st->rx_packets,
				 st->rx_delivered + st->rx_duplicates + st->rx_old + st->rx_too_big);
		assert_int_equal(st->rx_too_big, 0);
		if (r.n)
			assert_int_equal((uint32_t)(r.seq[r.n - 1] - r.seq[0]) + 1,
					 st->rx_delivered + st->rx_lost);

		if (!lossy) {
			/* no loss, displacement < N, hold never expired: all, once, in order */
			assert_int_equal(r.n, FUZZ_PKTS);
			for (size_t i = 0; i < r.n; i++)
				assert_int_equal(r.seq[i], start + (uint32_t)i);
			assert_int_equal(st->rx_lost, 0);
			assert_int_equal(st->rx_duplicates, 0);
			assert_int_equal(st->rx_old, 0);
			assert_int_equal(st->rx_resyncs, 0);
		}
		gre_flow_free(f);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(in_order_without_copy),
		cmocka_unit_test(in_order_never_allocates_slots),
		cmocka_unit_test(slots_allocated_on_demand_and_released),
		cmocka_unit_test(starts_anywhere),
		cmocka_unit_test(swap_is_reordered),
		cmocka_unit_test(gap_given_up_after_hold),
		cmocka_unit_test(duplicates_and_old_dropped),
		cmocka_unit_test(far_ahead_resyncs),
		cmocka_unit_test(full_buffer_flushes),
		cmocka_unit_test(wrap_inside_buffer),
		cmocka_unit_test(no_reordering_with_zero_slots),
		cmocka_unit_test(peer_restart_resyncs),
		cmocka_unit_test(far_outside_window_dropped),
		cmocka_unit_test(odd_packets),
		cmocka_unit_test(bad_params_refused),
		cmocka_unit_test(ack_piggybacked),
		cmocka_unit_test(ack_only_after_delay),
		cmocka_unit_test(ack_early_at_half_window),
		cmocka_unit_test(tx_seq_starts_at_one),
		cmocka_unit_test(window_respected),
		cmocka_unit_test(non_acking_peer_not_stalled),
		cmocka_unit_test(ack_timeout_reopens_window),
		cmocka_unit_test(rtt_estimate_bounded),
		cmocka_unit_test(bad_acks_ignored),
		cmocka_unit_test(randomized_reordering),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
