/*
 * The Prometheus endpoint: a small HTTP/1.x server on the loop and the
 * text the scrape returns. See server/metrics.h for the bounds.
 */
#include "server/metrics.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "auth/acct.h"
#include "auth/backend_radius.h"
#include "auth/radius_client.h"
#include "common/buf.h"
#include "common/log.h"
#include "common/netaddr.h"
#include "server/server.h"
#include "server/worker.h"
#include "server/session.h"
#include "server/tun.h"

enum mclient_state { MC_FREE, MC_READING, MC_WRITING };

struct mclient {
	enum mclient_state state;
	int fd;
	ev_io io;
	ev_timer timer;           /* METRICS_READ_SECS to read, again to write */
	uint64_t serial;          /* accept order: the oldest reader is evicted */
	uint8_t req[METRICS_REQ_MAX];
	size_t len;
	char *out;                /* the answer (malloc) */
	size_t out_len, out_off;
};

struct metrics {
	struct server *srv;
	int fd;
	char addr[NETADDR_STRLEN];
	ev_io accept_io;
	ev_timer lag_timer;
	ev_tstamp lag_due;        /* when lag_timer should fire */
	double lag_last, lag_max; /* seconds */
	uint64_t serial;
	uint64_t accepted, evicted, timeouts, too_large;
	uint64_t answers[4];      /* 200, 400, 404, 405 */
	struct mclient clients[METRICS_MAX_CLIENTS];
};

enum { A_200, A_400, A_404, A_405 };

/* ---- the text ---- */

struct text {
	char *p;
	size_t len, cap;
	bool err;
};

static void put(struct text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(struct text *t, const char *fmt, ...)
{
	if (t->err)
		return;
	for (int tries = 0; tries < 2; tries++) {
		va_list ap;
		va_start(ap, fmt);
		int n = vsnprintf(t->p ? t->p + t->len : NULL, t->p ? t->cap - t->len : 0, fmt, ap);
		va_end(ap);
		if (n < 0) {
			t->err = true;
			return;
		}
		if (t->p && (size_t)n < t->cap - t->len) {
			t->len += (size_t)n;
			return;
		}
		size_t cap = t->cap ? t->cap : 8192;
		while (cap - t->len <= (size_t)n)
			cap *= 2;
		char *np = realloc(t->p, cap);
		if (!np) {
			t->err = true;
			return;
		}
		t->p = np;
		t->cap = cap;
	}
}

static void head(struct text *t, const char *name, const char *type, const char *help)
{
	put(t, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void counter(struct text *t, const char *name, const char *help, uint64_t v)
{
	head(t, name, "counter", help);
	put(t, "%s %llu\n", name, (unsigned long long)v);
}

static void gauge(struct text *t, const char *name, const char *help, double v)
{
	head(t, name, "gauge", help);
	put(t, "%s %.6f\n", name, v);
}

static void radius_lines(struct text *t, const char *name, const char *what, uint64_t v)
{
	put(t, "%s{what=\"%s\"} %llu\n", name, what, (unsigned long long)v);
}

static void radius_block(struct text *t, const struct radius_stats *ra,
			 const struct radius_stats *rc)
{
	static const struct {
		const char *name, *help;
		size_t off;
	} rows[] = {
		{ "pptpd_radius_requests_total", "RADIUS requests sent (first tries)",
		  offsetof(struct radius_stats, sent) },
		{ "pptpd_radius_retransmits_total", "RADIUS requests sent again",
		  offsetof(struct radius_stats, retransmitted) },
		{ "pptpd_radius_failovers_total", "RADIUS requests moved to the next server",
		  offsetof(struct radius_stats, failovers) },
		{ "pptpd_radius_timeouts_total", "RADIUS requests no server answered",
		  offsetof(struct radius_stats, timeouts) },
		{ "pptpd_radius_replies_total", "verified RADIUS replies",
		  offsetof(struct radius_stats, replies) },
		{ "pptpd_radius_bad_replies_total", "RADIUS replies that failed verification",
		  offsetof(struct radius_stats, bad_replies) },
		{ "pptpd_radius_unexpected_total", "RADIUS replies matching no request",
		  offsetof(struct radius_stats, unexpected) },
		{ "pptpd_radius_probes_total", "Status-Server probes sent to dead servers",
		  offsetof(struct radius_stats, probes) },
		{ "pptpd_radius_probe_answers_total", "verified answers to Status-Server probes",
		  offsetof(struct radius_stats, probe_answers) },
	};
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		head(t, rows[i].name, "counter", rows[i].help);
		if (ra)
			radius_lines(t, rows[i].name, "auth",
				     *(const uint64_t *)(const void *)((const char *)ra + rows[i].off));
		if (rc)
			radius_lines(t, rows[i].name, "acct",
				     *(const uint64_t *)(const void *)((const char *)rc + rows[i].off));
	}
}

static void latency_lines(struct text *t, const char *what, const struct radius_stats *r)
{
	uint64_t cum = 0;
	for (size_t i = 0; i < RADIUS_LATENCY_BUCKETS; i++) {
		cum += r->latency[i];
		put(t, "pptpd_radius_latency_seconds_bucket{what=\"%s\",le=\"%g\"} %llu\n", what,
		    radius_latency_bounds_ms[i] / 1000.0, (unsigned long long)cum);
	}
	cum += r->latency[RADIUS_LATENCY_BUCKETS];
	put(t, "pptpd_radius_latency_seconds_bucket{what=\"%s\",le=\"+Inf\"} %llu\n", what,
	    (unsigned long long)cum);
	put(t, "pptpd_radius_latency_seconds_sum{what=\"%s\"} %.3f\n", what,
	    (double)r->latency_sum_ms / 1000.0);
	put(t, "pptpd_radius_latency_seconds_count{what=\"%s\"} %llu\n", what,
	    (unsigned long long)cum);
}

/* One counter family with a label: name{label="key"} value, per entry. */
struct labelled {
	const char *key;
	uint64_t v;
};

static void family(struct text *t, const char *name, const char *help, const char *label,
		   const struct labelled *e, size_t n)
{
	head(t, name, "counter", help);
	for (size_t i = 0; i < n; i++)
		put(t, "%s{%s=\"%s\"} %llu\n", name, label, e[i].key, (unsigned long long)e[i].v);
}

#define FAMILY(t, name, help, label, arr) \
	family((t), (name), (help), (label), (arr), sizeof(arr) / sizeof((arr)[0]))

static void render_objects(const struct server *srv, struct text *t)
{
	const struct server_stats *s = &srv->stats;
	unsigned st[SESSION_NSTATES];

	session_count_states(srv, st);
	head(t, "pptpd_sessions", "gauge", "live sessions by state");
	for (size_t i = 0; i < SESSION_NSTATES; i++)
		put(t, "pptpd_sessions{state=\"%s\"} %u\n", session_state_name((enum session_state)i),
		    st[i]);
	gauge(t, "pptpd_control_connections", "live control connections", srv->nctrls);
	gauge(t, "pptpd_calls", "live calls", srv->ncalls);
	counter(t, "pptpd_sessions_opened_total", "sessions created", s->sessions_opened);
	counter(t, "pptpd_control_connections_opened_total", "control connections accepted",
		s->ctrl_opened);
	counter(t, "pptpd_calls_opened_total", "calls opened", s->calls_opened);
	counter(t, "pptpd_framed_routes_total", "RADIUS Framed-Routes installed", s->framed_routes);
	counter(t, "pptpd_framed_routes_refused_total",
		"RADIUS Framed-Routes refused (overlap, gateway, taken)", s->framed_routes_refused);
	const struct labelled logins[] = {
		{ "ok", s->auth_ok },
		{ "fail", s->auth_fail },
		{ "stale", s->auth_stale },
	};
	FAMILY(t, "pptpd_logins_total", "authentication results", "result", logins);
}

static void render_traffic(const struct server *srv, const struct tun_stats *ts, struct text *t)
{
	const struct server_stats *s = &srv->stats;
	const struct labelled tun_packets[] = { { "rx", ts->rx }, { "tx", ts->tx } };
	const struct labelled tun_bytes[] = { { "rx", ts->rx_bytes }, { "tx", ts->tx_bytes } };
	const struct labelled gre[] = { { "rx", s->gre_rx }, { "tx", s->gre_tx } };

	FAMILY(t, "pptpd_tun_packets_total",
	       "packets through the tun device (rx: from the LAN side, tx: toward it)", "direction",
	       tun_packets);
	FAMILY(t, "pptpd_tun_bytes_total",
	       "IP bytes through the tun device: the clients' traffic (rx: toward them, tx: from them)",
	       "direction", tun_bytes);
	FAMILY(t, "pptpd_gre_packets_total", "GRE packets on the raw socket", "direction", gre);
}

static void render_drops(const struct server *srv, const struct tun_stats *ts, struct text *t)
{
	const struct server_stats *s = &srv->stats;
	const struct labelled drops[] = {
		{ "gre-bad", s->gre_bad },
		{ "gre-no-call", s->gre_no_call },
		{ "gre-wrong-src", s->gre_wrong_src },
		{ "gre-dup", s->gre_dup },
		{ "gre-old", s->gre_old },
		{ "gre-far", s->gre_far },
		{ "gre-tx-err", s->gre_tx_err },
		{ "frames-dropped", s->frames_dropped },
		{ "spoofed", s->spoofed },
		{ "bad-ip", s->bad_ip },
		{ "no-route", s->no_route },
		{ "too-big", s->too_big },
		{ "tx-window", s->tx_window },
		{ "gre-tx-queue-drop", s->gre_tx_queue_drop },
		{ "mppe-refused", s->mppe_refused },
		{ "eap-dropped", s->eap_dropped },
		{ "icmp-limited", s->icmp_limited },
		{ "rate-limited", s->rate_dropped },
		{ "tun-tx-dropped", ts->tx_dropped },
		{ "ipv6-spoofed", s->ipv6_spoofed },
		{ "ipv6-link-local", s->ipv6_link_local },
		{ "ipv6-bad", s->ipv6_bad },
		{ "ipv6-no-route", s->ipv6_no_route },
		{ "ipv6-ptb-limited", s->ipv6_ptb_limited },
	};
	const struct labelled ipv6[] = {
		{ "sessions", s->ipv6_sessions },
		{ "no-prefix", s->ipv6_no_prefix },
		{ "ra-sent", s->ipv6_ra_sent },
		{ "rs-folded", s->ipv6_rs_folded },
		{ "dhcp-replies", s->ipv6_dhcp_replies },
		{ "pd-replies", s->ipv6_pd_replies },
		{ "packet-too-big", s->ipv6_ptb_sent },
	};
	const struct labelled refused[] = {
		{ "ctrl-refused", s->ctrl_refused },
		{ "ctrl-evicted", s->ctrl_evicted },
		{ "accept-failed", s->accept_failed },
		{ "calls-busy", s->calls_busy },
		{ "calls-limited", s->calls_limited },
		{ "calls-setup-timeout", s->calls_setup_timeout },
		{ "mppe-abuse", s->mppe_abuse },
	};
	FAMILY(t, "pptpd_drops_total", "packets dropped, by reason", "reason", drops);
	FAMILY(t, "pptpd_ipv6_total", "IPv6 on the sessions: /64s given, RAs, RSs folded, DHCPv6 Replies, "
	       "Packet Too Big sent", "event", ipv6);
	FAMILY(t, "pptpd_refused_total", "connections and calls refused or ended by a limit",
	       "reason", refused);
}

static void render_radius(const struct server *srv, struct text *t)
{
	const struct radius_stats *ra = auth_radius_stats(srv->auth);
	const struct radius_stats *rc = srv->acct ? acct_radius_stats(srv->acct) : NULL;

	radius_block(t, ra, rc);
	if (ra || rc) {
		head(t, "pptpd_radius_latency_seconds", "histogram",
		     "RADIUS reply latency from the first send, retransmissions included");
		if (ra)
			latency_lines(t, "auth", ra);
		if (rc)
			latency_lines(t, "acct", rc);
	}
	const struct auth_radius_eap_stats *es = auth_radius_eap_stats(srv->auth);
	if (es) {
		counter(t, "pptpd_radius_eap_rounds_total",
			"Access-Requests of EAP rounds sent", es->rounds);
		counter(t, "pptpd_radius_eap_challenges_total",
			"Access-Challenges relayed to the peer", es->challenges);
		counter(t, "pptpd_radius_eap_accepts_total",
			"EAP exchanges ended by an Access-Accept", es->accepts);
		counter(t, "pptpd_radius_eap_rejects_total",
			"EAP exchanges ended by an Access-Reject", es->rejects);
		counter(t, "pptpd_radius_eap_oversized_total",
			"replies whose EAP-Message chain was too long: dropped", es->oversized);
		counter(t, "pptpd_radius_eap_malformed_total",
			"replies whose EAP-Message is not one packet of the right code",
			es->malformed);
		counter(t, "pptpd_radius_eap_stranded_total",
			"EAP rounds whose exchange's server did not answer", es->stranded);
		counter(t, "pptpd_radius_eap_refused_total",
			"EAP rounds refused at submit (EAP packet or State too long)", es->refused);
	}
	if (srv->acct) {
		const struct acct_stats *as = acct_get_stats(srv->acct);
		gauge(t, "pptpd_acct_queue", "accounting records not yet acknowledged",
		      (double)as->queued);
		counter(t, "pptpd_acct_dropped_total", "accounting records dropped: queue full",
			as->dropped);
	}
}

static void render_self(const struct metrics *m, struct text *t)
{
	const struct labelled answers[] = {
		{ "200", m->answers[0] },
		{ "400", m->answers[1] },
		{ "404", m->answers[2] },
		{ "405", m->answers[3] },
	};

	gauge(t, "pptpd_loop_lag_seconds", "how late the last 1 s loop timer fired",
	      m->lag_last);
	gauge(t, "pptpd_loop_lag_max_seconds", "the largest loop lag since start", m->lag_max);
	FAMILY(t, "pptpd_metrics_http_answers_total", "answers of this endpoint by status", "code",
	       answers);
	counter(t, "pptpd_metrics_http_evicted_total",
		"connections closed to make room (over the client limit)", m->evicted);
	counter(t, "pptpd_metrics_http_timeouts_total",
		"connections cut: request not complete in time", m->timeouts);
	counter(t, "pptpd_metrics_http_too_large_total",
		"requests over the size limit (answered 400)", m->too_large);
}

static void render(const struct metrics *m, struct text *t)
{
	workers_fold(m->srv->workers);
	const struct server *srv = m->srv;
	struct tun_stats ts = { 0 };

	if (srv->tun)
		ts = srv->tun->st;
	render_objects(srv, t);
	render_traffic(srv, &ts, t);
	render_drops(srv, &ts, t);
	render_radius(srv, t);
	render_self(m, t);
}

/* ---- HTTP ---- */

static void client_close(struct metrics *m, struct mclient *c)
{
	if (c->state == MC_FREE)
		return;
	ev_io_stop(m->srv->loop, &c->io);
	ev_timer_stop(m->srv->loop, &c->timer);
	close(c->fd);
	free(c->out);
	c->out = NULL;
	c->state = MC_FREE;
}

static void client_flush(struct metrics *m, struct mclient *c)
{
	while (c->out_off < c->out_len) {
		ssize_t n = send(c->fd, c->out + c->out_off, c->out_len - c->out_off, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (n <= 0) {
			client_close(m, c);
			return;
		}
		c->out_off += (size_t)n;
	}
	shutdown(c->fd, SHUT_WR);
	client_close(m, c);
}

static void answer(struct metrics *m, struct mclient *c, int which, const struct text *body)
{
	static const char *const status[] = { "200 OK", "400 Bad Request", "404 Not Found",
					      "405 Method Not Allowed" };
	static const char *const plain[] = { "", "bad request\n", "not found: try /metrics\n",
					     "only GET\n" };
	m->answers[which]++;
	struct text t = { 0 };
	const char *b = body ? body->p : plain[which];
	size_t blen = body ? body->len : strlen(plain[which]);
	put(&t, "HTTP/1.1 %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n%sConnection: close\r\n\r\n",
	    status[which], which == A_200 ? "text/plain; version=0.0.4; charset=utf-8" :
	    "text/plain; charset=utf-8", blen, which == A_405 ? "Allow: GET\r\n" : "");
	if (!t.err && blen) {
		put(&t, "%.*s", (int)blen, b);
	}
	if (t.err) {
		free(t.p);
		client_close(m, c);
		return;
	}
	c->out = t.p;
	c->out_len = t.len;
	c->out_off = 0;
	c->state = MC_WRITING;
	ev_io_stop(m->srv->loop, &c->io);
	ev_io_set(&c->io, c->fd, EV_WRITE);
	ev_io_start(m->srv->loop, &c->io);
	ev_timer_stop(m->srv->loop, &c->timer);
	ev_timer_set(&c->timer, METRICS_READ_SECS, 0.);
	ev_timer_start(m->srv->loop, &c->timer);
	client_flush(m, c);
}

static bool is_tchar(uint8_t ch)
{
	return (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
	       (ch && strchr("!#$%&'*+-.^_`|~", ch));
}

/* Read bytes up to (not including) stop; at most max; false if absent. */
static bool read_until(struct rbuf *r, uint8_t stop, size_t max, const uint8_t **start,
		       size_t *n)
{
	*start = r->p + r->off;
	*n = 0;
	for (size_t i = 0; i <= max; i++) {
		uint8_t ch;
		if (!rbuf_u8(r, &ch))
			return false;
		if (ch == stop)
			return true;
		if ((ch < 0x20 && !(ch == '\r' && stop == '\n')) || ch == 0x7f)
			return false;
		(*n)++;
	}
	return false;
}

/* The request line of a complete head: which answer it gets. */
static int classify(const uint8_t *req, size_t len)
{
	struct rbuf r;
	rbuf_init(&r, req, len);
	const uint8_t *method, *target, *version;
	size_t ml, tl, vl;
	if (!read_until(&r, ' ', 16, &method, &ml) || ml == 0)
		return A_400;
	for (size_t i = 0; i < ml; i++)
		if (!is_tchar(method[i]))
			return A_400;
	if (!read_until(&r, ' ', 2048, &target, &tl) || tl == 0 || target[0] != '/')
		return A_400;
	if (!read_until(&r, '\n', 10, &version, &vl))
		return A_400;
	if (vl && version[vl - 1] == '\r')
		vl--;
	if (vl != 8 || (memcmp(version, "HTTP/1.0", 8) != 0 && memcmp(version, "HTTP/1.1", 8) != 0))
		return A_400;
	if (ml != 3 || memcmp(method, "GET", 3) != 0)
		return A_405;
	size_t path = 0;
	while (path < tl && target[path] != '?')
		path++;
	if (path != 8 || memcmp(target, "/metrics", 8) != 0)
		return A_404;
	return A_200;
}

/* Where the head ends (after the empty line), or 0 if not yet. */
size_t metrics_http_head_end(const uint8_t *p, size_t len)
{
	for (size_t i = 0; i + 1 < len; i++) {
		if (p[i] != '\n')
			continue;
		if (p[i + 1] == '\n')
			return i + 2;
		if (i + 2 < len && p[i + 1] == '\r' && p[i + 2] == '\n')
			return i + 3;
	}
	return 0;
}

static void client_read(struct metrics *m, struct mclient *c)
{
	for (int i = 0; i < 4; i++) {
		ssize_t n = recv(c->fd, c->req + c->len, sizeof(c->req) - c->len, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (n <= 0) {
			client_close(m, c);
			return;
		}
		c->len += (size_t)n;
		if (metrics_http_head_end(c->req, c->len)) {
			int which = classify(c->req, c->len);
			if (which != A_200) {
				answer(m, c, which, NULL);
				return;
			}
			struct text body = { 0 };
			render(m, &body);
			if (body.err)
				client_close(m, c);
			else
				answer(m, c, A_200, &body);
			free(body.p);
			return;
		}
		if (c->len == sizeof(c->req)) {
			m->too_large++;
			answer(m, c, A_400, NULL);
			return;
		}
	}
}

static void client_io_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	(void)loop;
	(void)revents;
	struct mclient *c = container_of(w, struct mclient, io);
	struct metrics *m = w->data;
	if (c->state == MC_READING)
		client_read(m, c);
	else if (c->state == MC_WRITING)
		client_flush(m, c);
}

static void client_timer_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)loop;
	(void)revents;
	struct mclient *c = container_of(w, struct mclient, timer);
	struct metrics *m = w->data;
	m->timeouts++;
	client_close(m, c);
}

static struct mclient *free_slot(struct metrics *m)
{
	struct mclient *oldest = NULL;
	for (size_t i = 0; i < METRICS_MAX_CLIENTS; i++) {
		struct mclient *c = &m->clients[i];
		if (c->state == MC_FREE)
			return c;
		if (c->state == MC_READING && (!oldest || c->serial < oldest->serial))
			oldest = c;
	}
	if (oldest) {
		m->evicted++;
		client_close(m, oldest);
	}
	return oldest;
}

static void accept_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	(void)revents;
	struct metrics *m = w->data;
	for (int i = 0; i < 32; i++) {
		int fd = accept4(m->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0)
			return;
		struct mclient *c = free_slot(m);
		if (!c) {
			/* Every slot is writing an answer: this one waits its turn no more. */
			m->evicted++;
			close(fd);
			continue;
		}
		m->accepted++;
		c->state = MC_READING;
		c->fd = fd;
		c->serial = ++m->serial;
		c->len = 0;
		ev_io_init(&c->io, client_io_cb, fd, EV_READ);
		c->io.data = m;
		ev_timer_init(&c->timer, client_timer_cb, METRICS_READ_SECS, 0.);
		c->timer.data = m;
		ev_io_start(loop, &c->io);
		ev_timer_start(loop, &c->timer);
	}
}

int metrics_http_status(const uint8_t *req, size_t len)
{
	static const int code[] = { [A_200] = 200, [A_400] = 400, [A_404] = 404, [A_405] = 405 };
	return code[classify(req, len)];
}

/* ---- loop lag ---- */

static void lag_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)revents;
	struct metrics *m = w->data;
	ev_now_update(loop);
	double lag = ev_now(loop) - m->lag_due;
	if (lag < 0)
		lag = 0;
	m->lag_last = lag;
	if (lag > m->lag_max)
		m->lag_max = lag;
	m->lag_due = ev_now(loop) + 1.0;
	ev_timer_set(w, 1.0, 0.);
	ev_timer_start(loop, w);
}

/* ---- life ---- */

struct metrics *metrics_open(struct server *srv)
{
	const struct config *cfg = srv->cfg;
	struct sockaddr_storage ss;
	socklen_t sl;

	if (!netaddr_parse(cfg->metrics_listen, 0, &ss, &sl)) {
		log_errx("metrics-listen %s: not an address", cfg->metrics_listen);
		return NULL;
	}
	struct metrics *m = calloc(1, sizeof(*m));
	if (!m) {
		log_errx("out of memory");
		return NULL;
	}
	m->srv = srv;
	netaddr_format(&ss, true, m->addr, sizeof(m->addr));
	m->fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	int one = 1;
	if (m->fd < 0 || setsockopt(m->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
	    bind(m->fd, (const struct sockaddr *)&ss, sl) != 0 || listen(m->fd, 64) != 0) {
		log_err("metrics-listen %s: cannot listen", m->addr);
		if (m->fd >= 0)
			close(m->fd);
		free(m);
		return NULL;
	}
	return m;
}

void metrics_start(struct metrics *m)
{
	struct ev_loop *loop = m->srv->loop;
	ev_io_init(&m->accept_io, accept_cb, m->fd, EV_READ);
	m->accept_io.data = m;
	ev_io_start(loop, &m->accept_io);
	ev_timer_init(&m->lag_timer, lag_cb, 1.0, 0.);
	m->lag_timer.data = m;
	m->lag_due = ev_now(loop) + 1.0;
	ev_timer_start(loop, &m->lag_timer);
	log_notice("event=metrics-listening addr=%s max-clients=%d request-max=%d read-timeout=%.0f",
		   m->addr, METRICS_MAX_CLIENTS, METRICS_REQ_MAX, METRICS_READ_SECS);
}

void metrics_free(struct metrics *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < METRICS_MAX_CLIENTS; i++)
		client_close(m, &m->clients[i]);
	ev_io_stop(m->srv->loop, &m->accept_io);
	ev_timer_stop(m->srv->loop, &m->lag_timer);
	close(m->fd);
	free(m);
}
