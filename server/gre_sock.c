/*
 * The raw GRE socket: batched receive and demultiplexing by call ID, and
 * sending with the source address of the call's control connection.
 */
#include "server/gre_sock.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/gre_batch.h"
#include "common/log.h"
#include "server/call.h"
#include "server/ctrl.h"
#include "server/server.h"
#include "server/tun_io.h"
#include "server/worker.h"

#define GRE_SOCK_ROUNDS 8          /* batches per readiness event */
#define GRE_SOCK_RCVBUF (1 << 20)
_Static_assert(CALL_FRAME_MAX <= GRE_BATCH_FRAME_MAX, "a send slot holds a whole frame");

struct gre_sock {
	struct server *srv;
	int fd;
	ev_io io;
	ev_prepare flush_w;      /* flushes before the loop sleeps */
	bool connected;          /* gre_sock_adopt(): send without an address */
	struct gre_batch b;      /* the receive buffers and the send slots */
};

/* Log the 1st, 2nd, 4th, 8th ... occurrence of a per-packet condition. */
static bool log_due(uint64_t count)
{
	return (count & (count - 1)) == 0;
}

static void addr_str(uint32_t host, char out[static INET_ADDRSTRLEN])
{
	struct in_addr a = { .s_addr = htonl(host) };
	inet_ntop(AF_INET, &a, out, INET_ADDRSTRLEN);
}

static void input(struct gre_sock *g, uint8_t *pkt, size_t len)
{
	struct server_stats *st = &g->srv->stats;
	struct ipv4_info ip;
	struct gre_hdr h;
	size_t hl;
	char a[INET_ADDRSTRLEN];

	st->gre_rx++;
	enum gre_err err = gre_skip_ipv4(pkt, len, &ip);
	if (err == GRE_OK)
		err = gre_parse(pkt + ip.hdr_len, ip.total_len - ip.hdr_len, &h, &hl);
	if (err != GRE_OK) {
		st->gre_bad++;
		if (log_due(st->gre_bad))
			log_info("event=gre-bad error=%s count=%llu", gre_err_name(err),
				 (unsigned long long)st->gre_bad);
		return;
	}
	struct call *call = server_call_by_id(g->srv, h.call_id);
	if (!call || call->dying) {
		st->gre_no_call++;
		if (log_due(st->gre_no_call)) {
			addr_str(ip.src, a);
			log_info("event=gre-no-call call=%u src=%s count=%llu", h.call_id, a,
				 (unsigned long long)st->gre_no_call);
		}
		return;
	}
	if (ip.src != call->peer_addr) {
		st->gre_wrong_src++;
		if (!call->wrong_src_logged) {
			call->wrong_src_logged = true;
			addr_str(ip.src, a);
			log_notice("call=%u ctrl=%u event=gre-wrong-src src=%s", call->id,
				   call->ctrl->id, a);
		}
		return;
	}
	if (call->ws) {
		/* A reader that only steers: the worker has this call's flow. */
		if (!worker_gre(call->ws, &h, pkt + ip.hdr_len + hl, h.payload_len))
			st->worker_full++;
		return;
	}
	call_gre_input(call, &h, pkt + ip.hdr_len + hl);
}

static void read_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct gre_sock *g = container_of(w, struct gre_sock, io);
	(void)loop;
	(void)revents;

	for (int round = 0; round < GRE_SOCK_ROUNDS; round++) {
		int n = gre_batch_recv(&g->b, g->fd);
		if (n <= 0) {
			if (n < 0 && errno != EINTR)
				log_warn("event=gre-read-error");
			return;
		}
		for (int i = 0; i < n; i++)
			input(g, g->b.rx[i], g->b.rx_msgs[i].msg_len);
		/* What this batch produced (acks, echoed or released frames)
		 * leaves as one batch too, and so do its packets for the LAN
		 * (one io_uring_enter(), server/tun_io.h). */
		gre_sock_flush(g);
		tun_io_flush(g->srv->tio);
		workers_kick(g->srv->workers);
		if (n < GRE_SOCK_BATCH)
			return;
	}
}

bool gre_sock_send(struct gre_sock *g, uint32_t src, uint32_t dst, const struct gre_hdr *h,
		   const uint8_t *payload, size_t len)
{
	if (g->b.ntx == GRE_SOCK_BATCH)
		gre_sock_flush(g);
	if (len > CALL_FRAME_MAX || !gre_batch_put(&g->b, src, dst, !g->connected, h, payload, len)) {
		g->srv->stats.gre_tx_err++;
		return false;
	}
	return true;
}

static void sent(void *ctx, unsigned first, unsigned n)
{
	struct gre_sock *g = ctx;
	(void)first;
	g->srv->stats.gre_tx += n;
}

static void send_failed(void *ctx, unsigned i)
{
	struct gre_sock *g = ctx;
	struct server_stats *st = &g->srv->stats;
	(void)i;

	st->gre_tx_err++;
	if (log_due(st->gre_tx_err))
		log_warn("event=gre-send-error count=%llu", (unsigned long long)st->gre_tx_err);
}

void gre_sock_flush(struct gre_sock *g)
{
	gre_batch_flush(&g->b, g->fd, sent, send_failed, g);
}

static void prepare_cb(struct ev_loop *loop, ev_prepare *w, int revents)
{
	struct gre_sock *g = container_of(w, struct gre_sock, flush_w);
	(void)loop;
	(void)revents;

	if (g->b.ntx)
		gre_sock_flush(g);
	/* Frames for the workers made this turn (LCP echoes, replies). */
	workers_kick(g->srv->workers);
}

/* The receive buffers and the watcher, once g->fd is open. */
static void gre_sock_watch(struct gre_sock *g)
{
	gre_batch_init(&g->b);
	ev_io_init(&g->io, read_cb, g->fd, EV_READ);
	ev_io_start(g->srv->loop, &g->io);
	ev_prepare_init(&g->flush_w, prepare_cb);
	ev_prepare_start(g->srv->loop, &g->flush_w);
	/* The flush alone must not keep a loop running. */
	ev_unref(g->srv->loop);
}

struct gre_sock *gre_sock_open(struct server *srv)
{
	const struct config *cfg = srv->cfg;
	int size = GRE_SOCK_RCVBUF;

	struct gre_sock *g = calloc(1, sizeof(*g));
	if (!g) {
		log_errx("out of memory");
		return NULL;
	}
	g->srv = srv;
	g->fd = socket(AF_INET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_GRE);
	if (g->fd < 0) {
		log_err("cannot open the raw GRE socket (IP protocol 47; pptpd needs root or "
			"CAP_NET_RAW)");
		free(g);
		return NULL;
	}
	/* Bursts from hundreds of calls land here between two loop turns:
	 * past net.core.rmem_max when privileged (SO_RCVBUFFORCE). */
	if (setsockopt(g->fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) != 0)
		setsockopt(g->fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	if (cfg->listen.n == 1 && cfg->listen.addr[0].s_addr != htonl(INADDR_ANY)) {
		struct sockaddr_in sin = { .sin_family = AF_INET, .sin_addr = cfg->listen.addr[0] };
		if (bind(g->fd, (struct sockaddr *)&sin, sizeof(sin)) != 0) {
			char a[INET_ADDRSTRLEN];
			inet_ntop(AF_INET, &sin.sin_addr, a, sizeof(a));
			log_err("cannot bind the raw GRE socket to listen address %s", a);
			close(g->fd);
			free(g);
			return NULL;
		}
	}
	gre_sock_watch(g);
	return g;
}

struct gre_sock *gre_sock_adopt(struct server *srv, int fd)
{
	struct gre_sock *g = calloc(1, sizeof(*g));
	if (!g) {
		log_errx("out of memory");
		return NULL;
	}
	g->srv = srv;
	g->fd = fd;
	g->connected = true;
	gre_sock_watch(g);
	return g;
}

void gre_sock_free(struct gre_sock *g)
{
	if (!g)
		return;
	gre_sock_flush(g);
	ev_io_stop(g->srv->loop, &g->io);
	ev_ref(g->srv->loop);
	ev_prepare_stop(g->srv->loop, &g->flush_w);
	close(g->fd);
	free(g);
}
