/*
 * TCP 1723 listeners: accept, apply the admission limits, hand the socket
 * to a new control connection; back off when descriptors run out.
 */
#include "server/listener.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/log.h"
#include "server/ctrl.h"
#include "server/login_lock.h"
#include "server/server.h"

#define LISTEN_BACKLOG 256
#define LISTEN_BACKOFF_MIN 0.1 /* seconds */
#define LISTEN_BACKOFF_MAX 2.0
/* Descriptors the server holds besides control connections: listeners,
 * the GRE socket, tun, SQLite, RADIUS, DAE, hook pipes, syslog. */
#define LISTEN_FD_RESERVE 64

static unsigned conns_from(const struct server *srv, in_addr_t addr)
{
	return addr_count_conns(&srv->peer_counts, addr);
}

/*
 * Room for one more unstarted connection: over max-unstarted-connections
 * the oldest connection still waiting for its Start-Control-Connection-
 * Request is closed. Closed, not answered: RFC 2637 has nothing to send to
 * a peer that has not sent its start request (a Start-Control-Connection-
 * Reply with a result code answers a request). The newest is kept, not
 * refused at accept, because a real client sends its start request within
 * a round trip: it is through before the cap comes round to it, while
 * connections that stay silent are the ones closed. A flood then has to
 * open the whole cap within one round trip of the client to lock it out.
 * Before it is closed, what the oldest one has received is read: a burst
 * of clients whose start requests wait in their sockets is let through.
 */
static void make_room(struct server *srv)
{
	while (srv->nunstarted >= srv->cfg->max_unstarted) {
		struct ctrl *oldest = NULL;
		for (struct ctrl *c = srv->ctrls; c; c = c->next)
			if (c->state == CTRL_WAIT_START)
				oldest = c; /* the list is newest first */
		if (!oldest)
			return;
		/* Its start request may be read but not yet handled: a burst of
		 * real clients is not evicted for the server's own lag. */
		if (!ctrl_poll_unstarted(oldest))
			continue;
		uint64_t suppressed = 0;
		srv->stats.ctrl_evicted++;
		if (log_limit_due(&srv->log_ctrl_refused, ntohl(oldest->peer.sin_addr.s_addr),
				  server_now_ms(), &suppressed))
			log_notice("ctrl=%u peer=%s event=ctrl-evicted "
				   "reason=max-unstarted-connections limit=%u suppressed=%llu",
				   oldest->id, oldest->peer_str, srv->cfg->max_unstarted,
				   (unsigned long long)suppressed);
		ctrl_kill(oldest, "evicted-unstarted");
	}
}

static void backoff_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct listener *l = container_of(w, struct listener, backoff);
	(void)revents;

	if (l->fd >= 0)
		ev_io_start(loop, &l->io);
}

static const char *errno_name(int err)
{
	switch (err) {
	case EMFILE: return "EMFILE";
	case ENFILE: return "ENFILE";
	case ENOBUFS: return "ENOBUFS";
	case ENOMEM: return "ENOMEM";
	default: return "other";
	}
}

/* accept() failed for lack of resources: stop watching for a while. */
static void pause_accepting(struct listener *l, int err)
{
	struct server *srv = l->srv;
	char a[INET_ADDRSTRLEN];

	srv->stats.accept_failed++;
	srv->stats.accept_paused++;
	if (!l->failures++) {
		inet_ntop(AF_INET, &l->addr, a, sizeof(a));
		log_warnx("listen=%s event=accept-failed error=%s ctrls=%u action=pause "
			  "backoff-ms=%u", a, errno_name(err), srv->nctrls,
			  (unsigned)(LISTEN_BACKOFF_MIN * 1000));
	}
	l->backoff_s = l->backoff_s ? l->backoff_s * 2 : LISTEN_BACKOFF_MIN;
	if (l->backoff_s > LISTEN_BACKOFF_MAX)
		l->backoff_s = LISTEN_BACKOFF_MAX;
	ev_io_stop(srv->loop, &l->io);
	ev_timer_set(&l->backoff, l->backoff_s, 0.);
	ev_timer_start(srv->loop, &l->backoff);
}

static void accept_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct listener *l = (struct listener *)((char *)w - offsetof(struct listener, io));
	struct server *srv = server_of(loop);
	(void)revents;

	for (int i = 0; i < 64; i++) {
		struct sockaddr_in peer;
		socklen_t len = sizeof(peer);
		int fd = accept4(l->fd, (struct sockaddr *)&peer, &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			int err = errno;
			if (err == EMFILE || err == ENFILE || err == ENOBUFS || err == ENOMEM)
				pause_accepting(l, err);
			else if (err != EAGAIN && err != EWOULDBLOCK && err != EINTR &&
				 err != ECONNABORTED)
				log_warn("event=accept-failed");
			return;
		}
		if (l->failures) {
			char a[INET_ADDRSTRLEN];
			inet_ntop(AF_INET, &l->addr, a, sizeof(a));
			log_notice("listen=%s event=accept-resumed failures=%u", a, l->failures);
			l->failures = 0;
			l->backoff_s = 0;
		}
		if (peer.sin_family != AF_INET) {
			close(fd);
			continue;
		}
		if (srv->stopping || login_lock_refuse_conn(srv, &peer)) {
			close(fd);
			continue;
		}
		if (conns_from(srv, peer.sin_addr.s_addr) >= srv->cfg->max_conn_per_addr) {
			char a[INET_ADDRSTRLEN];
			uint64_t suppressed = 0;
			inet_ntop(AF_INET, &peer.sin_addr, a, sizeof(a));
			srv->stats.ctrl_refused++;
			if (log_limit_due(&srv->log_ctrl_refused, ntohl(peer.sin_addr.s_addr),
					  server_now_ms(), &suppressed))
				log_notice("peer=%s:%u event=ctrl-refused "
					   "reason=max-connections-per-address limit=%u suppressed=%llu",
					   a, ntohs(peer.sin_port), srv->cfg->max_conn_per_addr,
					   (unsigned long long)suppressed);
			close(fd);
			continue;
		}
		make_room(srv);
		ctrl_accept_listened(srv, fd, &peer, ntohl(l->addr.s_addr));
	}
}

void listener_raise_nofile(const struct config *cfg)
{
	struct rlimit rl;
	rlim_t want = (rlim_t)cfg->connections * 2 + cfg->max_unstarted + LISTEN_FD_RESERVE;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0) {
		log_warn("event=fd-limit error=getrlimit");
		return;
	}
	if (rl.rlim_cur < want && rl.rlim_cur != RLIM_INFINITY) {
		struct rlimit nrl = rl;
		nrl.rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max >= want ? want : rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &nrl) == 0)
			rl = nrl;
		else
			log_warn("event=fd-limit error=setrlimit");
	}
	log_notice("event=fd-limit soft=%llu hard=%llu wanted=%llu",
		   (unsigned long long)rl.rlim_cur, (unsigned long long)rl.rlim_max,
		   (unsigned long long)want);
	if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < want)
		log_warnx("event=fd-limit-low soft=%llu wanted=%llu: the hard limit of open files "
			  "is below what `connections` needs; raise it (systemd: LimitNOFILE=), "
			  "pptpd does not override it", (unsigned long long)rl.rlim_cur,
			  (unsigned long long)want);
}

bool listener_open(struct listener *l, struct server *srv, struct in_addr addr, uint16_t port)
{
	char a[INET_ADDRSTRLEN];
	struct sockaddr_in sin = {
		.sin_family = AF_INET, .sin_port = htons(port), .sin_addr = addr,
	};
	int one = 1;

	inet_ntop(AF_INET, &addr, a, sizeof(a));
	l->srv = srv;
	l->addr = addr;
	l->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (l->fd < 0) {
		log_err("cannot open a TCP socket for %s:%u", a, port);
		return false;
	}
	setsockopt(l->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	/* Accepted sockets inherit it: no setsockopt per connection. */
	if (setsockopt(l->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) != 0)
		log_warn("event=listen addr=%s error=tcp-nodelay", a);
	if (bind(l->fd, (struct sockaddr *)&sin, sizeof(sin)) != 0) {
		log_err("cannot listen on %s:%u (pptpd needs root for port %u)", a, port, port);
		close(l->fd);
		l->fd = -1;
		return false;
	}
	if (listen(l->fd, LISTEN_BACKLOG) != 0) {
		log_err("cannot listen on %s:%u", a, port);
		close(l->fd);
		l->fd = -1;
		return false;
	}
	ev_io_init(&l->io, accept_cb, l->fd, EV_READ);
	ev_io_start(srv->loop, &l->io);
	ev_timer_init(&l->backoff, backoff_cb, LISTEN_BACKOFF_MIN, 0.);
	l->backoff_s = 0;
	l->failures = 0;
	log_notice("event=listen addr=%s port=%u", a, port);
	return true;
}

void listener_free(struct listener *l)
{
	if (l->fd < 0)
		return;
	ev_io_stop(l->srv->loop, &l->io);
	ev_timer_stop(l->srv->loop, &l->backoff);
	close(l->fd);
	l->fd = -1;
}
