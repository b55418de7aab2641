/*
 * tun writes: a batch of slots submitted with one io_uring_enter(), or one
 * write() per packet where io_uring is not available or not wanted.
 */
#include "server/tun_io.h"

#include <errno.h>
#include <liburing.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/log.h"
#include "server/server.h"
#include "server/tun.h"

struct tun_io {
	struct ev_loop *loop;
	struct server_stats *st;  /* tun_tx_err, tun_submits, tun_submit_err */
	struct tun *tun;
	bool uring;              /* false: tun_write() per packet */
	bool ring_open;
	struct io_uring ring;
	ev_prepare flush_w;      /* flushes before the loop sleeps */
	/* Slots: free ones on a stack; a taken one is queued (an SQE not yet
	 * submitted) or in flight (submitted, its completion not reaped). */
	unsigned nfree;
	unsigned nqueued;
	uint8_t free_slot[TUN_IO_SLOTS];
	uint16_t len[TUN_IO_SLOTS];
	uint8_t *mem;            /* TUN_IO_SLOTS * TUN_IO_SLOT bytes */
	bool rx_open;            /* reads through rx; false: tun_read_batch() */
	struct io_uring rx;      /* reads only: none is in flight between calls */
};

/* Log the 1st, 2nd, 4th, 8th ... occurrence of a per-packet condition. */
static bool log_due(uint64_t count)
{
	return (count & (count - 1)) == 0;
}

/* One packet was not written (the tun's tx_dropped counted by the caller);
 * err is an errno value (0: short write). */
static void write_failed(struct tun_io *io, int err)
{
	struct server_stats *st = io->st;

	st->tun_tx_err++;
	if (log_due(st->tun_tx_err))
		log_warnx("tun=%s event=tun-write-error method=%s error=\"%s\" count=%llu",
			  io->tun->name, tun_io_method(io), err ? strerror(err) : "short write",
			  (unsigned long long)st->tun_tx_err);
}

static uint8_t *slot_buf(struct tun_io *io, unsigned i)
{
	return io->mem + (size_t)i * TUN_IO_SLOT;
}

/* Take the completions the kernel has posted; never waits. */
static void reap(struct tun_io *io)
{
	struct io_uring_cqe *cqes[TUN_IO_SLOTS];
	unsigned n = io_uring_peek_batch_cqe(&io->ring, cqes, TUN_IO_SLOTS);

	for (unsigned k = 0; k < n; k++) {
		unsigned i = (unsigned)cqes[k]->user_data;
		int res = cqes[k]->res;
		if (i >= TUN_IO_SLOTS)
			continue; /* not ours: cannot happen */
		if (res >= 0 && (unsigned)res == io->len[i]) {
			io->tun->st.tx++;
			io->tun->st.tx_bytes += io->len[i];
		} else {
			io->tun->st.tx_dropped++;
			write_failed(io, res < 0 ? -res : 0);
		}
		io->free_slot[io->nfree++] = (uint8_t)i;
	}
	if (n)
		io_uring_cq_advance(&io->ring, n);
}

void tun_io_flush(struct tun_io *io)
{
	if (!io || !io->uring)
		return;
	if (io->nqueued) {
		/* One io_uring_enter() for the whole batch. A refusal (EBUSY,
		 * EAGAIN: the kernel is short of memory) leaves the SQEs in the
		 * ring for the next flush. */
		int r = io_uring_submit(&io->ring);
		if (r > 0) {
			io->st->tun_submits++;
			io->nqueued -= (unsigned)r > io->nqueued ? io->nqueued : (unsigned)r;
		} else if (r < 0 && log_due(++io->st->tun_submit_err))
			log_warnx("tun=%s event=tun-submit-error error=\"%s\" count=%llu",
				  io->tun->name, strerror(-r),
				  (unsigned long long)io->st->tun_submit_err);
	}
	if (io->nfree + io->nqueued < TUN_IO_SLOTS)
		reap(io);
}

bool tun_io_write(struct tun_io *io, const void *pkt, size_t len)
{
	if (!io->uring || len > TUN_IO_SLOT) {
		/* A packet larger than a slot cannot come from a session (the
		 * tun MTU is at most 1500); should one, it goes by write()
		 * after what is queued, so the order holds. */
		if (io->uring)
			tun_io_flush(io);
		if (tun_write(io->tun, pkt, len))
			return true;
		write_failed(io, errno);
		return false;
	}
	if (!io->nfree)
		tun_io_flush(io);
	struct io_uring_sqe *sqe = io->nfree ? io_uring_get_sqe(&io->ring) : NULL;
	if (!sqe) {
		io->tun->st.tx_dropped++;
		write_failed(io, EBUSY);
		return false;
	}
	unsigned i = io->free_slot[--io->nfree];
	memcpy(slot_buf(io, i), pkt, len);
	io->len[i] = (uint16_t)len;
	io_uring_prep_write(sqe, tun_fd(io->tun), slot_buf(io, i), (unsigned)len, 0);
	io_uring_sqe_set_data64(sqe, i);
	io->nqueued++;
	return true;
}

const char *tun_io_method(const struct tun_io *io)
{
	return io && io->uring ? "io_uring" : "syscall";
}

static void prepare_cb(struct ev_loop *loop, ev_prepare *w, int revents)
{
	struct tun_io *io = container_of(w, struct tun_io, flush_w);
	(void)loop;
	(void)revents;

	if (io->nfree < TUN_IO_SLOTS)
		tun_io_flush(io);
}

/* The ring and its slots; false (errno-style code in *err) if the kernel
 * gives no ring. */
static bool ring_open(struct tun_io *io, int *err)
{
	io->mem = malloc((size_t)TUN_IO_SLOTS * TUN_IO_SLOT);
	if (!io->mem) {
		*err = ENOMEM;
		return false;
	}
	int r = io_uring_queue_init(TUN_IO_SLOTS, &io->ring, 0);
	if (r < 0) {
		*err = -r;
		free(io->mem);
		io->mem = NULL;
		return false;
	}
	io->ring_open = true;
	io->nfree = TUN_IO_SLOTS;
	for (unsigned i = 0; i < TUN_IO_SLOTS; i++)
		io->free_slot[i] = (uint8_t)(TUN_IO_SLOTS - 1 - i);
	/* The reads' own ring: its completions never mix with the writes'.
	 * Without it reads stay on read(), which is no failure. */
	io->rx_open = io_uring_queue_init(TUN_IO_RX_BATCH, &io->rx, 0) == 0;
	return true;
}

int tun_io_read_batch(struct tun_io *io, struct tun_pkt *pkts, size_t n)
{
	struct tun *t = io->tun;

	if (!io->rx_open)
		return tun_read_batch(t, pkts, n);
	if (n > TUN_IO_RX_BATCH)
		n = TUN_IO_RX_BATCH;
	for (size_t i = 0; i < n; i++) {
		struct io_uring_sqe *sqe = io_uring_get_sqe(&io->rx);
		if (!sqe) {
			n = i; /* cannot happen: the ring has TUN_IO_RX_BATCH entries */
			break;
		}
		io_uring_prep_read(sqe, tun_fd(t), pkts[i].buf, (unsigned)pkts[i].cap, 0);
		/* -EAGAIN at once when the queue is empty, never a read left
		 * waiting for a packet (O_NONBLOCK alone does not promise it). */
		sqe->rw_flags = RWF_NOWAIT;
		io_uring_sqe_set_data64(sqe, i);
	}
	if (n == 0)
		return 0;
	/* The device is O_NONBLOCK, so each read completes during the enter,
	 * in order: with a packet, or -EAGAIN once the queue is empty. Waiting
	 * for all n returns at once and leaves no read in flight on the
	 * caller's buffers. */
	int r;
	do
		r = io_uring_submit_and_wait(&io->rx, (unsigned)n);
	while (r == -EINTR);
	if (r < 0) {
		t->st.rx_err++;
		log_warnx("tun=%s event=tun-read-failed error=\"%s\"", t->name, strerror(-r));
		return -1;
	}
	ssize_t res[TUN_IO_RX_BATCH];
	for (size_t i = 0; i < n; i++)
		res[i] = -EAGAIN;
	struct io_uring_cqe *cqe;
	unsigned head, seen = 0;
	io_uring_for_each_cqe(&io->rx, head, cqe) {
		uint64_t i = io_uring_cqe_get_data64(cqe);
		if (i < n)
			res[i] = cqe->res;
		seen++;
	}
	io_uring_cq_advance(&io->rx, seen);
	/* The packets, in the order the reads took them, to the front. */
	size_t got = 0;
	bool failed = false, unsupported = false;
	for (size_t i = 0; i < n; i++) {
		if (res[i] <= 0) {
			if (res[i] == -EOPNOTSUPP || res[i] == -EINVAL)
				unsupported = true;
			else if (res[i] != -EAGAIN && res[i] != -EINTR && res[i] != 0)
				failed = true;
			continue;
		}
		if (got != i) {
			struct tun_pkt tmp = pkts[got];
			pkts[got] = pkts[i];
			pkts[i] = tmp;
		}
		pkts[got].len = (size_t)res[i];
		t->st.rx_bytes += (size_t)res[i];
		got++;
	}
	t->st.rx += got;
	if (unsupported) {
		/* A kernel whose tun takes no RWF_NOWAIT read through
		 * io_uring: read() from now on, writes stay on the ring. */
		io_uring_queue_exit(&io->rx);
		io->rx_open = false;
		log_notice("tun=%s event=tun-io-reads method=syscall reason=nowait-unsupported "
			   "(one read() per packet; writes stay on io_uring)", t->name);
		if (!got)
			return tun_read_batch(t, pkts, n);
	}
	if (failed) {
		t->st.rx_err++;
		log_warnx("tun=%s event=tun-read-failed", t->name);
		if (!got)
			return -1;
	}
	return (int)got;
}

struct tun_io *tun_io_new(struct server *srv, struct tun *tun)
{
	return tun_io_open(srv->loop, tun, srv->cfg->tun_io, &srv->stats, true);
}

/* The method chosen: a notice for the device's first tun_io, debug for the
 * workers' (the main loop's line speaks for them). */
#define ANNOUNCE(announce, ...) \
	do { \
		if (announce) \
			log_notice(__VA_ARGS__); \
		else \
			log_debug(__VA_ARGS__); \
	} while (0)

struct tun_io *tun_io_open(struct ev_loop *loop, struct tun *tun, enum config_tun_io want,
			   struct server_stats *st, bool announce)
{
	struct tun_io *io = calloc(1, sizeof(*io));
	if (!io) {
		log_errx("out of memory");
		return NULL;
	}
	io->loop = loop;
	io->st = st;
	io->tun = tun;
	if (want == CONFIG_TUN_IO_SYSCALL) {
		ANNOUNCE(announce, "tun=%s event=tun-io method=syscall (tun-io syscall)", tun->name);
		return io;
	}
	int err = 0;
	if (!ring_open(io, &err)) {
		if (want == CONFIG_TUN_IO_URING) {
			log_errx("tun=%s event=tun-io-failed error=\"%s\": tun-io io_uring, but "
				 "the kernel gives no io_uring (a kernel without it, the sysctl "
				 "kernel.io_uring_disabled, or a seccomp filter); set tun-io "
				 "auto or syscall", tun->name, strerror(err));
			free(io);
			return NULL;
		}
		ANNOUNCE(announce, "tun=%s event=tun-io method=syscall reason=io_uring-unavailable "
			 "error=\"%s\" (one write() per packet)", tun->name, strerror(err));
		return io;
	}
	io->uring = true;
	ev_prepare_init(&io->flush_w, prepare_cb);
	ev_prepare_start(loop, &io->flush_w);
	/* The flush alone must not keep a loop running. */
	ev_unref(loop);
	ANNOUNCE(announce, "tun=%s event=tun-io method=io_uring slots=%u reads=%s", tun->name,
		 TUN_IO_SLOTS, io->rx_open ? "io_uring" : "read");
	return io;
}

/* Wait for the writes in flight, at most TUN_IO_DRAIN_MS in all; true if
 * none is left. */
static bool drain(struct tun_io *io)
{
	struct timespec start, now;
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (unsigned round = 0; round < 100; round++) {
		tun_io_flush(io);
		if (io->nfree == TUN_IO_SLOTS)
			return true;
		clock_gettime(CLOCK_MONOTONIC, &now);
		long ms = (now.tv_sec - start.tv_sec) * 1000 + (now.tv_nsec - start.tv_nsec) / 1000000;
		if (ms >= TUN_IO_DRAIN_MS)
			break;
		struct __kernel_timespec ts = { .tv_nsec = 10 * 1000000 };
		struct io_uring_cqe *cqe;
		(void)io_uring_wait_cqe_timeout(&io->ring, &cqe, &ts);
	}
	return io->nfree == TUN_IO_SLOTS;
}

void tun_io_free(struct tun_io *io)
{
	if (!io)
		return;
	if (io->uring) {
		ev_ref(io->loop);
		ev_prepare_stop(io->loop, &io->flush_w);
	}
	if (io->rx_open)
		io_uring_queue_exit(&io->rx);
	if (io->ring_open) {
		bool idle = drain(io);
		io_uring_queue_exit(&io->ring);
		if (!idle) {
			log_warnx("tun=%s event=tun-io-exit in-flight=%u (their slots are left "
				  "allocated)", io->tun->name, TUN_IO_SLOTS - io->nfree);
			io->mem = NULL;
		}
	}
	free(io->mem);
	free(io);
}
