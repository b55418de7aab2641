/*
 * Writes into tun (server/tun_io.c), both methods, on a datagram socketpair
 * standing in for the device: with io_uring packets wait in the slots until
 * a flush, reach the device in the order they were queued, a full set of
 * slots flushes itself, the loop flushes before it sleeps, a failed write
 * drops only its packet and frees its slot; with syscall each packet is
 * written at once. Reads, both methods: the packets the device holds, in
 * order, at most a batch a call, and a call with none returns 0 at once
 * (with io_uring no read is left waiting for a packet); a file that refuses
 * NOWAIT reads through io_uring makes reads fall back to read(). `tun-io io_uring` on a kernel without io_uring cannot be
 * tested here (integration.tun_io runs pptpd under a seccomp filter that
 * refuses io_uring_setup).
 */
#include <ev.h>
#include <liburing.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "conf/config.h"
#include "server/server.h"
#include "server/tun.h"
#include "server/tun_io.h"

struct scene {
	struct server *srv;
	struct config cfg;
	struct tun *tun;
	struct tun_io *io;
	int peer;
};

static bool uring_available(void)
{
	struct io_uring ring;
	if (io_uring_queue_init(2, &ring, 0) < 0)
		return false;
	io_uring_queue_exit(&ring);
	return true;
}

static int setup_with(void **state, enum config_tun_io method)
{
	struct scene *sc = calloc(1, sizeof(*sc));
	int sv[2];

	assert_non_null(sc);
	sc->srv = calloc(1, sizeof(*sc->srv));
	assert_non_null(sc->srv);
	sc->srv->loop = ev_loop_new(EVFLAG_AUTO);
	assert_non_null(sc->srv->loop);
	sc->cfg.tun_io = method;
	sc->srv->cfg = &sc->cfg;
	assert_int_equal(socketpair(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv), 0);
	int size = 1 << 20;
	setsockopt(sv[1], SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	sc->tun = calloc(1, sizeof(*sc->tun));
	assert_non_null(sc->tun);
	sc->tun->fd = sv[0];
	sc->tun->nl.fd = -1;
	snprintf(sc->tun->name, sizeof(sc->tun->name), "test0");
	sc->peer = sv[1];
	sc->io = tun_io_new(sc->srv, sc->tun);
	assert_non_null(sc->io);
	*state = sc;
	return 0;
}

static int setup_uring(void **state)
{
	if (!uring_available()) {
		*state = NULL;
		return 0;
	}
	return setup_with(state, CONFIG_TUN_IO_URING);
}

static int setup_syscall(void **state)
{
	return setup_with(state, CONFIG_TUN_IO_SYSCALL);
}

static int teardown(void **state)
{
	struct scene *sc = *state;

	if (!sc)
		return 0;
	tun_io_free(sc->io);
	if (sc->peer >= 0)
		close(sc->peer);
	close(sc->tun->fd);
	free(sc->tun);
	ev_loop_destroy(sc->srv->loop);
	free(sc->srv);
	free(sc);
	return 0;
}

#define NEED_URING(sc)                                          \
	do {                                                    \
		if (!(sc)) {                                    \
			print_message("io_uring unavailable\n"); \
			skip();                                 \
		}                                               \
	} while (0)

/* Queue packet number seq: 100 + seq % 1000 bytes, each one seq & 0xFF. */
static bool put(struct scene *sc, uint32_t seq)
{
	uint8_t pkt[1200];
	size_t len = 100 + seq % 1000;

	memset(pkt, (int)(seq & 0xFF), len);
	return tun_io_write(sc->io, pkt, len);
}

/* Read what reached the device; each must be the next packet from *next. */
static unsigned drain(struct scene *sc, uint32_t *next)
{
	uint8_t buf[2048];
	unsigned n = 0;
	ssize_t r;

	while ((r = recv(sc->peer, buf, sizeof(buf), MSG_DONTWAIT)) > 0) {
		assert_int_equal(r, 100 + *next % 1000);
		assert_int_equal(buf[0], *next & 0xFF);
		assert_int_equal(buf[r - 1], *next & 0xFF);
		(*next)++;
		n++;
	}
	return n;
}

static void test_uring_flush_in_order(void **state)
{
	struct scene *sc = *state;
	uint32_t next = 0;

	NEED_URING(sc);
	assert_string_equal(tun_io_method(sc->io), "io_uring");
	for (uint32_t i = 0; i < 5; i++)
		assert_true(put(sc, i));
	assert_int_equal(drain(sc, &next), 0); /* queued, not written */
	tun_io_flush(sc->io);
	assert_int_equal(drain(sc, &next), 5);
	assert_int_equal(sc->tun->st.tx, 5);
	assert_int_equal(sc->tun->st.tx_bytes, 100 + 101 + 102 + 103 + 104);
	tun_io_flush(sc->io); /* nothing left: nothing written */
	assert_int_equal(drain(sc, &next), 0);
}

static void test_uring_full_slots_flush(void **state)
{
	struct scene *sc = *state;
	uint32_t next = 0;

	NEED_URING(sc);
	for (uint32_t i = 0; i < TUN_IO_SLOTS; i++)
		assert_true(put(sc, i));
	assert_int_equal(drain(sc, &next), 0);
	/* The next packet finds every slot taken: the batch goes first. */
	assert_true(put(sc, TUN_IO_SLOTS));
	assert_int_equal(drain(sc, &next), TUN_IO_SLOTS);
	for (uint32_t i = TUN_IO_SLOTS + 1; i < 5 * TUN_IO_SLOTS + 7; i++)
		assert_true(put(sc, i));
	tun_io_flush(sc->io);
	assert_int_equal(drain(sc, &next), 4 * TUN_IO_SLOTS + 7);
	assert_int_equal(next, 5 * TUN_IO_SLOTS + 7);
	assert_int_equal(sc->tun->st.tx, 5 * TUN_IO_SLOTS + 7);
	assert_int_equal(sc->srv->stats.tun_tx_err, 0);
	assert_int_equal(sc->tun->st.tx_dropped, 0);
}

static void test_uring_loop_flushes_before_sleeping(void **state)
{
	struct scene *sc = *state;
	uint32_t next = 0;

	NEED_URING(sc);
	assert_true(put(sc, 0));
	assert_true(put(sc, 1));
	ev_run(sc->srv->loop, EVRUN_NOWAIT);
	assert_int_equal(drain(sc, &next), 2);
}

static void test_uring_write_error_counted(void **state)
{
	struct scene *sc = *state;

	NEED_URING(sc);
	for (uint32_t i = 0; i < 3; i++)
		assert_true(put(sc, i));
	close(sc->peer); /* every write now fails (ECONNREFUSED) */
	sc->peer = -1;
	tun_io_flush(sc->io);
	assert_int_equal(sc->tun->st.tx, 0);
	assert_int_equal(sc->srv->stats.tun_tx_err, 3);
	assert_int_equal(sc->tun->st.tx_dropped, 3);
	/* The slots are free again: more than a batch still goes (and fails). */
	for (uint32_t i = 0; i < 2 * TUN_IO_SLOTS; i++)
		assert_true(put(sc, i));
	tun_io_flush(sc->io);
	assert_int_equal(sc->srv->stats.tun_tx_err, 3 + 2 * TUN_IO_SLOTS);
}

static void test_uring_free_writes_queued(void **state)
{
	struct scene *sc = *state;
	uint32_t next = 0;

	NEED_URING(sc);
	assert_true(put(sc, 0));
	assert_true(put(sc, 1));
	tun_io_free(sc->io); /* shutdown: what is queued still goes */
	sc->io = NULL;
	assert_int_equal(drain(sc, &next), 2);
}

static void test_syscall_writes_at_once(void **state)
{
	struct scene *sc = *state;
	uint32_t next = 0;

	assert_string_equal(tun_io_method(sc->io), "syscall");
	assert_true(put(sc, 0));
	assert_int_equal(drain(sc, &next), 1);
	for (uint32_t i = 1; i < 3 * TUN_IO_SLOTS; i++)
		assert_true(put(sc, i));
	tun_io_flush(sc->io); /* nothing to do */
	assert_int_equal(drain(sc, &next), 3 * TUN_IO_SLOTS - 1);
	assert_int_equal(sc->tun->st.tx, 3 * TUN_IO_SLOTS);
	close(sc->peer);
	sc->peer = -1;
	assert_false(put(sc, 0));
	assert_int_equal(sc->srv->stats.tun_tx_err, 1);
	assert_int_equal(sc->tun->st.tx_dropped, 1);
}

/* The peer sends packets first .. first + n - 1 (as put() makes them). */
static void feed(struct scene *sc, uint32_t first, unsigned n)
{
	uint8_t pkt[1200];

	for (uint32_t seq = first; seq < first + n; seq++) {
		size_t len = 100 + seq % 1000;
		memset(pkt, (int)(seq & 0xFF), len);
		assert_int_equal(send(sc->peer, pkt, len, 0), (ssize_t)len);
	}
}

/* One read batch into 32 buffers; each packet must be the next from *next. */
static int read_some(struct scene *sc, uint32_t *next)
{
	static uint8_t mem[TUN_IO_RX_BATCH][2048];
	struct tun_pkt pkts[TUN_IO_RX_BATCH];

	for (unsigned i = 0; i < TUN_IO_RX_BATCH; i++)
		pkts[i] = (struct tun_pkt){ .buf = mem[i], .cap = sizeof(mem[i]) };
	int n = tun_io_read_batch(sc->io, pkts, TUN_IO_RX_BATCH);
	for (int i = 0; i < n; i++) {
		assert_int_equal(pkts[i].len, 100 + *next % 1000);
		assert_int_equal(pkts[i].buf[0], *next & 0xFF);
		assert_int_equal(pkts[i].buf[pkts[i].len - 1], *next & 0xFF);
		(*next)++;
	}
	return n;
}

static void reads_in_order(struct scene *sc)
{
	uint32_t next = 0;

	assert_int_equal(read_some(sc, &next), 0); /* none: at once */
	feed(sc, 0, 40);
	assert_int_equal(read_some(sc, &next), TUN_IO_RX_BATCH);
	assert_int_equal(read_some(sc, &next), 40 - TUN_IO_RX_BATCH);
	assert_int_equal(read_some(sc, &next), 0);
	feed(sc, 40, 3);
	assert_int_equal(read_some(sc, &next), 3);
	assert_int_equal(next, 43);
	assert_int_equal(sc->tun->st.rx, 43);
	uint64_t bytes = 0;
	for (uint32_t seq = 0; seq < 43; seq++)
		bytes += 100 + seq % 1000;
	assert_int_equal(sc->tun->st.rx_bytes, bytes);
}

static void test_uring_reads_in_order(void **state)
{
	NEED_URING(*state);
	reads_in_order(*state);
}

static void test_syscall_reads_in_order(void **state)
{
	reads_in_order(*state);
}

/* A file that takes no NOWAIT read through io_uring (a /proc file): the
 * reads fall back to read() and still return what the file holds. */
static void test_uring_read_fallback(void **state)
{
	struct scene *sc = *state;
	static uint8_t mem[TUN_IO_RX_BATCH][2048];
	struct tun_pkt pkts[TUN_IO_RX_BATCH];

	NEED_URING(sc);
	int fd = open("/proc/self/stat", O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	int saved = sc->tun->fd;
	sc->tun->fd = fd;
	for (unsigned i = 0; i < TUN_IO_RX_BATCH; i++)
		pkts[i] = (struct tun_pkt){ .buf = mem[i], .cap = sizeof(mem[i]) };
	int n = tun_io_read_batch(sc->io, pkts, TUN_IO_RX_BATCH);
	print_message("proc file: %d packet(s), first %zu bytes\n", n, n > 0 ? pkts[0].len : 0);
	assert_true(n >= 1);
	assert_true(pkts[0].len > 10);
	assert_int_equal(sc->tun->st.rx_err, 0);
	sc->tun->fd = saved;
	close(fd);
	memset(&sc->tun->st, 0, sizeof(sc->tun->st));
	/* From now on read(): still in order from the device. */
	reads_in_order(sc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_uring_flush_in_order, setup_uring, teardown),
		cmocka_unit_test_setup_teardown(test_uring_full_slots_flush, setup_uring, teardown),
		cmocka_unit_test_setup_teardown(test_uring_loop_flushes_before_sleeping, setup_uring,
						teardown),
		cmocka_unit_test_setup_teardown(test_uring_write_error_counted, setup_uring,
						teardown),
		cmocka_unit_test_setup_teardown(test_uring_free_writes_queued, setup_uring, teardown),
		cmocka_unit_test_setup_teardown(test_syscall_writes_at_once, setup_syscall, teardown),
		cmocka_unit_test_setup_teardown(test_uring_reads_in_order, setup_uring, teardown),
		cmocka_unit_test_setup_teardown(test_syscall_reads_in_order, setup_syscall, teardown),
		cmocka_unit_test_setup_teardown(test_uring_read_fallback, setup_uring, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
