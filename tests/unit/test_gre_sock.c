/*
 * The GRE socket's batched send (server/gre_sock.c): packets wait in the
 * send slots until a flush, leave in the order they were queued, a full
 * set of slots flushes itself, the loop flushes before it sleeps, and a
 * send error drops only the packet it hit. Through gre_sock_adopt() on a
 * datagram socketpair: each packet sent arrives at the other end as the
 * GRE header and payload.
 */
#include <ev.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/gre.h"
#include "server/call.h"
#include "server/gre_sock.h"
#include "server/server.h"

struct scene {
	struct server *srv;
	struct gre_sock *g;
	int peer;
};

static int setup(void **state)
{
	struct scene *sc = calloc(1, sizeof(*sc));
	int sv[2];

	assert_non_null(sc);
	sc->srv = calloc(1, sizeof(*sc->srv));
	assert_non_null(sc->srv);
	sc->srv->loop = ev_loop_new(EVFLAG_AUTO);
	assert_non_null(sc->srv->loop);
	assert_int_equal(socketpair(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv), 0);
	/* Room for every packet of a test at the receiving end. */
	int size = 1 << 20;
	setsockopt(sv[1], SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	sc->g = gre_sock_adopt(sc->srv, sv[0]);
	assert_non_null(sc->g);
	sc->peer = sv[1];
	*state = sc;
	return 0;
}

static int teardown(void **state)
{
	struct scene *sc = *state;

	gre_sock_free(sc->g);
	if (sc->peer >= 0)
		close(sc->peer);
	ev_loop_destroy(sc->srv->loop);
	free(sc->srv);
	free(sc);
	return 0;
}

/* Queue one data packet with sequence number seq and a payload naming it. */
static void send_seq(struct scene *sc, uint32_t seq)
{
	uint8_t payload[64];
	struct gre_hdr h = { .call_id = 7, .has_seq = true, .seq = seq };

	memset(payload, (int)(seq & 0xFF), sizeof(payload));
	h.payload_len = sizeof(payload);
	assert_true(gre_sock_send(sc->g, 0, 0x7F000001, &h, payload, sizeof(payload)));
}

/* Read what arrived; each must be the next sequence number from *next. */
static unsigned drain(struct scene *sc, uint32_t *next)
{
	uint8_t buf[2048];
	unsigned n = 0;
	ssize_t r;

	while ((r = recv(sc->peer, buf, sizeof(buf), MSG_DONTWAIT)) > 0) {
		struct gre_hdr h;
		size_t hl;
		assert_int_equal(gre_parse(buf, (size_t)r, &h, &hl), GRE_OK);
		assert_true(h.has_seq);
		assert_int_equal(h.seq, *next);
		assert_int_equal(h.payload_len, 64);
		assert_int_equal(buf[hl], *next & 0xFF);
		(*next)++;
		n++;
	}
	return n;
}

static void test_flush_in_order(void **state)
{
	struct scene *sc = *state;
	uint32_t next = 0;

	for (uint32_t i = 0; i < 5; i++)
		send_seq(sc, i);
	assert_int_equal(drain(sc, &next), 0); /* queued, not sent */
	gre_sock_flush(sc->g);
	assert_int_equal(drain(sc, &next), 5);
	assert_int_equal(sc->srv->stats.gre_tx, 5);
	gre_sock_flush(sc->g); /* nothing left: nothing sent */
	assert_int_equal(drain(sc, &next), 0);
}

static void test_full_slots_flush(void **state)
{
	struct scene *sc = *state;
	uint32_t next = 0;

	for (uint32_t i = 0; i < GRE_SOCK_BATCH; i++)
		send_seq(sc, i);
	assert_int_equal(drain(sc, &next), 0);
	/* The next packet finds every slot taken: the batch goes first. */
	send_seq(sc, GRE_SOCK_BATCH);
	assert_int_equal(drain(sc, &next), GRE_SOCK_BATCH);
	for (uint32_t i = GRE_SOCK_BATCH + 1; i < 3 * GRE_SOCK_BATCH + 5; i++)
		send_seq(sc, i);
	gre_sock_flush(sc->g);
	assert_int_equal(drain(sc, &next), 2 * GRE_SOCK_BATCH + 5);
	assert_int_equal(next, 3 * GRE_SOCK_BATCH + 5);
	assert_int_equal(sc->srv->stats.gre_tx, 3 * GRE_SOCK_BATCH + 5);
	assert_int_equal(sc->srv->stats.gre_tx_err, 0);
}

static void test_loop_flushes_before_sleeping(void **state)
{
	struct scene *sc = *state;
	uint32_t next = 0;

	send_seq(sc, 0);
	send_seq(sc, 1);
	ev_run(sc->srv->loop, EVRUN_NOWAIT);
	assert_int_equal(drain(sc, &next), 2);
}

static void test_send_error_counted(void **state)
{
	struct scene *sc = *state;

	for (uint32_t i = 0; i < 3; i++)
		send_seq(sc, i);
	close(sc->peer); /* every send now fails (ECONNREFUSED) */
	sc->peer = -1;
	gre_sock_flush(sc->g);
	assert_int_equal(sc->srv->stats.gre_tx, 0);
	assert_int_equal(sc->srv->stats.gre_tx_err, 3);
	/* The slots are free again. */
	send_seq(sc, 3);
	gre_sock_flush(sc->g);
	assert_int_equal(sc->srv->stats.gre_tx_err, 4);
}

static void test_oversized_refused(void **state)
{
	struct scene *sc = *state;
	static uint8_t big[CALL_FRAME_MAX + 1];
	struct gre_hdr h = { .call_id = 7, .has_seq = true };

	assert_false(gre_sock_send(sc->g, 0, 0x7F000001, &h, big, sizeof(big)));
	assert_int_equal(sc->srv->stats.gre_tx_err, 1);
	gre_sock_flush(sc->g);
	assert_int_equal(sc->srv->stats.gre_tx, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_flush_in_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_full_slots_flush, setup, teardown),
		cmocka_unit_test_setup_teardown(test_loop_flushes_before_sleeping, setup, teardown),
		cmocka_unit_test_setup_teardown(test_send_error_counted, setup, teardown),
		cmocka_unit_test_setup_teardown(test_oversized_refused, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
