/*
 * The RADIUS transport (see radius_client.h): UDP sockets in one epoll set
 * with a timerfd, identifiers per socket, a deadline-ordered list of
 * outstanding requests, failover and dead servers.
 *
 * Every try waits the same timeout, so appending each (re)sent request to
 * the tail of one list keeps the list sorted by deadline: the head is the
 * next retransmission due. The timerfd is armed for that or for the next
 * Status-Server probe due, whichever is sooner (at most one per server).
 */
#include "auth/radius_client.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "common/crypto.h"
#include "common/log.h"
#include "common/netaddr.h"

#define TIMER_TAG  UINT32_MAX
#define RX_BATCH   64

const unsigned radius_latency_bounds_ms[RADIUS_LATENCY_BUCKETS] = {
	5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000,
};

struct rsock {
	int fd;
	int family;
	uint8_t cursor;               /* next identifier to try */
	unsigned used;
	struct radius_req *by_id[256];
};

struct radius_req {
	struct radius_req *prev, *next; /* the deadline list */
	struct radius_client *c;
	radius_done_fn done;
	void *ctx;
	uint8_t code;
	uint8_t *attrs;
	size_t attrs_len;
	uint8_t password[RADIUS_PASSWORD_MAX];
	size_t password_len;
	bool has_password;
	bool add_delay_time;
	bool probe;                   /* our own Status-Server: no callback */
	bool require_ma;              /* replies need it whatever the server */
	bool pinned;                  /* to `server` only, never failed over */
	uint64_t created_ms;
	uint64_t sent_ms;             /* first send: the reply latency's start */

	size_t server;                /* index of the server it is at */
	size_t servers_tried;
	unsigned tries_left;          /* retransmissions left at this server */
	int sock;                     /* index into c->socks; -1: none */
	uint8_t id;
	uint8_t req_auth[RADIUS_AUTH_LEN];
	uint8_t *pkt;                 /* the bytes sent to this server */
	size_t pkt_len;
	uint64_t deadline;
};

struct srv_state {
	uint64_t dead_until;          /* 0: alive */
	uint64_t probe_at;            /* next Status-Server due; 0: none */
	struct radius_req *probe;     /* the one outstanding; NULL: none */
};

struct radius_client {
	char what[16];
	struct radius_server servers[RADIUS_SERVERS_MAX];
	struct srv_state state[RADIUS_SERVERS_MAX];
	size_t nservers;
	unsigned timeout_ms, tries, dead_time_s;
	bool status_server;
	unsigned probe_interval_ms;
	size_t max_outstanding;
	bool has_bind;
	struct sockaddr_storage bind_addr;

	int epfd, tfd;
	struct rsock socks[RADIUS_CLIENT_SOCKETS];
	size_t nsocks;

	struct radius_req *head, *tail;
	size_t outstanding;
	uint64_t armed;               /* the deadline the timerfd is set for; 0: none */
	uint64_t last_warn_ms;
	struct radius_stats st;
};

/* ---- helpers ---- */

static socklen_t sa_len(int family)
{
	return family == AF_INET6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);
}

/* ---- the deadline list and the timer ---- */

static void list_unlink(struct radius_client *c, struct radius_req *r)
{
	if (r->prev)
		r->prev->next = r->next;
	else if (c->head == r)
		c->head = r->next;
	if (r->next)
		r->next->prev = r->prev;
	else if (c->tail == r)
		c->tail = r->prev;
	r->prev = r->next = NULL;
}

static void list_append(struct radius_client *c, struct radius_req *r)
{
	r->next = NULL;
	r->prev = c->tail;
	if (c->tail)
		c->tail->next = r;
	else
		c->head = r;
	c->tail = r;
}

static void timer_arm(struct radius_client *c, uint64_t now)
{
	uint64_t due = c->head ? c->head->deadline : 0;
	struct itimerspec its;

	for (size_t i = 0; i < c->nservers; i++)
		if (c->state[i].probe_at && (!due || c->state[i].probe_at < due))
			due = c->state[i].probe_at;

	if (due == c->armed)
		return;
	memset(&its, 0, sizeof(its));
	if (due) {
		uint64_t in = due > now ? due - now : 1;
		its.it_value.tv_sec = (time_t)(in / 1000);
		its.it_value.tv_nsec = (long)(in % 1000) * 1000000L;
	}
	if (timerfd_settime(c->tfd, 0, &its, NULL) == 0)
		c->armed = due;
}

/* ---- sockets and identifiers ---- */

static int sock_open(struct radius_client *c, int family)
{
	if (c->nsocks == RADIUS_CLIENT_SOCKETS)
		return -1;
	int fd = socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		log_warn("radius=%s event=socket-failed", c->what);
		return -1;
	}
	if (c->has_bind && c->bind_addr.ss_family == family &&
	    bind(fd, (const struct sockaddr *)&c->bind_addr, sa_len(family)) < 0) {
		log_warn("radius=%s event=bind-failed", c->what);
		close(fd);
		return -1;
	}
	struct epoll_event ev = { .events = EPOLLIN, .data.u32 = (uint32_t)c->nsocks };
	if (epoll_ctl(c->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
		log_warn("radius=%s event=epoll-failed", c->what);
		close(fd);
		return -1;
	}
	struct rsock *s = &c->socks[c->nsocks];
	memset(s, 0, sizeof(*s));
	s->fd = fd;
	s->family = family;
	crypto_random(&s->cursor, 1);
	return (int)c->nsocks++;
}

/* A socket of that family with a free identifier, and the identifier. */
static bool id_take(struct radius_client *c, int family, struct radius_req *r)
{
	int k = -1;
	for (size_t i = 0; i < c->nsocks; i++)
		if (c->socks[i].family == family && c->socks[i].used < 256) {
			k = (int)i;
			break;
		}
	if (k < 0 && (k = sock_open(c, family)) < 0)
		return false;
	struct rsock *s = &c->socks[k];
	for (unsigned n = 0; n < 256; n++) {
		uint8_t id = s->cursor++;
		if (s->by_id[id])
			continue;
		s->by_id[id] = r;
		s->used++;
		r->sock = k;
		r->id = id;
		return true;
	}
	return false;
}

static void id_release(struct radius_client *c, struct radius_req *r)
{
	if (r->sock < 0)
		return;
	struct rsock *s = &c->socks[r->sock];
	if (s->by_id[r->id] == r) {
		s->by_id[r->id] = NULL;
		s->used--;
	}
	r->sock = -1;
}

/* ---- building and sending ---- */

static bool build(struct radius_client *c, struct radius_req *r, uint64_t now)
{
	const struct radius_server *srv = &c->servers[r->server];
	struct radius_writer *w = malloc(sizeof(*w));
	bool access = r->code == RADIUS_ACCESS_REQUEST || r->code == RADIUS_STATUS_SERVER;
	bool ok = false;

	if (!w)
		return false;
	if (access && !crypto_random(r->req_auth, sizeof(r->req_auth)))
		goto out;
	radius_writer_init(w, r->code, r->id, access ? r->req_auth : NULL);
	if (r->attrs_len > sizeof(w->buf) - w->len)
		goto out;
	if (r->attrs_len) /* a probe has none: no memcpy from NULL */
		memcpy(w->buf + w->len, r->attrs, r->attrs_len);
	w->len += r->attrs_len;
	if (r->has_password &&
	    !radius_put_user_password(w, &srv->secret, r->req_auth, r->password, r->password_len))
		goto out;
	if (r->add_delay_time)
		radius_put_u32(w, RADIUS_ACCT_DELAY_TIME,
			       (uint32_t)(now > r->created_ms ? (now - r->created_ms) / 1000 : 0));
	if (access)
		radius_put_ma(w);
	if (!radius_finish(w, access ? RADIUS_SIGN_ACCESS_REQUEST : RADIUS_SIGN_REQUEST_HASH,
			   &srv->secret, NULL))
		goto out;
	if (!access)
		memcpy(r->req_auth, w->buf + 4, RADIUS_AUTH_LEN);
	uint8_t *pkt = realloc(r->pkt, w->len);
	if (!pkt)
		goto out;
	memcpy(pkt, w->buf, w->len);
	r->pkt = pkt;
	r->pkt_len = w->len;
	ok = true;
out:
	crypto_wipe(w, sizeof(*w));
	free(w);
	return ok;
}

static void transmit(struct radius_client *c, struct radius_req *r, uint64_t now)
{
	const struct radius_server *srv = &c->servers[r->server];
	ssize_t n = sendto(c->socks[r->sock].fd, r->pkt, r->pkt_len, 0,
			   (const struct sockaddr *)&srv->addr, srv->addrlen);
	if (n < 0 && now - c->last_warn_ms >= 1000) {
		c->last_warn_ms = now;
		log_warn("radius=%s server=%s event=send-failed", c->what, srv->name);
	}
	r->deadline = now + c->timeout_ms;
	list_append(c, r);
}

/* Start the request at server index i: a fresh identifier and packet. */
static bool start_at(struct radius_client *c, struct radius_req *r, size_t i, uint64_t now)
{
	id_release(c, r);
	r->server = i;
	r->tries_left = c->tries - 1;
	if (!id_take(c, c->servers[i].addr.ss_family, r) || !build(c, r, now)) {
		id_release(c, r);
		return false;
	}
	if (r->probe) {
		r->tries_left = 0;
		c->st.probes++;
	} else {
		c->st.sent++;
	}
	transmit(c, r, now);
	return true;
}

/* The first live server, or the one dead longest. */
static size_t first_server(const struct radius_client *c, uint64_t now)
{
	size_t best = 0;
	for (size_t i = 0; i < c->nservers; i++) {
		if (c->state[i].dead_until <= now)
			return i;
		if (c->state[i].dead_until < c->state[best].dead_until)
			best = i;
	}
	return best;
}

static void req_free(struct radius_client *c, struct radius_req *r)
{
	list_unlink(c, r);
	id_release(c, r);
	if (r->probe) {
		if (c->state[r->server].probe == r)
			c->state[r->server].probe = NULL;
	} else {
		c->outstanding--;
	}
	if (r->attrs)
		crypto_wipe(r->attrs, r->attrs_len);
	free(r->attrs);
	free(r->pkt);
	crypto_wipe(r, sizeof(*r));
	free(r);
}

/* ---- Status-Server probes of dead servers (RFC 5997) ---- */

/* The next probe of server i: probe_interval_ms, give or take a third. */
static void probe_schedule(struct radius_client *c, size_t i, uint64_t now)
{
	uint32_t rnd = 0;
	uint64_t iv = c->probe_interval_ms, j = iv / 3;

	if (!c->status_server)
		return;
	crypto_random(&rnd, sizeof(rnd));
	c->state[i].probe_at = now + iv - j + (j ? rnd % (2 * j + 1) : 0);
}

static void probe_send(struct radius_client *c, size_t i, uint64_t now)
{
	struct radius_req *r = calloc(1, sizeof(*r));

	if (!r) {
		probe_schedule(c, i, now);
		return;
	}
	r->c = c;
	r->sock = -1;
	r->code = RADIUS_STATUS_SERVER;
	r->probe = true;
	r->sent_ms = now;
	r->created_ms = now;
	r->servers_tried = c->nservers; /* never failed over */
	r->server = i;
	c->state[i].probe = r;
	if (!start_at(c, r, i, now)) {
		req_free(c, r);
		probe_schedule(c, i, now);
	}
}

/* Probes due now go to servers still dead and not already probed. */
static void probes_run(struct radius_client *c, uint64_t now)
{
	for (size_t i = 0; i < c->nservers; i++) {
		struct srv_state *st = &c->state[i];
		if (!st->probe_at || st->probe_at > now)
			continue;
		st->probe_at = 0;
		if (st->dead_until > now && !st->probe)
			probe_send(c, i, now);
	}
}

/* A probe's one try went unanswered: the next one, while still dead. */
static void probe_timeout(struct radius_client *c, struct radius_req *r, uint64_t now)
{
	size_t i = r->server;

	log_debug("radius=%s server=%s event=status-server-unanswered", c->what,
		  c->servers[i].name);
	req_free(c, r);
	if (c->state[i].dead_until > now)
		probe_schedule(c, i, now);
}

struct radius_req *radius_client_send(struct radius_client *c,
				      const struct radius_req_params *p, uint64_t now_ms)
{
	if (c->outstanding >= c->max_outstanding || p->password_len > RADIUS_PASSWORD_MAX ||
	    p->attrs_len > RADIUS_MAX_LEN - RADIUS_HDR_LEN ||
	    (p->pinned && p->server >= c->nservers))
		return NULL;
	struct radius_req *r = calloc(1, sizeof(*r));
	if (!r)
		return NULL;
	r->c = c;
	r->sock = -1;
	r->done = p->done;
	r->ctx = p->ctx;
	r->code = p->code;
	r->add_delay_time = p->add_delay_time;
	r->require_ma = p->require_ma;
	r->pinned = p->pinned;
	r->created_ms = p->created_ms;
	r->sent_ms = now_ms;
	if (p->attrs_len) {
		r->attrs = malloc(p->attrs_len);
		if (!r->attrs) {
			free(r);
			return NULL;
		}
		memcpy(r->attrs, p->attrs, p->attrs_len);
		r->attrs_len = p->attrs_len;
	}
	if (p->password) {
		memcpy(r->password, p->password, p->password_len);
		r->password_len = p->password_len;
		r->has_password = true;
	}
	c->outstanding++;
	/* A pinned request has, as it were, tried every other server already. */
	r->servers_tried = p->pinned ? c->nservers : 1;
	if (!start_at(c, r, p->pinned ? p->server : first_server(c, now_ms), now_ms)) {
		req_free(c, r);
		return NULL;
	}
	timer_arm(c, now_ms);
	return r;
}

void radius_client_cancel(struct radius_client *c, struct radius_req *req)
{
	if (req)
		req_free(c, req);
}

/* ---- timeouts ---- */

static void finish(struct radius_client *c, struct radius_req *r, const struct radius_packet *reply,
		   const struct radius_server *srv)
{
	uint8_t auth[RADIUS_AUTH_LEN];
	radius_done_fn done = r->done;
	void *ctx = r->ctx;

	memcpy(auth, r->req_auth, sizeof(auth));
	/* Unlinked and freed before the callback, which may send or cancel. */
	req_free(c, r);
	done(ctx, reply, srv, auth);
	crypto_wipe(auth, sizeof(auth));
}

static void on_timeout(struct radius_client *c, struct radius_req *r, uint64_t now)
{
	list_unlink(c, r);
	if (r->probe) {
		probe_timeout(c, r, now);
		return;
	}
	if (r->tries_left > 0) {
		r->tries_left--;
		c->st.retransmitted++;
		transmit(c, r, now);
		return;
	}
	struct srv_state *st = &c->state[r->server];
	if (st->dead_until <= now) {
		st->dead_until = now + (uint64_t)c->dead_time_s * 1000u;
		log_warnx("radius=%s server=%s event=server-dead tries=%u dead-for=%us "
			  "status-server=%s", c->what, c->servers[r->server].name, c->tries,
			  c->dead_time_s, c->status_server ? "probing" : "off");
		if (!st->probe)
			probe_schedule(c, r->server, now);
	}
	while (r->servers_tried < c->nservers) {
		size_t next = (r->server + 1) % c->nservers;
		r->servers_tried++;
		c->st.failovers++;
		log_info("radius=%s event=failover from=%s to=%s", c->what,
			 c->servers[r->server].name, c->servers[next].name);
		if (start_at(c, r, next, now))
			return;
	}
	c->st.timeouts++;
	if (r->pinned)
		log_warnx("radius=%s event=no-answer pinned-to=%s tries=%u", c->what,
			  c->servers[r->server].name, c->tries);
	else
		log_warnx("radius=%s event=no-answer servers=%zu tries=%u", c->what, c->nservers,
			  c->tries);
	finish(c, r, NULL, NULL);
}

/* ---- replies ---- */

static bool reply_fits(uint8_t req_code, uint8_t code)
{
	if (req_code == RADIUS_ACCESS_REQUEST || req_code == RADIUS_STATUS_SERVER)
		return code == RADIUS_ACCESS_ACCEPT || code == RADIUS_ACCESS_REJECT ||
		       code == RADIUS_ACCESS_CHALLENGE ||
		       (req_code == RADIUS_STATUS_SERVER && code == RADIUS_ACCOUNTING_RESPONSE);
	return req_code == RADIUS_ACCOUNTING_REQUEST && code == RADIUS_ACCOUNTING_RESPONSE;
}

static void drop_reply(struct radius_client *c, uint64_t now, const char *why, const char *from,
		       bool bad)
{
	if (bad)
		c->st.bad_replies++;
	else
		c->st.unexpected++;
	if (now - c->last_warn_ms >= 1000) {
		c->last_warn_ms = now;
		log_warnx("radius=%s from=%s event=reply-dropped reason=%s bad=%llu unexpected=%llu",
			  c->what, from, why, (unsigned long long)c->st.bad_replies,
			  (unsigned long long)c->st.unexpected);
	}
}

static void on_datagram(struct radius_client *c, size_t k, const uint8_t *buf, size_t n,
			const struct sockaddr_storage *from, uint64_t now)
{
	struct radius_packet p;
	char fromstr[NETADDR_STRLEN];

	netaddr_format(from, true, fromstr, sizeof(fromstr));
	if (!radius_parse(buf, n, &p)) {
		drop_reply(c, now, "malformed", fromstr, true);
		return;
	}
	struct radius_req *r = c->socks[k].by_id[p.id];
	if (!r || !netaddr_equal(from, &c->servers[r->server].addr)) {
		drop_reply(c, now, "no-request", fromstr, false);
		return;
	}
	if (!reply_fits(r->code, p.code)) {
		drop_reply(c, now, "wrong-code", fromstr, true);
		return;
	}
	const struct radius_server *srv = &c->servers[r->server];
	bool need_ma = (p.code == RADIUS_ACCESS_ACCEPT || p.code == RADIUS_ACCESS_REJECT ||
			p.code == RADIUS_ACCESS_CHALLENGE) &&
		       (!srv->ma_optional || r->require_ma);
	enum radius_verify_result v = radius_verify(&p, RADIUS_SIGN_RESPONSE, &srv->secret,
						    r->req_auth, need_ma);
	if (v != RADIUS_OK) {
		drop_reply(c, now, radius_verify_name(v), fromstr, true);
		return;
	}
	struct srv_state *st = &c->state[r->server];
	if (r->probe) {
		c->st.probe_answers++;
		if (st->dead_until) {
			st->dead_until = 0;
			st->probe_at = 0;
			log_notice("radius=%s server=%s event=server-alive by=status-server "
				   "answer=%s", c->what, srv->name, radius_code_name(p.code));
		}
		req_free(c, r);
		return;
	}
	c->st.replies++;
	uint64_t ms = now >= r->sent_ms ? now - r->sent_ms : 0;
	size_t b = 0;
	while (b < RADIUS_LATENCY_BUCKETS && ms > radius_latency_bounds_ms[b])
		b++;
	c->st.latency[b]++;
	c->st.latency_sum_ms += ms;
	if (st->dead_until) {
		st->dead_until = 0;
		st->probe_at = 0;
		log_notice("radius=%s server=%s event=server-alive by=reply", c->what, srv->name);
	}
	finish(c, r, &p, srv);
}

static void read_socket(struct radius_client *c, size_t k, uint64_t now)
{
	uint8_t buf[RADIUS_MAX_LEN];

	for (int i = 0; i < RX_BATCH; i++) {
		struct sockaddr_storage from;
		socklen_t fl = sizeof(from);
		ssize_t n = recvfrom(c->socks[k].fd, buf, sizeof(buf), 0, (struct sockaddr *)&from,
				     &fl);
		if (n < 0)
			return; /* EAGAIN, or an ICMP error queued on the socket */
		on_datagram(c, k, buf, (size_t)n, &from, now);
	}
}

void radius_client_run(struct radius_client *c, uint64_t now_ms)
{
	struct epoll_event ev[RADIUS_CLIENT_SOCKETS + 1];
	int n = epoll_wait(c->epfd, ev, RADIUS_CLIENT_SOCKETS + 1, 0);

	for (int i = 0; i < n; i++) {
		if (ev[i].data.u32 == TIMER_TAG) {
			uint64_t ticks;
			if (read(c->tfd, &ticks, sizeof(ticks)) < 0)
				continue;
			c->armed = 0;
		} else if (ev[i].data.u32 < c->nsocks) {
			read_socket(c, ev[i].data.u32, now_ms);
		}
	}
	while (c->head && c->head->deadline <= now_ms)
		on_timeout(c, c->head, now_ms);
	probes_run(c, now_ms);
	timer_arm(c, now_ms);
}

/* ---- life ---- */

struct radius_client *radius_client_new(const struct radius_client_config *cfg,
					char *err, size_t errlen)
{
	if (cfg->nservers == 0 || cfg->nservers > RADIUS_SERVERS_MAX) {
		snprintf(err, errlen, "%zu RADIUS %s servers (1..%d allowed)", cfg->nservers,
			 cfg->what, RADIUS_SERVERS_MAX);
		return NULL;
	}
	struct radius_client *c = calloc(1, sizeof(*c));
	if (!c) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	snprintf(c->what, sizeof(c->what), "%s", cfg->what ? cfg->what : "radius");
	memcpy(c->servers, cfg->servers, cfg->nservers * sizeof(*c->servers));
	c->nservers = cfg->nservers;
	c->timeout_ms = cfg->timeout_ms ? cfg->timeout_ms : 3000;
	c->tries = cfg->tries ? cfg->tries : 3;
	c->dead_time_s = cfg->dead_time_s ? cfg->dead_time_s : 30;
	c->status_server = cfg->status_server;
	c->probe_interval_ms = cfg->probe_interval_ms ? cfg->probe_interval_ms
						      : RADIUS_PROBE_INTERVAL_MS;
	for (size_t i = 0; i < c->nservers; i++)
		if (c->servers[i].ma_optional)
			log_warnx("radius=%s server=%s event=message-authenticator-not-required: "
				  "its Access-Accept, -Reject and -Challenge are taken without "
				  "Message-Authenticator, open to forgery (Blast-RADIUS, "
				  "CVE-2024-3596); only for servers that cannot add it", c->what,
				  c->servers[i].name);
	c->max_outstanding = cfg->max_outstanding ? cfg->max_outstanding : 4096;
	if (cfg->bind_addr) {
		c->bind_addr = *cfg->bind_addr;
		c->has_bind = true;
	}
	c->tfd = -1;
	c->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (c->epfd < 0) {
		snprintf(err, errlen, "epoll_create1: %s", strerror(errno));
		goto fail;
	}
	c->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	struct epoll_event ev = { .events = EPOLLIN, .data.u32 = TIMER_TAG };
	if (c->tfd < 0 || epoll_ctl(c->epfd, EPOLL_CTL_ADD, c->tfd, &ev) < 0) {
		snprintf(err, errlen, "timerfd: %s", strerror(errno));
		goto fail;
	}
	/* One socket per family in use now, so a bad bind address fails here. */
	for (size_t i = 0; i < c->nservers; i++) {
		int fam = c->servers[i].addr.ss_family;
		bool have = false;
		for (size_t k = 0; k < c->nsocks; k++)
			have |= c->socks[k].family == fam;
		if (!have && sock_open(c, fam) < 0) {
			snprintf(err, errlen, "cannot open a UDP socket for RADIUS %s server %s: %s",
				 c->what, c->servers[i].name, strerror(errno));
			goto fail;
		}
	}
	return c;
fail:
	radius_client_free(c);
	return NULL;
}

void radius_client_free(struct radius_client *c)
{
	if (!c)
		return;
	while (c->head)
		req_free(c, c->head);
	for (size_t k = 0; k < c->nsocks; k++)
		close(c->socks[k].fd);
	if (c->tfd >= 0)
		close(c->tfd);
	if (c->epfd >= 0)
		close(c->epfd);
	crypto_wipe(c->servers, sizeof(c->servers));
	free(c);
}

int radius_client_fd(const struct radius_client *c)
{
	return c->epfd;
}

uint64_t radius_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return RADIUS_CLOCK_BASE_MS + (uint64_t)ts.tv_sec * 1000u +
	       (uint64_t)ts.tv_nsec / 1000000u;
}

size_t radius_client_outstanding(const struct radius_client *c)
{
	return c->outstanding;
}

size_t radius_client_server_index(const struct radius_client *c,
				  const struct radius_server *srv)
{
	for (size_t i = 0; i < c->nservers; i++)
		if (srv == &c->servers[i])
			return i;
	return c->nservers;
}

const struct radius_server *radius_client_server(const struct radius_client *c, size_t i)
{
	return i < c->nservers ? &c->servers[i] : NULL;
}

const struct radius_stats *radius_client_stats(const struct radius_client *c)
{
	return &c->st;
}
