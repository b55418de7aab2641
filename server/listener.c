/*
 * TCP 1723 listeners: accept, apply the per-address limit, hand the socket
 * to a new control connection.
 */
#include "server/listener.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/log.h"
#include "server/ctrl.h"
#include "server/login_lock.h"
#include "server/server.h"

#define LISTEN_BACKLOG 256

static unsigned conns_from(const struct server *srv, in_addr_t addr)
{
	unsigned n = 0;
	for (const struct ctrl *c = srv->ctrls; c; c = c->next)
		n += c->peer.sin_addr.s_addr == addr;
	return n;
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
			if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR &&
			    errno != ECONNABORTED)
				log_warn("event=accept-failed");
			return;
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
			inet_ntop(AF_INET, &peer.sin_addr, a, sizeof(a));
			srv->stats.ctrl_refused++;
			log_notice("peer=%s:%u event=ctrl-refused reason=max-connections-per-address "
				   "limit=%u", a, ntohs(peer.sin_port), srv->cfg->max_conn_per_addr);
			close(fd);
			continue;
		}
		ctrl_accept(srv, fd, &peer);
	}
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
	log_notice("event=listen addr=%s port=%u", a, port);
	return true;
}

void listener_close(struct listener *l)
{
	if (l->fd < 0)
		return;
	ev_io_stop(l->srv->loop, &l->io);
	close(l->fd);
	l->fd = -1;
}
