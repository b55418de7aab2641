/*
 * RFC 5176 Disconnect-Request and CoA-Request (see dae.h).
 */
#include "server/dae.h"

#include <arpa/inet.h>
#include <errno.h>
#include <ev.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "auth/radius_pkt.h"
#include "common/crypto.h"
#include "common/log.h"
#include "common/netaddr.h"
#include "server/server.h"
#include "server/session.h"

struct dup {
	struct sockaddr_storage from;
	uint8_t id;
	uint8_t auth[RADIUS_AUTH_LEN];
	uint64_t at_ms;
	size_t len;
	uint8_t reply[RADIUS_MAX_LEN];
};

struct dae {
	struct server *srv;
	int fd;
	ev_io io;
	uint64_t last_warn_ms;
	uint64_t dropped;
	struct dup dups[DAE_DUP_SLOTS];
	size_t dup_next;
};

/* What a request asks for. */
struct ask {
	const struct radius_attr *user, *sid;
	struct radius_attr a_user, a_sid;
	/* User-Name made canonical as a login's name is (session.h), so
	 * "DOMAIN\alice" finds alice's sessions when domains are stripped;
	 * a name no login could have matches nothing. */
	bool user_ok;
	char user_name[AUTH_USER_MAX + 1];
	bool has_ip;
	uint32_t ip;                  /* host order */
	bool set_session, set_idle;
	uint32_t session_timeout, idle_timeout;
	unsigned error;               /* non-zero: NAK with this Error-Cause */
};

static void warn_drop(struct dae *d, const char *from, const char *why)
{
	uint64_t now = server_now_ms();
	d->dropped++;
	if (now - d->last_warn_ms < 1000)
		return;
	d->last_warn_ms = now;
	log_warnx("radius=dae from=%s event=request-dropped reason=%s dropped=%llu", from, why,
		  (unsigned long long)d->dropped);
}

static bool attr_is(const struct radius_attr *a, const char *s)
{
	return a->len == strlen(s) && memcmp(a->val, s, a->len) == 0;
}

static void read_ask(struct dae *d, const struct radius_packet *p, bool coa, struct ask *k)
{
	const struct server *srv = d->srv;
	struct radius_iter it;
	struct radius_attr a;
	uint32_t v;

	memset(k, 0, sizeof(*k));
	radius_iter_init(&it, p);
	while (radius_iter_next(&it, &a)) {
		if (a.vendor) {
			k->error = RADIUS_ERR_UNSUPPORTED_ATTRIBUTE;
			continue;
		}
		switch (a.type) {
		case RADIUS_USER_NAME:
			k->a_user = a;
			k->user = &k->a_user;
			k->user_ok = session_canonical_user(srv, a.val, a.len, k->user_name) ==
				     AUTH_USER_OK;
			break;
		case RADIUS_ACCT_SESSION_ID:
			k->a_sid = a;
			k->sid = &k->a_sid;
			break;
		case RADIUS_FRAMED_IP_ADDRESS:
			if (!radius_attr_u32(&a, &v)) {
				k->error = RADIUS_ERR_INVALID_ATTRIBUTE_VALUE;
				break;
			}
			k->has_ip = true;
			k->ip = v;
			break;
		case RADIUS_NAS_IP_ADDRESS:
			if (!radius_attr_u32(&a, &v)) {
				k->error = RADIUS_ERR_INVALID_ATTRIBUTE_VALUE;
			} else if (!srv->cfg->radius_nas_ip.s_addr ||
				   v != ntohl(srv->cfg->radius_nas_ip.s_addr)) {
				if (!k->error)
					k->error = RADIUS_ERR_NAS_IDENTIFICATION_MISMATCH;
			}
			break;
		case RADIUS_NAS_IDENTIFIER: {
			const char *mine = srv->cfg->radius_nas_identifier
						   ? srv->cfg->radius_nas_identifier
						   : srv->hostname;
			if (!attr_is(&a, mine) && !k->error)
				k->error = RADIUS_ERR_NAS_IDENTIFICATION_MISMATCH;
			break;
		}
		case RADIUS_SESSION_TIMEOUT:
		case RADIUS_IDLE_TIMEOUT:
			if (!coa) {
				k->error = RADIUS_ERR_UNSUPPORTED_ATTRIBUTE;
			} else if (!radius_attr_u32(&a, &v)) {
				k->error = RADIUS_ERR_INVALID_ATTRIBUTE_VALUE;
			} else if (a.type == RADIUS_SESSION_TIMEOUT) {
				k->set_session = true;
				k->session_timeout = v;
			} else {
				k->set_idle = true;
				k->idle_timeout = v;
			}
			break;
		case RADIUS_SERVICE_TYPE:
			k->error = RADIUS_ERR_UNSUPPORTED_SERVICE;
			break;
		case RADIUS_MESSAGE_AUTHENTICATOR:
		case RADIUS_PROXY_STATE:
		case RADIUS_EVENT_TIMESTAMP:
		case RADIUS_ACCT_TERMINATE_CAUSE:
		case RADIUS_NAS_PORT:
		case RADIUS_CALLING_STATION_ID:
		case RADIUS_CALLED_STATION_ID:
		case RADIUS_REPLY_MESSAGE:
			break;
		default:
			k->error = RADIUS_ERR_UNSUPPORTED_ATTRIBUTE;
			break;
		}
	}
	if (!k->error && !k->user && !k->sid && !k->has_ip)
		k->error = RADIUS_ERR_MISSING_ATTRIBUTE;
	if (!k->error && coa && !k->set_session && !k->set_idle)
		k->error = RADIUS_ERR_MISSING_ATTRIBUTE;
}

static bool matches(const struct session *s, const struct ask *k)
{
	if (!session_is_up(s) && !s->authed)
		return false;
	if (k->user && (!k->user_ok || strcmp(k->user_name, s->user) != 0))
		return false;
	if (k->sid && !attr_is(k->sid, s->acct_id))
		return false;
	if (k->has_ip && k->ip != s->addr)
		return false;
	return true;
}

/* Act on every matching session; how many there were. */
static unsigned act(struct dae *d, const struct ask *k, bool coa, const char *from)
{
	unsigned n = 0;
	struct session *s = d->srv->sessions;

	while (s) {
		struct session *next = s->next;
		if (!s->dying && !s->link_done && matches(s, k)) {
			n++;
			log_notice("session=%u user=%s event=%s from=%s", s->serial, LOG_ESC(s->user),
				   coa ? "coa" : "disconnect-request", from);
			if (coa)
				session_set_limits(s, k->set_session, k->session_timeout, k->set_idle,
						   k->idle_timeout);
			else
				session_close(s, PPP_CAUSE_ADMIN, "RADIUS Disconnect-Request");
		}
		s = next;
	}
	return n;
}

static void answer(struct dae *d, const struct radius_packet *p, const struct radius_secret *sec,
		   const struct sockaddr_storage *from, socklen_t fromlen, uint8_t code,
		   unsigned error)
{
	struct radius_writer *w = malloc(sizeof(*w));
	struct radius_iter it;
	struct radius_attr a;

	if (!w)
		return;
	radius_writer_init(w, code, p->id, NULL);
	if (error)
		radius_put_u32(w, RADIUS_ERROR_CAUSE, error);
	radius_iter_init(&it, p);
	while (radius_iter_next(&it, &a))
		if (!a.vendor && a.type == RADIUS_PROXY_STATE)
			radius_put(w, RADIUS_PROXY_STATE, a.val, a.len);
	radius_put_ma(w);
	if (radius_finish(w, RADIUS_SIGN_RESPONSE, sec, p->auth)) {
		if (sendto(d->fd, w->buf, w->len, 0, (const struct sockaddr *)from, fromlen) < 0)
			log_warn("radius=dae event=send-failed");
		struct dup *u = &d->dups[d->dup_next++ % DAE_DUP_SLOTS];
		u->from = *from;
		u->id = p->id;
		memcpy(u->auth, p->auth, RADIUS_AUTH_LEN);
		u->at_ms = server_now_ms();
		u->len = w->len;
		memcpy(u->reply, w->buf, w->len);
	}
	free(w);
}

static bool resend_dup(struct dae *d, const struct radius_packet *p,
		       const struct sockaddr_storage *from, socklen_t fromlen)
{
	uint64_t now = server_now_ms();
	for (size_t i = 0; i < DAE_DUP_SLOTS; i++) {
		struct dup *u = &d->dups[i];
		if (u->len && u->id == p->id && now - u->at_ms < DAE_DUP_SECS * 1000u &&
		    netaddr_equal(&u->from, from) &&
		    memcmp(u->auth, p->auth, RADIUS_AUTH_LEN) == 0) {
			if (sendto(d->fd, u->reply, u->len, 0, (const struct sockaddr *)from,
				   fromlen) < 0)
				log_warn("radius=dae event=send-failed");
			return true;
		}
	}
	return false;
}

static const char *code_text(uint8_t code)
{
	switch (code) {
	case RADIUS_DISCONNECT_ACK: return "disconnect-ack";
	case RADIUS_DISCONNECT_NAK: return "disconnect-nak";
	case RADIUS_COA_ACK: return "coa-ack";
	case RADIUS_COA_NAK: return "coa-nak";
	}
	return "?";
}

static void on_request(struct dae *d, const uint8_t *buf, size_t n,
		       const struct sockaddr_storage *from, socklen_t fromlen)
{
	const struct config *cfg = d->srv->cfg;
	char fromstr[NETADDR_STRLEN];
	struct radius_packet p;
	struct radius_secret sec;
	const struct config_radius_server *client = NULL;

	netaddr_format(from, true, fromstr, sizeof(fromstr));
	for (size_t i = 0; i < cfg->dae_clients.n; i++) {
		const struct config_radius_server *c = &cfg->dae_clients.s[i];
		bool port_ok = c->addr.ss_family == AF_INET
				       ? ((const struct sockaddr_in *)&c->addr)->sin_port == 0 ||
						 netaddr_equal(&c->addr, from)
				       : ((const struct sockaddr_in6 *)&c->addr)->sin6_port == 0 ||
						 netaddr_equal(&c->addr, from);
		if (netaddr_same_host(&c->addr, from) && port_ok) {
			client = c;
			break;
		}
	}
	if (!client) {
		warn_drop(d, fromstr, "unknown-client");
		return;
	}
	if (!radius_parse(buf, n, &p)) {
		warn_drop(d, fromstr, "malformed");
		return;
	}
	if (p.code != RADIUS_DISCONNECT_REQUEST && p.code != RADIUS_COA_REQUEST) {
		warn_drop(d, fromstr, "not-a-dae-request");
		return;
	}
	if (!radius_secret_set(&sec, client->secret)) {
		warn_drop(d, fromstr, "bad-secret");
		return;
	}
	enum radius_verify_result v = radius_verify(&p, RADIUS_SIGN_REQUEST_HASH, &sec, NULL, false);
	if (v != RADIUS_OK) {
		warn_drop(d, fromstr, radius_verify_name(v));
		crypto_wipe(&sec, sizeof(sec));
		return;
	}
	if (resend_dup(d, &p, from, fromlen)) {
		crypto_wipe(&sec, sizeof(sec));
		return;
	}
	bool coa = p.code == RADIUS_COA_REQUEST;
	struct ask k;
	read_ask(d, &p, coa, &k);
	unsigned error = k.error;
	unsigned matched = 0;
	if (!error) {
		matched = act(d, &k, coa, fromstr);
		if (!matched)
			error = RADIUS_ERR_SESSION_CONTEXT_NOT_FOUND;
	}
	uint8_t code = coa ? (error ? RADIUS_COA_NAK : RADIUS_COA_ACK)
			   : (error ? RADIUS_DISCONNECT_NAK : RADIUS_DISCONNECT_ACK);
	log_notice("radius=dae from=%s event=%s sessions=%u error-cause=%u", fromstr,
		   code_text(code), matched, error);
	answer(d, &p, &sec, from, fromlen, code, error);
	crypto_wipe(&sec, sizeof(sec));
}

static void io_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct dae *d = container_of(w, struct dae, io);
	uint8_t buf[RADIUS_MAX_LEN];
	(void)loop;
	(void)revents;

	for (int i = 0; i < 32; i++) {
		struct sockaddr_storage from;
		socklen_t fl = sizeof(from);
		ssize_t n = recvfrom(d->fd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &fl);
		if (n < 0)
			return;
		on_request(d, buf, (size_t)n, &from, fl);
	}
}

struct dae *dae_open(struct server *srv)
{
	const struct config *cfg = srv->cfg;
	struct sockaddr_storage ss;
	socklen_t sl;

	if (!netaddr_parse(cfg->dae_listen, 3799, &ss, &sl)) {
		log_errx("dae-listen %s: not an address", cfg->dae_listen);
		return NULL;
	}
	struct dae *d = calloc(1, sizeof(*d));
	if (!d) {
		log_errx("out of memory");
		return NULL;
	}
	d->srv = srv;
	d->fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (d->fd < 0 || bind(d->fd, (const struct sockaddr *)&ss, sl) < 0) {
		log_err("dae-listen %s: cannot bind", cfg->dae_listen);
		if (d->fd >= 0)
			close(d->fd);
		free(d);
		return NULL;
	}
	ev_io_init(&d->io, io_cb, d->fd, EV_READ);
	ev_io_start(srv->loop, &d->io);
	char a[NETADDR_STRLEN];
	netaddr_format(&ss, true, a, sizeof(a));
	log_notice("radius=dae event=listening addr=%s clients=%zu", a, cfg->dae_clients.n);
	return d;
}

void dae_close(struct dae *d)
{
	if (!d)
		return;
	ev_io_stop(d->srv->loop, &d->io);
	close(d->fd);
	free(d);
}
