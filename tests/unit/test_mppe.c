/* MPPE: RFC 3079 3.5 session-key vectors from tests/unit/data/vectors.txt, and the
 * packet path (Linux ppp_mppe rules) in every mode, with loss, wrap,
 * replays and bad headers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "common/crypto.h"
#include "common/mschap.h"
#include "common/ppp/mppe.h"

#include "tests/unit/support/vectors.h"

#include "tests/unit/support/ossl_allocs.h"


#define TEST_MSG "rfc3079.3.5.1.Message.ascii"

/* The first session key of each direction, from the RFC 3079 3.5 start
 * keys (the start keys themselves are tested with common/mschap.c). */
static void initial_session_keys(void **state)
{
	(void)state;
	uint8_t k[16];
	mppe_initial_session_key(vec("derived.ServerRecvStartKey128", 16), 128, k);
	assert_memory_equal(k, vec("derived.ServerRecvSessionKey128", 16), 16);
}

static void session_keys_and_salt(void **state)
{
	(void)state;
	uint8_t start[16] = { 0 }, k[16];

	assert_int_equal(mppe_key_len(40), 8);
	assert_int_equal(mppe_key_len(56), 8);
	assert_int_equal(mppe_key_len(128), 16);
	assert_int_equal(mppe_key_len(64), 0);

	memcpy(start, vec("rfc3079.3.5.1.SendStartKey40", 8), 8);
	GetNewKeyFromSHA(start, start, 8, k);
	assert_memory_equal(k, vec("derived.SendSessionKey40.unsalted", 8), 8);
	mppe_initial_session_key(start, 40, k);
	assert_memory_equal(k, vec("rfc3079.3.5.1.SendSessionKey40", 8), 8);
	assert_memory_equal(k, vec("const.rfc3079.salt40", 3), 3);

	memcpy(start, vec("rfc3079.3.5.2.SendStartKey56", 8), 8);
	mppe_initial_session_key(start, 56, k);
	assert_memory_equal(k, vec("rfc3079.3.5.2.SendSessionKey56", 8), 8);
	assert_memory_equal(k, vec("const.rfc3079.salt56", 1), 1);
	/* 56-bit salts only the first octet: the rest is the unsalted key */
	assert_memory_equal(k + 1, vec("derived.SendSessionKey40.unsalted", 8) + 1, 7);

	memcpy(start, vec("rfc3079.3.5.3.SendStartKey128", 16), 16);
	mppe_initial_session_key(start, 128, k);
	assert_memory_equal(k, vec("rfc3079.3.5.3.SendSessionKey128", 16), 16);
}

static void rc4_test_messages(void **state)
{
	(void)state;
	size_t n = vec_len(TEST_MSG);
	uint8_t out[64];
	struct rc4 *s = rc4_new();
	assert_non_null(s);
	assert_true(n <= sizeof(out));

	rc4_setkey(s, vec("rfc3079.3.5.1.SendSessionKey40", 8), 8);
	rc4_crypt(s, vec(TEST_MSG, n), out, n);
	assert_memory_equal(out, vec("rfc3079.3.5.1.rc4(SendSessionKey40,\"test message\")", n), n);

	rc4_setkey(s, vec("rfc3079.3.5.2.SendSessionKey56", 8), 8);
	rc4_crypt(s, vec(TEST_MSG, n), out, n);
	assert_memory_equal(out,
		vec("rfc3079.3.5.2.rc4(SendSessionKey56,\"test message\").correct", n), n);
	/* the RFC's printed value has a typo */
	assert_memory_not_equal(out,
		vec("rfc3079.3.5.2.rc4(SendSessionKey56,\"test message\").as_printed", n), n);

	rc4_setkey(s, vec("rfc3079.3.5.3.SendSessionKey128", 16), 16);
	rc4_crypt(s, vec(TEST_MSG, n), out, n);
	assert_memory_equal(out, vec("rfc3079.3.5.3.rc4(SendSessionKey128,\"test message\")", n), n);
	rc4_free(s);
}

/* The first stateful packet uses the initial session key as it is (no
 * re-key, no FLUSHED bit), so it must equal the RFC's RC4 examples. */
static void first_stateful_packet_is_rfc_example(void **state)
{
	(void)state;
	static const struct { unsigned bits; const char *start, *ct; } v[] = {
		{ 40, "rfc3079.3.5.1.SendStartKey40",
		  "rfc3079.3.5.1.rc4(SendSessionKey40,\"test message\")" },
		{ 56, "rfc3079.3.5.2.SendStartKey56",
		  "rfc3079.3.5.2.rc4(SendSessionKey56,\"test message\").correct" },
		{ 128, "rfc3079.3.5.3.SendStartKey128",
		  "rfc3079.3.5.3.rc4(SendSessionKey128,\"test message\")" },
	};
	size_t n = vec_len(TEST_MSG);
	for (size_t i = 0; i < 3; i++) {
		struct mppe_tx tx;
		struct mppe_rx rx;
		uint8_t start[16] = { 0 }, hdr[2], buf[64];
		memcpy(start, vec(v[i].start, 0), mppe_key_len(v[i].bits));
		assert_true(mppe_tx_init(&tx, start, v[i].bits, true));
		assert_true(mppe_rx_init(&rx, start, v[i].bits, true));
		memcpy(buf, vec(TEST_MSG, n), n);
		mppe_tx_encrypt(&tx, hdr, buf, n);
		assert_int_equal(hdr[0], MPPE_BIT_D);
		assert_int_equal(hdr[1], 0);
		assert_memory_equal(buf, vec(v[i].ct, n), n);
		assert_int_equal(mppe_rx_decrypt(&rx, hdr, buf, n, 0), MPPE_RX_OK);
		assert_memory_equal(buf, vec(TEST_MSG, n), n);
		mppe_tx_free(&tx);
		mppe_rx_free(&rx);
	}
}

/* Stateless: even the first packet is re-keyed once (ChangeKey computed
 * here from the RFC functions and a separate RC4 state). */
static void first_stateless_packet_is_rekeyed(void **state)
{
	(void)state;
	size_t n = vec_len(TEST_MSG);
	uint8_t start[16], key[16], interim[16], hdr[2], buf[64], exp[64];
	struct rc4 *s = rc4_new();
	struct mppe_tx tx;
	assert_non_null(s);

	memcpy(start, vec("rfc3079.3.5.3.SendStartKey128", 16), 16);
	memcpy(key, vec("rfc3079.3.5.3.SendSessionKey128", 16), 16);
	GetNewKeyFromSHA(start, key, 16, interim);
	rc4_setkey(s, interim, 16);
	rc4_crypt(s, interim, key, 16);
	rc4_setkey(s, key, 16);
	rc4_crypt(s, vec(TEST_MSG, n), exp, n);

	assert_true(mppe_tx_init(&tx, start, 128, false));
	memcpy(buf, vec(TEST_MSG, n), n);
	mppe_tx_encrypt(&tx, hdr, buf, n);
	assert_int_equal(hdr[0], MPPE_BIT_A | MPPE_BIT_D);
	assert_int_equal(hdr[1], 0);
	assert_memory_equal(buf, exp, n);
	assert_memory_not_equal(buf, vec("rfc3079.3.5.3.rc4(SendSessionKey128,\"test message\")", n), n);
	mppe_tx_free(&tx);
	rc4_free(s);
}

/* ---- packet path helpers ---- */

static uint64_t rng = 0x9E3779B97F4A7C15u;

static uint32_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)rng;
}

struct pkt {
	uint8_t hdr[2];
	uint8_t data[1500];
	uint8_t plain[1500];
	size_t len;
};

static void make_packet(struct mppe_tx *tx, struct pkt *p)
{
	p->len = 1 + rnd() % 1400;
	for (size_t i = 0; i < p->len; i++)
		p->plain[i] = (uint8_t)rnd();
	memcpy(p->data, p->plain, p->len);
	mppe_tx_encrypt(tx, p->hdr, p->data, p->len);
}

static uint64_t t_now; /* the time deliver_ok() passes, milliseconds */

static void deliver_ok(struct mppe_rx *rx, struct pkt *p)
{
	enum mppe_rx_result r = mppe_rx_decrypt(rx, p->hdr, p->data, p->len, t_now);
	if (r != MPPE_RX_OK)
		fail_msg("count %u: %s", mppe_ccount(p->hdr), mppe_rx_result_name(r));
	assert_memory_equal(p->data, p->plain, p->len);
}

static void pair_init(struct mppe_tx *tx, struct mppe_rx *rx, unsigned bits, bool stateful)
{
	uint8_t start[16];
	memcpy(start, vec("rfc3079.3.5.3.SendStartKey128", 16), 16);
	assert_true(mppe_tx_init(tx, start, bits, stateful));
	assert_true(mppe_rx_init(rx, start, bits, stateful));
}

static void pair_free(struct mppe_tx *tx, struct mppe_rx *rx)
{
	mppe_tx_free(tx);
	mppe_rx_free(rx);
}

static void round_trip_all_modes_past_wrap(void **state)
{
	(void)state;
	static const unsigned bits[] = { 40, 56, 128 };
	static struct pkt p;
	for (int stateful = 0; stateful < 2; stateful++) {
		for (size_t b = 0; b < 3; b++) {
			struct mppe_tx tx;
			struct mppe_rx rx;
			pair_init(&tx, &rx, bits[b], stateful);
			for (unsigned i = 0; i < 5000; i++) {
				make_packet(&tx, &p);
				unsigned cc = i % MPPE_CCOUNT_SPACE;
				assert_int_equal(mppe_ccount(p.hdr), cc);
				bool flag = !stateful || (cc & 0xFF) == 0xFF;
				assert_int_equal(p.hdr[0] & 0xF0,
						 MPPE_BIT_D | (flag ? MPPE_BIT_A : 0));
				if (p.len > 8)
					assert_memory_not_equal(p.data, p.plain, p.len);
				deliver_ok(&rx, &p);
			}
			assert_int_equal(rx.packets, 5000);
			assert_int_equal(tx.rekeys, stateful ? 5000 / 256 : 5000);
			assert_int_equal(rx.rekeys, tx.rekeys);
			pair_free(&tx, &rx);
		}
	}
}

/* A mismatched key must not decrypt: a pair with different start keys. */
static void different_keys_do_not_decrypt(void **state)
{
	(void)state;
	static struct pkt p;
	struct mppe_tx tx;
	struct mppe_rx rx;
	uint8_t other[16];
	pair_init(&tx, &rx, 128, false);
	mppe_rx_free(&rx);
	memcpy(other, vec("derived.ServerRecvStartKey128", 16), 16);
	assert_true(mppe_rx_init(&rx, other, 128, false));
	make_packet(&tx, &p);
	while (p.len < 16)
		make_packet(&tx, &p);
	assert_int_equal(mppe_rx_decrypt(&rx, p.hdr, p.data, p.len, 0), MPPE_RX_OK);
	assert_memory_not_equal(p.data, p.plain, p.len);
	pair_free(&tx, &rx);
}

static void stateful_recovery(unsigned lost)
{
	static struct pkt p;
	struct mppe_tx tx;
	struct mppe_rx rx;
	pair_init(&tx, &rx, 128, true);
	for (int i = 0; i < 10; i++) {
		make_packet(&tx, &p);
		deliver_ok(&rx, &p);
	}
	for (unsigned i = 0; i < lost; i++)
		make_packet(&tx, &p); /* lost on the wire */
	make_packet(&tx, &p);
	{
		/* Even a FLUSHED packet is refused when it is not the expected
		 * one: the gap must be reported first (as Linux does). */
		uint8_t copy[1500];
		memcpy(copy, p.data, p.len);
		assert_int_equal(mppe_rx_decrypt(&rx, p.hdr, p.data, p.len, 0), MPPE_RX_RESET_NEEDED);
		assert_memory_equal(p.data, copy, p.len); /* not decrypted */
		assert_int_equal(rx.resets, 1);
		/* packets in flight before the peer sees our Reset-Request */
		bool synced = false;
		for (int i = 0; i < 3; i++) {
			make_packet(&tx, &p);
			if (synced || p.hdr[0] & MPPE_BIT_A) {
				deliver_ok(&rx, &p); /* a flag packet ended the discard */
				synced = true;
			} else {
				assert_int_equal(mppe_rx_decrypt(&rx, p.hdr, p.data, p.len, 0),
						 MPPE_RX_DISCARD);
			}
		}
		/* a repeated Reset-Request before the next packet: one re-key only */
		uint64_t rekeys = tx.rekeys;
		mppe_tx_reset(&tx);
		mppe_tx_reset(&tx);
		make_packet(&tx, &p);
		assert_true(p.hdr[0] & MPPE_BIT_A);
		assert_int_equal(tx.rekeys, rekeys + 1);
		deliver_ok(&rx, &p);
	}
	for (int i = 0; i < 600; i++) {
		make_packet(&tx, &p);
		deliver_ok(&rx, &p);
	}
	pair_free(&tx, &rx);
}

static void stateful_recovery_after_loss(void **state)
{
	(void)state;
	/* A loss of a whole 4096-packet cycle cannot be seen in a 12-bit
	 * count (nor by Linux), hence no bigger loss here. */
	static const unsigned losses[] = { 1, 2, 244, 245, 246, 255, 256, 257, 1000, 3000, 4000 };
	for (size_t i = 0; i < sizeof(losses) / sizeof(losses[0]); i++)
		stateful_recovery(losses[i]);
}

/* No Reset-Request at all: the next flag packet (xxFF, FLUSHED) resyncs. */
static void stateful_resync_at_flag_packet(void **state)
{
	(void)state;
	static struct pkt p;
	struct mppe_tx tx;
	struct mppe_rx rx;
	pair_init(&tx, &rx, 40, true);
	for (int i = 0; i < 20; i++) {
		make_packet(&tx, &p);
		deliver_ok(&rx, &p);
	}
	for (int i = 0; i < 300; i++)
		make_packet(&tx, &p); /* lost, across the 0xFF flag packet */
	make_packet(&tx, &p);
	assert_int_equal(mppe_rx_decrypt(&rx, p.hdr, p.data, p.len, 0), MPPE_RX_RESET_NEEDED);
	for (;;) {
		make_packet(&tx, &p);
		if ((mppe_ccount(p.hdr) & 0xFF) == 0xFF)
			break;
		assert_int_equal(mppe_rx_decrypt(&rx, p.hdr, p.data, p.len, 0), MPPE_RX_DISCARD);
	}
	deliver_ok(&rx, &p);
	for (int i = 0; i < 10; i++) {
		make_packet(&tx, &p);
		deliver_ok(&rx, &p);
	}
	pair_free(&tx, &rx);
}

static void stateless_catches_up_over_loss(void **state)
{
	(void)state;
	static const unsigned losses[] = { 1, 2, 255, 256, 1000, MPPE_RX_MAX_JUMP - 1 };
	static struct pkt p;
	struct mppe_tx tx;
	struct mppe_rx rx;
	pair_init(&tx, &rx, 128, false);
	for (size_t i = 0; i < sizeof(losses) / sizeof(losses[0]); i++) {
		t_now += 1000; /* a full budget each time */
		make_packet(&tx, &p);
		deliver_ok(&rx, &p);
		for (unsigned k = 0; k < losses[i]; k++)
			make_packet(&tx, &p);
		make_packet(&tx, &p);
		uint64_t before = rx.rekeys;
		deliver_ok(&rx, &p);
		assert_int_equal(rx.rekeys - before, losses[i] + 1); /* one per count */
	}
	assert_int_equal(rx.refused, 0);
	pair_free(&tx, &rx);
}

/* A copy of p claiming count cc (flags as a stateless sender sets them). */
static struct pkt forged(const struct pkt *p, unsigned cc, uint8_t flags)
{
	struct pkt f = *p;
	cc %= MPPE_CCOUNT_SPACE;
	f.hdr[0] = (uint8_t)(flags | cc >> 8);
	f.hdr[1] = (uint8_t)cc;
	return f;
}

static enum mppe_rx_result rx_at(struct mppe_rx *rx, struct pkt *p, uint64_t now)
{
	return mppe_rx_decrypt(rx, p->hdr, p->data, p->len, now);
}

/* Issue 10 item 3: a packet more than MPPE_RX_MAX_JUMP ahead is refused
 * before any re-key (the re-key count does not move), the data is left as
 * it is, and the receive state is unchanged: the peer's real next packet
 * still decrypts. MPPE_RX_MAX_JUMP itself is accepted. */
static void stateless_jump_bound_refused_before_rekey(void **state)
{
	(void)state;
	static struct pkt p, q;
	struct mppe_tx tx;
	struct mppe_rx rx;
	const uint8_t ad = MPPE_BIT_A | MPPE_BIT_D;
	pair_init(&tx, &rx, 128, false);
	t_now = 1000;
	make_packet(&tx, &p);
	deliver_ok(&rx, &p); /* count 0 */

	for (unsigned jump = MPPE_RX_MAX_JUMP + 1; jump < MPPE_CCOUNT_SPACE / 2; jump += 341) {
		struct pkt f = forged(&p, jump, ad);
		uint64_t rekeys = rx.rekeys;
		assert_int_equal(rx_at(&rx, &f, t_now), MPPE_RX_REFUSED);
		assert_int_equal(rx.rekeys, rekeys);
		assert_memory_equal(f.data, p.data, p.len);
	}
	struct pkt f = forged(&p, MPPE_CCOUNT_SPACE / 2, ad);
	assert_int_equal(rx_at(&rx, &f, t_now), MPPE_RX_REFUSED);
	assert_int_equal(rx.refused, 4);
	assert_int_equal(rx.max_jump, MPPE_CCOUNT_SPACE / 2);
	assert_int_equal(rx.rekeys, 1);
	assert_int_equal(rx.catchup_rekeys, 0);
	assert_int_equal(rx.sanity_errors, 0); /* no bogon: nothing fatal from here */

	make_packet(&tx, &q);
	deliver_ok(&rx, &q); /* count 1: the state did not move */
	for (unsigned k = 0; k < MPPE_RX_MAX_JUMP - 1; k++)
		make_packet(&tx, &q);
	make_packet(&tx, &q); /* exactly MPPE_RX_MAX_JUMP ahead */
	deliver_ok(&rx, &q);
	assert_int_equal(rx.catchup_rekeys, MPPE_RX_MAX_JUMP - 1);
	assert_int_equal(rx.rekeys, 2 + MPPE_RX_MAX_JUMP);
	pair_free(&tx, &rx);
}

/* The catch-up budget: MPPE_REKEY_BURST at once, MPPE_REKEY_RATE a second
 * after that; a packet it cannot pay for is refused without re-keys and can
 * be paid for later. Packets in sequence never touch it. */
static void stateless_rekey_budget(void **state)
{
	(void)state;
	static struct pkt p;
	struct mppe_tx tx;
	struct mppe_rx rx;
	const unsigned jump = MPPE_RX_MAX_JUMP; /* costs jump - 1 */
	const unsigned afford = MPPE_REKEY_BURST / (jump - 1);
	pair_init(&tx, &rx, 128, false);
	t_now = 5000;
	for (unsigned i = 0; i < 3000; i++) { /* in sequence: free */
		make_packet(&tx, &p);
		deliver_ok(&rx, &p);
	}
	assert_int_equal(rx.catchup_rekeys, 0);

	for (unsigned n = 0; n < afford; n++) {
		for (unsigned k = 0; k < jump - 1; k++)
			make_packet(&tx, &p);
		make_packet(&tx, &p);
		deliver_ok(&rx, &p);
	}
	assert_int_equal(rx.catchup_rekeys, (uint64_t)afford * (jump - 1));
	/* the bucket is spent: the next such packet is refused, and its copy
	 * too, with no re-key work */
	for (unsigned k = 0; k < jump - 1; k++)
		make_packet(&tx, &p);
	make_packet(&tx, &p);
	struct pkt copy = p;
	uint64_t rekeys = rx.rekeys;
	assert_int_equal(rx_at(&rx, &p, t_now), MPPE_RX_REFUSED);
	t_now += 10;
	assert_int_equal(rx_at(&rx, &p, t_now), MPPE_RX_REFUSED);
	assert_int_equal(rx.rekeys, rekeys);
	assert_memory_equal(p.data, copy.data, p.len);
	/* half a second later MPPE_REKEY_RATE / 2 more: enough for it */
	t_now += 500;
	deliver_ok(&rx, &p);
	assert_int_equal(rx.rekeys, rekeys + jump);
	assert_int_equal(rx.refused, 2);
	pair_free(&tx, &rx);
}

/* Refusals that go on with no pause over a second for MPPE_ABUSE_MS are
 * abuse (the link is then closed by the caller); a longer pause starts a
 * new run; valid packets in between do not. */
static void refusals_kept_up_are_abuse(void **state)
{
	(void)state;
	static struct pkt p;
	struct mppe_tx tx;
	struct mppe_rx rx;
	const uint8_t ad = MPPE_BIT_A | MPPE_BIT_D;
	pair_init(&tx, &rx, 128, false);
	t_now = 100000;
	make_packet(&tx, &p);
	deliver_ok(&rx, &p);

	struct pkt f = forged(&p, 2000, ad);
	uint64_t t0 = t_now;
	assert_int_equal(rx_at(&rx, &f, t0), MPPE_RX_REFUSED);
	assert_int_equal(rx_at(&rx, &f, t0 + 1500), MPPE_RX_REFUSED); /* pause: new run */
	t0 += 1500;
	for (uint64_t t = t0 + 900; t < t0 + MPPE_ABUSE_MS; t += 900) {
		t_now = t;
		make_packet(&tx, &p);
		deliver_ok(&rx, &p); /* a good packet does not end the run */
		f = forged(&p, mppe_ccount(p.hdr) + 1500, ad);
		assert_int_equal(rx_at(&rx, &f, t), MPPE_RX_REFUSED);
	}
	assert_int_equal(rx_at(&rx, &f, t0 + MPPE_ABUSE_MS), MPPE_RX_ABUSE);
	assert_int_equal(rx_at(&rx, &f, t0 + MPPE_ABUSE_MS + 1), MPPE_RX_ABUSE);
	assert_int_equal(rx.refused, 2 + (MPPE_ABUSE_MS - 1) / 900 + 2);
	assert_int_equal(rx.catchup_rekeys, 0);
	pair_free(&tx, &rx);
}

/* Stateful: a flushed packet after loss re-keys once per flag packet
 * missed (at most 15); those come out of the same budget. */
static void stateful_resync_charges_the_budget(void **state)
{
	(void)state;
	static struct pkt p;
	struct mppe_tx tx;
	struct mppe_rx rx;
	pair_init(&tx, &rx, 128, true);
	t_now = 7000;
	make_packet(&tx, &p);
	deliver_ok(&rx, &p); /* count 0; the next expected is 1 */
	unsigned expect = 1, ok = 0;
	enum mppe_rx_result r = MPPE_RX_OK;
	for (unsigned i = 0; i < 400 && r != MPPE_RX_REFUSED; i++) {
		/* a gap (discard state), then a flushed packet 15 flag packets on */
		struct pkt gap = forged(&p, expect + 1, MPPE_BIT_D);
		assert_int_equal(rx_at(&rx, &gap, t_now), MPPE_RX_RESET_NEEDED);
		struct pkt f = forged(&p, expect + 15 * 256, MPPE_BIT_A | MPPE_BIT_D);
		uint64_t rekeys = rx.rekeys;
		r = rx_at(&rx, &f, t_now);
		if (r == MPPE_RX_OK) {
			assert_int_equal(rx.rekeys, rekeys + 16);
			expect = (expect + 15 * 256 + 1) % MPPE_CCOUNT_SPACE;
			ok++;
		} else {
			assert_int_equal(r, MPPE_RX_REFUSED);
			assert_int_equal(rx.rekeys, rekeys);
			assert_true(rx.discard); /* still waiting for a flushed packet */
		}
	}
	assert_int_equal(ok, MPPE_REKEY_BURST / 15);
	assert_int_equal(rx.catchup_rekeys, (uint64_t)ok * 15);
	pair_free(&tx, &rx);
}

static void stateless_rejects_late_and_replayed(void **state)
{
	(void)state;
	static struct pkt p[12], wire[12];
	struct mppe_tx tx;
	struct mppe_rx rx;
	pair_init(&tx, &rx, 128, false);
	for (int i = 0; i < 12; i++) {
		make_packet(&tx, &p[i]);
		wire[i] = p[i]; /* what an attacker recorded */
	}
	for (int i = 0; i < 10; i++)
		deliver_ok(&rx, &p[i]);

	struct pkt r = wire[9]; /* duplicate of the last packet */
	assert_int_equal(mppe_rx_decrypt(&rx, r.hdr, r.data, r.len, 0), MPPE_RX_DROP);
	assert_memory_equal(r.data, wire[9].data, r.len);
	r = wire[5]; /* older */
	assert_int_equal(mppe_rx_decrypt(&rx, r.hdr, r.data, r.len, 0), MPPE_RX_DROP);
	assert_memory_equal(r.data, wire[5].data, r.len);
	/* 2049 ahead == 2047 behind: outside the window, late */
	r = wire[0];
	unsigned cc = (9 + 2049) % MPPE_CCOUNT_SPACE;
	r.hdr[0] = (uint8_t)(MPPE_BIT_A | MPPE_BIT_D | cc >> 8);
	r.hdr[1] = (uint8_t)cc;
	assert_int_equal(mppe_rx_decrypt(&rx, r.hdr, r.data, r.len, 0), MPPE_RX_DROP);
	assert_int_equal(rx.dropped, 3);
	assert_int_equal(rx.rekeys, 10);
	/* the state did not move: the next packets still decrypt */
	deliver_ok(&rx, &p[10]);
	deliver_ok(&rx, &p[11]);
	pair_free(&tx, &rx);
}

static void stateful_duplicate_is_not_data(void **state)
{
	(void)state;
	static struct pkt p[6], wire[6];
	struct mppe_tx tx;
	struct mppe_rx rx;
	pair_init(&tx, &rx, 128, true);
	for (int i = 0; i < 5; i++) {
		make_packet(&tx, &p[i]);
		wire[i] = p[i];
		deliver_ok(&rx, &p[i]);
	}
	struct pkt r = wire[4];
	assert_int_equal(mppe_rx_decrypt(&rx, r.hdr, r.data, r.len, 0), MPPE_RX_RESET_NEEDED);
	assert_memory_equal(r.data, wire[4].data, r.len);
	make_packet(&tx, &p[5]);
	assert_int_equal(mppe_rx_decrypt(&rx, p[5].hdr, p[5].data, p[5].len, 0), MPPE_RX_DISCARD);
	mppe_tx_reset(&tx);
	make_packet(&tx, &p[5]);
	deliver_ok(&rx, &p[5]);
	pair_free(&tx, &rx);
}

static void expect_drop_then_ok(struct mppe_rx *rx, struct pkt *p, uint8_t hdr0)
{
	struct pkt bad = *p;
	bad.hdr[0] = hdr0;
	assert_int_equal(mppe_rx_decrypt(rx, bad.hdr, bad.data, bad.len, 0), MPPE_RX_DROP);
	assert_memory_equal(bad.data, p->data, p->len);
}

static void bad_flag_bits_dropped(void **state)
{
	(void)state;
	static struct pkt p;
	for (int stateful = 0; stateful < 2; stateful++) {
		struct mppe_tx tx;
		struct mppe_rx rx;
		pair_init(&tx, &rx, 128, stateful);
		for (int i = 0; i < 300; i++) {
			make_packet(&tx, &p);
			uint8_t h = p.hdr[0];
			if (i % 50 == 1 || (h & MPPE_BIT_A && stateful)) {
				expect_drop_then_ok(&rx, &p, (uint8_t)(h & ~MPPE_BIT_D));
				expect_drop_then_ok(&rx, &p, (uint8_t)(h | MPPE_BIT_C));
				if (h & MPPE_BIT_A) /* stateless, or a stateful flag packet */
					expect_drop_then_ok(&rx, &p, (uint8_t)(h & ~MPPE_BIT_A));
				assert_int_equal(mppe_rx_decrypt(&rx, p.hdr, p.data, 0, 0), MPPE_RX_DROP);
			}
			deliver_ok(&rx, &p);
		}
		assert_true(rx.dropped > 10);
		pair_free(&tx, &rx);
	}
}

static void too_many_bogons_is_fatal(void **state)
{
	(void)state;
	static struct pkt p;
	struct mppe_tx tx;
	struct mppe_rx rx;
	pair_init(&tx, &rx, 128, false);
	make_packet(&tx, &p);
	uint8_t h = p.hdr[0];
	p.hdr[0] = (uint8_t)(h & ~MPPE_BIT_D);
	for (int i = 0; i < 15; i++)
		assert_int_equal(mppe_rx_decrypt(&rx, p.hdr, p.data, p.len, 0), MPPE_RX_DROP);
	assert_int_equal(mppe_rx_decrypt(&rx, p.hdr, p.data, p.len, 0), MPPE_RX_FATAL);
	/* good packets pay the score back */
	p.hdr[0] = h;
	deliver_ok(&rx, &p);
	for (int i = 0; i < 20; i++) {
		make_packet(&tx, &p);
		deliver_ok(&rx, &p);
	}
	assert_int_equal(rx.sanity_errors, 0);
	pair_free(&tx, &rx);
}

static void packet_path_does_not_allocate(void **state)
{
	(void)state;
	static struct pkt p;
	for (int stateful = 0; stateful < 2; stateful++) {
		struct mppe_tx tx;
		struct mppe_rx rx;
		pair_init(&tx, &rx, stateful ? 40 : 128, stateful);
		long before = ossl_allocs();
		for (int i = 0; i < 600; i++) {
			make_packet(&tx, &p);
			if (i % 100 == 50)
				continue; /* loss: catch-up re-keys, resets */
			enum mppe_rx_result r = mppe_rx_decrypt(&rx, p.hdr, p.data, p.len, 0);
			if (r == MPPE_RX_RESET_NEEDED)
				mppe_tx_reset(&tx);
		}
		assert_int_equal(ossl_allocs() - before, 0);
		assert_true(rx.packets > 500);
		pair_free(&tx, &rx);
	}
}

static void invalid_bits_refused(void **state)
{
	(void)state;
	struct mppe_tx tx;
	struct mppe_rx rx;
	uint8_t start[16] = { 1 };
	assert_false(mppe_tx_init(&tx, start, 64, false));
	mppe_tx_free(&tx);
	assert_false(mppe_rx_init(&rx, start, 0, true));
	mppe_rx_free(&rx);
	assert_string_equal(mppe_rx_result_name(MPPE_RX_RESET_NEEDED), "reset-needed");
	assert_string_equal(mppe_rx_result_name(MPPE_RX_REFUSED), "refused");
	assert_string_equal(mppe_rx_result_name(MPPE_RX_ABUSE), "abuse");
	assert_int_equal(mppe_ccount_diff(3, 4090), 9);
	assert_int_equal(mppe_ccount_diff(4090, 3), 4087);
}

int main(void)
{
	assert_true(ossl_allocs_install());
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(initial_session_keys),
		cmocka_unit_test(session_keys_and_salt),
		cmocka_unit_test(rc4_test_messages),
		cmocka_unit_test(first_stateful_packet_is_rfc_example),
		cmocka_unit_test(first_stateless_packet_is_rekeyed),
		cmocka_unit_test(round_trip_all_modes_past_wrap),
		cmocka_unit_test(different_keys_do_not_decrypt),
		cmocka_unit_test(stateful_recovery_after_loss),
		cmocka_unit_test(stateful_resync_at_flag_packet),
		cmocka_unit_test(stateless_catches_up_over_loss),
		cmocka_unit_test(stateless_jump_bound_refused_before_rekey),
		cmocka_unit_test(stateless_rekey_budget),
		cmocka_unit_test(refusals_kept_up_are_abuse),
		cmocka_unit_test(stateful_resync_charges_the_budget),
		cmocka_unit_test(stateless_rejects_late_and_replayed),
		cmocka_unit_test(stateful_duplicate_is_not_data),
		cmocka_unit_test(bad_flag_bits_dropped),
		cmocka_unit_test(too_many_bogons_is_fatal),
		cmocka_unit_test(packet_path_does_not_allocate),
		cmocka_unit_test(invalid_bits_refused),
	};
	return cmocka_run_group_tests(tests, vectors_setup, vectors_teardown);
}
