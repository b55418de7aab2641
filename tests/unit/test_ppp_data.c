/*
 * common/ppp/ppp_data: a data-path worker's framing and MPPE, apart from
 * the link. Round trips through every framing (PFC, ACFC) with and
 * without MPPE, the sorting of what is not IPv4 data (control frames
 * untouched, bad headers, plain IP while MPPE is up, something else
 * inside MPPE, a truncated MPPE header, a replay). The move of a running
 * link's state (ppp_data_export/restore) is in test_ppp.c.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "common/crypto.h"
#include "common/ppp/ppp.h"
#include "common/ppp/ppp_data.h"
#include "common/ppp/ppp_defs.h"

static const uint8_t KEY[MPPE_KEY_LEN_MAX] = {
	0x8B, 0x7C, 0xDC, 0x14, 0x9B, 0x99, 0x3A, 0x1B,
	0xA1, 0x18, 0xCB, 0x15, 0x3F, 0x56, 0xDC, 0xCB,
};

enum { ROOM = 16, PKT = 100 };

/* An IPv4-looking packet at buf + ROOM, numbered n. */
static uint8_t *packet(uint8_t buf[static ROOM + PKT], unsigned n)
{
	uint8_t *p = buf + ROOM;
	memset(buf, 0xEE, ROOM);
	for (size_t i = 0; i < PKT; i++)
		p[i] = (uint8_t)(n * 7 + i);
	p[0] = 0x45;
	return p;
}

/* A sender's and a receiver's state with the same key. */
static void pair(struct ppp_data *tx, struct ppp_data *rx, bool mppe, bool pfc, bool acfc)
{
	memset(tx, 0, sizeof(*tx));
	memset(rx, 0, sizeof(*rx));
	tx->mppe = rx->mppe = mppe;
	tx->pfc = rx->pfc = pfc;
	tx->acfc = rx->acfc = acfc;
	if (mppe) {
		assert_true(mppe_tx_init(&tx->tx, KEY, 128, false));
		assert_true(mppe_rx_init(&rx->rx, KEY, 128, false));
		/* each side's other direction, unused here but freed */
		assert_true(mppe_rx_init(&tx->rx, KEY, 128, false));
		assert_true(mppe_tx_init(&rx->tx, KEY, 128, false));
	}
}

static void round_trips(void **state)
{
	(void)state;
	for (int mode = 0; mode < 8; mode++) {
		bool mppe = mode & 1, pfc = mode & 2, acfc = mode & 4;
		struct ppp_data a, b;
		pair(&a, &b, mppe, pfc, acfc);
		for (unsigned n = 0; n < 20; n++) {
			uint8_t buf[ROOM + PKT], want[PKT];
			uint8_t *p = packet(buf, n), *ip = NULL;
			size_t len = PKT, iplen = 0;
			memcpy(want, p, PKT);
			uint8_t *f = ppp_data_wrap(mppe ? &a.tx : NULL, pfc, acfc, PPP_PROTO_IP, p, &len);
			/* the header is exactly what the framing asks for */
			size_t hdr = (acfc ? 0 : 2) + (pfc ? 1 : 2) + (mppe ? 2 + (pfc ? 1 : 2) : 0);
			assert_int_equal(p - f, hdr);
			assert_int_equal(len, PKT + hdr);
			assert_int_equal(f[0] == 0xFF, !acfc);
			if (mppe)
				assert_memory_not_equal(f + hdr, want, 16); /* encrypted */
			assert_int_equal(ppp_data_unwrap(&b, f, len, 0, &ip, &iplen), PPP_DATA_IPV4);
			assert_int_equal(iplen, PKT);
			assert_memory_equal(ip, want, PKT);
		}
		ppp_data_free(&a);
		ppp_data_free(&b);
	}
}

static void sorting(void **state)
{
	(void)state;
	struct ppp_data a, b, plain;
	uint8_t *ip;
	size_t n;
	pair(&a, &b, true, false, false);
	memset(&plain, 0, sizeof(plain));

	/* LCP Echo-Reply: the link's, untouched */
	uint8_t lcp[] = { 0xFF, 0x03, 0xC0, 0x21, 0x0A, 0x01, 0x00, 0x08, 1, 2, 3, 4 };
	uint8_t copy[sizeof(lcp)];
	memcpy(copy, lcp, sizeof(lcp));
	assert_int_equal(ppp_data_unwrap(&b, lcp, sizeof(lcp), 0, &ip, &n), PPP_DATA_CONTROL);
	assert_memory_equal(lcp, copy, sizeof(lcp));
	/* CCP (a Reset-Request) and IPCP too, compressed or not */
	uint8_t ccp[] = { 0x80, 0xFD, 0x0E, 0x01, 0x00, 0x04 };
	assert_int_equal(ppp_data_unwrap(&b, ccp, sizeof(ccp), 0, &ip, &n), PPP_DATA_CONTROL);
	/* bad headers: FF not followed by 03, an even low protocol octet,
	 * nothing at all, too long */
	uint8_t bad1[] = { 0xFF, 0x04, 0x00, 0x21 };
	uint8_t bad2[] = { 0x00, 0x20, 0x45 };
	uint8_t big[PPP_FRAME_MAX + 1] = { 0x21 };
	assert_int_equal(ppp_data_unwrap(&b, bad1, sizeof(bad1), 0, &ip, &n), PPP_DATA_BAD);
	assert_int_equal(ppp_data_unwrap(&b, bad2, sizeof(bad2), 0, &ip, &n), PPP_DATA_BAD);
	assert_int_equal(ppp_data_unwrap(&b, bad1, 0, 0, &ip, &n), PPP_DATA_BAD);
	assert_int_equal(ppp_data_unwrap(&b, big, sizeof(big), 0, &ip, &n), PPP_DATA_BAD);
	/* plain IP while MPPE is up: dropped; without MPPE: data */
	uint8_t pip[] = { 0x21, 0x45, 0, 0, 20 };
	assert_int_equal(ppp_data_unwrap(&b, pip, sizeof(pip), 0, &ip, &n), PPP_DATA_DROP);
	assert_int_equal(ppp_data_unwrap(&plain, pip, sizeof(pip), 0, &ip, &n), PPP_DATA_IPV4);
	assert_ptr_equal(ip, pip + 1);
	plain.mppe_required = true;
	assert_int_equal(ppp_data_unwrap(&plain, pip, sizeof(pip), 0, &ip, &n), PPP_DATA_DROP);
	/* MPPE without MPPE up: not data, the link's to refuse */
	uint8_t comp[] = { 0x00, 0xFD, 0x90, 0x00, 1, 2, 3 };
	plain.mppe_required = false;
	assert_int_equal(ppp_data_unwrap(&plain, comp, sizeof(comp), 0, &ip, &n), PPP_DATA_CONTROL);
	/* a truncated MPPE header */
	uint8_t shortc[] = { 0x00, 0xFD, 0x90 };
	assert_int_equal(ppp_data_unwrap(&b, shortc, sizeof(shortc), 0, &ip, &n), PPP_DATA_BAD);
	/* IPv6 inside MPPE: not for a worker (sessions with IPv6 stay on the
	 * main loop) */
	uint8_t buf[ROOM + PKT];
	uint8_t *p = packet(buf, 1);
	size_t len = PKT;
	uint8_t *f = ppp_data_wrap(&a.tx, false, false, PPP_PROTO_IPV6, p, &len);
	assert_int_equal(ppp_data_unwrap(&b, f, len, 0, &ip, &n), PPP_DATA_DROP);
	/* a replayed packet (stateless: the same count again) is dropped */
	p = packet(buf, 2);
	len = PKT;
	f = ppp_data_wrap(&a.tx, false, false, PPP_PROTO_IP, p, &len);
	uint8_t again[ROOM + PKT + 8];
	memcpy(again, f, len);
	assert_int_equal(ppp_data_unwrap(&b, f, len, 0, &ip, &n), PPP_DATA_IPV4);
	assert_int_equal(ppp_data_unwrap(&b, again, len, 0, &ip, &n), PPP_DATA_DROP);
	ppp_data_free(&a);
	ppp_data_free(&b);
}

static int setup(void **state)
{
	char err[256];
	(void)state;
	return crypto_init(err, sizeof(err)) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	crypto_shutdown();
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(round_trips),
		cmocka_unit_test(sorting),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
