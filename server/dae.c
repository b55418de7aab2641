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
#include <time.h>
#include <unistd.h>

#include "auth/radius_pkt.h"
#include "common/crypto.h"
#include "common/log.h"
#include "common/netaddr.h"
#include "server/dae_replay.h"
#include "server/server.h"
#include "server/session.h"

/* What the listener counts; every answer line and every rate-limited
 * warning carries the counters that concern it. */
struct dae_counters {
	uint64_t answered;      /* ACK or NAK sent for a new request */
	uint64_t dropped;       /* not answered: unknown client, bad signature, stale, ... */
	uint64_t duplicates;    /* seen before: the first answer sent again */
	uint64_t stale;         /* Event-Timestamp outside the window (also in dropped) */
	uint64_t no_ma;         /* refused: no Message-Authenticator */
	uint64_t no_ts;         /* refused: no Event-Timestamp */
	uint64_t full;          /* refused: the duplicate cache had no room */
};

struct dae {
	struct server *srv;
	int fd;
	ev_io io;
	uint64_t last_warn_ms;  /* drops are logged at most once a second */
	uint64_t last_dup_ms;   /* duplicates too */
	struct dae_counters n;
	struct dae_replay *replay;
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
	/* New rates (kbit/s): the pptpd vendor pair, else a Filter-Id rate. */
	bool set_rate, vendor_rate;
	uint32_t rate_down, rate_up;
	unsigned error;               /* non-zero: NAK with this Error-Cause */
};

/* Once a second at most per kind of line: *last is that kind's clock. */
static bool log_due(uint64_t *last)
{
	uint64_t now = server_now_ms();
	if (*last && now - *last < 1000)
		return false;
	*last = now;
	return true;
}

static void warn_drop(struct dae *d, const char *from, const char *why)
{
	d->n.dropped++;
	if (!log_due(&d->last_warn_ms))
		return;
	log_warnx("radius=dae from=%s event=request-dropped reason=%s dropped=%llu stale=%llu",
		  from, why, (unsigned long long)d->n.dropped, (unsigned long long)d->n.stale);
}

static bool attr_is(const struct radius_attr *a, const char *s)
{
	return a->len == strlen(s) && memcmp(a->val, s, a->len) == 0;
}

/* NAS-IP-Address and NAS-Identifier must name this server. */
static void check_nas(const struct server *srv, const struct radius_attr *a, struct ask *k)
{
	uint32_t v;

	if (a->type == RADIUS_NAS_IP_ADDRESS) {
		if (!radius_attr_u32(a, &v)) {
			k->error = RADIUS_ERR_INVALID_ATTRIBUTE_VALUE;
		} else if (!srv->cfg->radius_nas_ip.s_addr ||
			   v != ntohl(srv->cfg->radius_nas_ip.s_addr)) {
			if (!k->error)
				k->error = RADIUS_ERR_NAS_IDENTIFICATION_MISMATCH;
		}
		return;
	}
	const char *mine = srv->cfg->radius_nas_identifier ? srv->cfg->radius_nas_identifier
							   : srv->hostname;
	if (!attr_is(a, mine) && !k->error)
		k->error = RADIUS_ERR_NAS_IDENTIFICATION_MISMATCH;
}

/* Session-Timeout and Idle-Timeout: a CoA's new limits. */
static void read_limit(const struct radius_attr *a, bool coa, struct ask *k)
{
	uint32_t v;

	if (!coa) {
		k->error = RADIUS_ERR_UNSUPPORTED_ATTRIBUTE;
	} else if (!radius_attr_u32(a, &v)) {
		k->error = RADIUS_ERR_INVALID_ATTRIBUTE_VALUE;
	} else if (a->type == RADIUS_SESSION_TIMEOUT) {
		k->set_session = true;
		k->session_timeout = v;
	} else {
		k->set_idle = true;
		k->idle_timeout = v;
	}
}

/* A CoA's rate: the pptpd vendor pair (a missing one: no limit that way)
 * wins over Filter-Id; a Filter-Id that is no rate is a filter this server
 * cannot apply. */
static void read_rate(const struct radius_attr *a, bool coa, struct ask *k)
{
	uint32_t v, down, up;

	if (!coa) {
		k->error = RADIUS_ERR_UNSUPPORTED_ATTRIBUTE;
		return;
	}
	if (a->vendor == 0) {
		if (!auth_parse_rate(a->val, a->len, &down, &up)) {
			k->error = RADIUS_ERR_UNSUPPORTED_ATTRIBUTE;
		} else if (!k->vendor_rate) {
			k->set_rate = true;
			k->rate_down = down;
			k->rate_up = up;
		}
		return;
	}
	if (!radius_attr_u32(a, &v) || v > AUTH_RATE_KBIT_MAX) {
		k->error = RADIUS_ERR_INVALID_ATTRIBUTE_VALUE;
		return;
	}
	if (!k->vendor_rate)
		k->rate_down = k->rate_up = 0;
	k->set_rate = k->vendor_rate = true;
	if (a->type == RADIUS_PPTPD_RATE_LIMIT_DOWN)
		k->rate_down = v;
	else
		k->rate_up = v;
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
		if (a.vendor == RADIUS_VENDOR_PPTPD && (a.type == RADIUS_PPTPD_RATE_LIMIT_DOWN ||
							a.type == RADIUS_PPTPD_RATE_LIMIT_UP)) {
			read_rate(&a, coa, k);
			continue;
		}
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
		case RADIUS_NAS_IDENTIFIER:
			check_nas(srv, &a, k);
			break;
		case RADIUS_SESSION_TIMEOUT:
		case RADIUS_IDLE_TIMEOUT:
			read_limit(&a, coa, k);
			break;
		case RADIUS_FILTER_ID:
			read_rate(&a, coa, k);
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
	if (!k->error && coa && !k->set_session && !k->set_idle && !k->set_rate)
		k->error = RADIUS_ERR_MISSING_ATTRIBUTE;
}

static bool matches(const struct session *s, const struct ask *k)
{
	if (!session_is_authed(s))
		return false;
	if (k->user && (!k->user_ok || strcmp(k->user_name, session_user(s)) != 0))
		return false;
	if (k->sid && !attr_is(k->sid, session_acct_id(s)))
		return false;
	if (k->has_ip && k->ip != session_addr(s))
		return false;
	return true;
}

/* Act on every matching session; how many there were. The walk goes by
 * the session table's slots, not the list: closing one session may tear
 * down others on its control connection (moving them to the reaper's
 * list, where a saved next pointer would lead); a session killed that way
 * has left its slot and is simply not found. Nothing here creates
 * sessions, so each slot is visited once. */
static unsigned act(struct dae *d, const struct ask *k, bool coa, const char *from)
{
	struct server *srv = d->srv;
	unsigned n = 0;

	for (uint32_t i = 0; i < srv->nslots; i++) {
		struct session *s = srv->session_slot[i];
		if (!s || !matches(s, k))
			continue;
		n++;
		log_notice("%s event=%s from=%s", session_log_id(s),
			   coa ? "coa" : "disconnect-request", from);
		if (coa && (k->set_session || k->set_idle))
			session_set_limits(s, k->set_session, k->session_timeout, k->set_idle,
					   k->idle_timeout);
		if (coa && k->set_rate)
			session_set_rate(s, k->rate_down, k->rate_up);
		if (!coa)
			session_close(s, PPP_CAUSE_ADMIN, "RADIUS Disconnect-Request");
	}
	return n;
}

/* Sign and send the answer; remember it for duplicates for ttl_ms (0:
 * not remembered). */
static void answer(struct dae *d, const struct radius_packet *p, const struct radius_secret *sec,
		   const struct sockaddr_storage *from, socklen_t fromlen, uint8_t code,
		   unsigned error, uint64_t ttl_ms)
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
		if (ttl_ms)
			dae_replay_add(d->replay, from, p->id, p->auth, w->buf, w->len,
				       server_now_ms(), ttl_ms);
	}
	free(w);
}

/* A request answered before (RFC 5176 2.3): the same answer again, from any
 * source port of that client; nothing is acted on twice. */
static bool resend_dup(struct dae *d, const struct radius_packet *p,
		       const struct sockaddr_storage *from, socklen_t fromlen, const char *fromstr)
{
	const uint8_t *reply;
	size_t len;

	if (!dae_replay_find(d->replay, from, p->id, p->auth, server_now_ms(), &reply, &len))
		return false;
	d->n.duplicates++;
	if (sendto(d->fd, reply, len, 0, (const struct sockaddr *)from, fromlen) < 0)
		log_warn("radius=dae event=send-failed");
	if (log_due(&d->last_dup_ms))
		log_notice("radius=dae from=%s event=duplicate id=%u answer=%s duplicates=%llu",
			   fromstr, p->id, radius_code_name(reply[0]),
			   (unsigned long long)d->n.duplicates);
	return true;
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

/* The configured dae-client a request comes from (its port too, when
 * one is configured), or NULL. */
static const struct config_radius_server *find_client(const struct config *cfg,
						      const struct sockaddr_storage *from)
{
	for (size_t i = 0; i < cfg->dae_clients.n; i++) {
		const struct config_radius_server *c = &cfg->dae_clients.s[i];
		bool port_ok = c->addr.ss_family == AF_INET
				       ? ((const struct sockaddr_in *)&c->addr)->sin_port == 0 ||
						 netaddr_equal(&c->addr, from)
				       : ((const struct sockaddr_in6 *)&c->addr)->sin6_port == 0 ||
						 netaddr_equal(&c->addr, from);
		if (netaddr_same_host(&c->addr, from) && port_ok)
			return c;
	}
	return NULL;
}

/* A verified, fresh request the configuration refuses before acting:
 * the Error-Cause (0: none) and *why. */
static unsigned refusal(struct dae *d, const struct radius_packet *p, enum dae_timestamp tsv,
			const char **why)
{
	const struct config *cfg = d->srv->cfg;

	if (tsv == DAE_TS_MALFORMED) {
		*why = "malformed-event-timestamp";
		return RADIUS_ERR_INVALID_ATTRIBUTE_VALUE;
	}
	if (tsv == DAE_TS_ABSENT && cfg->dae_require_event_timestamp) {
		d->n.no_ts++;
		*why = "no-event-timestamp";
		return RADIUS_ERR_MISSING_ATTRIBUTE;
	}
	if (cfg->dae_require_ma && !radius_count(p, 0, RADIUS_MESSAGE_AUTHENTICATOR)) {
		d->n.no_ma++;
		*why = "no-message-authenticator";
		return RADIUS_ERR_MISSING_ATTRIBUTE;
	}
	return 0;
}

/* A request from a configured client, a Disconnect- or CoA-Request,
 * signed with its secret (left in *sec) and no duplicate: true. Anything
 * else is dropped (counted, logged at most once a second) or, for a
 * duplicate, answered again; false. */
static bool admit(struct dae *d, const uint8_t *buf, size_t n,
		  const struct sockaddr_storage *from, socklen_t fromlen, const char *fromstr,
		  struct radius_packet *p, struct radius_secret *sec)
{
	const struct config_radius_server *client = find_client(d->srv->cfg, from);

	if (!client) {
		warn_drop(d, fromstr, "unknown-client");
		return false;
	}
	if (!radius_parse(buf, n, p)) {
		warn_drop(d, fromstr, "malformed");
		return false;
	}
	if (p->code != RADIUS_DISCONNECT_REQUEST && p->code != RADIUS_COA_REQUEST) {
		warn_drop(d, fromstr, "not-a-dae-request");
		return false;
	}
	if (!radius_secret_set(sec, client->secret)) {
		warn_drop(d, fromstr, "bad-secret");
		return false;
	}
	enum radius_verify_result v = radius_verify(p, RADIUS_SIGN_REQUEST_HASH, sec, NULL, false);
	if (v != RADIUS_OK) {
		warn_drop(d, fromstr, radius_verify_name(v));
		crypto_wipe(sec, sizeof(*sec));
		return false;
	}
	if (resend_dup(d, p, from, fromlen, fromstr)) {
		crypto_wipe(sec, sizeof(*sec));
		return false;
	}
	return true;
}

static void on_request(struct dae *d, const uint8_t *buf, size_t n,
		       const struct sockaddr_storage *from, socklen_t fromlen)
{
	const struct config *cfg = d->srv->cfg;
	char fromstr[NETADDR_STRLEN];
	struct radius_packet p;
	struct radius_secret sec;

	netaddr_format(from, true, fromstr, sizeof(fromstr));
	if (!admit(d, buf, n, from, fromlen, fromstr, &p, &sec))
		return;
	/* Replay protection (RFC 5176 6.3): a stale Event-Timestamp is silently
	 * discarded; requests without the attributes the configuration
	 * requires are refused (402 Missing Attribute) without acting. */
	uint64_t now_s = (uint64_t)time(NULL);
	uint32_t ts = 0;
	enum dae_timestamp tsv = dae_timestamp_check(&p, now_s, cfg->dae_event_timestamp_window,
						     &ts);
	if (tsv == DAE_TS_STALE) {
		d->n.stale++;
		warn_drop(d, fromstr, "stale-event-timestamp");
		crypto_wipe(&sec, sizeof(sec));
		return;
	}
	bool coa = p.code == RADIUS_COA_REQUEST;
	const char *refused = NULL;
	unsigned error = refusal(d, &p, tsv, &refused);
	/* An answer that could not be remembered could be replayed: with the
	 * cache full of live answers, refuse rather than act. */
	uint64_t ttl_ms = dae_replay_ttl_ms(tsv == DAE_TS_CURRENT, ts, now_s,
					    cfg->dae_event_timestamp_window);
	if (!error && !dae_replay_room(d->replay, server_now_ms())) {
		d->n.full++;
		error = RADIUS_ERR_RESOURCES_UNAVAILABLE;
		refused = "duplicate-cache-full";
		ttl_ms = 0;
	}
	struct ask k;
	unsigned matched = 0;
	if (!error) {
		read_ask(d, &p, coa, &k);
		error = k.error;
	}
	if (!error) {
		matched = act(d, &k, coa, fromstr);
		if (!matched)
			error = RADIUS_ERR_SESSION_CONTEXT_NOT_FOUND;
	}
	uint8_t code = coa ? (error ? RADIUS_COA_NAK : RADIUS_COA_ACK)
			   : (error ? RADIUS_DISCONNECT_NAK : RADIUS_DISCONNECT_ACK);
	d->n.answered++;
	log_notice("radius=dae from=%s event=%s id=%u sessions=%u error-cause=%u reason=%s "
		   "event-timestamp=%s answered=%llu duplicates=%llu dropped=%llu stale=%llu "
		   "no-ma=%llu no-ts=%llu cache-full=%llu",
		   fromstr, code_text(code), p.id, matched, error, refused ? refused : "-",
		   dae_timestamp_name(tsv), (unsigned long long)d->n.answered,
		   (unsigned long long)d->n.duplicates, (unsigned long long)d->n.dropped,
		   (unsigned long long)d->n.stale, (unsigned long long)d->n.no_ma,
		   (unsigned long long)d->n.no_ts, (unsigned long long)d->n.full);
	answer(d, &p, &sec, from, fromlen, code, error, ttl_ms);
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

	if (!netaddr_parse(cfg->dae_listen, CONFIG_DAE_PORT, &ss, &sl)) {
		log_errx("dae-listen %s: not an address", cfg->dae_listen);
		return NULL;
	}
	struct dae *d = calloc(1, sizeof(*d));
	if (!d) {
		log_errx("out of memory");
		return NULL;
	}
	d->srv = srv;
	d->replay = dae_replay_new();
	if (!d->replay) {
		log_errx("out of memory");
		free(d);
		return NULL;
	}
	d->fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (d->fd < 0 || bind(d->fd, (const struct sockaddr *)&ss, sl) < 0) {
		log_err("dae-listen %s: cannot bind", cfg->dae_listen);
		if (d->fd >= 0)
			close(d->fd);
		dae_replay_free(d->replay);
		free(d);
		return NULL;
	}
	ev_io_init(&d->io, io_cb, d->fd, EV_READ);
	ev_io_start(srv->loop, &d->io);
	char a[NETADDR_STRLEN];
	netaddr_format(&ss, true, a, sizeof(a));
	log_notice("radius=dae event=listening addr=%s clients=%zu require-message-authenticator=%s "
		   "require-event-timestamp=%s event-timestamp-window=%u", a, cfg->dae_clients.n,
		   cfg->dae_require_ma ? "yes" : "no",
		   cfg->dae_require_event_timestamp ? "yes" : "no", cfg->dae_event_timestamp_window);
	return d;
}

void dae_free(struct dae *d)
{
	if (!d)
		return;
	ev_io_stop(d->srv->loop, &d->io);
	close(d->fd);
	dae_replay_free(d->replay);
	free(d);
}
