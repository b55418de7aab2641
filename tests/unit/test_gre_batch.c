/*
 * common/gre_batch: what a queued packet's message carries (its
 * destination, its source as IP_PKTINFO, the GRE header and payload), what
 * gre_batch_put() refuses, the flush's callbacks for packets taken and
 * refused, and the receive side. Over loopback UDP sockets: the batch does
 * not care what protocol its socket speaks. (The server's use of it, order
 * and flush points, is unit.gre_sock.)
 */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/gre.h"
#include "common/gre_batch.h"

struct counts {
	unsigned sent, failed, last_failed;
};

static void on_sent(void *ctx, unsigned first, unsigned n)
{
	struct counts *c = ctx;
	assert_int_equal(first, c->sent + c->failed);
	c->sent += n;
}

static void on_failed(void *ctx, unsigned i)
{
	struct counts *c = ctx;
	c->failed++;
	c->last_failed = i;
}

static struct gre_hdr data_hdr(uint32_t seq, uint16_t call_id)
{
	struct gre_hdr h = { .has_seq = true, .seq = seq, .call_id = call_id };
	return h;
}

/* The message of a queued packet: destination, source, header, payload. */
static void put_fills_the_message(void **state)
{
	(void)state;
	struct gre_batch *b = malloc(sizeof(*b));
	assert_non_null(b);
	gre_batch_init(b);
	uint8_t payload[100];
	memset(payload, 0xAB, sizeof(payload));
	struct gre_hdr h = data_hdr(7, 4711);
	h.payload_len = sizeof(payload);

	assert_true(gre_batch_put(b, 0xC6336401, 0xC6336402, true, &h, payload, sizeof(payload)));
	assert_int_equal(b->ntx, 1);
	struct msghdr *m = &b->tx_msgs[0].msg_hdr;
	assert_ptr_equal(m->msg_name, &b->tx[0].to);
	assert_int_equal(b->tx[0].to.sin_addr.s_addr, htonl(0xC6336402));
	struct cmsghdr *cm = CMSG_FIRSTHDR(m);
	assert_non_null(cm);
	if (!cm)
		return;
	assert_int_equal(cm->cmsg_level, IPPROTO_IP);
	assert_int_equal(cm->cmsg_type, IP_PKTINFO);
	struct in_pktinfo pi;
	memcpy(&pi, CMSG_DATA(cm), sizeof(pi));
	assert_int_equal(pi.ipi_spec_dst.s_addr, htonl(0xC6336401));
	struct gre_hdr got;
	size_t hl;
	assert_int_equal(gre_parse(b->tx[0].pkt, b->tx_iov[0].iov_len, &got, &hl), GRE_OK);
	assert_int_equal(got.call_id, 4711);
	assert_int_equal(got.seq, 7);
	assert_int_equal(b->tx_iov[0].iov_len, hl + sizeof(payload));
	assert_memory_equal(b->tx[0].pkt + hl, payload, sizeof(payload));

	/* no source, no destination: neither in the message */
	assert_true(gre_batch_put(b, 0, 0xC6336402, false, &h, payload, sizeof(payload)));
	m = &b->tx_msgs[1].msg_hdr;
	assert_null(m->msg_name);
	assert_int_equal(m->msg_namelen, 0);
	assert_null(m->msg_control);
	assert_int_equal(m->msg_controllen, 0);
	free(b);
}

/* Too long a payload, or no free slot: refused, nothing queued. */
static void put_refuses(void **state)
{
	(void)state;
	struct gre_batch *b = malloc(sizeof(*b));
	assert_non_null(b);
	gre_batch_init(b);
	static uint8_t big[GRE_BATCH_FRAME_MAX + 1];
	struct gre_hdr h = data_hdr(1, 1);
	h.payload_len = sizeof(big);
	assert_false(gre_batch_put(b, 0, 1, true, &h, big, sizeof(big)));
	assert_int_equal(b->ntx, 0);
	h.payload_len = GRE_BATCH_FRAME_MAX;
	for (unsigned i = 0; i < GRE_BATCH_N; i++)
		assert_true(gre_batch_put(b, 0, 1, true, &h, big, GRE_BATCH_FRAME_MAX));
	assert_false(gre_batch_put(b, 0, 1, true, &h, big, 10));
	assert_int_equal(b->ntx, GRE_BATCH_N);
	free(b);
}

/* A flush sends in order and reports what the kernel took; the receiver
 * reads them back with gre_batch_recv(); a refused packet is reported by
 * its index and the rest still go. */
static void flush_and_recv(void **state)
{
	(void)state;
	struct gre_batch *tx = malloc(sizeof(*tx)), *rx = malloc(sizeof(*rx));
	assert_non_null(tx);
	assert_non_null(rx);
	gre_batch_init(tx);
	gre_batch_init(rx);
	int r = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	assert_true(r >= 0 && s >= 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	assert_int_equal(bind(r, (struct sockaddr *)&a, sizeof(a)), 0);
	socklen_t al = sizeof(a);
	assert_int_equal(getsockname(r, (struct sockaddr *)&a, &al), 0);
	assert_int_equal(connect(s, (struct sockaddr *)&a, sizeof(a)), 0);

	assert_int_equal(gre_batch_recv(rx, r), 0); /* nothing yet: 0, not an error */
	uint8_t p[3] = { 0 };
	for (uint32_t i = 0; i < 5; i++) {
		struct gre_hdr h = data_hdr(i, 9);
		p[0] = (uint8_t)i;
		h.payload_len = sizeof(p);
		assert_true(gre_batch_put(tx, 0, 0, false, &h, p, sizeof(p)));
	}
	struct counts c = { 0 };
	gre_batch_flush(tx, s, on_sent, on_failed, &c);
	assert_int_equal(c.sent, 5);
	assert_int_equal(c.failed, 0);
	assert_int_equal(tx->ntx, 0);
	int n = gre_batch_recv(rx, r);
	assert_int_equal(n, 5);
	for (int i = 0; i < n; i++) {
		struct gre_hdr got;
		size_t hl;
		assert_int_equal(gre_parse(rx->rx[i], rx->rx_msgs[i].msg_len, &got, &hl), GRE_OK);
		assert_int_equal(got.seq, (uint32_t)i);
		assert_int_equal(rx->rx[i][hl], i);
	}

	/* The middle one names a destination on a connected socket: the
	 * kernel refuses it (EISCONN); the others go. */
	for (uint32_t i = 0; i < 3; i++) {
		struct gre_hdr h = data_hdr(10 + i, 9);
		h.payload_len = sizeof(p);
		assert_true(gre_batch_put(tx, 0, INADDR_LOOPBACK, i == 1, &h, p, sizeof(p)));
	}
	struct counts c2 = { 0 };
	gre_batch_flush(tx, s, on_sent, on_failed, &c2);
	assert_int_equal(c2.failed, 1);
	assert_int_equal(c2.last_failed, 1);
	assert_int_equal(c2.sent, 2);
	assert_int_equal(gre_batch_recv(rx, r), 2);
	close(r);
	close(s);
	free(tx);
	free(rx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(put_fills_the_message),
		cmocka_unit_test(put_refuses),
		cmocka_unit_test(flush_and_recv),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
